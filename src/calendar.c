/*
 * calendar.c - a tenant's non-working days (followup.calendar), as the
 * planner sees them: loaded with the tenant's configuration
 * (config_cache.c), asked day by day by the working window (planner.c).
 *
 * A tenant with days of its own uses those; else tenant 0's (shipped
 * empty).  A day with a time zone applies to the leads planned in that zone
 * (a country or region is named by its zone: Asia/Tbilisi), one without to
 * every lead of the tenant.  The jobs' side is in calendar_replan.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "calendar.h"
#include "followup.h"

Calendar *
calendar_load(int64 tenant_id, MemoryContext cxt)
{
	static const char *const sql =
		"SELECT (c.day OPERATOR(pg_catalog.-) '2000-01-01'::pg_catalog.date)::pg_catalog.int4, c.timezone,"
		" c.tenant_id"
		" FROM followup.calendar c"
		" WHERE c.tenant_id OPERATOR(pg_catalog.=) (CASE WHEN EXISTS (SELECT FROM followup.calendar o"
		"   WHERE o.tenant_id OPERATOR(pg_catalog.=) $1) THEN $1 ELSE 0::pg_catalog.int8 END)"
		" ORDER BY c.day";
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(tenant_id)};
	AsOwner		save;
	int			ret;
	bool		isnull;
	Calendar   *cal;

	if (!OidIsValid(followup_relid(FR_CALENDAR)))
		return NULL;			/* an install without calendars (mid-upgrade) */
	as_owner_begin(FR_CALENDAR, true, &save);
	ret = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load the calendar of tenant " INT64_FORMAT, tenant_id);
	if (SPI_processed == 0)
		return NULL;
	cal = MemoryContextAllocZero(cxt, sizeof(Calendar));
	cal->ndays = (int) SPI_processed;
	cal->tenant_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	cal->julian = MemoryContextAlloc(cxt, sizeof(int32) * cal->ndays);
	cal->zone = MemoryContextAllocZero(cxt, sizeof(char *) * cal->ndays);
	for (int i = 0; i < cal->ndays; i++)
	{
		char	   *zone = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);

		cal->julian[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
													 1, &isnull)) + POSTGRES_EPOCH_JDATE;
		if (zone != NULL)
			cal->zone[i] = MemoryContextStrdup(cxt, zone);
	}
	return cal;
}

bool
calendar_closed(const Calendar *cal, int julian, pg_tz *tz)
{
	int			lo = 0;
	int			hi;
	const char *name = NULL;

	if (cal == NULL)
		return false;
	hi = cal->ndays;
	while (lo < hi)				/* the first entry >= julian */
	{
		int			mid = (lo + hi) / 2;

		if (cal->julian[mid] < julian)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < cal->ndays && cal->julian[i] == julian; i++)
	{
		if (cal->zone[i] == NULL)
			return true;
		if (name == NULL)
			name = pg_get_timezone_name(tz);
		if (name != NULL && pg_strcasecmp(name, cal->zone[i]) == 0)
			return true;
	}
	return false;
}
