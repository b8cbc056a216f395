/*
 * rollup_marks.c - marks the rolled-up report days (src/sql/rollups.sql)
 * that a write changes: a late write, a win, and an interaction that
 * changes older rows although it is not late itself.
 *
 * A write for a time more than a day old, and a win, are marked by the
 * trigger function at the end, fired by triggers whose WHEN clauses let
 * only those through.  What they cannot see is an interaction of today that changes an older row's
 * answer: a customer's message after an old touch (the touch was answered:
 * step_funnel), a touch after old unanswered messages (their wait ends:
 * response_times), a Plan B refusal (the offer it refuses may be old:
 * plan_b_recovery), and one recorded out of order.  The lead as it was
 * before the interaction tells which, so the common case costs a few
 * comparisons; a mark is one INSERT (a refusal: one per old touch of the
 * lead), made as the owner of the rollups, the way foreign key checks run
 * as the table's owner: writers need no privilege on them, and cannot mark
 * anything themselves.  A transaction writes each mark once.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "followup.h"
#include "kept_plan.h"
#include "planner.h"
#include "rollup_marks.h"

static KeptPlan mark_plan;
static KeptPlan mark_lead_plan;

/* runs a kept plan as the owner of followup.rollup_mark */
static void
execute_as_owner(SPIPlanPtr plan, Datum *args)
{
	AsOwner		save;
	int			ret;

	as_owner_begin(FR_ROLLUP_MARK, true, &save);
	ret = SPI_execute_plan(plan, args, NULL, false, 0);
	as_owner_end(&save);
	if (ret < 0)
		elog(ERROR, "could not mark rolled-up days: %s", SPI_result_code_string(ret));
}

/*
 * Marks written in this transaction, so that a statement that marks the
 * same days row after row (a COPY of old leads' messages) writes one.  A
 * mark is widened to whole UTC days and 14 hours more on each side, which
 * covers its days in every time zone, so that nearby marks become equal.
 * Forgotten at the end of the transaction and when a subtransaction aborts
 * (its marks are gone with it).
 */
#define MARKS_REMEMBERED 16

typedef struct RememberedMark
{
	int64		tenant_id;
	TimestampTz since;
	TimestampTz until;
} RememberedMark;

static RememberedMark remembered[MARKS_REMEMBERED];
static int	nremembered = 0;
static int	next_slot = 0;
static bool callbacks_registered = false;

static TimestampTz
utc_day_start(TimestampTz t)
{
	int64		into_day = t % USECS_PER_DAY;

	return t - (into_day < 0 ? into_day + USECS_PER_DAY : into_day);
}

static void
forget_marks_at_xact_end(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		nremembered = next_slot = 0;
}

static void
forget_marks_at_subxact_abort(SubXactEvent event, SubTransactionId mySubid,
							  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		nremembered = next_slot = 0;
}

/* the days between since and until (either order) of the tenant changed */
static void
mark(int64 tenant_id, TimestampTz since, TimestampTz until)
{
	const TimestampTz margin = 14 * USECS_PER_HOUR;
	RememberedMark m;
	Datum		args[3];

	m.tenant_id = tenant_id;
	m.since = utc_day_start(Min(since, until)) - margin;
	m.until = utc_day_start(Max(since, until)) + USECS_PER_DAY - 1 + margin;
	for (int i = 0; i < nremembered; i++)
		if (remembered[i].tenant_id == m.tenant_id &&
			remembered[i].since == m.since && remembered[i].until == m.until)
			return;

	if (!callbacks_registered)
	{
		RegisterXactCallback(forget_marks_at_xact_end, NULL);
		RegisterSubXactCallback(forget_marks_at_subxact_abort, NULL);
		callbacks_registered = true;
	}
	if (!kept_plan_current(&mark_plan))
	{
		Oid			types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};

		kept_plan_prepare(&mark_plan, "INSERT INTO followup.rollup_mark (tenant_id, since, until) VALUES ($1, $2, $3)",
						  3, types);
	}
	args[0] = Int64GetDatum(m.tenant_id);
	args[1] = TimestampTzGetDatum(m.since);
	args[2] = TimestampTzGetDatum(m.until);
	execute_as_owner(mark_plan.plan, args);
	remembered[next_slot] = m;
	next_slot = (next_slot + 1) % MARKS_REMEMBERED;
	nremembered = Min(nremembered + 1, MARKS_REMEMBERED);
}

/* every old day of the lead's touches may have changed */
static void
mark_lead(int64 tenant_id, int64 lead_id)
{
	Datum		args[2];

	if (!kept_plan_current(&mark_lead_plan))
	{
		Oid			types[2] = {INT8OID, INT8OID};

		/*
		 * followup.rollup_mark_lead()'s statement itself: Citus plans no
		 * statement of an SQL function that has parameters, and routes this
		 * one to the tenant's shards
		 */
		kept_plan_prepare(&mark_lead_plan,
						  "INSERT INTO followup.rollup_mark (tenant_id, since, until)"
						  " SELECT i.tenant_id, i.occurred_at, i.occurred_at FROM followup.interaction i"
						  " WHERE i.tenant_id OPERATOR(pg_catalog.=) $1 AND i.lead_id OPERATOR(pg_catalog.=) $2"
						  " AND i.by_rule IS NOT NULL"
						  " AND i.occurred_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) '1 day'::pg_catalog.interval)",
						  2, types);
	}
	args[0] = Int64GetDatum(tenant_id);
	args[1] = Int64GetDatum(lead_id);
	execute_as_owner(mark_lead_plan.plan, args);
}

