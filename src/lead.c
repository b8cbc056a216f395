/*
 * lead.c - a followup.lead row in C (LeadRow), and locking then writing
 * back one lead.
 *
 * The interaction trigger and the statement's replay lock a lead, apply
 * interactions to its LeadRow (rules.c) and write it back: lead_lock()
 * returns a handle with the row and the version locked, and lead_update()
 * writes that version without statements when lead_write.c can, or with
 * one UPDATE otherwise.  Either way the lead's own row trigger fires; it
 * asks lead_take_planned_write() whether the row is the one being written
 * here, already planned, so that it only stamps updated_at.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "config_cache.h"
#include "kept_plan.h"
#include "lead.h"
#include "lead_write.h"
#include "planner.h"
#include "state_log.h"

const ColumnSpec lead_cols[LC_COUNT] = {
	{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}, {"state", CT_LEAD_STATE},
	{"state_since", CT_TIMESTAMPTZ}, {"anchor_at", CT_TIMESTAMPTZ}, {"touches", CT_INT4},
	{"plan_b_step", CT_INT4}, {"next_action", CT_NEXT_ACTION},
	{"next_followup_at", CT_TIMESTAMPTZ}, {"timezone", CT_TEXT},
	{"last_inbound_at", CT_TIMESTAMPTZ}, {"last_outbound_at", CT_TIMESTAMPTZ},
	{"last_event_at", CT_TIMESTAMPTZ}, {"momentum", CT_FLOAT4},
	{"momentum_at", CT_TIMESTAMPTZ}, {"do_not_contact", CT_BOOL},
	{"closed_reason", CT_TEXT}, {"created_at", CT_TIMESTAMPTZ}, {"updated_at", CT_TIMESTAMPTZ},
	{"reason", CT_TEXT}
};

StaticAssertDecl(LC_COUNT <= COLUMN_MAP_MAX, "ColumnMap.attnum is too small");

/*
 * The columns the planner and the rules may change, as values for
 * heap_modify_tuple_by_cols() or for the UPDATE below (same order).
 */
#define LEAD_WRITE_COLS 15
static const LeadCol lead_write_cols[LEAD_WRITE_COLS] = {
	LC_STATE, LC_STATE_SINCE, LC_ANCHOR_AT, LC_TOUCHES, LC_PLAN_B_STEP,
	LC_NEXT_ACTION, LC_NEXT_FOLLOWUP_AT, LC_LAST_INBOUND_AT, LC_LAST_OUTBOUND_AT,
	LC_LAST_EVENT_AT, LC_MOMENTUM, LC_MOMENTUM_AT, LC_DO_NOT_CONTACT, LC_CLOSED_REASON,
	LC_REASON
};

/*
 * The one lead lead_update() is writing back, already planned: its own row
 * trigger only stamps updated_at, once.  Any other lead, or this one
 * written again by a CRM's trigger (or at another transaction nesting
 * level), is planned as usual.
 */
typedef struct PlannedWrite
{
	bool		active;
	int64		tenant_id;
	int64		lead_id;
	int			nest_level;
} PlannedWrite;

static PlannedWrite planned_write;

/* column numbers, looked up once per relation rather than per row */
static ColumnMap lead_map;

const int *
lead_column_map(Relation rel)
{
	return column_map(&lead_map, rel, lead_cols, LC_COUNT);
}

/* ---------------------------------------------------------------------
 * Reading and writing LeadRow
 */
static TimestampTz
ts_or_null(Datum d, bool isnull)
{
	return isnull ? DT_NOBEGIN : DatumGetTimestampTz(d);
}

static Datum
ts_datum(TimestampTz t, bool *isnull)
{
	*isnull = TS_IS_NULL(t);
	return TimestampTzGetDatum(t);
}

void
lead_select_list(StringInfo sql, int *identity)
{
	for (int i = 0; i < LC_COUNT; i++)
	{
		appendStringInfo(sql, "%s%s", i > 0 ? ", " : "", lead_cols[i].name);
		identity[i] = i + 1;
	}
}

