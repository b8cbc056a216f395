/*
 * rules.c - the rule engine: an interaction's signal and the tenant's rules
 * applied to a LeadRow, and the lead re-planned (planner.c).
 *
 * Pure: it reads the configuration it is given and changes only the
 * LeadRow, so the triggers, the statement's replay and the plan preview
 * (lead_functions.c) all decide the same way.  One exception, for tenants
 * with contact caps only: re-planning reads the lead's recent touches once
 * and records a move the caps make (pressure_touch.c).
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "core/decay.h"
#include "experiment.h"
#include "followup.h"
#include "planner.h"
#include "pressure_touch.h"
#include "rules.h"

void
replan_lead(const TenantConfig *cfg, LeadRow *lead, bool reply_owed,
			TimestampTz due_hint)
{
	PlanInput	in;
	PlanResult	out;

	/* the stay's experiment arm, if any, plans it (experiment.c) */
	cfg = experiment_config(cfg, lead->lead_id, lead->state, lead->state_since, NULL);
	in.state = lead->state;
	in.anchor_at = lead->anchor_at;
	in.touches = lead->touches;
	in.plan_b_step = lead->plan_b_step;
	in.last_outbound_at = lead->last_outbound_at;
	in.reply_owed = reply_owed;
	in.reply_owed_since = TS_IS_NULL(lead->last_inbound_at) ? lead->anchor_at : lead->last_inbound_at;
	in.timezone = lead->timezone;
	in.history = cfg->pressure != NULL && !reply_owed ? pressure_history(cfg, lead) : NULL;
	plan_next_touch(cfg, &in, &out);
	/* after the sale and after a loss, do_not_contact is absolute */
	if (STATE_IS_TERMINAL(lead->state) && lead->do_not_contact)
		out.action = NA_NONE;

	if (!TS_IS_NULL(due_hint) && out.action != NA_NONE &&
		out.action != NA_REPLY && out.action != NA_CLOSE)
		out.due_at = plan_due_hint(cfg, &in, due_hint, &out);
	lead->next_action = out.action;
	lead->next_followup_at = out.action == NA_NONE ? DT_NOBEGIN : out.due_at;
	lead->plan_note = out.moved_by;
	if (out.moved_by != NULL)
		pressure_moved(lead, out.unmoved_at, out.due_at, out.moved_by);
}

void
outbound_touch_kind(KindEntry *kind, Rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	rule->from_state = rule->to_state = LS_NONE;
	rule->effect = EFFECT_TOUCH;
	memset(kind, 0, sizeof(*kind));
	kind->direction = DIR_OUTBOUND;
	kind->nrules = 1;
	kind->rules = rule;
}

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
	lead->reason = NULL;		/* a reason belongs to its stay */
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
 * Plan B ordered by reason: the next option (from the one due) whose step
 * lists the reason, when the tenant's steps say which options answer it.
 */
static void
plan_b_skip_to_reason(const TenantConfig *cfg, LeadRow *lead, const char *reason)
{
	const StateSteps *ss = &cfg->steps[LS_INSTALLMENT_REJECTED];
	char	   *needle = psprintf(",%s,", reason);

	for (int i = 0; i < ss->count; i++)
	{
		const Step *s = &ss->steps[i];

		if (s->step_no >= lead->plan_b_step && s->reasons != NULL &&
			strstr(s->reasons, needle) != NULL)
		{
			lead->plan_b_step = s->step_no;
			break;
		}
	}
	pfree(needle);
}

void
apply_interaction(const TenantConfig *cfg, LeadRow *lead, const KindEntry *kind,
				  TimestampTz at, const char *reason, ApplyResult *res)
{
	TimestampTz kept_anchor = lead->anchor_at;
	int32		kept_touches = lead->touches;
	bool		reply_owed = lead->next_action == NA_REPLY;
	bool		replan = false;
	TimestampTz due_hint = DT_NOBEGIN;
	NextAction	old_action = lead->next_action;
	TimestampTz old_due = lead->next_followup_at;
	bool		final_kept;

	memset(res, 0, sizeof(*res));
	if (!TS_IS_NULL(lead->last_event_at) && at < lead->last_event_at)
	{
		/* late: recorded, changes nothing, but a touch counts against the caps */
		if (kind->direction == DIR_OUTBOUND)
			res->plan_changed = pressure_late_touch(cfg, lead, at);
		return;
	}
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
	{
		lead->last_outbound_at = at;
		pressure_touched(lead, at);
	}

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
	{
		if (reason != NULL)
			lead->reason = pstrdup(reason);
		return;
	}

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

	/*
	 * After the sale (and in a win-back), the terminal state's own cadence
	 * counts from the sale: a reply is answered, but neither it nor any other
	 * signal for any state starts the cadence over; a touch still counts,
	 * unless it was the reply.  Only a new sale does, as a repeat purchase.
	 */
	if (final_kept)
	{
		bool		repeat_sale = lead->state == LS_WON && res->rule->effect == EFFECT_CLOSE &&
			res->rule->to_state == LS_WON;

		if (repeat_sale)
		{
			lead->anchor_at = at;
			lead->touches = 0;
		}
		else
		{
			lead->anchor_at = kept_anchor;
			if (res->rule->effect != EFFECT_TOUCH || old_action == NA_REPLY)
				lead->touches = kept_touches;
		}
	}
	if (reason != NULL)
	{
		lead->reason = pstrdup(reason);
		if (lead->state == LS_INSTALLMENT_REJECTED && lead->plan_b_step > 0 &&
			(res->rule->effect == EFFECT_NEXT_PLAN_B || lead->state_since == at))
			plan_b_skip_to_reason(cfg, lead, reason);
	}

	if (replan)
		replan_lead(cfg, lead, reply_owed, due_hint);
	res->plan_changed = lead->next_action != old_action || lead->next_followup_at != old_due;
}
