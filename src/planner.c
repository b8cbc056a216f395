/*
 * planner.c - the one planner both triggers use: given a lead, what is its
 * next action and when is it due.
 *
 * Awaiting our reply: reply, due reply_owed_since + reply_within.  Else, while
 * touches remain in the state's cadence (and Plan B options in
 * installment_rejected): the next touch, due at
 *     max(anchor + offset[k+1], last touch + (offset[k+1] - offset[k]))
 * so that a punctual operator stays on schedule and a late one never makes
 * two touches back to back.  Else: close, due last touch + close_after.
 * Every due time is then moved forward into the policy's working window,
 * skipping the days of the tenant's calendar (calendar.c).
 * Days are calendar days in the lead's time zone (the policy's when the lead
 * has none), so "3d" is "same time of day, three days later" across DST.
 *
 * Times come only from the arguments, never from the clock, so history can
 * be replayed.
 */
#include "postgres.h"

#include "compat.h"
#include "funcapi.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "followup.h"
#include "planner.h"
#include "pressure.h"

PG_FUNCTION_INFO_V1(followup_plan_next_touch);

pg_tz *
plan_zone(const Policy *policy, const char *lead_timezone)
{
	if (lead_timezone != NULL)
	{
		pg_tz	   *tz = pg_tzset(lead_timezone);

		if (tz != NULL)
			return tz;
	}
	/* won and lost have no policy; a rule may still compute a due time there */
	return policy->tz != NULL ? policy->tz : pg_tzset("UTC");
}

