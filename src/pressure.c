/*
 * pressure.c - contact-pressure caps (followup.contact_cap) and quiet hours
 * (followup.quiet_hours), loaded with a tenant's configuration, and a
 * lead's touch history, the data the planner keeps planned touches within
 * (pressure_respect, planner.c).  Reading and keeping a lead's history on
 * the write paths is pressure_touch.c.
 *
 * A tenant caps the outbound touches of each lead in rolling windows ("at
 * most 2 in any 24 hours, 4 in any 7 days") and may keep quiet hours in the
 * lead's zone.  A tenant with neither has no Pressure (NULL) and pays
 * nothing: no history is read.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "followup.h"
#include "pressure.h"

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

void
pressure_history_add(TouchHistory *h, TimestampTz at)
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
