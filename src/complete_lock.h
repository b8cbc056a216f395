/*
 * complete_lock.h - complete_task's lock of the task and its lead, without
 * a statement.
 */
#ifndef FOLLOWUP_COMPLETE_LOCK_H
#define FOLLOWUP_COMPLETE_LOCK_H

#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"

typedef enum CompleteLock
{
	COMPLETE_LOCK_FOUND,		/* locked: the statement's row in *row */
	COMPLETE_LOCK_MISSING,		/* the statement would return no row */
	COMPLETE_LOCK_STATEMENT		/* nothing done: use the statement */
} CompleteLock;

/*
 * Lock the task of the tenant and its lead as complete_task's statement
 * would, and give its row (lead_id, status, done_at, claimed_by, channel,
 * the lead's state, next_action, last_event_at), made in the current
 * memory context.
 */
extern CompleteLock complete_lock_direct(int64 tenant_id, int64 task_id, HeapTuple *row,
										 TupleDesc *desc);

#endif							/* FOLLOWUP_COMPLETE_LOCK_H */
