/*
 * task_fulfil.c - a lead's live task marked done by a touch, without a
 * statement.
 *
 * The interaction trigger fulfils the lead's live task on every touch that
 * finds one, as the statement of task.c would:
 *
 *   UPDATE followup.task SET status = 'done', done_at = $3,
 *          claimed_by = coalesce(claimed_by, $4)
 *   WHERE tenant_id = $1 AND lead_id = $2 AND status IN ('open', 'claimed')
 *   RETURNING task_id
 *
 * As an SPI statement that was about a fifth of the instructions of a
 * claim+complete pair, most of it executor start for one row.  Here the row
 * the statement would update is read through task_one_live_per_lead under a
 * new snapshot (live_task.c), locked as the UPDATE locks the row it writes
 * (its latest version, after waiting for a writer; under REPEATABLE READ a
 * newer version is a serialization failure), checked again if a newer
 * version was locked, as EvalPlanQual would (still the lead's and the
 * tenant's, still open or claimed), and written by direct_update(): the
 * CHECK constraint, the indexes, followup's AFTER row triggers.
 *
 * The statement stays for whatever it does that this does not:
 * SERIALIZABLE (its reads are recorded for the conflict checks), what
 * direct_write_allowed() leaves to statements (Citus, rules, a CRM's row or
 * statement triggers, row security other than tenant_rows, a role without
 * the table's SELECT and UPDATE privileges), task_one_live_per_lead not as
 * followup made it, and another tenant than the session's under row
 * security.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "direct_write.h"
#include "followup.h"
#include "live_task.h"
#include "task_fulfil.h"

enum
{
	TF_TENANT, TF_TASK, TF_LEAD, TF_STATUS, TF_CLAIMED_BY, TF_DONE_AT, TF_COUNT
};
static const ColumnSpec fulfil_cols[TF_COUNT] = {
	{"tenant_id", CT_INT8}, {"task_id", CT_INT8}, {"lead_id", CT_INT8},
	{"status", CT_TASK_STATUS}, {"claimed_by", CT_TEXT}, {"done_at", CT_TIMESTAMPTZ}
};
static ColumnMap fulfil_map;

/* Is the task in slot the tenant's and the lead's, and open or claimed? */
static bool
still_live(TupleTableSlot *slot, const int *att, int64 tenant_id, int64 lead_id)
{
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, att[TF_TENANT], &isnull);
	if (isnull || DatumGetInt64(d) != tenant_id)
		return false;
	d = slot_getattr(slot, att[TF_LEAD], &isnull);
	if (isnull || DatumGetInt64(d) != lead_id)
		return false;
	d = slot_getattr(slot, att[TF_STATUS], &isnull);
	return !isnull && (DatumGetObjectId(d) == get_enum_oids()->task_status[TS_OPEN] ||
					   DatumGetObjectId(d) == get_enum_oids()->task_status[TS_CLAIMED]);
}

TaskFulfil
task_fulfil_direct(int64 tenant_id, int64 lead_id, TimestampTz at, const char *operator,
				   int64 *task_id)
{
	Relation	rel;
	Relation	index;
	bool		tenant_only;
	const int  *att;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	TaskFulfil	result = TASK_FULFIL_NONE;

	*task_id = 0;
	if (IsolationIsSerializable() || !live_task_open(&rel, &index))
		return TASK_FULFIL_STATEMENT;
	if (!direct_write_allowed(rel, &tenant_only) ||
		(rel->trigdesc != NULL && rel->trigdesc->trig_update_before_row) ||
		(tenant_only && tenant_id != followup_current_tenant_id()))
	{
		index_close(index, AccessShareLock);
		table_close(rel, NoLock);
		return TASK_FULFIL_STATEMENT;
	}
	att = column_map(&fulfil_map, rel, fulfil_cols, TF_COUNT);

	/* what the caller did before is visible, as to a new statement */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);
	if (live_task_fetch(rel, index, tenant_id, lead_id, snapshot, slot))
	{
		bool		newer;

		/* a newer version locked is checked again, as EvalPlanQual would */
		if (direct_lock_row(rel, slot, snapshot, LockTupleNoKeyExclusive, false, &newer) == ROW_LOCKED &&
			(!newer || still_live(slot, att, tenant_id, lead_id)))
			result = TASK_FULFIL_DONE;
	}
	if (result == TASK_FULFIL_DONE)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		int			cols[3] = {att[TF_STATUS], att[TF_DONE_AT], att[TF_CLAIMED_BY]};
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		Bitmapset  *updated = NULL;
		bool		shouldfree;
		HeapTuple	oldtup;
		bool		isnull;

		*task_id = DatumGetInt64(slot_getattr(slot, att[TF_TASK], &isnull));
		values[0] = ObjectIdGetDatum(get_enum_oids()->task_status[TS_DONE]);
		values[1] = TimestampTzGetDatum(at);
		/* coalesce(claimed_by, operator) */
		values[2] = slot_getattr(slot, att[TF_CLAIMED_BY], &nulls[2]);
		if (nulls[2] && operator != NULL)
		{
			values[2] = CStringGetTextDatum(operator);
			nulls[2] = false;
		}
		/* the SET columns count as updated, as in the statement */
		for (int i = 0; i < 3; i++)
			updated = bms_add_member(updated, cols[i] - FirstLowInvalidHeapAttributeNumber);
		oldtup = ExecFetchSlotHeapTuple(slot, false, &shouldfree);
		direct_update(rel, slot, heap_modify_tuple_by_cols(oldtup, desc, 3, cols, values, nulls),
					  updated, NULL, tenant_only ? att[TF_TENANT] : InvalidAttrNumber, NULL);
		if (shouldfree)
			heap_freetuple(oldtup);
	}
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(index, AccessShareLock);
	table_close(rel, NoLock);
	return result;
}
