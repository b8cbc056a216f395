/*
 * state_log.h - the log of lead state changes (followup.state_change).
 */
#ifndef FOLLOWUP_STATE_LOG_H
#define FOLLOWUP_STATE_LOG_H

#include "config_cache.h"
#include "executor/spi.h"

/* the lead being written by lead_update(), and how its state change is logged */
typedef struct StateLogScope
{
	bool		active;
	int64		tenant_id;
	int64		lead_id;
	int64		interaction_id; /* the cause (0: none) */
	bool		suppress;		/* log nothing: the replay logs for itself */
	int			nest_level;		/* GetCurrentTransactionNestLevel() */
} StateLogScope;

/*
 * From here to state_log_scope_end(saved), a state change of that one lead
 * is logged as caused by interaction_id, or not at all (suppress); others
 * are logged as usual.  End it in PG_FINALLY.
 */
extern void state_log_scope_begin(int64 tenant_id, int64 lead_id, int64 interaction_id,
								  bool suppress, StateLogScope *saved);
extern void state_log_scope_end(const StateLogScope *saved);
/* Insert one row; SPI must be connected.  from_state InvalidOid = none. */
extern void log_state_change(int64 tenant_id, int64 lead_id, TimestampTz at,
							 Oid from_state, Oid to_state, int64 interaction_id);

/*
 * SPI_execute_plan() as the owner of the history (the engine's own writes
 * to followup.state_change and the interaction stamps); SPI's return code.
 */
extern int	execute_as_history_owner(SPIPlanPtr plan, Datum *args, const char *nulls);

#endif							/* FOLLOWUP_STATE_LOG_H */
