/*
 * triggers.c - the lead and interaction triggers: signal -> rule -> lead
 * update -> plan, in the same transaction as the CRM's write.
 *
 * followup_lead_trigger (BEFORE INSERT OR UPDATE ON followup.lead) plans a
 * new lead and re-plans one whose state, anchor, touches, Plan B step or time
 * zone the CRM changed.  followup_interaction_trigger (BEFORE INSERT ON
 * followup.interaction) locks the lead, stamps the interaction, applies the
 * first matching rule, re-plans, fulfils or supersedes the lead's live task
 * and writes the lead back with one UPDATE.
 *
 * Both use plan_next_touch() (planner.c) and the per-backend configuration
 * cache (config_cache.c); SPI plans are prepared once per backend.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "core/decay.h"
#include "followup.h"
#include "kept_plan.h"
#include "lead_write.h"
#include "live_task.h"
#include "planner.h"
#include "state_log.h"
#include "statement_batch.h"
#include "rollup_marks.h"
#include "triggers.h"

PG_FUNCTION_INFO_V1(followup_lead_trigger);
PG_FUNCTION_INFO_V1(followup_interaction_trigger);

/*
 * The one lead the interaction trigger is writing back, already planned:
 * its own row trigger only stamps updated_at, once.  Any other lead, or this
 * one written again by a CRM's trigger (or at another transaction nesting
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

/* ---------------------------------------------------------------------
 * Column numbers, looked up once per relation rather than per row.
 */
typedef enum LeadCol
{
	LC_TENANT_ID, LC_LEAD_ID, LC_STATE, LC_STATE_SINCE, LC_ANCHOR_AT, LC_TOUCHES, LC_PLAN_B_STEP,
	LC_NEXT_ACTION, LC_NEXT_FOLLOWUP_AT, LC_TIMEZONE, LC_LAST_INBOUND_AT,
	LC_LAST_OUTBOUND_AT, LC_LAST_EVENT_AT, LC_MOMENTUM, LC_MOMENTUM_AT,
	LC_DO_NOT_CONTACT, LC_CLOSED_REASON, LC_CREATED_AT, LC_UPDATED_AT, LC_COUNT
} LeadCol;

static const ColumnSpec lead_cols[LC_COUNT] = {
	{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}, {"state", CT_LEAD_STATE},
	{"state_since", CT_TIMESTAMPTZ}, {"anchor_at", CT_TIMESTAMPTZ}, {"touches", CT_INT4},
	{"plan_b_step", CT_INT4}, {"next_action", CT_NEXT_ACTION},
	{"next_followup_at", CT_TIMESTAMPTZ}, {"timezone", CT_TEXT},
	{"last_inbound_at", CT_TIMESTAMPTZ}, {"last_outbound_at", CT_TIMESTAMPTZ},
	{"last_event_at", CT_TIMESTAMPTZ}, {"momentum", CT_FLOAT4},
	{"momentum_at", CT_TIMESTAMPTZ}, {"do_not_contact", CT_BOOL},
	{"closed_reason", CT_TEXT}, {"created_at", CT_TIMESTAMPTZ}, {"updated_at", CT_TIMESTAMPTZ}
};

typedef enum InteractionCol
{
	IC_TENANT_ID, IC_INTERACTION_ID, IC_LEAD_ID, IC_OCCURRED_AT, IC_KIND, IC_OPERATOR, IC_TASK_ID,
	IC_STATE_AT, IC_TOUCHES_AT, IC_PLAN_B_STEP_AT, IC_BY_RULE, IC_APPLIED,
	IC_RULE_ID, IC_COUNT
} InteractionCol;

static const ColumnSpec interaction_cols[IC_COUNT] = {
	{"tenant_id", CT_INT8}, {"interaction_id", CT_INT8}, {"lead_id", CT_INT8},
	{"occurred_at", CT_TIMESTAMPTZ}, {"kind", CT_TEXT}, {"operator", CT_TEXT},
	{"task_id", CT_INT8}, {"state_at", CT_LEAD_STATE}, {"touches_at", CT_INT4},
	{"plan_b_step_at", CT_INT4}, {"by_rule", CT_BOOL}, {"applied", CT_BOOL}, {"rule_id", CT_INT8}
};

StaticAssertDecl(LC_COUNT <= COLUMN_MAP_MAX && IC_COUNT <= COLUMN_MAP_MAX, "ColumnMap.attnum is too small");

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

static void
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
}

