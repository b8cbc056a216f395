/*
 * live_task.h - may a lead have an open or claimed task?
 */
#ifndef FOLLOWUP_LIVE_TASK_H
#define FOLLOWUP_LIVE_TASK_H

#include "postgres.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* false only if no version of a live task of the lead exists */
extern bool live_task_maybe(int64 tenant_id, int64 lead_id);

typedef enum LiveTask
{
	LIVE_TASK_NONE,				/* the snapshot sees no open or claimed task */
	LIVE_TASK_FOUND,			/* it sees one */
	LIVE_TASK_UNKNOWN			/* not looked: use the statement */
} LiveTask;

/*
 * Does snapshot see an open or claimed task of the lead, read through
 * task_one_live_per_lead (one descent of the index, whatever the
 * statistics say)?  UNKNOWN when the index is not the one followup made,
 * on Citus, or without the privileges the statement needs.
 */
extern LiveTask live_task_visible(int64 tenant_id, int64 lead_id, Snapshot snapshot);

/*
 * followup.task (RowExclusiveLock) and task_one_live_per_lead
 * (AccessShareLock), opened when the index is the one followup made and the
 * role has the privileges the statements need (as for live_task_visible);
 * false, nothing open, otherwise.  The caller closes both.
 */
extern bool live_task_open(Relation *task, Relation *index);

/*
 * Fetch into slot the open or claimed task of the lead that snapshot sees,
 * through index (opened by live_task_open); false if there is none.
 */
extern bool live_task_fetch(Relation task, Relation index, int64 tenant_id, int64 lead_id,
							Snapshot snapshot, TupleTableSlot *slot);

/* Refuse a live task that a CRM's trigger kept after followup closed it. */
extern void live_task_check_written(int64 tenant_id, int64 lead_id);

#endif							/* FOLLOWUP_LIVE_TASK_H */
