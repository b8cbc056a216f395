/*
 * capacity.c - operators' daily capacity (followup.capacity) in claim_tasks.
 *
 * An operator with a capacity claims at most daily_tasks tasks a day (the
 * day of the operator's time zone); the rest is left to others, or to
 * escalation.  Within what is left, the most valuable first: owed replies,
 * then hot leads, then the leads with the most momentum now, then the
 * oldest due.  The claims of the day are counted in followup.capacity_used,
 * whose row for the operator and day is locked while counting: concurrent
 * claims by one operator take turns and never exceed the capacity (under
 * REPEATABLE READ the second fails with a serialization failure, as a
 * SELECT ... FOR UPDATE would).  A claim released later is not given back.
 *
 * A tenant without capacities has no Capacity (NULL) and claim_tasks takes
 * its usual path: nothing is read or locked.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "config_cache.h"
#include "followup.h"
#include "kept_plan.h"

static KeptPlan count_plan;
static KeptPlan add_plan;
static KeptPlan claim_plan;

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

static const OperatorCapacity *
find_operator(const Capacity *cap, const char *operator)
{
	for (int i = 0; cap != NULL && i < cap->n; i++)
		if (strcmp(cap->ops[i].operator, operator) == 0)
			return &cap->ops[i];
	return NULL;
}

/* today in tz, as a date */
static DateADT
today_in(pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(GetCurrentTransactionStartTimestamp(), &tzoff, &tm, &fsec, NULL, tz) != 0)
		elog(ERROR, "timestamp out of range");
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

bool
capacity_claim(int64 tenant_id, const char *operator, Datum operator_datum, int max_tasks,
			   SPITupleTable **rows, uint64 *nrows)
{
	/* the operator's row of the day, made if need be, then locked */
	static const char *const count_sql =
		"INSERT INTO followup.capacity_used AS u (tenant_id, operator, day, claimed)"
		" VALUES ($1, $2, $3, 0)"
		" ON CONFLICT (tenant_id, operator, day) DO UPDATE SET claimed = u.claimed"
		" RETURNING u.claimed";
	static const char *const add_sql =
		"UPDATE followup.capacity_used u SET claimed = u.claimed OPERATOR(pg_catalog.+) $4"
		" WHERE u.tenant_id OPERATOR(pg_catalog.=) $1 AND u.operator OPERATOR(pg_catalog.=) $2"
		" AND u.day OPERATOR(pg_catalog.=) $3";
	/* claim_tasks' statement, in value order, momentum decayed to now */
	static const char *const claim_sql =
		"WITH pick AS ("
		" SELECT t.tenant_id, t.task_id FROM followup.task t"
		" JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id"
		"  AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id"
		" WHERE t.tenant_id OPERATOR(pg_catalog.=) $1 AND t.status OPERATOR(pg_catalog.=) 'open'"
		" AND (t.assignee IS NULL OR t.assignee OPERATOR(pg_catalog.=) $2"
		"  OR t.escalated_to OPERATOR(pg_catalog.=) $2)"
		" ORDER BY t.kind OPERATOR(pg_catalog.<>) 'reply', t.state OPERATOR(pg_catalog.<>) 'hot',"
		"  l.momentum::pg_catalog.float8 OPERATOR(pg_catalog.*) pg_catalog.power(0.5::pg_catalog.float8,"
		"   pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-)"
		"    COALESCE(l.momentum_at, pg_catalog.now())) OPERATOR(pg_catalog./) $4) DESC,"
		"  t.due_at, t.task_id"
		" LIMIT $3"
		" FOR NO KEY UPDATE OF l SKIP LOCKED"
		" FOR UPDATE OF t SKIP LOCKED)"
		" UPDATE followup.task t"
		" SET status = 'claimed', claimed_by = $2, claimed_at = pg_catalog.now()"
		" FROM pick"
		" WHERE t.tenant_id OPERATOR(pg_catalog.=) pick.tenant_id"
		" AND t.task_id OPERATOR(pg_catalog.=) pick.task_id"
		" RETURNING t.*";
	const OperatorCapacity *op;
	Oid			count_types[4] = {INT8OID, TEXTOID, DATEOID, INT4OID};
	Datum		count_args[4];
	Oid			claim_types[4] = {INT8OID, TEXTOID, INT4OID, FLOAT8OID};
	Datum		claim_args[4];
	AsOwner		save;
	int			ret;
	int			used;
	int			take;
	bool		isnull;

	*rows = NULL;
	*nrows = 0;
	op = find_operator(get_tenant_config(tenant_id)->capacity, operator);
	if (op == NULL)
		return false;

	if (!kept_plan_current(&claim_plan))
	{
		kept_plan_prepare(&count_plan, count_sql, 3, count_types);
		kept_plan_prepare(&add_plan, add_sql, 4, count_types);
		kept_plan_prepare(&claim_plan, claim_sql, 4, claim_types);
	}
	count_args[0] = Int64GetDatum(tenant_id);
	count_args[1] = operator_datum;
	count_args[2] = DateADTGetDatum(today_in(op->tz));
	as_owner_begin(FR_CAPACITY, false, &save);
	ret = SPI_execute_plan(count_plan.plan, count_args, NULL, false, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not count the claims of operator \"%s\"", operator);
	used = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	take = Min(max_tasks, op->daily_tasks - used);
	if (take <= 0)
		return true;			/* the day's capacity is used up */

	claim_args[0] = Int64GetDatum(tenant_id);
	claim_args[1] = operator_datum;
	claim_args[2] = Int32GetDatum(take);
	claim_args[3] = Float8GetDatum(followup_half_life_seconds());
	if (SPI_execute_plan(claim_plan.plan, claim_args, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not claim tasks for operator \"%s\"", operator);
	*rows = SPI_tuptable;
	*nrows = SPI_processed;
	if (*nrows > 0)
	{
		count_args[3] = Int32GetDatum((int32) *nrows);
		as_owner_begin(FR_CAPACITY, false, &save);
		ret = SPI_execute_plan(add_plan.plan, count_args, NULL, false, 0);
		as_owner_end(&save);
		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "could not count the claims of operator \"%s\"", operator);
	}
	return true;
}