/*
 * The columns the planner and the rules may change, as values for
 * heap_modify_tuple_by_cols() or for the UPDATE below (same order).
 */
#define LEAD_WRITE_COLS 14
static const LeadCol lead_write_cols[LEAD_WRITE_COLS] = {
	LC_STATE, LC_STATE_SINCE, LC_ANCHOR_AT, LC_TOUCHES, LC_PLAN_B_STEP,
	LC_NEXT_ACTION, LC_NEXT_FOLLOWUP_AT, LC_LAST_INBOUND_AT, LC_LAST_OUTBOUND_AT,
	LC_LAST_EVENT_AT, LC_MOMENTUM, LC_MOMENTUM_AT, LC_DO_NOT_CONTACT, LC_CLOSED_REASON
};

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
}

/* ---------------------------------------------------------------------
 * Planning a LeadRow
 */
void
replan_lead(const TenantConfig *cfg, LeadRow *lead, bool reply_owed,
			TimestampTz due_hint)
{
	PlanInput	in;
	PlanResult	out;

	in.state = lead->state;
	in.anchor_at = lead->anchor_at;
	in.touches = lead->touches;
	in.plan_b_step = lead->plan_b_step;
	in.last_outbound_at = lead->last_outbound_at;
	in.reply_owed = reply_owed;
	in.reply_owed_since = TS_IS_NULL(lead->last_inbound_at) ? lead->anchor_at : lead->last_inbound_at;
	in.timezone = lead->timezone;
	plan_next_touch(cfg, &in, &out);

	if (!TS_IS_NULL(due_hint) && out.action != NA_NONE &&
		out.action != NA_REPLY && out.action != NA_CLOSE)
		out.due_at = plan_due_hint(cfg, &in, due_hint);
	lead->next_action = out.action;
	lead->next_followup_at = out.action == NA_NONE ? DT_NOBEGIN : out.due_at;
}

/* The state's bookkeeping starts over: DESIGN 3.2. */
void
enter_state(LeadRow *lead, LeadState state, TimestampTz at)
{
	lead->state = state;
	lead->state_since = at;
	lead->anchor_at = at;
	lead->touches = 0;
	lead->plan_b_step = state == LS_INSTALLMENT_REJECTED ? 1 : 0;
	if (!STATE_IS_TERMINAL(state) && state != LS_RECYCLE)
		lead->closed_reason = NULL;
}

/* A rule's due_in after "at", in the lead's zone. */
static TimestampTz
rule_due_time(const TenantConfig *cfg, const LeadRow *lead, const Rule *rule,
			  TimestampTz at)
{
	return add_in_zone(at, rule->due_in.month, rule->due_in.day, rule->due_in.time,
					   plan_zone(&cfg->policy[lead->state], lead->timezone));
}

/*
 * Apply one interaction at "at" to the lead: momentum, the first matching
 * rule, and a new plan.  Pure: no I/O, so bulk replays can reuse it.
 */
