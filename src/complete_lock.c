/*
 * complete_lock.c - complete_task's lock of the task and its lead, without
 * a statement.
 *
 * complete_task locks the task's lead and then the task, and decides on
 * what it read:
 *
 *   SELECT t.lead_id, t.status::text, t.done_at, t.claimed_by, t.channel,
 *          l.state::text, l.next_action::text, l.last_event_at
 *   FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
 *   WHERE t.tenant_id = $1 AND t.task_id = $2
 *   FOR NO KEY UPDATE OF l FOR UPDATE OF t
 *
 * As an SPI statement that was about 120k instructions of a claim+complete
 * pair, most of it executor start for one row.  Here the task is found
 * through its primary key under a new snapshot, its lead locked by
 * lead_lock_direct() (the latest version, after waiting for a writer), then
 * the task locked (its latest version), and a newer version checked again
 * as EvalPlanQual would (still this task of the tenant, still of the lead
 * locked); the row returned has the statement's columns.
 *
 * The statement stays wherever it does more: SERIALIZABLE (its reads are
 * recorded for the conflict checks), and whatever direct_write_allowed()
 * leaves to the statements on either table (Citus, rules, a CRM's
 * triggers, row security other than tenant_rows, a role without the
 * privileges FOR UPDATE needs, which the statement reports), or a primary
 * key not as followup made it.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "columns.h"
#include "compat.h"
#include "complete_lock.h"
#include "direct_write.h"
#include "followup.h"
#include "lead_write.h"
#include "relations.h"

enum
{
	CT_TENANT_COL, CT_TASK_COL, CT_LEAD_COL, CT_STATUS_COL, CT_DONE_AT_COL, CT_CLAIMED_BY_COL,
	CT_CHANNEL_COL, CT_TASK_COUNT
};
static const ColumnSpec task_cols[CT_TASK_COUNT] = {
	{"tenant_id", CT_INT8}, {"task_id", CT_INT8}, {"lead_id", CT_INT8}, {"status", CT_TASK_STATUS},
	{"done_at", CT_TIMESTAMPTZ}, {"claimed_by", CT_TEXT}, {"channel", CT_TEXT}
};
static ColumnMap task_map;

enum
{
	CL_STATE_COL, CL_NEXT_ACTION_COL, CL_LAST_EVENT_AT_COL, CL_LEAD_COUNT
};
static const ColumnSpec lead_cols[CL_LEAD_COUNT] = {
	{"state", CT_LEAD_STATE}, {"next_action", CT_NEXT_ACTION}, {"last_event_at", CT_TIMESTAMPTZ}
};
static ColumnMap lead_map;

/* the lead's columns the statement returns, read from the locked row */
typedef struct LeadValues
{
	Datum		values[CL_LEAD_COUNT];
	bool		nulls[CL_LEAD_COUNT];
} LeadValues;

/* the statement's result columns */
static TupleDesc result_desc = NULL;

static void
read_lead(Relation rel, HeapTuple row, void *arg)
{
	LeadValues *lv = (LeadValues *) arg;
	const int  *att = column_map(&lead_map, rel, lead_cols, CL_LEAD_COUNT);

	/* all by value: the enums' OIDs and a timestamp */
	for (int i = 0; i < CL_LEAD_COUNT; i++)
		lv->values[i] = heap_getattr(row, att[i], RelationGetDescr(rel), &lv->nulls[i]);
}

static TupleDesc
statement_desc(void)
{
	if (result_desc == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		TupleDesc	desc = CreateTemplateTupleDesc(8);

		TupleDescInitEntry(desc, 1, "lead_id", INT8OID, -1, 0);
		TupleDescInitEntry(desc, 2, "status", TEXTOID, -1, 0);
		TupleDescInitEntry(desc, 3, "done_at", TIMESTAMPTZOID, -1, 0);
		TupleDescInitEntry(desc, 4, "claimed_by", TEXTOID, -1, 0);
		TupleDescInitEntry(desc, 5, "channel", TEXTOID, -1, 0);
		TupleDescInitEntry(desc, 6, "state", TEXTOID, -1, 0);
		TupleDescInitEntry(desc, 7, "next_action", TEXTOID, -1, 0);
		TupleDescInitEntry(desc, 8, "last_event_at", TIMESTAMPTZOID, -1, 0);
		MemoryContextSwitchTo(oldcxt);
		result_desc = desc;
	}
	return result_desc;
}

