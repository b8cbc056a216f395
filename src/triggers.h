/*
 * triggers.h - the lead as the triggers see it, and the steps they share
 * with the jobs: apply an interaction, re-plan, supersede a task.
 */
#ifndef FOLLOWUP_TRIGGERS_H
#define FOLLOWUP_TRIGGERS_H

#include "config_cache.h"

/* A followup.lead row; NA_NONE, 0 and DT_NOBEGIN stand for NULL as noted. */
typedef struct LeadRow
{
	int64		tenant_id;
	int64		lead_id;
	LeadState	state;
	TimestampTz state_since;
	TimestampTz anchor_at;
	int32		touches;
	int32		plan_b_step;	/* 0 = NULL */
	NextAction	next_action;	/* NA_NONE = NULL */
	TimestampTz next_followup_at;
	char	   *timezone;
	TimestampTz last_inbound_at;
	TimestampTz last_outbound_at;
	TimestampTz last_event_at;
	float4		momentum;
	TimestampTz momentum_at;
	bool		do_not_contact;
	char	   *closed_reason;
	TimestampTz created_at;
} LeadRow;

typedef struct ApplyResult
{
	bool		applied;		/* false: late, changed nothing */
	const Rule *rule;			/* the rule applied, or NULL */
	bool		is_touch;		/* the rule's effect was touch */
	bool		plan_changed;	/* next_action or its due time changed */
} ApplyResult;

extern void apply_interaction(const TenantConfig *cfg, LeadRow *lead,
							  const KindEntry *kind, TimestampTz at,
							  ApplyResult *res);
extern void replan_lead(const TenantConfig *cfg, LeadRow *lead, bool reply_owed,
						TimestampTz due_hint);
extern void enter_state(LeadRow *lead, LeadState state, TimestampTz at);
extern bool supersede_open_task(int64 tenant_id, int64 lead_id);
extern bool lock_lead(int64 tenant_id, int64 lead_id, LeadRow *lead);
extern void update_lead(const LeadRow *lead, int64 interaction_id, bool log_state);

#endif							/* FOLLOWUP_TRIGGERS_H */
