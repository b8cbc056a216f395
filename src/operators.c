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
 * The candidates are read without locks, a few at a time; each is then
 * claimed as by one statement that locks its lead and then the task (the
 * order every writer locks them) with SKIP LOCKED and checks again that it
 * is still open and still the operator's, so a task claimed or superseded
 * meanwhile, or held by another transaction, is passed over like in a
 * single SKIP LOCKED query.  task_claim.c does that without the statement
 * whenever it may.
 *
 * followup.complete_task(task_id, operator, body, occurred_at[, external_ref]) locks the
 * task's lead and then the task (complete_lock.c, or one statement), refuses a task that is
 * done or superseded or a touch older than the lead's last event, and
 * inserts the outbound interaction; the interaction trigger does the rest.
 * followup.complete_tasks(task_ids, ...) does the same for each task of a
 * batch, reporting in the task's row what complete_task would raise; the
 * batch's tasks and leads are locked by one statement (complete_batch.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "capacity_claim.h"
#include "columns.h"
#include "complete_batch.h"
#include "complete_lock.h"
#include "followup.h"
#include "kept_plan.h"
#include "task_claim.h"

PG_FUNCTION_INFO_V1(followup_claim_tasks);
PG_FUNCTION_INFO_V1(followup_complete_task);
PG_FUNCTION_INFO_V1(followup_complete_tasks);

#define CLAIM_SOURCES 3
#define CLAIM_FETCH 16			/* candidates read per source at a time */
#define CLAIM_MAX_TASKS 1000

/* Columns every source returns, in this order; the claim order is 2..5. */
#define CLAIM_SOURCE_SELECT \
	"SELECT task_id, kind OPERATOR(pg_catalog.<>) 'reply', state OPERATOR(pg_catalog.<>) 'hot', due_at, lead_id" \
	" FROM followup.task"
#define CLAIM_SOURCE_OPEN \
	" WHERE tenant_id OPERATOR(pg_catalog.=) $1 AND status OPERATOR(pg_catalog.=) 'open'"
#define CLAIM_SOURCE_ORDER \
	" ORDER BY kind OPERATOR(pg_catalog.<>) 'reply', state OPERATOR(pg_catalog.<>) 'hot', due_at, task_id"

static const char *const claim_source_sql[CLAIM_SOURCES] = {
	/* the operator's own tasks */
	CLAIM_SOURCE_SELECT CLAIM_SOURCE_OPEN " AND assignee OPERATOR(pg_catalog.=) $2"
	CLAIM_SOURCE_ORDER,
	/* anyone's */
	CLAIM_SOURCE_SELECT CLAIM_SOURCE_OPEN " AND assignee IS NULL"
	CLAIM_SOURCE_ORDER,
	/* another operator's, escalated to this one */
	CLAIM_SOURCE_SELECT CLAIM_SOURCE_OPEN " AND escalated_to OPERATOR(pg_catalog.=) $2"
	" AND assignee OPERATOR(pg_catalog.<>) $2" CLAIM_SOURCE_ORDER
};

/* the columns of the claim sources' rows that are read: the 1st, the 4th and 5th */
static const ColumnSpec source_cols[3] = {
	{"task_id", CT_INT8}, {"due_at", CT_TIMESTAMPTZ}, {"lead_id", CT_INT8}
};

static KeptPlan source_plan[CLAIM_SOURCES];
static KeptPlan claim_plan;

typedef struct ClaimSource
{
	Portal		portal;
	SPITupleTable *rows;		/* the candidates fetched last */
	uint64		nrows;
	uint64		pos;			/* the next candidate in rows */
	long		fetch;			/* how many to fetch next */
	bool		done;			/* nothing more to fetch */
	/* the key of rows->vals[pos] */
	int64		task_id;
	bool		not_reply;
	bool		not_hot;
	TimestampTz due_at;
	int64		lead_id;
} ClaimSource;