/* an enum's label as text, as ::pg_catalog.text gives it */
static Datum
enum_text(Datum value)
{
	return CStringGetTextDatum(DatumGetCString(DirectFunctionCall1(enum_out, value)));
}

CompleteLock
complete_lock_direct(int64 tenant_id, int64 task_id, HeapTuple *row, TupleDesc *desc)
{
	Oid			relid = followup_relid(FR_TASK);
	Relation	rel;
	Relation	index;
	Oid			pkey;
	bool		tenant_only;
	const int  *att;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	CompleteLock result = COMPLETE_LOCK_MISSING;
	LeadValues	lead;
	int64		lead_id = 0;
	bool		isnull;

	*row = NULL;
	*desc = NULL;
	if (IsolationIsSerializable() || !OidIsValid(relid))
		return COMPLETE_LOCK_STATEMENT;
	rel = table_open(relid, RowShareLock);
	if (!direct_write_allowed(rel, &tenant_only) ||
		(tenant_only && tenant_id != followup_current_tenant_id()) ||
		!OidIsValid(pkey = fu_primary_key_index(rel)))
	{
		table_close(rel, NoLock);
		return COMPLETE_LOCK_STATEMENT;
	}
	att = column_map(&task_map, rel, task_cols, CT_TASK_COUNT);
	index = index_open(pkey, AccessShareLock);
	if (!direct_is_int8_key(rel, index, att[CT_TENANT_COL], att[CT_TASK_COL]))
	{
		index_close(index, NoLock);
		table_close(rel, NoLock);
		return COMPLETE_LOCK_STATEMENT;
	}

	/* what the caller did before is visible, as to a new statement */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);
	if (direct_fetch_by_key(rel, index, tenant_id, task_id, snapshot, slot))
	{
		lead_id = DatumGetInt64(slot_getattr(slot, att[CT_LEAD_COL], &isnull));
		/* the lead first, then the task, as every writer locks them */
		switch (lead_lock_direct(tenant_id, lead_id, false, read_lead, &lead, NULL))
		{
			case LEAD_LOCK_FOUND:
				result = COMPLETE_LOCK_FOUND;
				break;
			case LEAD_LOCK_STATEMENT:
				result = COMPLETE_LOCK_STATEMENT;
				break;
			case LEAD_LOCK_MISSING:
			case LEAD_LOCK_BUSY:
				break;
		}
	}
	if (result == COMPLETE_LOCK_FOUND)
	{
		bool		newer;

		/* a newer version must still be this task of the lead locked */
		if (direct_lock_row(rel, slot, snapshot, LockTupleExclusive, false, &newer) != ROW_LOCKED ||
			(newer &&
			 (DatumGetInt64(slot_getattr(slot, att[CT_TENANT_COL], &isnull)) != tenant_id ||
			  DatumGetInt64(slot_getattr(slot, att[CT_TASK_COL], &isnull)) != task_id ||
			  DatumGetInt64(slot_getattr(slot, att[CT_LEAD_COL], &isnull)) != lead_id)))
			result = COMPLETE_LOCK_MISSING;
	}
	if (result == COMPLETE_LOCK_FOUND)
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = Int64GetDatum(lead_id);
		values[1] = enum_text(slot_getattr(slot, att[CT_STATUS_COL], &isnull));
		values[2] = slot_getattr(slot, att[CT_DONE_AT_COL], &nulls[2]);
		values[3] = slot_getattr(slot, att[CT_CLAIMED_BY_COL], &nulls[3]);
		values[4] = slot_getattr(slot, att[CT_CHANNEL_COL], &nulls[4]);
		for (int i = 0; i < CL_LEAD_COUNT; i++)
		{
			nulls[5 + i] = lead.nulls[i];
			values[5 + i] = lead.nulls[i] || i == CL_LAST_EVENT_AT_COL ? lead.values[i] :
				enum_text(lead.values[i]);
		}
		*desc = statement_desc();
		*row = heap_form_tuple(*desc, values, nulls);
	}
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(index, AccessShareLock);
	table_close(rel, NoLock);
	return result;
}