void
apply_interaction(const TenantConfig *cfg, LeadRow *lead, const KindEntry *kind,
				  TimestampTz at, ApplyResult *res)
{
	bool		reply_owed = lead->next_action == NA_REPLY;
	bool		replan = false;
	TimestampTz due_hint = DT_NOBEGIN;
	NextAction	old_action = lead->next_action;
	TimestampTz old_due = lead->next_followup_at;
	bool		final_kept;

	memset(res, 0, sizeof(*res));
	if (!TS_IS_NULL(lead->last_event_at) && at < lead->last_event_at)
		return;					/* late: recorded, changes nothing */
	res->applied = true;
	lead->last_event_at = at;

	if (kind->direction == DIR_INBOUND)
	{
		double		elapsed = TS_IS_NULL(lead->momentum_at) ? 0 :
			(double) (at - lead->momentum_at) / USECS_PER_SEC;

		lead->momentum = (float4) fu_momentum_add(lead->momentum, elapsed,
												  followup_half_life_seconds(),
												  kind->weight);
		lead->momentum_at = at;
		lead->last_inbound_at = at;
	}
	else if (kind->direction == DIR_OUTBOUND)
		lead->last_outbound_at = at;

	for (int i = 0; i < kind->nrules; i++)
	{
		const Rule *r = &kind->rules[i];

		if (r->from_state != LS_NONE && r->from_state != lead->state)
			continue;
		if (r->has_min_momentum && lead->momentum < r->min_momentum)
			continue;
		res->rule = r;
		break;
	}
	if (res->rule == NULL)
		return;

	/*
	 * won and lost are final: a rule for any state (from_state NULL) does
	 * not reopen or re-close them, nor rewrite their closed_reason; only a
	 * rule written for won or lost (from_state won/lost) moves the lead, as
	 * the CRM's own UPDATE can.  Its other effects still apply (an opt_out
	 * still sets do_not_contact).
	 */
	final_kept = STATE_IS_TERMINAL(lead->state) && res->rule->from_state == LS_NONE;
	if (!final_kept && res->rule->to_state != LS_NONE && res->rule->to_state != lead->state)
	{
		enter_state(lead, res->rule->to_state, at);
		reply_owed = false;
		replan = true;
	}

	switch (res->rule->effect)
	{
		case EFFECT_RESTART:
			lead->anchor_at = at;
			lead->touches = 0;
			reply_owed = false;
			if (res->rule->has_due_in)
				due_hint = rule_due_time(cfg, lead, res->rule, at);
			replan = true;
			break;
		case EFFECT_RESPOND:
			reply_owed = true;
			lead->touches = 0;
			replan = true;
			break;
		case EFFECT_TOUCH:
			res->is_touch = true;
			if (reply_owed)
			{
				/* this touch is the reply: the silence starts now */
				reply_owed = false;
				lead->anchor_at = at;

				/*
				 * A new lead that wrote and got our answer is in a
				 * conversation: new's cadence (the greeting) would start
				 * over; warm's follows instead.  new's short reply_within
				 * still applied to its message.
				 */
				if (lead->state == LS_NEW)
					enter_state(lead, LS_WARM, at);
			}
			else if (lead->state == LS_INSTALLMENT_REJECTED && lead->next_action == NA_PLAN_B &&
					 at < lead->next_followup_at)
			{
				/*
				 * Not the Plan B offer: that is made once its option is due
				 * (when its task exists).  A message before it (an answer, a
				 * reminder) is recorded, by chance, and the plan stays: it
				 * neither skips an option nor uses up a step.
				 */
				break;
			}
			else
			{
				lead->touches++;
				if (lead->state == LS_INSTALLMENT_REJECTED && lead->plan_b_step > 0)
					lead->plan_b_step++;
			}
			replan = true;
			break;
		case EFFECT_NEXT_PLAN_B:
			/* the customer declined the option on the table: the next one now */
			lead->anchor_at = at;
			lead->touches = 0;
			reply_owed = false;
			due_hint = res->rule->has_due_in ? rule_due_time(cfg, lead, res->rule, at) : at;
			replan = true;
			break;
		case EFFECT_CLOSE:
			if (!final_kept)
				lead->closed_reason = res->rule->close_reason;
			if (res->rule->close_reason != NULL &&
				strcmp(res->rule->close_reason, "opt_out") == 0)
				lead->do_not_contact = true;
			replan = true;
			break;
		case EFFECT_NONE:
			break;
	}

	if (replan)
		replan_lead(cfg, lead, reply_owed, due_hint);
	res->plan_changed = lead->next_action != old_action || lead->next_followup_at != old_due;
}

/* ---------------------------------------------------------------------
 * Tasks
 */
static SPIPlanPtr supersede_plan = NULL;

/*
 * SQL text here names everything with its schema, operators too: a kept
 * plan is analyzed again under the caller's search_path when that changes,
 * and the caller's own schema must never supply what followup runs.
 */
#define LIVE_TASK_OF_LEAD \
	" WHERE tenant_id OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $2" \
	" AND status OPERATOR(pg_catalog.=) ANY ('{open,claimed}'::followup.task_status[])"
static SPIPlanPtr fulfil_plan = NULL;

