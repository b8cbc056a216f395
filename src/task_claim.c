/*
 * task_claim.c - claiming one task without statements.
 *
 * claim_tasks reads its candidates without locks, then claims each as one
 * statement would: its lead locked FOR NO KEY UPDATE SKIP LOCKED, then the
 * task FOR UPDATE SKIP LOCKED, checked to be still open and still the
 * operator's, and set claimed.  As an SPI statement that was about a third
 * of the instructions of a claim+complete pair, most of it executor start.
 *
 * Here the lead is locked by lead_lock_direct(); the task is found through
 * its primary key under a new snapshot, checked, locked, and checked again
 * if a newer version was locked (ExecLockRows' and EvalPlanQual's rules),
 * then written by direct_update().  Whatever direct_write.c leaves to the
 * statements, and a BEFORE UPDATE row trigger on the task (the statement's
 * RETURNING shows whether it let the row be written), is left to the
 * statement.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "columns.h"
#include "compat.h"
#include "config_cache.h"
#include "direct_write.h"
#include "followup.h"
#include "lead_write.h"
#include "relations.h"
#include "task_claim.h"

/* the attribute numbers of followup.task's columns read and written */

enum
{
	TC_TENANT, TC_TASK, TC_LEAD, TC_STATUS, TC_ASSIGNEE, TC_ESCALATED_TO, TC_CLAIMED_BY,
	TC_CLAIMED_AT, TC_COUNT
};
static const ColumnSpec task_cols[TC_COUNT] = {
	{"tenant_id", CT_INT8}, {"task_id", CT_INT8}, {"lead_id", CT_INT8}, {"status", CT_TASK_STATUS},
	{"assignee", CT_TEXT}, {"escalated_to", CT_TEXT}, {"claimed_by", CT_TEXT},
	{"claimed_at", CT_TIMESTAMPTZ}
};
static ColumnMap task_map;
static const int *attnums;

/* followup.task, opened with lockmode, its columns looked up */
static Relation
open_task(LOCKMODE lockmode)
{
	Oid			relid = followup_relid(FR_TASK);
	Relation	rel;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table followup.task does not exist"),
				 errhint("The followup extension may be damaged; reinstall it.")));
	rel = table_open(relid, lockmode);
	/* looked up, and checked by type, once per version of the table */
	attnums = column_map(&task_map, rel, task_cols, TC_COUNT);
	return rel;
}

static bool
text_equals(Datum a, Datum b, Oid collation)
{
	return DatumGetBool(DirectFunctionCall2Coll(texteq, collation, a, b));
}

/*
 * Does the task in slot still satisfy the claim's conditions: open, of this
 * lead, and unassigned, the operator's, or escalated to it?
 */
static bool
claimable(TupleTableSlot *slot, int64 lead_id, Datum operator)
{
	Oid			collation = TupleDescAttr(slot->tts_tupleDescriptor, attnums[TC_ASSIGNEE] - 1)->attcollation;
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, attnums[TC_STATUS], &isnull);
	if (isnull || DatumGetObjectId(d) != get_enum_oids()->task_status[TS_OPEN])
		return false;
	d = slot_getattr(slot, attnums[TC_LEAD], &isnull);
	if (isnull || DatumGetInt64(d) != lead_id)
		return false;
	d = slot_getattr(slot, attnums[TC_ASSIGNEE], &isnull);
	if (isnull || text_equals(d, operator, collation))
		return true;
	d = slot_getattr(slot, attnums[TC_ESCALATED_TO], &isnull);
	return !isnull &&
		text_equals(d, operator,
					TupleDescAttr(slot->tts_tupleDescriptor, attnums[TC_ESCALATED_TO] - 1)->attcollation);
}

/* Write the locked task in slot claimed by operator; give the row to receive. */
static void
write_claimed(Relation rel, TupleTableSlot *slot, Datum operator, bool tenant_only,
			  TaskReceiver receive, void *arg)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			cols[3] = {attnums[TC_STATUS], attnums[TC_CLAIMED_BY], attnums[TC_CLAIMED_AT]};
	Datum		values[3] = {
		ObjectIdGetDatum(get_enum_oids()->task_status[TS_CLAIMED]), operator,
		TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())
	};
	bool		nulls[3] = {false, false, false};
	Bitmapset  *updated = NULL;
	TupleTableSlot *result = table_slot_create(rel, NULL);
	bool		shouldfree;
	HeapTuple	oldtup = ExecFetchSlotHeapTuple(slot, false, &shouldfree);
	HeapTuple	row;

	/* the SET columns count as updated, as in the statement */
	for (int i = 0; i < 3; i++)
		updated = bms_add_member(updated, cols[i] - FirstLowInvalidHeapAttributeNumber);
	direct_update(rel, slot, heap_modify_tuple_by_cols(oldtup, desc, 3, cols, values, nulls),
				  updated, NULL, tenant_only ? attnums[TC_TENANT] : InvalidAttrNumber, result);
	if (shouldfree)
		heap_freetuple(oldtup);
	row = ExecFetchSlotHeapTuple(result, false, &shouldfree);
	receive(row, desc, arg);
	if (shouldfree)
		heap_freetuple(row);
	ExecDropSingleTupleTableSlot(result);
}

TaskClaim
task_claim_direct(int64 tenant_id, int64 task_id, int64 lead_id, Datum operator,
				  TaskReceiver receive, void *arg)
{
	Relation	rel = open_task(RowExclusiveLock);
	Relation	index;
	Oid			pkey;
	bool		tenant_only;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	TaskClaim	result;

	if (!direct_write_allowed(rel, &tenant_only) ||
		(rel->trigdesc != NULL && rel->trigdesc->trig_update_before_row) ||
		!OidIsValid(pkey = fu_primary_key_index(rel)))
	{
		table_close(rel, NoLock);
		return TASK_CLAIM_STATEMENT;
	}
	if (tenant_only && tenant_id != followup_current_tenant_id())
	{
		/* another tenant's task, which the statement would not see */
		table_close(rel, NoLock);
		return TASK_PASSED;
	}
	index = index_open(pkey, AccessShareLock);
	if (!direct_is_int8_key(rel, index, attnums[TC_TENANT], attnums[TC_TASK]))
	{
		index_close(index, NoLock);
		table_close(rel, NoLock);
		return TASK_CLAIM_STATEMENT;
	}

	/* what the caller did before is visible, as to a new statement */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);
	result = direct_fetch_by_key(rel, index, tenant_id, task_id, snapshot, slot) &&
		claimable(slot, lead_id, operator) ? TASK_CLAIMED : TASK_PASSED;

	/* then the lead, then the task, as every writer locks them */
	if (result == TASK_CLAIMED)
		switch (lead_lock_direct(tenant_id, lead_id, true, NULL, NULL, NULL))
		{
			case LEAD_LOCK_FOUND:
				break;
			case LEAD_LOCK_STATEMENT:
				result = TASK_CLAIM_STATEMENT;
				break;
			case LEAD_LOCK_MISSING:
			case LEAD_LOCK_BUSY:
				result = TASK_PASSED;
				break;
		}
	if (result == TASK_CLAIMED)
	{
		bool		newer;

		/* a newer version locked is checked again, as EvalPlanQual would */
		if (direct_lock_row(rel, slot, snapshot, LockTupleExclusive, true, &newer) != ROW_LOCKED ||
			(newer && !claimable(slot, lead_id, operator)))
			result = TASK_PASSED;
	}
	if (result == TASK_CLAIMED)
		write_claimed(rel, slot, operator, tenant_only, receive, arg);

	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	return result;
}