void
lead_from_tuple(LeadRow *lead, HeapTuple tup, TupleDesc desc, const int *att)
{
	bool		isnull;
	Datum		d;

	lead->tenant_id = DatumGetInt64(heap_getattr(tup, att[LC_TENANT_ID], desc, &isnull));
	lead->lead_id = DatumGetInt64(heap_getattr(tup, att[LC_LEAD_ID], desc, &isnull));
	lead->state = lead_state_from_oid(DatumGetObjectId(heap_getattr(tup, att[LC_STATE], desc, &isnull)));
	d = heap_getattr(tup, att[LC_STATE_SINCE], desc, &isnull);
	lead->state_since = ts_or_null(d, isnull);
	d = heap_getattr(tup, att[LC_ANCHOR_AT], desc, &isnull);
	lead->anchor_at = ts_or_null(d, isnull);
	lead->touches = DatumGetInt32(heap_getattr(tup, att[LC_TOUCHES], desc, &isnull));
	d = heap_getattr(tup, att[LC_PLAN_B_STEP], desc, &isnull);
	lead->plan_b_step = isnull ? 0 : DatumGetInt32(d);
	d = heap_getattr(tup, att[LC_NEXT_ACTION], desc, &isnull);
	lead->next_action = isnull ? NA_NONE : next_action_from_oid(DatumGetObjectId(d));
	d = heap_getattr(tup, att[LC_NEXT_FOLLOWUP_AT], desc, &isnull);
	lead->next_followup_at = ts_or_null(d, isnull);
	d = heap_getattr(tup, att[LC_TIMEZONE], desc, &isnull);
	lead->timezone = isnull ? NULL : TextDatumGetCString(d);
	d = heap_getattr(tup, att[LC_LAST_INBOUND_AT], desc, &isnull);
	lead->last_inbound_at = ts_or_null(d, isnull);
	d = heap_getattr(tup, att[LC_LAST_OUTBOUND_AT], desc, &isnull);
	lead->last_outbound_at = ts_or_null(d, isnull);
	d = heap_getattr(tup, att[LC_LAST_EVENT_AT], desc, &isnull);
	lead->last_event_at = ts_or_null(d, isnull);
	lead->momentum = DatumGetFloat4(heap_getattr(tup, att[LC_MOMENTUM], desc, &isnull));
	d = heap_getattr(tup, att[LC_MOMENTUM_AT], desc, &isnull);
	lead->momentum_at = ts_or_null(d, isnull);
	lead->do_not_contact = DatumGetBool(heap_getattr(tup, att[LC_DO_NOT_CONTACT], desc, &isnull));
	d = heap_getattr(tup, att[LC_CLOSED_REASON], desc, &isnull);
	lead->closed_reason = isnull ? NULL : TextDatumGetCString(d);
	d = heap_getattr(tup, att[LC_CREATED_AT], desc, &isnull);
	lead->created_at = ts_or_null(d, isnull);
	d = heap_getattr(tup, att[LC_REASON], desc, &isnull);
	lead->reason = isnull ? NULL : TextDatumGetCString(d);
	lead->history = NULL;
	lead->plan_note = NULL;
}

static void
lead_to_values(const LeadRow *lead, Datum *values, bool *nulls)
{
	const EnumOids *oids = get_enum_oids();

	values[0] = ObjectIdGetDatum(oids->lead_state[lead->state]);
	nulls[0] = false;
	values[1] = ts_datum(lead->state_since, &nulls[1]);
	values[2] = ts_datum(lead->anchor_at, &nulls[2]);
	values[3] = Int32GetDatum(lead->touches);
	nulls[3] = false;
	values[4] = Int32GetDatum(lead->plan_b_step);
	nulls[4] = lead->plan_b_step == 0;
	nulls[5] = lead->next_action == NA_NONE;
	values[5] = nulls[5] ? (Datum) 0 : ObjectIdGetDatum(oids->next_action[lead->next_action]);
	values[6] = ts_datum(lead->next_followup_at, &nulls[6]);
	values[7] = ts_datum(lead->last_inbound_at, &nulls[7]);
	values[8] = ts_datum(lead->last_outbound_at, &nulls[8]);
	values[9] = ts_datum(lead->last_event_at, &nulls[9]);
	values[10] = Float4GetDatum(lead->momentum);
	nulls[10] = false;
	values[11] = ts_datum(lead->momentum_at, &nulls[11]);
	values[12] = BoolGetDatum(lead->do_not_contact);
	nulls[12] = false;
	nulls[13] = lead->closed_reason == NULL;
	values[13] = nulls[13] ? (Datum) 0 : CStringGetTextDatum(lead->closed_reason);
	nulls[14] = lead->reason == NULL;
	values[14] = nulls[14] ? (Datum) 0 : CStringGetTextDatum(lead->reason);
}