static SPIPlanPtr
keep_plan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/* Mark the lead's open or claimed task superseded; true if there was one. */
bool
supersede_open_task(int64 tenant_id, int64 lead_id)
{
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};
	bool		found;

	if (!live_task_maybe(tenant_id, lead_id))
		return false;
	if (supersede_plan == NULL)
	{
		Oid			types[2] = {INT8OID, INT8OID};

		supersede_plan = keep_plan("UPDATE followup.task SET status = 'superseded'"
								   LIVE_TASK_OF_LEAD, 2, types);
	}
	if (SPI_execute_plan(supersede_plan, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not supersede the task of lead " INT64_FORMAT, lead_id);
	found = SPI_processed > 0;
	live_task_check_written(tenant_id, lead_id);
	return found;
}

/* Mark the lead's open or claimed task done by a touch; its id, or 0. */
static int64
fulfil_open_task(int64 tenant_id, int64 lead_id, TimestampTz at, const char *operator)
{
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', operator ? ' ' : 'n'};
	bool		isnull;
	int64		task_id;

	if (!live_task_maybe(tenant_id, lead_id))
		return 0;
	args[0] = Int64GetDatum(tenant_id);
	args[1] = Int64GetDatum(lead_id);
	args[2] = TimestampTzGetDatum(at);
	args[3] = operator ? CStringGetTextDatum(operator) : (Datum) 0;
	if (fulfil_plan == NULL)
	{
		Oid			types[4] = {INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID};

		fulfil_plan = keep_plan("UPDATE followup.task SET status = 'done', done_at = $3,"
								" claimed_by = coalesce(claimed_by, $4)"
								LIVE_TASK_OF_LEAD " RETURNING task_id", 4, types);
	}
	if (SPI_execute_plan(fulfil_plan, args, nulls, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not fulfil the task of lead " INT64_FORMAT, lead_id);
	task_id = SPI_processed == 0 ? 0 :
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	live_task_check_written(tenant_id, lead_id);
	return task_id;
}

/* ---------------------------------------------------------------------
 * The lead trigger
 */
static ColumnMap lead_map;

/* Return newtup with every planned column (or only updated_at) replaced. */
static HeapTuple
write_lead_tuple(HeapTuple newtup, TupleDesc desc, const int *att,
				 const LeadRow *lead)
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
	return heap_modify_tuple_by_cols(newtup, desc, n + 1, cols, values, nulls);
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * A CRM's UPDATE: a new state starts over (DESIGN 3.2); a changed anchor,
 * touch count, Plan B step or time zone is re-planned.  Returns false when
 * the plan is not affected.
 */
static bool
replan_after_crm_update(LeadRow *lead, const LeadRow *old, bool state_since_given)
{
	TenantConfig *cfg;

	if (lead->state != old->state)
	{
		/*
		 * The state_since the UPDATE gave (named in its SET list, or changed
		 * by a CRM trigger), even when it equals the old one; else now.
		 */
		TimestampTz at = (state_since_given || lead->state_since != old->state_since) &&
			!TS_IS_NULL(lead->state_since) ?
			lead->state_since : GetCurrentTransactionStartTimestamp();
		char	   *reason = same_text(lead->closed_reason, old->closed_reason) ?
			NULL : lead->closed_reason;

		if (lead->state == LS_NEW)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lead " INT64_FORMAT " cannot move back to state \"new\"", lead->lead_id),
					 errdetail("It is in state \"%s\"; \"new\" is only for leads that just arrived.",
							   lead_state_name(old->state)),
					 errhint("Move it to hot, warm or thinking instead.")));
		enter_state(lead, lead->state, at);
		/* a reason set with the move is kept for a closed or parked lead */
		lead->closed_reason = lead->state == LS_RECYCLE || STATE_IS_TERMINAL(lead->state) ?
			reason : NULL;
		cfg = get_tenant_config(lead->tenant_id);
		replan_lead(cfg, lead, false, DT_NOBEGIN);
		return true;
	}
	if (lead->anchor_at != old->anchor_at || lead->touches != old->touches ||
		lead->plan_b_step != old->plan_b_step || !same_text(lead->timezone, old->timezone))
	{
		cfg = get_tenant_config(lead->tenant_id);
		replan_lead(cfg, lead, old->next_action == NA_REPLY, DT_NOBEGIN);
		return true;
	}
	return false;
}

/*
 * A lead inserted with an updated_at before this transaction is a copy of
 * an existing row (pg_restore, a migration between databases): it keeps the
 * plan it carries.  A new lead gets updated_at = now() by default.
 */
static bool
is_copied_lead(HeapTuple tup, TupleDesc desc, const int *att)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att[LC_UPDATED_AT], desc, &isnull);

	return !isnull && DatumGetTimestampTz(d) < GetCurrentTransactionStartTimestamp();
}

/*
 * The plan and what the interactions made of the lead (next action, its
 * time, the last events, momentum) are the engine's.  A role without the
 * owner's privileges may not set them: on INSERT they must be left out
 * (and a lead copied with its plan, updated_at before now, is the owner's
 * to restore), on UPDATE left as they are.  Otherwise an operator could
 * push a due follow-up out of sight, or make every later interaction look
 * late.  A CRM that writes a row back unchanged is not refused.
 */
