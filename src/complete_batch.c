/*
 * complete_batch.c - the tasks of a complete_tasks call and their leads,
 * locked by one statement.
 *
 * complete_task locks the task's lead and then the task with one SELECT
 * ... FOR NO KEY UPDATE OF lead FOR UPDATE OF task, and decides on what it
 * read.  complete_tasks did that once per task, about a tenth of a touch's
 * instructions.  Here one statement locks them all, ordered by lead and
 * task, so that two batches sharing leads lock them in the same order and
 * cannot deadlock (each row still locks its lead before its task, the order
 * of every writer); it returns what complete_task's statement returns, and
 * the version of each row it locked.
 *
 * A task is then completed on what the batch statement read only if
 * neither its row nor its lead's has changed since (an earlier task of the
 * batch touched the same lead, the same task is given twice, a trigger of
 * the CRM wrote it): the version locked is still the one a new snapshot
 * sees.  Otherwise, and for a task the statement did not find, complete_task's
 * own lock reads it again, as complete_task would at that moment.  On Citus
 * the rows are in the shards: complete_task's lock, task by task.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "complete_batch.h"
#include "followup.h"
#include "kept_plan.h"
#include "relations.h"

/* complete_task's lock statement's columns, then task_id and the versions locked */
#define BATCH_TASK_ID 9
#define BATCH_TASK_TID 10
#define BATCH_LEAD_TID 11

static KeptPlan batch_lock_plan;

typedef struct BatchEntry
{
	int64		task_id;
	int			row;			/* in rows->vals */
} BatchEntry;

static int
entry_cmp(const void *a, const void *b)
{
	int64		x = ((const BatchEntry *) a)->task_id;
	int64		y = ((const BatchEntry *) b)->task_id;

	return x < y ? -1 : x > y ? 1 : 0;
}

bool
complete_batch_lock(int64 tenant_id, Datum *task_ids, int ntasks, CompleteBatch *batch)
{
	Oid			task_relid = followup_relid(FR_TASK);
	Oid			lead_relid = followup_relid(FR_LEAD);
	Datum		args[2];
	bool		isnull;

	memset(batch, 0, sizeof(CompleteBatch));
	if (ntasks == 0 || !OidIsValid(task_relid) || !OidIsValid(lead_relid) ||
		followup_is_citus_table(task_relid))
		return false;
	if (!kept_plan_current(&batch_lock_plan))
	{
		Oid			types[2] = {INT8OID, INT8ARRAYOID};

		kept_plan_prepare(&batch_lock_plan, "SELECT t.lead_id, t.status::pg_catalog.text, t.done_at, t.claimed_by,"
						  " t.channel, l.state::pg_catalog.text, l.next_action::pg_catalog.text,"
						  " l.last_event_at, t.task_id, t.ctid, l.ctid"
						  " FROM followup.task t"
						  " JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id"
						  "  AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id"
						  " WHERE t.tenant_id OPERATOR(pg_catalog.=) $1"
						  " AND t.task_id OPERATOR(pg_catalog.=) ANY ($2)"
						  " ORDER BY t.lead_id, t.task_id"
						  " FOR NO KEY UPDATE OF l FOR UPDATE OF t", 2, types);
	}
	args[0] = Int64GetDatum(tenant_id);
	args[1] = PointerGetDatum(construct_array(task_ids, ntasks, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_plan(batch_lock_plan.plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the tasks of the batch");
	batch->rows = SPI_tuptable;
	/* kept to the end of the call: the next statements must not free it */
	SPI_tuptable = NULL;
	batch->nrows = (int) SPI_processed;
	if (SPI_gettypeid(batch->rows->tupdesc, BATCH_TASK_ID) != INT8OID ||
		SPI_gettypeid(batch->rows->tupdesc, BATCH_TASK_TID) != TIDOID ||
		SPI_gettypeid(batch->rows->tupdesc, BATCH_LEAD_TID) != TIDOID)
		elog(ERROR, "the batch lock of complete_tasks returned unexpected columns");
	batch->entries = palloc(sizeof(BatchEntry) * Max(batch->nrows, 1));
	for (int i = 0; i < batch->nrows; i++)
	{
		batch->entries[i].task_id = DatumGetInt64(SPI_getbinval(batch->rows->vals[i], batch->rows->tupdesc,
																BATCH_TASK_ID, &isnull));
		batch->entries[i].row = i;
	}
	qsort(batch->entries, batch->nrows, sizeof(BatchEntry), entry_cmp);
	batch->task = table_open(task_relid, AccessShareLock);
	batch->lead = table_open(lead_relid, AccessShareLock);
	batch->task_slot = table_slot_create(batch->task, NULL);
	batch->lead_slot = table_slot_create(batch->lead, NULL);
	return true;
}

/* Is the version of rel's row at tid still the one a new snapshot sees? */
static bool
still_current(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot)
{
	return table_tuple_fetch_row_version(rel, tid, SnapshotAny, slot) &&
		table_tuple_satisfies_snapshot(rel, slot, snapshot);
}

HeapTuple
complete_batch_row(CompleteBatch *batch, int64 task_id, TupleDesc *desc)
{
	BatchEntry	key = {task_id, 0};
	BatchEntry *found;
	HeapTuple	row;
	bool		isnull;
	Snapshot	snapshot;

	found = bsearch(&key, batch->entries, batch->nrows, sizeof(BatchEntry), entry_cmp);
	if (found == NULL)
		return NULL;
	row = batch->rows->vals[found->row];
	*desc = batch->rows->tupdesc;

	/* what the calls before did is visible */
	CommandCounterIncrement();
	snapshot = GetLatestSnapshot();
	if (!still_current(batch->task, (ItemPointer) DatumGetPointer(SPI_getbinval(row, *desc, BATCH_TASK_TID, &isnull)),
					   snapshot, batch->task_slot) ||
		!still_current(batch->lead, (ItemPointer) DatumGetPointer(SPI_getbinval(row, *desc, BATCH_LEAD_TID, &isnull)),
					   snapshot, batch->lead_slot))
		return NULL;
	return row;
}

void
complete_batch_end(CompleteBatch *batch)
{
	if (batch->task == NULL)
		return;
	ExecDropSingleTupleTableSlot(batch->task_slot);
	ExecDropSingleTupleTableSlot(batch->lead_slot);
	table_close(batch->task, AccessShareLock);
	table_close(batch->lead, AccessShareLock);
	batch->task = NULL;
}