HeapTuple
lead_modify_tuple(HeapTuple tup, TupleDesc desc, const int *att, const LeadRow *lead)
{
	int			cols[LEAD_WRITE_COLS + 1];
	Datum		values[LEAD_WRITE_COLS + 1];
	bool		nulls[LEAD_WRITE_COLS + 1];
	int			n = 0;

	if (lead != NULL)
	{
		lead_to_values(lead, values, nulls);
		for (n = 0; n < LEAD_WRITE_COLS; n++)
			cols[n] = att[lead_write_cols[n]];
	}
	cols[n] = att[LC_UPDATED_AT];
	values[n] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[n] = false;
	return heap_modify_tuple_by_cols(tup, desc, n + 1, cols, values, nulls);
}

/* ---------------------------------------------------------------------
 * Locking and writing back one lead
 */
static KeptPlan lock_lead_plan;
static KeptPlan update_lead_plan;	/* its parameters are followup's enums */
static ColumnSpec lead_write_specs[LEAD_WRITE_COLS];

static void
read_locked_lead(Relation rel, HeapTuple row, void *arg)
{
	lead_from_tuple((LeadRow *) arg, row, RelationGetDescr(rel), lead_column_map(rel));
}

bool
lead_lock(int64 tenant_id, int64 lead_id, LeadHandle *h)
{
	static int	identity[LC_COUNT + 1];
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};
	bool		isnull;

	h->direct = false;
	switch (lead_lock_direct(tenant_id, lead_id, false, read_locked_lead, &h->row, &h->tid))
	{
		case LEAD_LOCK_FOUND:
			h->direct = true;
			return true;
		case LEAD_LOCK_MISSING:
		case LEAD_LOCK_BUSY:	/* only when skipping */
			return false;
		case LEAD_LOCK_STATEMENT:
			break;				/* row level security, privileges: the statement */
	}
	if (!kept_plan_current(&lock_lead_plan))
	{
		StringInfoData sql;
		Oid			types[2] = {INT8OID, INT8OID};

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		lead_select_list(&sql, identity);
		/* the version locked, for lead_write_direct() */
		appendStringInfoString(&sql, ", ctid FROM followup.lead"
							   " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							   " AND lead_id OPERATOR(pg_catalog.=) $2 FOR NO KEY UPDATE");
		kept_plan_prepare(&lock_lead_plan, sql.data, 2, types);
	}
	if (SPI_execute_plan(lock_lead_plan.plan, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not lock lead " INT64_FORMAT, lead_id);
	if (SPI_processed == 0)
	{
		ItemPointerSetInvalid(&h->tid);
		return false;
	}
	column_types_check(SPI_tuptable->tupdesc, 1, lead_cols, LC_COUNT, "lead");
	lead_from_tuple(&h->row, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, identity);
	ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
																SPI_tuptable->tupdesc,
																LC_COUNT + 1, &isnull)),
					&h->tid);
	return true;
}