static void
refuse_forged_plan(TriggerData *trig, HeapTuple newtup, TupleDesc desc, const int *att)
{
	static const LeadCol engine_cols[] = {
		LC_NEXT_ACTION, LC_NEXT_FOLLOWUP_AT, LC_LAST_INBOUND_AT, LC_LAST_OUTBOUND_AT,
		LC_LAST_EVENT_AT, LC_MOMENTUM, LC_MOMENTUM_AT
	};
	bool		insert = TRIGGER_FIRED_BY_INSERT(trig->tg_event);
	const char *forged = NULL;

	if (insert && is_copied_lead(newtup, desc, att))
		forged = "updated_at";
	for (int i = 0; forged == NULL && i < (int) lengthof(engine_cols); i++)
	{
		int			attnum = att[engine_cols[i]];
		Form_pg_attribute attr = TupleDescAttr(desc, attnum - 1);
		bool		isnull;
		Datum		d = heap_getattr(newtup, attnum, desc, &isnull);

		if (insert)
		{
			/* momentum is NOT NULL DEFAULT 0 */
			if (!isnull && (engine_cols[i] != LC_MOMENTUM || DatumGetFloat4(d) != 0))
				forged = lead_cols[engine_cols[i]].name;
		}
		else
		{
			bool		oldnull;
			Datum		o = heap_getattr(trig->tg_trigtuple, attnum, desc, &oldnull);

			if (isnull != oldnull ||
				(!isnull && !datumIsEqual(d, o, attr->attbyval, attr->attlen)))
				forged = lead_cols[engine_cols[i]].name;
		}
	}
	if (forged == NULL || has_privs_of_role(GetUserId(), trig->tg_relation->rd_rel->relowner))
		return;
	if (strcmp(forged, "updated_at") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a lead inserted with updated_at before now is a copy with its plan, which only the owner of followup.lead may restore"),
				 errhint("Leave updated_at out of the INSERT: the lead is then planned from its created_at.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("column \"%s\" of followup.lead is planned by followup", forged),
			 errdetail("next_action, next_followup_at, last_inbound_at, last_outbound_at, last_event_at, momentum and momentum_at are the engine's; only the owner of the table may set them."),
			 errhint("Leave them out of the %s; to re-plan a lead, change its state, anchor_at or touches, or insert an interaction.",
					 insert ? "INSERT" : "UPDATE")));
}

/* A NULL in a column the planner needs: the row will be refused anyway. */
static bool
has_null_key(HeapTuple tup, TupleDesc desc, const int *att)
{
	static const LeadCol keys[] = {LC_TENANT_ID, LC_LEAD_ID, LC_STATE, LC_TOUCHES, LC_CREATED_AT};

	for (int i = 0; i < (int) lengthof(keys); i++)
		if (heap_attisnull(tup, att[keys[i]], desc))
			return true;
	return false;
}

/*
 * Refuse a time the planner would start from that cannot be an event's
 * (check_event_time): read from the row, since LeadRow takes -infinity for
 * NULL.  On UPDATE only what the UPDATE changed, or the state_since of a
 * state change, is checked.
 */
static void
check_lead_times(HeapTuple newtup, HeapTuple oldtup, TupleDesc desc, const int *att,
				 bool state_since_named)
{
	static const LeadCol cols[] = {LC_CREATED_AT, LC_STATE_SINCE, LC_ANCHOR_AT};

	for (int i = 0; i < (int) lengthof(cols); i++)
	{
		int			attnum = att[cols[i]];
		bool		isnull;
		Datum		d = heap_getattr(newtup, attnum, desc, &isnull);

		if (isnull)
			continue;
		if (oldtup != NULL)
		{
			bool		oldnull;
			Datum		o = heap_getattr(oldtup, attnum, desc, &oldnull);
			bool		changed = oldnull || DatumGetTimestampTz(o) != DatumGetTimestampTz(d);
			bool		state_moved = !datumIsEqual(heap_getattr(newtup, att[LC_STATE], desc, &oldnull),
													heap_getattr(oldtup, att[LC_STATE], desc, &oldnull),
													true, sizeof(Oid));

			if (!changed && !(cols[i] == LC_STATE_SINCE && state_moved && state_since_named))
				continue;
		}
		check_event_time(DatumGetTimestampTz(d), lead_cols[cols[i]].name);
	}
}

