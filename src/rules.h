/*
 * rules.h - the rule engine: what an interaction does to a lead, and the
 * lead's next plan.  Pure: no SPI, no catalog access.
 */
#ifndef FOLLOWUP_RULES_H
#define FOLLOWUP_RULES_H

#include "config_cache.h"
#include "lead.h"

typedef struct ApplyResult
{
	bool		applied;		/* false: late, changed nothing */
	const Rule *rule;			/* the rule applied, or NULL */
	bool		is_touch;		/* the rule's effect was touch */
	bool		plan_changed;	/* next_action or its due time changed */
} ApplyResult;

/*
 * Apply one interaction of kind at "at" to the lead: momentum, the first
 * matching rule, and a new plan.  reason (NULL = none) is the
 * interaction's, a known one: it stays on the lead's stay in its state.
 */
extern void apply_interaction(const TenantConfig *cfg, LeadRow *lead,
							  const KindEntry *kind, TimestampTz at,
							  const char *reason, ApplyResult *res);

/*
 * Plan the lead's next action and its time; due_hint (unless DT_NOBEGIN) is
 * the time a rule asked for.
 */
extern void replan_lead(const TenantConfig *cfg, LeadRow *lead, bool reply_owed,
						TimestampTz due_hint);

/*
 * An outbound touch of no particular kind, made when due: the signal the
 * plan's previews (preview, the forecast) apply to follow a silence.
 */
extern void outbound_touch_kind(KindEntry *kind, Rule *rule);

/* The lead enters state at "at": the state's bookkeeping starts over. */
extern void enter_state(LeadRow *lead, LeadState state, TimestampTz at);

#endif							/* FOLLOWUP_RULES_H */
