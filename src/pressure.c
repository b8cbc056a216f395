/*
 * pressure.c - contact-pressure caps (followup.contact_cap) and quiet hours
 * (followup.quiet_hours).
 *
 * A tenant caps the outbound touches of each lead in rolling windows ("at
 * most 2 in any 24 hours, 4 in any 7 days") and may keep quiet hours in the
 * lead's zone.  The planner moves a planned touch (followup, plan_b,
 * reactivate) that would break them to the first moment that respects them,
 * inside the working window; an owed reply and a close are never moved.  A
 * tenant with neither has no Pressure (NULL) and pays nothing: no history
 * is read.
 *
 * The caps count the lead's outbound interactions, read once per LeadRow
 * (newest first, as far back as the longest window) and kept up to date as
 * the rules apply touches to it, so that preview's simulated touches count
 * too.  A move made on a write path is recorded in followup.pressure_move
 * for the followup.pressure report.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "config_cache.h"
#include "followup.h"
#include "lead.h"
#include "planner.h"
#include "pressure.h"

bool		pressure_record_moves = true;

static const char *
window_text(int64 per, char *buf, size_t len)
{
	if (per % USECS_PER_HOUR == 0 && per <= 48 * USECS_PER_HOUR)
		snprintf(buf, len, INT64_FORMAT " h", per / USECS_PER_HOUR);
	else if (per % USECS_PER_DAY == 0)
		snprintf(buf, len, INT64_FORMAT " d", per / USECS_PER_DAY);
	else
		snprintf(buf, len, INT64_FORMAT " min", per / USECS_PER_MINUTE);
	return buf;
}

Pressure *
pressure_load(int64 tenant_id, MemoryContext cxt)
{
	static const char *const caps_sql =
		"SELECT c.per, c.max_touches FROM followup.contact_cap c"
		" WHERE c.tenant_id OPERATOR(pg_catalog.=) (CASE WHEN EXISTS (SELECT FROM followup.contact_cap o"
		"   WHERE o.tenant_id OPERATOR(pg_catalog.=) $1) THEN $1 ELSE 0::pg_catalog.int8 END)"
		" ORDER BY c.per";
	static const char *const quiet_sql =
		"SELECT q.starts, q.ends FROM followup.quiet_hours q"
		" WHERE q.tenant_id OPERATOR(pg_catalog.=) ANY (ARRAY[$1, 0::pg_catalog.int8])"
		" ORDER BY q.tenant_id DESC LIMIT 1";
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(tenant_id)};
	AsOwner		save;
	Pressure   *p;
	bool		isnull;
	int			ret;

	if (!OidIsValid(followup_relid(FR_CONTACT_CAP)))
		return NULL;
	as_owner_begin(FR_CONTACT_CAP, true, &save);
	ret = SPI_execute_with_args(caps_sql, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load the contact caps of tenant " INT64_FORMAT, tenant_id);
	p = MemoryContextAllocZero(cxt, sizeof(Pressure));
	p->ncaps = (int) SPI_processed;
	p->caps = MemoryContextAllocZero(cxt, sizeof(ContactCap) * Max(p->ncaps, 1));
	for (int i = 0; i < p->ncaps; i++)
	{
		ContactCap *c = &p->caps[i];
		Interval   *per = DatumGetIntervalP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		char		buf[32];

		c->per = per->time + (int64) per->day * USECS_PER_DAY;
		c->max_touches = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		snprintf(c->why, sizeof(c->why), "%d touch%s in the last %s", c->max_touches,
				 c->max_touches == 1 ? "" : "es", window_text(c->per, buf, sizeof(buf)));
		p->max_touches = Max(p->max_touches, c->max_touches);
		p->max_per = Max(p->max_per, c->per);
	}

	as_owner_begin(FR_CONTACT_CAP, true, &save);
	ret = SPI_execute_with_args(quiet_sql, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load the quiet hours of tenant " INT64_FORMAT, tenant_id);
	if (SPI_processed == 1)
	{
		p->quiet = true;
		p->quiet_start = DatumGetTimeADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		p->quiet_end = DatumGetTimeADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		snprintf(p->quiet_why, sizeof(p->quiet_why), "quiet hours %02d:%02d-%02d:%02d",
				 (int) (p->quiet_start / USECS_PER_HOUR), (int) (p->quiet_start / USECS_PER_MINUTE % 60),
				 (int) (p->quiet_end / USECS_PER_HOUR), (int) (p->quiet_end / USECS_PER_MINUTE % 60));
	}
	if (p->ncaps == 0 && !p->quiet)
	{
		pfree(p->caps);
		pfree(p);
		return NULL;
	}
	return p;
}

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

static void
history_add(TouchHistory *h, TimestampTz at)
{
	int			pos = 0;

	while (pos < h->n && h->at[pos] > at)
		pos++;
	if (pos < h->n && h->at[pos] == at)
		return;					/* the same touch, read and applied */
	if (h->n == h->size)
	{
		if (pos == h->n)
			return;				/* older than all it keeps */
		h->n--;
	}
	memmove(&h->at[pos + 1], &h->at[pos], sizeof(TimestampTz) * (h->n - pos));
	h->at[pos] = at;
	h->n++;
}