void
rollup_note_interaction(const LeadRow *before, SignalDirection direction, TimestampTz at, const ApplyResult *res)
{
	/* now() less a day: what the SQL triggers call old */
	TimestampTz old = GetCurrentTransactionStartTimestamp() - USECS_PER_DAY;
	TimestampTz last_out = before->last_outbound_at;
	TimestampTz last_in = before->last_inbound_at;

	if (direction == DIR_SYSTEM || before->created_at >= old)
		return;					/* answers nothing / nothing of it is old */
	if (!res->applied)
	{
		/* out of order: it may answer or be answered by anything before it */
		mark(before->tenant_id, before->created_at, at);
	}
	else if (res->rule != NULL && res->rule->effect == EFFECT_NEXT_PLAN_B)
	{
		/* it declines the offer made last, perhaps in an earlier refusal */
		mark_lead(before->tenant_id, before->lead_id);
	}
	else if (direction == DIR_INBOUND)
	{
		/* it answers the last touch */
		if (!TS_IS_NULL(last_out) && last_out < old)
			mark(before->tenant_id, last_out, last_out);
	}
	else if (res->is_touch && !TS_IS_NULL(last_in) && (TS_IS_NULL(last_out) || last_in > last_out))
	{
		/* it answers the messages since the last touch (or since the start) */
		TimestampTz since = TS_IS_NULL(last_out) ? before->created_at : last_out;

		if (since < old)
			mark(before->tenant_id, since, last_in);
	}
}

/* the attribute number of rel's column name */
static int
column_attnum(Relation rel, const char *name)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s.%s\" does not exist", name,
						get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel)),
				 errdetail("followup.rollup_mark_row() reads tenant_id, the columns its trigger's arguments name, and lead_id of state_change.")));
	return attnum;
}

/* the value of row's column name, of type type */
static Datum
row_column(HeapTuple row, Relation rel, const char *name, ColumnType type, bool *isnull)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			attnum = column_attnum(rel, name);
	ColumnSpec	spec = {name, type};

	column_types_check(desc, attnum, &spec, 1, RelationGetRelationName(rel));
	return SPI_getbinval(row, desc, attnum, isnull);
}

/* Do old and new differ in any of the named columns? */
static bool
columns_differ(HeapTuple old, HeapTuple new, Relation rel, char **names, int n)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < n; i++)
	{
		int			attnum = column_attnum(rel, names[i]);
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
		bool		old_null;
		bool		new_null;
		Datum		a = heap_getattr(old, attnum, desc, &old_null);
		Datum		b = heap_getattr(new, attnum, desc, &new_null);

		if (old_null != new_null ||
			(!old_null && !datum_image_eq(a, b, att->attbyval, att->attlen)))
			return true;
	}
	return false;
}

/*
 * followup.rollup_mark_row(time_column [, column ...]): the AFTER ROW
 * trigger of task, interaction and state_change (src/sql/rollups.sql); its
 * WHEN clause lets only late writes and wins through, and an update counts
 * only if it changes one of the columns named after the time column.  A
 * task or interaction marks the days of its time before and after the
 * write; a win, or its removal, marks the days of the lead's touches (what
 * they achieved changed).
 */
PG_FUNCTION_INFO_V1(followup_rollup_mark_row);

Datum
followup_rollup_mark_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	rows[2];
	int			nrows = 0;
	const char *column;
	bool		isnull;
	int64		tenant_id;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || trigdata->tg_trigger->tgnargs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("followup.rollup_mark_row() must be fired AFTER ... FOR EACH ROW, with a time column as its first argument")));
	column = trigdata->tg_trigger->tgargs[0];
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && trigdata->tg_trigger->tgnargs > 1 &&
		!columns_differ(trigdata->tg_trigtuple, trigdata->tg_newtuple, trigdata->tg_relation,
						trigdata->tg_trigger->tgargs + 1, trigdata->tg_trigger->tgnargs - 1))
		return PointerGetDatum(NULL);
	/* the row before the write, if any, then the row after it, if any */
	rows[nrows++] = trigdata->tg_trigtuple;
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		rows[nrows++] = trigdata->tg_newtuple;

	/* the tenant of the row as it is now (an update may move it) */
	tenant_id = DatumGetInt64(row_column(rows[nrows - 1], trigdata->tg_relation, "tenant_id", CT_INT8, &isnull));

	SPI_connect();
	/*
	 * state_change's triggers name changed_at: by the argument, not the
	 * relation's name, which on a Citus shard is state_change_102042
	 */
	if (strcmp(column, "changed_at") == 0)
		mark_lead(tenant_id, DatumGetInt64(row_column(rows[nrows - 1], trigdata->tg_relation, "lead_id", CT_INT8, &isnull)));
	else
	{
		TimestampTz since = DT_NOEND;
		TimestampTz until = DT_NOBEGIN;

		for (int i = 0; i < nrows; i++)
		{
			TimestampTz at = DatumGetTimestampTz(row_column(rows[i], trigdata->tg_relation, column, CT_TIMESTAMPTZ, &isnull));

			if (isnull)
				continue;
			since = Min(since, at);
			until = Max(until, at);
		}
		if (since <= until)
			mark(tenant_id, since, until);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
