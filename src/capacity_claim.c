/*
 * capacity_claim.c - claim_tasks for an operator with a daily capacity.
 *
 * An operator with a capacity claims at most daily_tasks tasks a day (the
 * day of the operator's time zone); the rest is left to others, or to
 * escalation.  Within what is left, the most valuable first: owed replies,
 * then hot leads, then the leads with the most momentum now, then the
 * oldest due (momentum ranks the 4 x as many as are claimed, at least 32,
 * oldest due of
 * each of claim_tasks' sources, so that a claim reads index ranges, not
 * every open task).  The claims of the day are counted in followup.capacity_used,
 * whose row for the operator and day is locked while counting: concurrent
 * claims by one operator take turns and never exceed the capacity (under
 * REPEATABLE READ the second fails with a serialization failure, as a
 * SELECT ... FOR UPDATE would).  A claim released later is not given back.
 * An operator without a capacity is left to claim_tasks' usual path.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "capacity.h"
#include "capacity_claim.h"
#include "config_cache.h"
#include "followup.h"
#include "kept_plan.h"

static KeptPlan count_plan;
static KeptPlan add_plan;
static KeptPlan claim_plan;

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
	/*
	 * claim_tasks' statement, in value order: the candidates are the first
	 * $5 of each of claim_tasks' sources in its order (owed replies, hot
	 * leads, due time; each an index range), ranked again with the leads'
	 * momentum decayed to now after the replies and the hot leads
	 */
#define SOURCE(cond) \
	"(SELECT x.task_id FROM followup.task x WHERE x.tenant_id OPERATOR(pg_catalog.=) $1" \
	" AND x.status OPERATOR(pg_catalog.=) 'open' AND " cond \
	" ORDER BY x.kind OPERATOR(pg_catalog.<>) 'reply', x.state OPERATOR(pg_catalog.<>) 'hot', x.due_at, x.task_id" \
	" LIMIT $5)"
	static const char *const claim_sql =
		"WITH candidate AS (SELECT DISTINCT c.task_id FROM ("
		SOURCE("x.assignee OPERATOR(pg_catalog.=) $2")
		" UNION ALL " SOURCE("x.assignee IS NULL")
		" UNION ALL " SOURCE("x.escalated_to OPERATOR(pg_catalog.=) $2 AND x.assignee OPERATOR(pg_catalog.<>) $2")
		") c),"
		" pick AS ("
		" SELECT t.tenant_id, t.task_id FROM candidate c"
		" JOIN followup.task t ON t.tenant_id OPERATOR(pg_catalog.=) $1 AND t.task_id OPERATOR(pg_catalog.=) c.task_id"
		" JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id"
		"  AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id"
		" WHERE t.status OPERATOR(pg_catalog.=) 'open'"
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
#undef SOURCE
	const OperatorCapacity *op;
	Oid			count_types[4] = {INT8OID, TEXTOID, DATEOID, INT4OID};
	Datum		count_args[4];
	Oid			claim_types[5] = {INT8OID, TEXTOID, INT4OID, FLOAT8OID, INT4OID};
	Datum		claim_args[5];
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
		kept_plan_prepare(&claim_plan, claim_sql, 5, claim_types);
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
	/* momentum ranks the oldest due among this many of each source */
	claim_args[4] = Int32GetDatum(Max(4 * take, 32));
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
