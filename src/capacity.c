/*
 * capacity.c - operators' daily capacity (followup.capacity), loaded with a
 * tenant's configuration (its own rows: operators are a tenant's own).
 * claim_tasks keeps to it (capacity_claim.c).  A tenant without capacities
 * has no Capacity (NULL), and claim_tasks takes its usual path.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "capacity.h"
#include "followup.h"

Capacity *
capacity_load(int64 tenant_id, MemoryContext cxt)
{
	static const char *const sql =
		"SELECT c.operator, c.daily_tasks, c.timezone FROM followup.capacity c"
		" WHERE c.tenant_id OPERATOR(pg_catalog.=) $1 ORDER BY c.operator";
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(tenant_id)};
	AsOwner		save;
	Capacity   *cap;
	int			ret;

	if (!OidIsValid(followup_relid(FR_CAPACITY)))
		return NULL;
	as_owner_begin(FR_CAPACITY, true, &save);
	ret = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load the capacities of tenant " INT64_FORMAT, tenant_id);
	if (SPI_processed == 0)
		return NULL;
	cap = MemoryContextAllocZero(cxt, sizeof(Capacity));
	cap->n = (int) SPI_processed;
	cap->ops = MemoryContextAllocZero(cxt, sizeof(OperatorCapacity) * cap->n);
	for (int i = 0; i < cap->n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *zone = SPI_getvalue(tup, desc, 3);

		cap->ops[i].operator = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 1));
		cap->ops[i].daily_tasks = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		cap->ops[i].tz = pg_tzset(zone);
		if (cap->ops[i].tz == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time zone \"%s\" of operator \"%s\"'s capacity is not recognized",
							zone, cap->ops[i].operator)));
	}
	return cap;
}
