/*
 * operators.c - followup.claim_tasks(operator, max_tasks): an operator takes
 * the next open tasks of the current tenant, never one another operator
 * holds.
 *
 * The tasks an operator may claim come from three disjoint sources: its own
 * (assignee = operator), the unassigned ones, and those escalated to it.
 * Each source is read in claim order (owed replies, then hot leads, then by
 * due time) from its own partial index (task_claim_idx,
 * task_claim_unassigned_idx, task_claim_escalated_idx), and the three are
 * merged here.  One SQL statement with an OR over the sources can use none
 * of these orders: it reads and sorts every open task of the tenant on each
 * call, or walks past other operators' tasks.
 *
 * The candidates are read without locks; each is then claimed by one
 * statement that locks its lead and then the task (the order every writer
 * locks them) with SKIP LOCKED and checks again that it is still open and
 * still the operator's, so a task claimed or superseded meanwhile, or held
 * by another transaction, is passed over like in a single SKIP LOCKED query.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "followup.h"

PG_FUNCTION_INFO_V1(followup_claim_tasks);

#define CLAIM_SOURCES 3
#define CLAIM_FETCH 16			/* candidates read per source at a time */
#define CLAIM_MAX_TASKS 1000

/* Columns every source returns, in this order; the claim order is 2..5. */
#define CLAIM_SOURCE_SELECT \
	"SELECT task_id, kind <> 'reply', state <> 'hot', due_at FROM followup.task"
#define CLAIM_SOURCE_ORDER \
	" ORDER BY kind <> 'reply', state <> 'hot', due_at, task_id"

static const char *const claim_source_sql[CLAIM_SOURCES] = {
	/* the operator's own tasks */
	CLAIM_SOURCE_SELECT " WHERE tenant_id = $1 AND status = 'open' AND assignee = $2"
	CLAIM_SOURCE_ORDER,
	/* anyone's */
	CLAIM_SOURCE_SELECT " WHERE tenant_id = $1 AND status = 'open' AND assignee IS NULL"
	CLAIM_SOURCE_ORDER,
	/* another operator's, escalated to this one */
	CLAIM_SOURCE_SELECT " WHERE tenant_id = $1 AND status = 'open' AND escalated_to = $2"
	" AND assignee <> $2" CLAIM_SOURCE_ORDER
};

static SPIPlanPtr source_plan[CLAIM_SOURCES];
static SPIPlanPtr claim_plan = NULL;

typedef struct ClaimSource
{
	Portal		portal;
	SPITupleTable *rows;		/* the candidates fetched last */
	uint64		nrows;
	uint64		pos;			/* the next candidate in rows */
	bool		done;			/* nothing more to fetch */
	/* the key of rows->vals[pos] */
	int64		task_id;
	bool		not_reply;
	bool		not_hot;
	TimestampTz due_at;
} ClaimSource;

static void
prepare_claim_plans(void)
{
	Oid			source_types[2] = {INT8OID, TEXTOID};
	Oid			claim_types[3] = {INT8OID, INT8OID, TEXTOID};

	for (int i = 0; i < CLAIM_SOURCES; i++)
	{
		/* read a few rows at a time: plan for a fast start, in index order */
		SPIPlanPtr	plan = SPI_prepare_cursor(claim_source_sql[i], 2, source_types,
											  CURSOR_OPT_FAST_PLAN);

		if (plan == NULL)
			elog(ERROR, "could not prepare followup.claim_tasks: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		source_plan[i] = plan;
	}

	/*
	 * The lead first, then the task, as every writer locks them, so that
	 * completing the task in the same transaction cannot deadlock with a
	 * reply to the lead; a lead being written right now is skipped like a
	 * task another operator holds.  The conditions are checked again on the
	 * locked row: the candidate was read without a lock.
	 */
	claim_plan = SPI_prepare("WITH pick AS ("
							 " SELECT t.tenant_id, t.task_id FROM followup.task t"
							 " JOIN followup.lead l ON l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id"
							 " WHERE t.tenant_id = $1 AND t.task_id = $2 AND t.status = 'open'"
							 " AND (t.assignee IS NULL OR t.assignee = $3 OR t.escalated_to = $3)"
							 " FOR NO KEY UPDATE OF l SKIP LOCKED"
							 " FOR UPDATE OF t SKIP LOCKED)"
							 " UPDATE followup.task t"
							 " SET status = 'claimed', claimed_by = $3, claimed_at = now()"
							 " FROM pick"
							 " WHERE t.tenant_id = pick.tenant_id AND t.task_id = pick.task_id"
							 " RETURNING t.*", 3, claim_types);
	if (claim_plan == NULL)
		elog(ERROR, "could not prepare followup.claim_tasks: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(claim_plan);
}

/* Make src's next candidate current; false when the source is used up. */
static bool
source_head(ClaimSource *src)
{
	bool		isnull;
	HeapTuple	row;
	TupleDesc	desc;

	if (src->done)
		return false;
	if (src->rows == NULL || src->pos >= src->nrows)
	{
		if (src->rows != NULL)
			SPI_freetuptable(src->rows);
		SPI_cursor_fetch(src->portal, true, CLAIM_FETCH);
		src->rows = SPI_tuptable;
		src->nrows = SPI_processed;
		src->pos = 0;
		if (src->nrows == 0)
		{
			src->done = true;
			return false;
		}
	}
	row = src->rows->vals[src->pos];
	desc = src->rows->tupdesc;
	src->task_id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
	src->not_reply = DatumGetBool(SPI_getbinval(row, desc, 2, &isnull));
	src->not_hot = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	src->due_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &isnull));
	return true;
}

