/*
 * triggers.c - the lead and interaction triggers: signal -> rule -> lead
 * update -> plan, in the same transaction as the CRM's write.
 *
 * followup_lead_trigger (BEFORE INSERT OR UPDATE ON followup.lead) plans a
 * new lead and re-plans one whose state, anchor, touches, Plan B step or time
 * zone the CRM changed.  followup_interaction_trigger (BEFORE INSERT ON
 * followup.interaction) locks the lead, stamps the interaction, applies the
 * first matching rule, fulfils or supersedes the lead's live task and writes
 * the lead back.
 *
 * Only the triggers' own checks live here: the lead row is lead.c's, the
 * rules rules.c's, the tasks task.c's, and the order of a statement's rows
 * statement_batch.c's.
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
#include "config_cache.h"
#include "followup.h"
#include "lead.h"
#include "planner.h"
#include "rollup_marks.h"
#include "rules.h"
#include "statement_batch.h"
#include "task.h"

PG_FUNCTION_INFO_V1(followup_lead_trigger);
PG_FUNCTION_INFO_V1(followup_interaction_trigger);

/* The columns of followup.interaction the trigger reads and stamps. */
typedef enum InteractionCol
{
	IC_TENANT_ID, IC_INTERACTION_ID, IC_LEAD_ID, IC_OCCURRED_AT, IC_KIND, IC_OPERATOR, IC_TASK_ID,
	IC_STATE_AT, IC_TOUCHES_AT, IC_PLAN_B_STEP_AT, IC_BY_RULE, IC_APPLIED,
	IC_RULE_ID, IC_REASON, IC_COUNT
} InteractionCol;

static const ColumnSpec interaction_cols[IC_COUNT] = {
	{"tenant_id", CT_INT8}, {"interaction_id", CT_INT8}, {"lead_id", CT_INT8},
	{"occurred_at", CT_TIMESTAMPTZ}, {"kind", CT_TEXT}, {"operator", CT_TEXT},
	{"task_id", CT_INT8}, {"state_at", CT_LEAD_STATE}, {"touches_at", CT_INT4},
	{"plan_b_step_at", CT_INT4}, {"by_rule", CT_BOOL}, {"applied", CT_BOOL}, {"rule_id", CT_INT8},
	{"reason", CT_TEXT}
};

StaticAssertDecl(IC_COUNT <= COLUMN_MAP_MAX, "ColumnMap.attnum is too small");

/* ---------------------------------------------------------------------
 * The lead trigger
 */
static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * A CRM's UPDATE: a new state starts over; a changed anchor,
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
		char	   *stay_reason = same_text(lead->reason, old->reason) ? NULL : lead->reason;

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
		lead->reason = stay_reason;
		cfg = get_tenant_config(lead->tenant_id);
		replan_lead(cfg, lead, false, DT_NOBEGIN);
		return true;
	}
	if (lead->anchor_at != old->anchor_at || lead->touches != old->touches ||
		lead->plan_b_step != old->plan_b_step || !same_text(lead->timezone, old->timezone) ||
		(STATE_IS_TERMINAL(lead->state) && lead->do_not_contact != old->do_not_contact))
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
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("followup.lead_trigger() must be fired BEFORE ... FOR EACH ROW")));

	desc = RelationGetDescr(trig->tg_relation);
	att = lead_column_map(trig->tg_relation);
	newtup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;

	/* the interaction trigger has planned this row already */
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event) &&
		lead_take_planned_write(trig->tg_trigtuple, desc, att))
		PG_RETURN_POINTER(lead_modify_tuple(newtup, desc, att, NULL));

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
			PG_RETURN_POINTER(lead_modify_tuple(newtup, desc, att, NULL));
		if (lead.state != old.state || lead.next_action != old.next_action ||
			lead.next_followup_at != old.next_followup_at)
		{
			SPI_connect();
			supersede_open_task(lead.tenant_id, lead.lead_id);
			SPI_finish();
		}
	}
	PG_RETURN_POINTER(lead_modify_tuple(newtup, desc, att, &lead));
}