/* the UPDATE of a lead, and the columns it writes (lead_write_specs) */
static void
prepare_update(void)
{
	if (!kept_plan_current(&update_lead_plan))
	{
		const EnumOids *oids = get_enum_oids();
		StringInfoData sql;
		Oid			types[LEAD_WRITE_COLS + 2] = {
			INT8OID, INT8OID, oids->lead_state_type, TIMESTAMPTZOID, TIMESTAMPTZOID,
			INT4OID, INT4OID, oids->next_action_type, TIMESTAMPTZOID, TIMESTAMPTZOID,
			TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT4OID, TIMESTAMPTZOID, BOOLOID, TEXTOID, TEXTOID
		};

		for (int i = 0; i < LEAD_WRITE_COLS; i++)
			lead_write_specs[i] = lead_cols[lead_write_cols[i]];
		initStringInfo(&sql);
		appendStringInfoString(&sql, "UPDATE followup.lead SET ");
		for (int i = 0; i < LEAD_WRITE_COLS; i++)
			appendStringInfo(&sql, "%s%s = $%d", i > 0 ? ", " : "",
							 lead_cols[lead_write_cols[i]].name, i + 3);
		appendStringInfoString(&sql, " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							   " AND lead_id OPERATOR(pg_catalog.=) $2");
		kept_plan_prepare(&update_lead_plan, sql.data, LEAD_WRITE_COLS + 2, types);
	}
}

/* lead_update(), through the writer w if not NULL */
static void
update_lead(LeadHandle *h, int64 interaction_id, bool log_state, LeadWriter *w)
{
	const LeadRow *lead = &h->row;
	Datum		values[LEAD_WRITE_COLS + 2];
	bool		isnull[LEAD_WRITE_COLS + 2];
	char		nulls[LEAD_WRITE_COLS + 2];
	volatile int ret = 0;
	PlannedWrite saved_write = planned_write;
	StateLogScope saved_scope;
	ItemPointerData tid = h->tid;

	ItemPointerSetInvalid(&h->tid); /* good for one write */
	prepare_update();

	values[0] = Int64GetDatum(lead->tenant_id);
	values[1] = Int64GetDatum(lead->lead_id);
	isnull[0] = isnull[1] = false;
	lead_to_values(lead, values + 2, isnull + 2);
	for (int i = 0; i < LEAD_WRITE_COLS + 2; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';

	/* nested: a CRM's trigger may write another interaction meanwhile */
	planned_write.active = true;
	planned_write.tenant_id = lead->tenant_id;
	planned_write.lead_id = lead->lead_id;
	planned_write.nest_level = GetCurrentTransactionNestLevel();
	state_log_scope_begin(lead->tenant_id, lead->lead_id, interaction_id, !log_state, &saved_scope);
	PG_TRY();
	{
		if (h->direct &&
			(w != NULL ?
			 lead_writer_write(w, lead->tenant_id, lead->lead_id, &tid, LEAD_WRITE_COLS,
							   values + 2, isnull + 2) :
			 lead_write_direct(lead->tenant_id, lead->lead_id, &tid, LEAD_WRITE_COLS,
							   lead_write_specs, values + 2, isnull + 2)))
			ret = -1;
		else
			ret = SPI_execute_plan(update_lead_plan.plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		planned_write = saved_write;
		state_log_scope_end(&saved_scope);
	}
	PG_END_TRY();
	if (ret == SPI_OK_UPDATE && SPI_processed == 0)
		lead_write_skipped(lead->tenant_id, lead->lead_id);
	if (ret != -1 && (ret != SPI_OK_UPDATE || SPI_processed != 1))
		elog(ERROR, "could not update lead " INT64_FORMAT, lead->lead_id);
}

void
lead_update(LeadHandle *h, int64 interaction_id, bool log_state)
{
	update_lead(h, interaction_id, log_state, NULL);
}

void
lead_update_all(LeadHandle **leads, int n)
{
	LeadWriter *w;
	MemoryContext each;
	MemoryContext oldcxt;

	if (n == 0)
		return;
	prepare_update();
	w = lead_writer_begin(LEAD_WRITE_COLS, lead_write_specs);
	/* what a write leaves behind is freed after it: a statement may write millions */
	each = AllocSetContextCreate(CurrentMemoryContext, "followup lead write", ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
	{
		oldcxt = MemoryContextSwitchTo(each);
		update_lead(leads[i], 0, false, w);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(each);
	}
	MemoryContextDelete(each);
	if (w != NULL)
		lead_writer_end(w);
}

bool
lead_take_planned_write(HeapTuple tup, TupleDesc desc, const int *att)
{
	bool		isnull1;
	bool		isnull2;
	Datum		t;
	Datum		l;

	if (!planned_write.active || planned_write.nest_level != GetCurrentTransactionNestLevel())
		return false;
	t = heap_getattr(tup, att[LC_TENANT_ID], desc, &isnull1);
	l = heap_getattr(tup, att[LC_LEAD_ID], desc, &isnull2);
	if (isnull1 || isnull2 || DatumGetInt64(t) != planned_write.tenant_id ||
		DatumGetInt64(l) != planned_write.lead_id)
		return false;
	planned_write.active = false;
	return true;
}