/* true if a's head comes before b's in claim order */
static bool
source_precedes(const ClaimSource *a, const ClaimSource *b)
{
	if (a->not_reply != b->not_reply)
		return !a->not_reply;
	if (a->not_hot != b->not_hot)
		return !a->not_hot;
	if (a->due_at != b->due_at)
		return a->due_at < b->due_at;
	return a->task_id < b->task_id;
}

/* Put a claimed row (RETURNING t.*) into the result, as a followup.task. */
static void
store_task(ReturnSetInfo *rsinfo, HeapTuple row, TupleDesc rowdesc)
{
	TupleDesc	desc = rsinfo->setDesc;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	int			col = 0;

	/* t.* has every column but the dropped ones, in order */
	for (int i = 0; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->attisdropped)
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
			continue;
		}
		if (col >= rowdesc->natts)
			elog(ERROR, "followup.task changed while claiming");
		values[i] = SPI_getbinval(row, rowdesc, ++col, &nulls[i]);
	}
	tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	pfree(values);
	pfree(nulls);
}

/* true if s is empty or only spaces, like btrim(s) = '' */
static bool
is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return false;
	return true;
}

Datum
followup_claim_tasks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *operator;
	int32		max_tasks;
	int64		tenant_id = followup_current_tenant_id();
	Datum		operator_datum;
	ClaimSource sources[CLAIM_SOURCES];
	int			claimed = 0;

	if (PG_ARGISNULL(0) || is_blank(operator = TextDatumGetCString(PG_GETARG_DATUM(0))))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("operator must be named"),
				 errhint("Pass the operator's name, as in followup.claim_tasks('ana').")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_tasks must be between 1 and %d, not <NULL>", CLAIM_MAX_TASKS)));
	max_tasks = PG_GETARG_INT32(1);
	if (max_tasks < 1 || max_tasks > CLAIM_MAX_TASKS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_tasks must be between 1 and %d, not %d", CLAIM_MAX_TASKS, max_tasks)));
	operator_datum = PG_GETARG_DATUM(0);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	SPI_connect();
	if (claim_plan == NULL)
		prepare_claim_plans();

	for (int i = 0; i < CLAIM_SOURCES; i++)
	{
		Datum		args[2] = {Int64GetDatum(tenant_id), operator_datum};

		memset(&sources[i], 0, sizeof(ClaimSource));
		/* not read-only: the candidates must be as fresh as the claims */
		sources[i].portal = SPI_cursor_open(NULL, source_plan[i], args, NULL, false);
		source_head(&sources[i]);
	}

	while (claimed < max_tasks)
	{
		ClaimSource *next = NULL;
		Datum		args[3];

		for (int i = 0; i < CLAIM_SOURCES; i++)
			if (!sources[i].done && (next == NULL || source_precedes(&sources[i], next)))
				next = &sources[i];
		if (next == NULL)
			break;				/* no candidate left */

		args[0] = Int64GetDatum(tenant_id);
		args[1] = Int64GetDatum(next->task_id);
		args[2] = operator_datum;
		if (SPI_execute_plan(claim_plan, args, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "could not claim task " INT64_FORMAT, next->task_id);
		if (SPI_processed > 0)
		{
			store_task(rsinfo, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
			claimed++;
		}
		SPI_freetuptable(SPI_tuptable);
		next->pos++;
		source_head(next);
	}

	for (int i = 0; i < CLAIM_SOURCES; i++)
		SPI_cursor_close(sources[i].portal);
	SPI_finish();
	pfree(operator);
	return (Datum) 0;
}