static void
prepare_claim_plans(void)
{
	Oid			source_types[2] = {INT8OID, TEXTOID};
	Oid			claim_types[3] = {INT8OID, INT8OID, TEXTOID};

	for (int i = 0; i < CLAIM_SOURCES; i++)
	{
		/* read a few rows at a time: plan for a fast start, in index order */
		kept_plan_prepare_cursor(&source_plan[i], claim_source_sql[i], 2, source_types,
								 CURSOR_OPT_FAST_PLAN);
	}

	/*
	 * The lead first, then the task, as every writer locks them, so that
	 * completing the task in the same transaction cannot deadlock with a
	 * reply to the lead; a lead being written right now is skipped like a
	 * task another operator holds.  The conditions are checked again on the
	 * locked row: the candidate was read without a lock.  The UPDATE names
	 * the tenant and task itself too, not only through pick: on Citus that
	 * makes the whole statement one task on the tenant's shard; joined to
	 * pick alone it is an UPDATE of every task shard, some over new
	 * connections, committed in two phases (100-200 ms a claim).
	 */
	kept_plan_prepare(&claim_plan, "WITH pick AS ("
							 " SELECT t.tenant_id, t.task_id FROM followup.task t"
							 " JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id"
							 "  AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id"
							 " WHERE t.tenant_id OPERATOR(pg_catalog.=) $1 AND t.task_id OPERATOR(pg_catalog.=) $2"
							 " AND t.status OPERATOR(pg_catalog.=) 'open'"
							 " AND (t.assignee IS NULL OR t.assignee OPERATOR(pg_catalog.=) $3"
							 "  OR t.escalated_to OPERATOR(pg_catalog.=) $3)"
							 " FOR NO KEY UPDATE OF l SKIP LOCKED"
							 " FOR UPDATE OF t SKIP LOCKED)"
							 " UPDATE followup.task t"
							 " SET status = 'claimed', claimed_by = $3, claimed_at = pg_catalog.now()"
							 " FROM pick"
							 " WHERE t.tenant_id OPERATOR(pg_catalog.=) $1 AND t.task_id OPERATOR(pg_catalog.=) $2"
							 " AND t.tenant_id OPERATOR(pg_catalog.=) pick.tenant_id"
							 " AND t.task_id OPERATOR(pg_catalog.=) pick.task_id"
							 " RETURNING t.*", 3, claim_types);
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
		SPI_cursor_fetch(src->portal, true, src->fetch);
		src->fetch = Min(src->fetch * 2, CLAIM_FETCH);
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
	column_types_check(desc, 1, source_cols, 1, "task");
	column_types_check(desc, 4, source_cols + 1, 2, "task");
	src->task_id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
	src->not_reply = DatumGetBool(SPI_getbinval(row, desc, 2, &isnull));
	src->not_hot = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	src->due_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &isnull));
	src->lead_id = DatumGetInt64(SPI_getbinval(row, desc, 5, &isnull));
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

/*
 * Deform a row of RETURNING t.* into values for desc, the table's row type:
 * t.* has every column but the dropped ones, in order.
 */
static void
row_to_values(TupleDesc desc, HeapTuple row, TupleDesc rowdesc, Datum *values, bool *nulls)
{
	int			col = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->attisdropped)
		{
			values[i] = (Datum) 0;
			nulls[i] = true;
			continue;
		}
		if (col >= rowdesc->natts)
			elog(ERROR, "the row type of %s changed during the call", format_type_be(desc->tdtypeid));
		values[i] = SPI_getbinval(row, rowdesc, ++col, &nulls[i]);
	}
}

/* Put a claimed row into the result, as a followup.task. */
static void
store_task(ReturnSetInfo *rsinfo, HeapTuple row, TupleDesc rowdesc)
{
	TupleDesc	desc = rsinfo->setDesc;
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);

	row_to_values(desc, row, rowdesc, values, nulls);
	tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	pfree(values);
	pfree(nulls);
}

/*
 * Put a row of followup.task claimed by task_claim_direct() into the result:
 * the table's row as it is, since the result is the table's row type.
 */