/* Is tup (the row being updated) the lead update_lead() is writing, planned? */
static bool
is_planned_write(HeapTuple tup, TupleDesc desc, const int *att)
{
	bool		isnull1;
	bool		isnull2;
	Datum		t;
	Datum		l;

	if (!planned_write.active || planned_write.nest_level != GetCurrentTransactionNestLevel())
		return false;
	t = heap_getattr(tup, att[LC_TENANT_ID], desc, &isnull1);
	l = heap_getattr(tup, att[LC_LEAD_ID], desc, &isnull2);
	return !isnull1 && !isnull2 && DatumGetInt64(t) == planned_write.tenant_id &&
		DatumGetInt64(l) == planned_write.lead_id;
}

Datum
followup_lead_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const int  *att;
	HeapTuple	newtup;
	LeadRow		lead;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		elog(ERROR, "followup_lead_trigger must be a BEFORE ... FOR EACH ROW trigger");

	desc = RelationGetDescr(trig->tg_relation);
	att = column_map(&lead_map, trig->tg_relation, lead_cols, LC_COUNT);
	newtup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;

	/* the interaction trigger has planned this row already */
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) && is_planned_write(trig->tg_trigtuple, desc, att))
	{
		planned_write.active = false;
		PG_RETURN_POINTER(write_lead_tuple(newtup, desc, att, NULL));
	}

	if (has_null_key(newtup, desc, att))
		PG_RETURN_POINTER(newtup);	/* its NOT NULL constraint refuses it */
	/* the tenant before anything of it is loaded */
	followup_require_session_tenant(RelationGetRelid(trig->tg_relation),
									DatumGetInt64(heap_getattr(newtup, att[LC_TENANT_ID], desc, &isnull)));
	refuse_forged_plan(trig, newtup, desc, att);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event) && is_copied_lead(newtup, desc, att))
		PG_RETURN_POINTER(newtup);

	check_lead_times(newtup, TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_trigtuple : NULL,
					 desc, att, TRIGGER_FIRED_BY_UPDATE(trig->tg_event) &&
					 bms_is_member(att[LC_STATE_SINCE] - FirstLowInvalidHeapAttributeNumber,
								   trig->tg_updatedcols));
	(void) get_enum_oids();		/* load the enums before reading the row */
	lead_from_tuple(&lead, newtup, desc, att);
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
	{
		if (TS_IS_NULL(lead.state_since))
			lead.state_since = lead.created_at;
		if (TS_IS_NULL(lead.anchor_at))
			lead.anchor_at = lead.state_since;
		if (lead.state != LS_INSTALLMENT_REJECTED)
			lead.plan_b_step = 0;
		else if (lead.plan_b_step == 0)
			lead.plan_b_step = 1;
		replan_lead(get_tenant_config(lead.tenant_id), &lead, false, DT_NOBEGIN);
	}
	else
	{
		LeadRow		old;

		lead_from_tuple(&old, trig->tg_trigtuple, desc, att);
		if (!replan_after_crm_update(&lead, &old,
									 bms_is_member(att[LC_STATE_SINCE] - FirstLowInvalidHeapAttributeNumber,
												   trig->tg_updatedcols)))
			PG_RETURN_POINTER(write_lead_tuple(newtup, desc, att, NULL));
		if (lead.state != old.state || lead.next_action != old.next_action ||
			lead.next_followup_at != old.next_followup_at)
		{
			SPI_connect();
			supersede_open_task(lead.tenant_id, lead.lead_id);
			SPI_finish();
		}
	}
	PG_RETURN_POINTER(write_lead_tuple(newtup, desc, att, &lead));
}

/* ---------------------------------------------------------------------
 * The interaction trigger
 */
static ColumnMap interaction_map;
static SPIPlanPtr lock_lead_plan = NULL;
static KeptPlan update_lead_plan;	/* its parameters are followup's enums */
static ColumnSpec lead_write_specs[LEAD_WRITE_COLS];

static void
read_locked_lead(Relation rel, HeapTuple row, void *arg)
{
	lead_from_tuple((LeadRow *) arg, row, RelationGetDescr(rel),
					column_map(&lead_map, rel, lead_cols, LC_COUNT));
}