const TouchHistory *
pressure_history(const TenantConfig *cfg, LeadRow *lead)
{
	static const char *const sql =
		"SELECT i.occurred_at, i.kind FROM followup.interaction i"
		" WHERE i.tenant_id OPERATOR(pg_catalog.=) $1 AND i.lead_id OPERATOR(pg_catalog.=) $2"
		" AND i.occurred_at OPERATOR(pg_catalog.>) $3"
		" ORDER BY i.occurred_at DESC, i.interaction_id DESC LIMIT 1000";
	TouchHistory *h;
	TimestampTz ref;

	if (cfg->pressure == NULL || cfg->pressure->ncaps == 0)
		return NULL;
	if (lead->history != NULL)
		return lead->history;
	h = palloc0(sizeof(TouchHistory));
	h->size = cfg->pressure->max_touches;
	h->at = palloc0(sizeof(TimestampTz) * h->size);
	ref = Max(lead->anchor_at, Max(lead->last_event_at, lead->last_outbound_at));
	if (lead->lead_id != 0 && !TS_IS_NULL(ref) && !TIMESTAMP_NOT_FINITE(ref))
	{
		Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
		Datum		args[3] = {Int64GetDatum(lead->tenant_id), Int64GetDatum(lead->lead_id),
		TimestampTzGetDatum(ref - cfg->pressure->max_per)};
		AsOwner		save;
		int			ret;

		SPI_connect();
		as_owner_begin(FR_INTERACTION, true, &save);
		ret = SPI_execute_with_args(sql, 3, types, args, NULL, false, 0);
		as_owner_end(&save);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read the touches of lead " INT64_FORMAT, lead->lead_id);
		for (uint64 i = 0; i < SPI_processed && h->n < h->size; i++)
		{
			bool		isnull;
			const KindEntry *kind = find_kind((TenantConfig *) cfg,
											  SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));

			if (kind != NULL && kind->direction == DIR_OUTBOUND)
				history_add(h, DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc, 1, &isnull)));
		}
		SPI_finish();
	}
	/* the touch being applied may not be in the table yet */
	if (!TS_IS_NULL(lead->last_outbound_at))
		history_add(h, lead->last_outbound_at);
	lead->history = h;
	return h;
}

bool
pressure_late_touch(const TenantConfig *cfg, LeadRow *lead, TimestampTz at)
{
	const Policy *policy;
	const char *why;
	TimestampTz due;

	if (cfg->pressure == NULL || cfg->pressure->ncaps == 0 ||
		(lead->next_action != NA_FOLLOWUP && lead->next_action != NA_PLAN_B &&
		 lead->next_action != NA_REACTIVATE))
		return false;
	(void) pressure_history(cfg, lead);
	pressure_touched(lead, at);
	policy = &cfg->policy[lead->state];
	due = pressure_respect(cfg, lead->history, lead->next_followup_at, policy,
						   plan_zone(policy, lead->timezone), &why);
	if (due == lead->next_followup_at)
		return false;
	pressure_moved(lead, lead->next_followup_at, due, why);
	lead->next_followup_at = due;
	lead->plan_note = why;
	return true;
}

void
pressure_touched(LeadRow *lead, TimestampTz at)
{
	if (lead->history != NULL)
		history_add(lead->history, at);
}

void
pressure_moved(const LeadRow *lead, TimestampTz planned, TimestampTz due, const char *why)
{
	static const char *const sql =
		"INSERT INTO followup.pressure_move (tenant_id, lead_id, due_at, planned_at, reason)"
		" VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (tenant_id, lead_id, due_at) DO NOTHING";
	Oid			types[5] = {INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};
	Datum		args[5];
	AsOwner		save;
	int			ret;

	if (!pressure_record_moves || lead->lead_id == 0)
		return;
	args[0] = Int64GetDatum(lead->tenant_id);
	args[1] = Int64GetDatum(lead->lead_id);
	args[2] = TimestampTzGetDatum(due);
	args[3] = TimestampTzGetDatum(planned);
	args[4] = CStringGetTextDatum(why);
	SPI_connect();
	as_owner_begin(FR_CONTACT_CAP, true, &save);
	ret = SPI_execute_with_args(sql, 5, types, args, NULL, false, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not record a touch moved by contact pressure");
	SPI_finish();
}