static void
store_claimed(HeapTuple row, TupleDesc rowdesc, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;

	if (rowdesc->natts != rsinfo->setDesc->natts)
		elog(ERROR, "the row type of %s changed during the call",
			 format_type_be(rsinfo->setDesc->tdtypeid));
	tuplestore_puttuple(rsinfo->setResult, row);
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
	/* stored as claimed_by: not a pointer to a value kept elsewhere */
	operator_datum = PointerGetDatum(PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0)));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	SPI_connect();

	/* an operator with a daily capacity: capacity_claim.c claims, in value order */
	{
		SPITupleTable *rows;
		uint64		nrows;

		if (capacity_claim(tenant_id, operator, operator_datum, max_tasks, &rows, &nrows))
		{
			for (uint64 i = 0; i < nrows; i++)
				store_task(rsinfo, rows->vals[i], rows->tupdesc);
			SPI_finish();
			pfree(operator);
			return (Datum) 0;
		}
	}

	if (!kept_plan_current(&claim_plan))
		prepare_claim_plans();

	for (int i = 0; i < CLAIM_SOURCES; i++)
	{
		Datum		args[2] = {Int64GetDatum(tenant_id), operator_datum};

		memset(&sources[i], 0, sizeof(ClaimSource));
		/* as many as are wanted first, in case the first ones are claimed */
		sources[i].fetch = Min(max_tasks, CLAIM_FETCH);
		/* not read-only: the candidates must be as fresh as the claims */
		sources[i].portal = SPI_cursor_open(NULL, source_plan[i].plan, args, NULL, false);
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

		switch (task_claim_direct(tenant_id, next->task_id, next->lead_id, operator_datum,
								  store_claimed, rsinfo))
		{
			case TASK_CLAIMED:
				claimed++;
				break;
			case TASK_PASSED:
				break;
			case TASK_CLAIM_STATEMENT:
				args[0] = Int64GetDatum(tenant_id);
				args[1] = Int64GetDatum(next->task_id);
				args[2] = operator_datum;
				if (SPI_execute_plan(claim_plan.plan, args, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
					elog(ERROR, "could not claim task " INT64_FORMAT, next->task_id);
				if (SPI_processed > 0)
				{
					store_task(rsinfo, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
					claimed++;
				}
				SPI_freetuptable(SPI_tuptable);
				break;
		}
		next->pos++;
		source_head(next);
	}

	for (int i = 0; i < CLAIM_SOURCES; i++)
		SPI_cursor_close(sources[i].portal);
	SPI_finish();
	pfree(operator);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * complete_task
 */
/* the columns complete_lock_plan reads from the 3rd (the lead_id: 1st), and from the 8th */
static const ColumnSpec complete_task_cols[4] = {
	{"done_at", CT_TIMESTAMPTZ}, {"claimed_by", CT_TEXT}, {"channel", CT_TEXT}, {"lead_id", CT_INT8}
};
static const ColumnSpec complete_lead_cols[1] = {{"last_event_at", CT_TIMESTAMPTZ}};

static KeptPlan complete_lock_plan;
static KeptPlan complete_insert_plan;

static void
prepare_complete_plans(void)
{
	Oid			lock_types[2] = {INT8OID, INT8OID};
	Oid			insert_types[8] = {INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
	INT8OID, TEXTOID, TEXTOID};

	/* lead before task, in the order the interaction trigger locks them */
	kept_plan_prepare(&complete_lock_plan, "SELECT t.lead_id, t.status::pg_catalog.text, t.done_at, t.claimed_by,"
									 " t.channel, l.state::pg_catalog.text, l.next_action::pg_catalog.text,"
									 " l.last_event_at"
									 " FROM followup.task t"
									 " JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id"
									 "  AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id"
									 " WHERE t.tenant_id OPERATOR(pg_catalog.=) $1"
									 " AND t.task_id OPERATOR(pg_catalog.=) $2"
									 " FOR NO KEY UPDATE OF l FOR UPDATE OF t", 2, lock_types);
	kept_plan_prepare(&complete_insert_plan, "INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at,"
									   " kind, channel, operator, task_id, body, external_ref)"
									   " VALUES ($1, $2, $3, CASE WHEN $4 OPERATOR(pg_catalog.=) 'call'"
									   " THEN 'call' ELSE 'message' END,"
									   " $4, $5, $6, $7, $8) RETURNING *", 8, insert_types);
}

/* A timestamptz as the session prints it (DateStyle, TimeZone); "" for NULL. */
static char *
timestamptz_text(Datum d, bool isnull)
{
	return isnull ? pstrdup("") : DatumGetCString(DirectFunctionCall1(timestamptz_out, d));
}

/* what became of one task given to complete_task or complete_tasks */
typedef enum CompleteOutcome
{
	CO_COMPLETED, CO_NOT_FOUND, CO_ALREADY_DONE, CO_SUPERSEDED, CO_OUT_OF_ORDER, CO_COUNT
} CompleteOutcome;

static const char *const outcome_names[CO_COUNT] = {
	"completed", "not_found", "already_done", "superseded", "out_of_order"
};

typedef struct CompleteReport
{
	CompleteOutcome outcome;
	int			sqlstate;		/* the error complete_task raises, unless completed */
	char	   *message;
	char	   *detail;
	char	   *hint;
	Datum		lead_id;
	bool		lead_null;
	/* the interaction recorded (completed): SPI_tuptable's first row */
	HeapTuple	row;
	TupleDesc	desc;
} CompleteReport;

/*
 * Under SPI: complete task_id of the current tenant as complete_task does,
 * given the row of complete_lock_plan that locked it (NULL: none), or say
 * in r why not (nothing written then).  operator, body and external_ref may
 * be null; the interaction is in r->row.
 */
static void
complete_locked(int64 tenant_id, int64 task_id, HeapTuple row, TupleDesc desc,
				NullableDatum operator, NullableDatum body, TimestampTz occurred_at,
				NullableDatum external_ref, CompleteReport *r)
{
	Datum		args[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	char	   *status;
	Datum		last_event;
	bool		no_last_event;
	Datum		claimed_by;
	bool		claimed_by_null;

	memset(r, 0, sizeof(CompleteReport));
	r->lead_null = true;
	if (!kept_plan_current(&complete_lock_plan) || !kept_plan_current(&complete_insert_plan))
		prepare_complete_plans();
	if (row == NULL)
	{
		r->outcome = CO_NOT_FOUND;
		r->sqlstate = ERRCODE_UNDEFINED_OBJECT;
		r->message = psprintf("task " INT64_FORMAT " does not exist in tenant " INT64_FORMAT,
							  task_id, tenant_id);
		r->hint = pstrdup(followup_tenant_hint("task", "task", true));
		return;
	}
	column_types_check(desc, 3, complete_task_cols, 3, "task");
	column_types_check(desc, 1, complete_task_cols + 3, 1, "task");
	column_types_check(desc, 8, complete_lead_cols, lengthof(complete_lead_cols), "lead");
	status = SPI_getvalue(row, desc, 2);
	claimed_by = SPI_getbinval(row, desc, 4, &claimed_by_null);
	r->lead_id = SPI_getbinval(row, desc, 1, &r->lead_null);

	if (strcmp(status, "done") == 0)
	{
		Datum		done_at = SPI_getbinval(row, desc, 3, &isnull);

		r->outcome = CO_ALREADY_DONE;
		r->sqlstate = MAKE_SQLSTATE('F', 'U', '0', '0', '1');
		r->message = psprintf("task " INT64_FORMAT " is already done", task_id);
		r->detail = psprintf("It was done at %s by %s.", timestamptz_text(done_at, isnull),
							 claimed_by_null ? "an operator" : TextDatumGetCString(claimed_by));
		return;
	}
	if (strcmp(status, "superseded") == 0)
	{
		char	   *next_action = SPI_getvalue(row, desc, 7);

		r->outcome = CO_SUPERSEDED;
		r->sqlstate = MAKE_SQLSTATE('F', 'U', '0', '0', '2');
		r->message = psprintf("task " INT64_FORMAT " was superseded: the lead's plan changed", task_id);
		r->detail = psprintf("Lead %s is now %s, next action %s.", SPI_getvalue(row, desc, 1),
							 SPI_getvalue(row, desc, 6), next_action ? next_action : "none");
		r->hint = pstrdup("Claim the lead's current task instead.");
		return;
	}
	last_event = SPI_getbinval(row, desc, 8, &no_last_event);
	if (!no_last_event && occurred_at < DatumGetTimestampTz(last_event))
	{
		r->outcome = CO_OUT_OF_ORDER;
		r->sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
		r->message = psprintf("cannot complete task " INT64_FORMAT " at %s: the lead has a later event at %s",
							  task_id, timestamptz_text(TimestampTzGetDatum(occurred_at), false),
							  timestamptz_text(last_event, false));
		r->hint = pstrdup("Complete it with the time the touch was made, after the lead's last event.");
		return;
	}

	args[0] = Int64GetDatum(tenant_id);
	args[1] = r->lead_id;
	args[2] = TimestampTzGetDatum(occurred_at);
	args[3] = SPI_getbinval(row, desc, 5, &isnull);
	nulls[3] = isnull ? 'n' : ' ';
	/* the operator who completes it, else the one who claimed it */
	if (!operator.isnull)
		args[4] = operator.value;
	else
	{
		args[4] = claimed_by;
		nulls[4] = claimed_by_null ? 'n' : ' ';
	}
	args[5] = Int64GetDatum(task_id);
	args[6] = body.value;
	nulls[6] = body.isnull ? 'n' : ' ';
	/* the CRM's id of the message it sent */
	args[7] = external_ref.value;
	nulls[7] = external_ref.isnull ? 'n' : ' ';
	if (SPI_execute_plan(complete_insert_plan.plan, args, nulls, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not record the touch of task " INT64_FORMAT, task_id);
	r->outcome = CO_COMPLETED;
	r->row = SPI_tuptable->vals[0];
	r->desc = SPI_tuptable->tupdesc;
}

/*
 * complete_locked() after complete_task's lock: without the statement where
 * it would do nothing more (complete_lock.c), else the statement.
 */
static void
complete_one(int64 tenant_id, int64 task_id, NullableDatum operator, NullableDatum body,
			 TimestampTz occurred_at, NullableDatum external_ref, CompleteReport *r)
{
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(task_id)};
	HeapTuple	row;
	TupleDesc	desc;

	switch (complete_lock_direct(tenant_id, task_id, &row, &desc))
	{
		case COMPLETE_LOCK_FOUND:
		case COMPLETE_LOCK_MISSING:
			complete_locked(tenant_id, task_id, row, desc, operator, body, occurred_at,
							external_ref, r);
			return;
		case COMPLETE_LOCK_STATEMENT:
			break;
	}
	if (!kept_plan_current(&complete_lock_plan) || !kept_plan_current(&complete_insert_plan))
		prepare_complete_plans();
	if (SPI_execute_plan(complete_lock_plan.plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock task " INT64_FORMAT, task_id);
	complete_locked(tenant_id, task_id, SPI_processed == 0 ? NULL : SPI_tuptable->vals[0],
					SPI_tuptable->tupdesc, operator, body, occurred_at, external_ref, r);
}

static NullableDatum
arg_or_null(FunctionCallInfo fcinfo, int n)
{
	NullableDatum d;

	d.isnull = PG_NARGS() <= n || PG_ARGISNULL(n);
	d.value = d.isnull ? (Datum) 0 : PG_GETARG_DATUM(n);
	return d;
}

Datum
followup_complete_task(PG_FUNCTION_ARGS)
{
	int64		tenant_id = followup_current_tenant_id();
	int64		task_id;
	MemoryContext callercxt = CurrentMemoryContext;
	TupleDesc	resultdesc;
	Datum	   *values;
	bool	   *isnulls;
	Datum		result;
	CompleteReport r;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("task_id and occurred_at must not be null")));
	task_id = PG_GETARG_INT64(0);

	SPI_connect();
	/* the 5-argument form records the CRM's id of the message it sent */
	complete_one(tenant_id, task_id, arg_or_null(fcinfo, 1), arg_or_null(fcinfo, 2),
				 PG_GETARG_TIMESTAMPTZ(3), arg_or_null(fcinfo, 4), &r);
	if (r.outcome != CO_COMPLETED)
		ereport(ERROR,
				(errcode(r.sqlstate),
				 errmsg_internal("%s", r.message),
				 r.detail ? errdetail_internal("%s", r.detail) : 0,
				 r.hint ? errhint("%s", r.hint) : 0));

	/* the interaction row as a followup.interaction, in the caller's memory */
	if (get_call_result_type(fcinfo, NULL, &resultdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "followup.complete_task must return a row type");
	values = palloc(sizeof(Datum) * resultdesc->natts);
	isnulls = palloc(sizeof(bool) * resultdesc->natts);
	row_to_values(resultdesc, r.row, r.desc, values, isnulls);
	MemoryContextSwitchTo(callercxt);
	result = HeapTupleGetDatum(heap_form_tuple(resultdesc, values, isnulls));
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* ---------------------------------------------------------------------
 * complete_tasks
 */

/* The elements of a one-dimensional array argument (none if it is null). */
static int
array_elements(FunctionCallInfo fcinfo, int n, Oid type, const char *name,
			   Datum **values, bool **nulls)
{
	ArrayType  *array;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			count;

	*values = NULL;
	*nulls = NULL;
	if (PG_ARGISNULL(n))
		return -1;
	array = PG_GETARG_ARRAYTYPE_P(n);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not one of %d dimensions",
						name, ARR_NDIM(array))));
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, type, typlen, typbyval, typalign, values, nulls, &count);
	return count;
}

/*
 * followup.complete_tasks(task_ids, operator, bodies, occurred_at,
 * external_refs): complete_task for each task, in the order given, in one
 * call.  A task complete_task would refuse (unknown, already done,
 * superseded, a touch older than the lead's last event) is reported in its
 * row, with the SQLSTATE and message complete_task raises, and nothing is
 * written for it; the others are completed.  Any other error (a CRM's
 * trigger refusing the interaction) ends the call, as one complete_task
 * would end the transaction.
 */
Datum
followup_complete_tasks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		tenant_id = followup_current_tenant_id();
	Datum	   *task_ids;
	bool	   *task_nulls;
	Datum	   *bodies;
	bool	   *body_nulls;
	Datum	   *refs;
	bool	   *ref_nulls;
	int			ntasks;
	int			nbodies;
	int			nrefs;
	TimestampTz occurred_at;
	MemoryContext taskcxt;
	CompleteBatch batch;
	bool		batched;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("task_ids and occurred_at must not be null")));
	ntasks = array_elements(fcinfo, 0, INT8OID, "task_ids", &task_ids, &task_nulls);
	if (ntasks > CLAIM_MAX_TASKS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("complete_tasks takes at most %d tasks, not %d", CLAIM_MAX_TASKS, ntasks),
				 errhint("Complete them in batches of at most %d.", CLAIM_MAX_TASKS)));
	for (int i = 0; i < ntasks; i++)
		if (task_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("task_ids[%d] is null", i + 1),
					 errhint("Every element of task_ids must be a task's id.")));
	nbodies = array_elements(fcinfo, 2, TEXTOID, "bodies", &bodies, &body_nulls);
	nrefs = array_elements(fcinfo, 4, TEXTOID, "external_refs", &refs, &ref_nulls);
	if ((nbodies >= 0 && nbodies != ntasks) || (nrefs >= 0 && nrefs != ntasks))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("bodies and external_refs must have one element per task: %d tasks, %d bodies, %d external_refs",
						ntasks, Max(nbodies, 0), Max(nrefs, 0)),
				 errhint("Pass NULL for either to record none, or NULL elements for some tasks.")));
	occurred_at = PG_GETARG_TIMESTAMPTZ(3);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	taskcxt = AllocSetContextCreate(CurrentMemoryContext, "followup complete_tasks",
									ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	/* the tasks and their leads locked at once, in lead order (complete_batch.c) */
	batched = complete_batch_lock(tenant_id, task_ids, ntasks, &batch);
	for (int i = 0; i < ntasks; i++)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(taskcxt);
		NullableDatum body = {nbodies < 0 ? (Datum) 0 : bodies[i], nbodies < 0 || body_nulls[i]};
		NullableDatum ref = {nrefs < 0 ? (Datum) 0 : refs[i], nrefs < 0 || ref_nulls[i]};
		CompleteReport r;
		Datum		values[6];
		bool		nulls[6] = {false, false, false, true, true, true};
		HeapTuple	locked = NULL;
		TupleDesc	locked_desc = NULL;

		CHECK_FOR_INTERRUPTS();
		if (batched)
			locked = complete_batch_row(&batch, DatumGetInt64(task_ids[i]), &locked_desc);
		if (locked != NULL)
			complete_locked(tenant_id, DatumGetInt64(task_ids[i]), locked, locked_desc,
							arg_or_null(fcinfo, 1), body, occurred_at, ref, &r);
		else
			complete_one(tenant_id, DatumGetInt64(task_ids[i]), arg_or_null(fcinfo, 1), body,
						 occurred_at, ref, &r);
		values[0] = task_ids[i];
		values[1] = r.lead_id;
		nulls[1] = r.lead_null;
		values[2] = CStringGetTextDatum(outcome_names[r.outcome]);
		if (r.outcome == CO_COMPLETED)
		{
			int			col = SPI_fnumber(r.desc, "interaction_id");

			if (col <= 0)
				elog(ERROR, "followup.interaction has no interaction_id");
			values[5] = SPI_getbinval(r.row, r.desc, col, &nulls[5]);
		}
		else
		{
			values[3] = CStringGetTextDatum(unpack_sql_state(r.sqlstate));
			values[4] = CStringGetTextDatum(r.message);
			nulls[3] = nulls[4] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		/* the task's statements' rows, never the batch's */
		SPI_freetuptable(SPI_tuptable);
		SPI_tuptable = NULL;
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(taskcxt);
	}
	complete_batch_end(&batch);
	SPI_finish();
	MemoryContextDelete(taskcxt);
	return (Datum) 0;
}