/* ---------------------------------------------------------------------
 * The interaction trigger
 */
static ColumnMap interaction_map;
/*
 * Refuse an interaction that a role other than the tables' owner inserts
 * with a stamp already set: the stamps are the trigger's to write.
 */
static void
refuse_forged_stamps(Relation rel, HeapTuple tup, const int *att)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = IC_STATE_AT; i <= IC_RULE_ID; i++)	/* not IC_REASON: the CRM's */
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
	char	   *reason;
	Datum		d;
	TenantConfig *cfg;
	const KindEntry *kind;
	LeadHandle	h;
	LeadRow    *lead = &h.row;
	BatchLead  *bulk;
	LeadRow		before;
	ApplyResult res;
	int			cols[7];
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event) || !TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("followup.interaction_trigger() must be fired BEFORE INSERT ... FOR EACH ROW")));

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
	d = heap_getattr(tup, att[IC_REASON], desc, &isnull);
	reason = isnull ? NULL : TextDatumGetCString(d);
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
	if (reason != NULL && !reason_known(cfg, reason))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown reason \"%s\"", reason),
				 errdetail("\"%s\" is not a reason of tenant " INT64_FORMAT " or of tenant 0.",
						   reason, tenant_id),
				 errhint("Add it to followup.reason first, or use a known reason such as price, timing or financing.")));
	check_event_time(occurred_at, "occurred_at");

	SPI_connect();
	/* the bulk path keeps the lead for the statement's other rows */
	bulk = batch_take_lead(trig->tg_relation, tenant_id, lead_id);
	if (bulk != NULL)
		lead = batch_lead_row(bulk);
	else if (!lead_lock(tenant_id, lead_id, &h))
	{
		char	   *hint = followup_tenant_hint("lead", "lead", false);

		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("lead " INT64_FORMAT " of tenant " INT64_FORMAT " does not exist",
						lead_id, tenant_id),
				 hint ? errhint("%s", hint) : 0));
	}

	/* stamps: the lead as it was just before this interaction */
	values[0] = ObjectIdGetDatum(get_enum_oids()->lead_state[lead->state]);
	values[1] = Int32GetDatum(lead->touches);
	values[2] = Int32GetDatum(lead->plan_b_step);
	nulls[2] = lead->plan_b_step == 0;

	batch_note(lead, interaction_id, occurred_at);
	before = *lead;
	apply_interaction(cfg, lead, kind, occurred_at, reason, &res);
	rollup_note_interaction(&before, kind->direction, occurred_at, &res);
	nulls[3] = true;			/* by_rule: only for touches */
	if (res.applied)
	{
		if (res.is_touch)
		{
			int64		task_id = batch_fulfil_open_task(bulk, tenant_id, lead_id, occurred_at, operator);

			values[3] = BoolGetDatum(task_id != 0);
			nulls[3] = false;
			if (task_id != 0)
			{
				values[6] = Int64GetDatum(task_id);
				nulls[6] = false;
			}
		}
		else if (res.plan_changed)
			batch_supersede_open_task(bulk, tenant_id, lead_id);
		batch_lead_update(bulk, &h, before.state, interaction_id, true);
	}
	else
	{
		if (res.plan_changed)
		{
			/* a late touch that brings the planned one over a contact cap */
			batch_supersede_open_task(bulk, tenant_id, lead_id);
			batch_lead_update(bulk, &h, before.state, interaction_id, false);
		}
		if (!batch_reorders(lead, occurred_at) && kind->direction == DIR_OUTBOUND)
		{
			/* a late touch fulfils nothing */
			values[3] = BoolGetDatum(false);
			nulls[3] = false;
		}
	}
	if (bulk)
		batch_keep_lead(bulk);
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
