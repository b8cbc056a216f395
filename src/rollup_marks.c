/*
 * rollup_marks.c - marks the rolled-up report days (src/sql/rollups.sql)
 * that an interaction changes although it is not late itself.
 *
 * A write for a time more than a day old is marked by SQL triggers.  What
 * they cannot see is an interaction of today that changes an older row's
 * answer: a customer's message after an old touch (the touch was answered:
 * step_funnel), a touch after old unanswered messages (their wait ends:
 * response_times), a Plan B refusal (the offer it refuses may be old:
 * plan_b_recovery), and one recorded out of order.  The lead as it was
 * before the interaction tells which, so the common case costs a few
 * comparisons; a mark is one INSERT (a refusal: one per old touch of the
 * lead), through SECURITY DEFINER functions so that writers need no
 * privilege on the rollups.  Must run under SPI.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"

#include "config_cache.h"
#include "planner.h"
#include "rollup_marks.h"

static SPIPlanPtr mark_plan = NULL;
static SPIPlanPtr mark_lead_plan = NULL;

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

/* the days between since and until (either order) of the lead's tenant changed */
static void
mark(const LeadRow *lead, TimestampTz since, TimestampTz until)
{
	Datum		args[3];

	if (mark_plan == NULL)
	{
		Oid			types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};

		mark_plan = prepare_kept("SELECT followup.rollup_mark($1, $2, $3)", 3, types);
	}
	args[0] = Int64GetDatum(lead->tenant_id);
	args[1] = TimestampTzGetDatum(Min(since, until));
	args[2] = TimestampTzGetDatum(Max(since, until));
	if (SPI_execute_plan(mark_plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not mark rolled-up days");
}

/* every old day of the lead's touches may have changed */
static void
mark_lead(const LeadRow *lead)
{
	Datum		args[2];

	if (mark_lead_plan == NULL)
	{
		Oid			types[2] = {INT8OID, INT8OID};

		mark_lead_plan = prepare_kept("SELECT followup.rollup_mark_lead($1, $2)", 2, types);
	}
	args[0] = Int64GetDatum(lead->tenant_id);
	args[1] = Int64GetDatum(lead->lead_id);
	if (SPI_execute_plan(mark_lead_plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not mark rolled-up days");
}

void
rollup_note_interaction(const LeadRow *before, int direction, TimestampTz at, const ApplyResult *res)
{
	/* now() less a day: what the SQL triggers call old */
	TimestampTz old = GetCurrentTransactionStartTimestamp() - USECS_PER_DAY;
	TimestampTz last_out = before->last_outbound_at;
	TimestampTz last_in = before->last_inbound_at;

	if (direction == DIR_SYSTEM || before->created_at >= old)
		return;					/* answers nothing / nothing of it is old */
	if (!res->applied)
	{
		/* out of order: it may answer or be answered by anything before it */
		mark(before, before->created_at, at);
	}
	else if (res->rule != NULL && res->rule->effect == EFFECT_NEXT_PLAN_B)
	{
		/* it declines the offer made last, perhaps in an earlier refusal */
		mark_lead(before);
	}
	else if (direction == DIR_INBOUND)
	{
		/* it answers the last touch */
		if (!TS_IS_NULL(last_out) && last_out < old)
			mark(before, last_out, last_out);
	}
	else if (res->is_touch && !TS_IS_NULL(last_in) && (TS_IS_NULL(last_out) || last_in > last_out))
	{
		/* it answers the messages since the last touch (or since the start) */
		TimestampTz since = TS_IS_NULL(last_out) ? before->created_at : last_out;

		if (since < old)
			mark(before, since, last_in);
	}
}