/* Lock and read the lead; false if it does not exist. */
bool
lock_lead(int64 tenant_id, int64 lead_id, LeadRow *lead)
{
	static int	identity[LC_COUNT + 1];
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};
	bool		isnull;

	switch (lead_lock_direct(tenant_id, lead_id, false, read_locked_lead, lead))
	{
		case LEAD_LOCK_FOUND:
			return true;
		case LEAD_LOCK_MISSING:
		case LEAD_LOCK_BUSY:	/* only when skipping */
			return false;
		case LEAD_LOCK_STATEMENT:
			break;				/* row level security, privileges: the statement */
	}
	if (lock_lead_plan == NULL)
	{
		StringInfoData sql;
		Oid			types[2] = {INT8OID, INT8OID};

		initStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT ");
		for (int i = 0; i < LC_COUNT; i++)
		{
			appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "", lead_cols[i].name);
			identity[i] = i + 1;
		}
		/* the version locked, for lead_write_direct() */
		appendStringInfoString(&sql, ", ctid FROM followup.lead"
							   " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							   " AND lead_id OPERATOR(pg_catalog.=) $2 FOR NO KEY UPDATE");
		lock_lead_plan = keep_plan(sql.data, 2, types);
	}
	if (SPI_execute_plan(lock_lead_plan, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not lock lead " INT64_FORMAT, lead_id);
	if (SPI_processed == 0)
	{
		lead_write_note_locked(tenant_id, lead_id, NULL);
		return false;
	}
	column_types_check(SPI_tuptable->tupdesc, 1, lead_cols, LC_COUNT, "lead");
	lead_from_tuple(lead, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, identity);
	lead_write_note_locked(tenant_id, lead_id,
						   (ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
															 LC_COUNT + 1, &isnull)));
	return true;
}

/*
 * Write the planned lead back; its own trigger only stamps updated_at, and
 * a state change is logged as caused by interaction_id (not at all unless
 * log_state).
 */
void
update_lead(const LeadRow *lead, int64 interaction_id, bool log_state)
{
	Datum		values[LEAD_WRITE_COLS + 2];
	bool		isnull[LEAD_WRITE_COLS + 2];
	char		nulls[LEAD_WRITE_COLS + 2];
	volatile int ret = 0;
	PlannedWrite saved_write = planned_write;
	StateLogScope saved_scope;

	if (!kept_plan_current(&update_lead_plan))
	{
		const EnumOids *oids = get_enum_oids();
		StringInfoData sql;
		Oid			types[LEAD_WRITE_COLS + 2] = {
			INT8OID, INT8OID, oids->lead_state_type, TIMESTAMPTZOID, TIMESTAMPTZOID,
			INT4OID, INT4OID, oids->next_action_type, TIMESTAMPTZOID, TIMESTAMPTZOID,
			TIMESTAMPTZOID, TIMESTAMPTZOID, FLOAT4OID, TIMESTAMPTZOID, BOOLOID, TEXTOID
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
		if (lead_write_direct(lead->tenant_id, lead->lead_id, LEAD_WRITE_COLS,
							  lead_write_specs, values + 2, isnull + 2))
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

/*
 * Refuse an interaction that a role other than the tables' owner inserts
 * with a stamp already set (DESIGN 2: stamped by the trigger).
 */
static void
refuse_forged_stamps(Relation rel, HeapTuple tup, const int *att)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = IC_STATE_AT; i <= IC_RULE_ID; i++)
	{
		if (heap_attisnull(tup, att[i], desc))
			continue;
		if (has_privs_of_role(GetUserId(), rel->rd_rel->relowner))
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("column \"%s\" of followup.interaction is stamped by followup",
						interaction_cols[i].name),
				 errdetail("Only the owner of the table may insert interactions with their stamps (state_at, touches_at, plan_b_step_at, by_rule, applied, rule_id) set, as pg_restore does."),
				 errhint("Leave the stamped columns out of the INSERT (or NULL): the trigger sets them.")));
	}
}

