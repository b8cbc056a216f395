/*
 * lead.h - a followup.lead row in C: reading it from a tuple, writing it
 * back, and locking then updating one lead through a handle.
 */
#ifndef FOLLOWUP_LEAD_H
#define FOLLOWUP_LEAD_H

#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "columns.h"
#include "domain.h"

/* A followup.lead row; NA_NONE, 0 and DT_NOBEGIN stand for NULL as noted. */
typedef struct LeadRow
{
	int64		tenant_id;
	int64		lead_id;
	LeadState	state;
	TimestampTz state_since;
	TimestampTz anchor_at;
	int32		touches;
	int32		plan_b_step;	/* 0 = NULL */
	NextAction	next_action;	/* NA_NONE = NULL */
	TimestampTz next_followup_at;
	char	   *timezone;
	TimestampTz last_inbound_at;
	TimestampTz last_outbound_at;
	TimestampTz last_event_at;
	float4		momentum;
	TimestampTz momentum_at;
	bool		do_not_contact;
	char	   *closed_reason;
	TimestampTz created_at;
	char	   *reason;		/* the stay's latest reason (after_sale.sql); NULL = none */
	/* contact pressure (pressure_touch.c): the touches the caps count, loaded on use */
	struct TouchHistory *history;
	const char *plan_note;		/* what moved the plan ("2 touches in the last 24 h") */
} LeadRow;

/* The columns of followup.lead, in lead_cols[] order. */
typedef enum LeadCol
{
	LC_TENANT_ID, LC_LEAD_ID, LC_STATE, LC_STATE_SINCE, LC_ANCHOR_AT, LC_TOUCHES, LC_PLAN_B_STEP,
	LC_NEXT_ACTION, LC_NEXT_FOLLOWUP_AT, LC_TIMEZONE, LC_LAST_INBOUND_AT,
	LC_LAST_OUTBOUND_AT, LC_LAST_EVENT_AT, LC_MOMENTUM, LC_MOMENTUM_AT,
	LC_DO_NOT_CONTACT, LC_CLOSED_REASON, LC_CREATED_AT, LC_UPDATED_AT, LC_REASON, LC_COUNT
} LeadCol;

extern const ColumnSpec lead_cols[LC_COUNT];

/* The attribute numbers of rel's (followup.lead's) columns, by LeadCol. */
extern const int *lead_column_map(Relation rel);

/*
 * Every lead column, in lead_cols[] order, appended to sql as a select
 * list; identity (LC_COUNT) gets their attribute numbers in its result.
 */
extern void lead_select_list(struct StringInfoData *sql, int *identity);

/* Read the lead in tup (desc, attribute numbers att by LeadCol). */
extern void lead_from_tuple(LeadRow *lead, HeapTuple tup, TupleDesc desc, const int *att);

/*
 * tup with every column the planner and the rules write replaced by lead's
 * (lead NULL: none), and updated_at stamped.
 */
extern HeapTuple lead_modify_tuple(HeapTuple tup, TupleDesc desc, const int *att,
								   const LeadRow *lead);

/* A lead locked for update, and the version locked. */
typedef struct LeadHandle
{
	LeadRow		row;
	ItemPointerData tid;		/* the version locked; invalid: unknown */
	bool		direct;			/* locked without statements: may be written so */
} LeadHandle;

/*
 * Lock and read the lead as SELECT ... FOR NO KEY UPDATE does; false if it
 * does not exist.  SPI must be connected.
 */
extern bool lead_lock(int64 tenant_id, int64 lead_id, LeadHandle *h);

/*
 * Write h->row back to the lead h locked, planned: its own row trigger only
 * stamps updated_at.  A state change is logged as caused by interaction_id
 * (not at all unless log_state).  SPI must be connected.
 */
extern void lead_update(LeadHandle *h, int64 interaction_id, bool log_state);

/*
 * lead_update(h, 0, false) for n leads, written one after another with one
 * executor state where the leads can be written without statements.
 */
extern void lead_update_all(LeadHandle **leads, int n);

/*
 * Is tup (the old row of an UPDATE of followup.lead) the lead lead_update()
 * is writing?  If so, that write is over: a later UPDATE is the CRM's.
 */
extern bool lead_take_planned_write(HeapTuple tup, TupleDesc desc, const int *att);

#endif							/* FOLLOWUP_LEAD_H */
