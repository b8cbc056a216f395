/*
 * complete_batch.h - the tasks of a complete_tasks call and their leads,
 * locked by one statement.
 */
#ifndef FOLLOWUP_COMPLETE_BATCH_H
#define FOLLOWUP_COMPLETE_BATCH_H

#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"

struct BatchEntry;

typedef struct CompleteBatch
{
	SPITupleTable *rows;		/* what the lock statement returned */
	int			nrows;
	struct BatchEntry *entries; /* rows by task_id */
	Relation	task;
	Relation	lead;
	TupleTableSlot *task_slot;
	TupleTableSlot *lead_slot;
} CompleteBatch;

/*
 * Lock the tasks task_ids (int8) of the tenant and their leads in one
 * statement, in lead order (SPI connected); false, nothing done, where
 * complete_task's lock must lock each (Citus).
 */
extern bool complete_batch_lock(int64 tenant_id, Datum *task_ids, int ntasks,
								CompleteBatch *batch);

/*
 * The row of task_id as complete_task's lock statement would return it now
 * (its columns, then more): the batch's, if neither the task nor its lead
 * has changed since they were locked; NULL when complete_task's lock must
 * read it again.
 */
extern HeapTuple complete_batch_row(CompleteBatch *batch, int64 task_id, TupleDesc *desc);

extern void complete_batch_end(CompleteBatch *batch);

#endif							/* FOLLOWUP_COMPLETE_BATCH_H */