Datum
followup_interaction_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const int  *att;
	HeapTuple	tup;
	bool		isnull;
	int64		tenant_id,
				interaction_id,
				lead_id;
	TimestampTz occurred_at;
	char	   *kind_name;
	char	   *operator;
	Datum		d;
	TenantConfig *cfg;
	const KindEntry *kind;
	LeadRow		lead,
				before;
	ApplyResult res;
	int			cols[7];
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) || !TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		elog(ERROR, "followup_interaction_trigger must be a BEFORE INSERT ... FOR EACH ROW trigger");

	desc = RelationGetDescr(trig->tg_relation);
	att = column_map(&interaction_map, trig->tg_relation, interaction_cols, IC_COUNT);
	tup = trig->tg_trigtuple;

	/*
	 * The stamps are the engine's to write.  Inserted by the tables' owner
	 * (pg_restore, a migration) an interaction with its stamps is history
	 * being copied back: it is recorded as it is and changes nothing.
	 * Anyone else would be forging the compliance record.
	 */
	refuse_forged_stamps(trig->tg_relation, tup, att);
	(void) heap_getattr(tup, att[IC_APPLIED], desc, &isnull);
	if (!isnull)
		PG_RETURN_POINTER(tup);

	/* a NULL key column: leave the refusal to its NOT NULL constraint */
	for (int i = 0; i <= IC_KIND; i++)
	{
		(void) heap_getattr(tup, att[i], desc, &isnull);
		if (isnull)
			PG_RETURN_POINTER(tup);
	}

	tenant_id = DatumGetInt64(heap_getattr(tup, att[IC_TENANT_ID], desc, &isnull));
	interaction_id = DatumGetInt64(heap_getattr(tup, att[IC_INTERACTION_ID], desc, &isnull));
	lead_id = DatumGetInt64(heap_getattr(tup, att[IC_LEAD_ID], desc, &isnull));
	occurred_at = DatumGetTimestampTz(heap_getattr(tup, att[IC_OCCURRED_AT], desc, &isnull));
	kind_name = TextDatumGetCString(heap_getattr(tup, att[IC_KIND], desc, &isnull));
	d = heap_getattr(tup, att[IC_OPERATOR], desc, &isnull);
	operator = isnull ? NULL : TextDatumGetCString(d);
	d = heap_getattr(tup, att[IC_TASK_ID], desc, &isnull);
	values[6] = d;
	nulls[6] = isnull;

	/* the tenant before anything of it is loaded or locked */
	followup_require_session_tenant(RelationGetRelid(trig->tg_relation), tenant_id);
	cfg = get_tenant_config(tenant_id);
	kind = find_kind(cfg, kind_name);
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown interaction kind \"%s\"", kind_name),
				 errdetail("\"%s\" is not a signal of tenant " INT64_FORMAT " or of tenant 0.",
						   kind_name, tenant_id),
				 errhint("Add it to followup.signal first, or use a known kind such as reply or message.")));
	check_event_time(occurred_at, "occurred_at");

	SPI_connect();
	if (!lock_lead(tenant_id, lead_id, &lead))
	{
		char	   *hint = followup_tenant_hint("lead", "lead", false);

		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("lead " INT64_FORMAT " of tenant " INT64_FORMAT " does not exist",
						lead_id, tenant_id),
				 hint ? errhint("%s", hint) : 0));
	}

	/* stamps: the lead as it was just before this interaction */
	values[0] = ObjectIdGetDatum(get_enum_oids()->lead_state[lead.state]);
	values[1] = Int32GetDatum(lead.touches);
	values[2] = Int32GetDatum(lead.plan_b_step);
	nulls[2] = lead.plan_b_step == 0;

	batch_note(&lead, interaction_id, occurred_at);
	before = lead;
	apply_interaction(cfg, &lead, kind, occurred_at, &res);
	rollup_note_interaction(&before, kind->direction, occurred_at, &res);
	nulls[3] = true;			/* by_rule: only for touches */
	if (res.applied)
	{
		if (res.is_touch)
		{
			int64		task_id = fulfil_open_task(tenant_id, lead_id, occurred_at, operator);

			values[3] = BoolGetDatum(task_id != 0);
			nulls[3] = false;
			if (task_id != 0)
			{
				values[6] = Int64GetDatum(task_id);
				nulls[6] = false;
			}
		}
		else if (res.plan_changed)
			supersede_open_task(tenant_id, lead_id);
		update_lead(&lead, interaction_id, true);
	}
	else if (!batch_reorders(&lead, occurred_at) && kind->direction == DIR_OUTBOUND)
	{
		/* a late touch fulfils nothing */
		values[3] = BoolGetDatum(false);
		nulls[3] = false;
	}
	SPI_finish();

	values[4] = BoolGetDatum(res.applied);
	nulls[5] = res.rule == NULL;
	values[5] = nulls[5] ? (Datum) 0 : Int64GetDatum(res.rule->rule_id);
	cols[0] = att[IC_STATE_AT];
	cols[1] = att[IC_TOUCHES_AT];
	cols[2] = att[IC_PLAN_B_STEP_AT];
	cols[3] = att[IC_BY_RULE];
	cols[4] = att[IC_APPLIED];
	cols[5] = att[IC_RULE_ID];
	cols[6] = att[IC_TASK_ID];
	PG_RETURN_POINTER(heap_modify_tuple_by_cols(tup, desc, 7, cols, values, nulls));
}