static void
to_local(TimestampTz t, pg_tz *tz, struct pg_tm *tm, fsec_t *fsec)
{
	int			tzoff;

	if (timestamp2tm(t, &tzoff, tm, fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
}

static TimestampTz
from_local(struct pg_tm *tm, fsec_t fsec, pg_tz *tz)
{
	int			tzoff = DetermineTimeZoneOffset(tm, tz);
	TimestampTz result;

	if (tm2timestamp(tm, fsec, &tzoff, &result) != 0 || !IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return result;
}

/*
 * t + months + days + usecs, months and days on the calendar of tz, exactly
 * as timestamptz + interval does in a session whose TimeZone is tz
 * (timestamptz_pl_interval): months first, the day of month clamped to the
 * month's length, then days, each step resolved to an instant before the
 * next, then the time.  Years are astronomical (0 = 1 BC), as in pg_tm.
 */
TimestampTz
add_in_zone(TimestampTz t, int32 months, int32 days, int64 usecs, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (months != 0)
	{
		to_local(t, tz, &tm, &fsec);
		tm.tm_mon += months;
		if (tm.tm_mon > MONTHS_PER_YEAR)
		{
			tm.tm_year += (tm.tm_mon - 1) / MONTHS_PER_YEAR;
			tm.tm_mon = ((tm.tm_mon - 1) % MONTHS_PER_YEAR) + 1;
		}
		else if (tm.tm_mon < 1)
		{
			tm.tm_year += tm.tm_mon / MONTHS_PER_YEAR - 1;
			tm.tm_mon = tm.tm_mon % MONTHS_PER_YEAR + MONTHS_PER_YEAR;
		}
		if (tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1])
			tm.tm_mday = day_tab[isleap(tm.tm_year)][tm.tm_mon - 1];
		t = from_local(&tm, fsec, tz);
	}
	if (days != 0)
	{
		int			julian;

		to_local(t, tz, &tm, &fsec);
		julian = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) + days;
		j2date(julian, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		t = from_local(&tm, fsec, tz);
	}
	if (pg_add_s64_overflow(t, usecs, &t) || !IS_VALID_TIMESTAMP(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return t;
}

/*
 * The times followup accepts as the time of an event (an interaction's
 * occurred_at, a lead's created_at, state_since and anchor_at, the
 * planner's inputs): from 1900-01-01 up to, not including, 10000-01-01,
 * UTC.  Before 1900 the time zone database knows only local mean time;
 * after 9999 years have five digits, which ISO 8601 and the clients that
 * read the reports (JDBC, Python's datetime, JavaScript) do not take; and
 * infinity is not a moment anything happened.
 */
void
check_event_time(TimestampTz t, const char *what)
{
	TimestampTz lo = (TimestampTz) (date2j(1900, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	TimestampTz hi = (TimestampTz) (date2j(10000, 1, 1) - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;

	if (TIMESTAMP_NOT_FINITE(t) || t < lo || t >= hi)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s \"%s\" is not a time followup accepts", what, timestamptz_to_str(t)),
				 errdetail("Event times must be from 1900-01-01 up to 9999-12-31 (UTC), and finite."),
				 errhint("Give the time the event happened (now() if it is happening now).")));
}

static TimestampTz
add_interval(TimestampTz t, const Interval *iv, pg_tz *tz)
{
	return add_in_zone(t, iv->month, iv->day, iv->time, tz);
}

/* Local midnight of julian day j, plus time of day tod. */
static TimestampTz
local_at(int julian, TimeADT tod, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;

	memset(&tm, 0, sizeof(tm));
	j2date(julian, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	time2tm(tod, &tm, &fsec);
	return from_local(&tm, fsec, tz);
}

/*
 * The first moment at or after t inside the working window: a working day
 * (ISO day in work_days, not a day of the tenant's calendar) between
 * work_start and work_end, local time.
 */
TimestampTz
into_working_window(TimestampTz t, const Policy *policy, pg_tz *tz,
					const Calendar *cal)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			julian;
	TimeADT		tod;

	if (cal == NULL && policy->work_days == 0xFE && policy->work_start == 0 &&
		policy->work_end >= USECS_PER_DAY)
		return t;				/* every day, all day */

	to_local(t, tz, &tm, &fsec);
	julian = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday);
	tod = ((((int64) tm.tm_hour * MINS_PER_HOUR) + tm.tm_min) * SECS_PER_MINUTE + tm.tm_sec) * USECS_PER_SEC + fsec;

	/* each day of the calendar can put the first working day off by one */
	for (int d = 0; d <= 7 + (cal != NULL ? cal->ndays : 0); d++)
	{
		int			dow = j2day(julian + d);	/* 0 = Sunday */
		int			iso = dow == 0 ? 7 : dow;

		if (!(policy->work_days & (1 << iso)) || calendar_closed(cal, julian + d, tz))
			continue;
		if (d > 0 || tod < policy->work_start)
			return local_at(julian + d, policy->work_start, tz);
		if (tod < policy->work_end)
			return t;
	}
	/* work_days is never empty, so some day qualifies */
	elog(ERROR, "working window has no working day");
	return t;
}

/*
 * The first moment at or after due that respects the contact caps (given
 * the touches in h, newest first) and the quiet hours, inside the working
 * window; *why says what moved it (NULL: nothing did).  See pressure.c.
 */
/* If t falls in the quiet hours (local time in tz), their end; else t. */
static TimestampTz
after_quiet(const Pressure *p, TimestampTz t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	TimeADT		tod;
	int			julian;

	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	tod = ((((int64) tm.tm_hour * MINS_PER_HOUR) + tm.tm_min) * SECS_PER_MINUTE + tm.tm_sec) * USECS_PER_SEC + fsec;
	julian = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday);
	if (p->quiet_start < p->quiet_end)
	{
		if (tod < p->quiet_start || tod >= p->quiet_end)
			return t;
	}
	else if (tod >= p->quiet_start)
		julian++;				/* 21:00-09:00: until 09:00 tomorrow */
	else if (tod >= p->quiet_end)
		return t;
	memset(&tm, 0, sizeof(tm));
	j2date(julian, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	time2tm(p->quiet_end, &tm, &fsec);
	tzoff = DetermineTimeZoneOffset(&tm, tz);
	if (tm2timestamp(&tm, fsec, &tzoff, &t) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return t;
}

TimestampTz
pressure_respect(const TenantConfig *cfg, const TouchHistory *h, TimestampTz due,
				 const Policy *policy, pg_tz *tz, const char **why)
{
	const Pressure *p = cfg->pressure;
	TimestampTz t = due;

	*why = NULL;
	/* each round only moves later; a few settle any window and quiet hours */
	for (int round = 0; round < 8; round++)
	{
		TimestampTz before = t;

		for (int i = 0; h != NULL && i < p->ncaps; i++)
		{
			const ContactCap *c = &p->caps[i];

			if (h->n >= c->max_touches && h->at[c->max_touches - 1] + c->per > t)
			{
				t = h->at[c->max_touches - 1] + c->per;
				*why = c->why;
			}
		}
		if (p->quiet)
		{
			TimestampTz q = after_quiet(p, t, tz);

			if (q != t)
			{
				t = q;
				*why = p->quiet_why;
			}
		}
		if (t == before)
			break;
		t = into_working_window(t, policy, tz, cfg->calendar);
	}
	return t;
}

static const fu_offset zero_offset = {0, 0};

void
plan_next_touch(const TenantConfig *cfg, const PlanInput *in, PlanResult *out)
{
	const Policy *policy;
	pg_tz	   *tz;
	TimestampTz last_touch;
	int			k = Max(in->touches, 0);	/* a CHECK rejects negatives later */

	out->action = NA_NONE;
	out->due_at = DT_NOBEGIN;
	out->step_no = 0;
	out->moved_by = NULL;
	out->unmoved_at = DT_NOBEGIN;
	/* won and lost: only an after-sale or win-back policy plans anything */
	if (STATE_IS_TERMINAL(in->state) && !cfg->policy[in->state].present)
		return;
	policy = &cfg->policy[in->state];
	if (!policy->present)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no follow-up policy for state \"%s\" in tenant " INT64_FORMAT,
						lead_state_name(in->state), cfg->tenant_id),
				 errhint("Insert a row into followup.policy for the state, for this tenant or for tenant 0.")));
	tz = plan_zone(policy, in->timezone);

	if (in->reply_owed)
	{
		out->action = NA_REPLY;
		out->due_at = into_working_window(add_interval(in->reply_owed_since,
													   &policy->reply_within, tz),
										  policy, tz, cfg->calendar);
		return;
	}

	last_touch = in->anchor_at;
	if (k > 0 && !TS_IS_NULL(in->last_outbound_at) && in->last_outbound_at > in->anchor_at)
		last_touch = in->last_outbound_at;

	if (k < policy->cadence.nsteps &&
		(in->state != LS_INSTALLMENT_REJECTED ||
		 find_step(cfg, in->state, in->plan_b_step) != NULL))
	{
		const fu_offset *next = &policy->cadence.step[k];
		const fu_offset *prev = k > 0 ? &policy->cadence.step[k - 1] : &zero_offset;
		TimestampTz on_schedule = add_in_zone(in->anchor_at, 0, next->days, next->usecs, tz);
		TimestampTz after_last = add_in_zone(last_touch, 0, next->days - prev->days,
											 next->usecs - prev->usecs, tz);

		out->action = in->state == LS_INSTALLMENT_REJECTED ? NA_PLAN_B :
			in->state == LS_RECYCLE || in->state == LS_LOST ? NA_REACTIVATE : NA_FOLLOWUP;
		/* in installment_rejected a step is a Plan B option, as in tasks */
		out->step_no = in->state == LS_INSTALLMENT_REJECTED ? in->plan_b_step : k + 1;
		out->due_at = into_working_window(Max(on_schedule, after_last), policy, tz, cfg->calendar);
		if (cfg->pressure != NULL)
		{
			out->unmoved_at = out->due_at;
			out->due_at = pressure_respect(cfg, in->history, out->due_at, policy, tz, &out->moved_by);
		}
		return;
	}

	/* an after-sale or win-back cadence spent: parked for good, nothing to close */
	if (STATE_IS_TERMINAL(in->state))
		return;
	out->action = NA_CLOSE;
	out->due_at = into_working_window(add_interval(last_touch, &policy->close_after, tz),
									  policy, tz, cfg->calendar);
}

/*
 * A touch due at a fixed time (a rule's due_in), inside the working window
 * and within the contact caps (out says whether they moved it).
 */
TimestampTz
plan_due_hint(const TenantConfig *cfg, const PlanInput *in, TimestampTz at, PlanResult *out)
{
	const Policy *policy = &cfg->policy[in->state];
	pg_tz	   *tz = plan_zone(policy, in->timezone);
	TimestampTz due = into_working_window(at, policy, tz, cfg->calendar);

	out->moved_by = NULL;
	if (cfg->pressure != NULL)
	{
		out->unmoved_at = due;
		due = pressure_respect(cfg, in->history, due, policy, tz, &out->moved_by);
	}
	return due;
}

/*
 * followup.plan_next_touch(state, anchor_at, touches, plan_b_step,
 *     last_outbound_at, reply_owed_since, timezone)
 *     -> (next_action, due_at, step_no)
 *
 * The planner alone, for tests and for CRMs that want to ask "what if".
 */
Datum
followup_plan_next_touch(PG_FUNCTION_ARGS)
{
	TenantConfig *cfg;
	const EnumOids *oids;
	PlanInput	in;
	PlanResult	out;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("state, anchor_at and touches must not be null")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	cfg = get_tenant_config(followup_current_tenant_id());
	oids = get_enum_oids();
	in.state = lead_state_from_oid(PG_GETARG_OID(0));
	in.anchor_at = PG_GETARG_TIMESTAMPTZ(1);
	in.touches = PG_GETARG_INT32(2);
	in.plan_b_step = PG_ARGISNULL(3) ? 1 : PG_GETARG_INT32(3);
	in.last_outbound_at = PG_ARGISNULL(4) ? DT_NOBEGIN : PG_GETARG_TIMESTAMPTZ(4);
	in.reply_owed = !PG_ARGISNULL(5);
	in.reply_owed_since = in.reply_owed ? PG_GETARG_TIMESTAMPTZ(5) : DT_NOBEGIN;
	in.timezone = PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6));
	in.history = NULL;			/* no lead: the caps see no touches */
	if (in.touches < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("touches must not be negative: %d", in.touches)));
	check_event_time(in.anchor_at, "anchor_at");
	if (!TS_IS_NULL(in.last_outbound_at))
		check_event_time(in.last_outbound_at, "last_outbound_at");
	if (in.reply_owed)
		check_event_time(in.reply_owed_since, "reply_owed_since");
	if (in.timezone != NULL && pg_tzset(in.timezone) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", in.timezone)));

	plan_next_touch(cfg, &in, &out);
	if (out.action == NA_NONE)
		nulls[0] = nulls[1] = nulls[2] = true;
	else
	{
		values[0] = ObjectIdGetDatum(oids->next_action[out.action]);
		values[1] = TimestampTzGetDatum(out.due_at);
		values[2] = Int32GetDatum(out.step_no);
		nulls[2] = out.step_no == 0;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
