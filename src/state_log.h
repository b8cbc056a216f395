/*
 * state_log.h - the log of lead state changes (followup.state_change).
 */
#ifndef FOLLOWUP_STATE_LOG_H
#define FOLLOWUP_STATE_LOG_H

#include "config_cache.h"
#include "executor/spi.h"

/* The interaction being applied (0: none), for the rows the trigger logs. */
extern void state_log_set_interaction(int64 interaction_id);
/* While true, the trigger logs nothing (the replay logs for itself). */
extern void state_log_suppress(bool suppress);
/* Insert one row; SPI must be connected.  from_state InvalidOid = none. */
extern void log_state_change(int64 tenant_id, int64 lead_id, TimestampTz at,
							 Oid from_state, Oid to_state, int64 interaction_id);

/*
 * SPI_execute_plan() as the owner of the history (the engine's own writes
 * to followup.state_change and the interaction stamps); SPI's return code.
 */
extern int	execute_as_history_owner(SPIPlanPtr plan, Datum *args, const char *nulls);

#endif							/* FOLLOWUP_STATE_LOG_H */
