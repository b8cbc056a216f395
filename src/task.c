/*
 * task.c - closing a lead's live task (open or claimed) when the lead moves
 * on: fulfilled by a touch, or superseded by a new plan.
 *
 * Both are statements, so that a CRM's triggers on followup.task fire; the
 * index scan of live_task.c spares them for a lead that has no live task,
 * the common case of an interaction, and task_fulfil.c does the fulfilment
 * without the statement whenever that is the same.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "kept_plan.h"
#include "live_task.h"
#include "task.h"
#include "task_fulfil.h"

/*
 * SQL text here names everything with its schema, operators too: a kept
 * plan is analyzed again under the caller's search_path when that changes,
 * and the caller's own schema must never supply what followup runs.
 */
#define LIVE_TASK_OF_LEAD \
	" WHERE tenant_id OPERATOR(pg_catalog.=) $1 AND lead_id OPERATOR(pg_catalog.=) $2" \
	" AND status OPERATOR(pg_catalog.=) ANY ('{open,claimed}'::followup.task_status[])"

static KeptPlan supersede_plan;
static KeptPlan fulfil_plan;

bool
supersede_open_task(int64 tenant_id, int64 lead_id)
{
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};
	bool		found;

	if (!live_task_maybe(tenant_id, lead_id))
		return false;
	if (!kept_plan_current(&supersede_plan))
	{
		Oid			types[2] = {INT8OID, INT8OID};

		kept_plan_prepare(&supersede_plan, "UPDATE followup.task SET status = 'superseded'"
						  LIVE_TASK_OF_LEAD, 2, types);
	}
	if (SPI_execute_plan(supersede_plan.plan, args, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not supersede the task of lead " INT64_FORMAT, lead_id);
	found = SPI_processed > 0;
	live_task_check_written(tenant_id, lead_id);
	return found;
}

int64
fulfil_open_task(int64 tenant_id, int64 lead_id, TimestampTz at, const char *operator)
{
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', operator ? ' ' : 'n'};
	bool		isnull;
	int64		task_id;

	if (!live_task_maybe(tenant_id, lead_id))
		return 0;
	/* without the statement where it would do nothing more (task_fulfil.c) */
	switch (task_fulfil_direct(tenant_id, lead_id, at, operator, &task_id))
	{
		case TASK_FULFIL_DONE:
		case TASK_FULFIL_NONE:
			return task_id;
		case TASK_FULFIL_STATEMENT:
			break;
	}
	args[0] = Int64GetDatum(tenant_id);
	args[1] = Int64GetDatum(lead_id);
	args[2] = TimestampTzGetDatum(at);
	args[3] = operator ? CStringGetTextDatum(operator) : (Datum) 0;
	if (!kept_plan_current(&fulfil_plan))
	{
		Oid			types[4] = {INT8OID, INT8OID, TIMESTAMPTZOID, TEXTOID};

		kept_plan_prepare(&fulfil_plan, "UPDATE followup.task SET status = 'done', done_at = $3,"
						  " claimed_by = coalesce(claimed_by, $4)"
						  LIVE_TASK_OF_LEAD " RETURNING task_id", 4, types);
	}
	if (SPI_execute_plan(fulfil_plan.plan, args, nulls, false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "could not fulfil the task of lead " INT64_FORMAT, lead_id);
	task_id = SPI_processed == 0 ? 0 :
		DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	live_task_check_written(tenant_id, lead_id);
	return task_id;
}
