/*
 * planner.h - what a lead needs next, and when.
 */
#ifndef FOLLOWUP_PLANNER_H
#define FOLLOWUP_PLANNER_H

#include "config_cache.h"

/* The lead as the planner sees it; 0 / DT_NOBEGIN stand for NULL. */
typedef struct PlanInput
{
	LeadState	state;
	TimestampTz anchor_at;
	int			touches;
	int			plan_b_step;	/* 0 outside installment_rejected */
	TimestampTz last_outbound_at;	/* DT_NOBEGIN when none */
	bool		reply_owed;		/* we owe the customer an answer */
	TimestampTz reply_owed_since;
	const char *timezone;		/* the lead's; NULL = the policy's */
	const struct TouchHistory *history;	/* touches the caps count; NULL = none */
} PlanInput;

typedef struct PlanResult
{
	NextAction	action;			/* NA_NONE: nothing planned */
	TimestampTz due_at;
	int			step_no;		/* touch number the action is (1-based), 0 for close/reply */
	const char *moved_by;		/* what contact pressure moved it by, else NULL */
	TimestampTz unmoved_at;		/* the due time before that */
} PlanResult;

#define TS_IS_NULL(t)	((t) == DT_NOBEGIN)

extern void plan_next_touch(const TenantConfig *cfg, const PlanInput *in,
							PlanResult *out);
extern TimestampTz plan_due_hint(const TenantConfig *cfg, const PlanInput *in,
								 TimestampTz at, PlanResult *out);
extern pg_tz *plan_zone(const Policy *policy, const char *lead_timezone);
/* Refuse a time that cannot be an event's (see planner.c), naming the column. */
extern void check_event_time(TimestampTz t, const char *what);
extern TimestampTz add_in_zone(TimestampTz t, int32 months, int32 days,
							   int64 usecs, pg_tz *tz);
extern TimestampTz into_working_window(TimestampTz t, const Policy *policy,
									   pg_tz *tz, const struct Calendar *cal);
/*
 * The first moment at or after due that respects the tenant's contact caps
 * (given the touches in h) and quiet hours, inside the working window; *why
 * says what moved it (NULL: nothing did).  cfg->pressure must be set.
 */
extern TimestampTz pressure_respect(const TenantConfig *cfg, const struct TouchHistory *h,
									TimestampTz due, const Policy *policy, pg_tz *tz,
									const char **why);

#endif							/* FOLLOWUP_PLANNER_H */
