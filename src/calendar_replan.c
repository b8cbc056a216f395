/*
 * calendar_replan.c - the jobs' side of the holiday calendars:
 * escalate_overdue waits a lead's days off out (followup.non_working_day),
 * and a change to a calendar re-plans the leads it affects, a bounded batch
 * at a time, from the queue the calendar's statement trigger fills
 * (followup.replan_calendar, called by run_due).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "config_cache.h"
#include "followup.h"
#include "lead.h"
#include "planner.h"
#include "pressure_touch.h"
#include "rules.h"
#include "task.h"

PG_FUNCTION_INFO_V1(followup_non_working_day);
PG_FUNCTION_INFO_V1(followup_replan_calendar);

/*
 * followup.non_working_day(tenant bigint, state lead_state, timezone text,
 *     at timestamptz) -> bool
 *
 * Is at, in the zone a lead of tenant in state is planned in (timezone, or
 * the state's policy's when NULL), a day of the tenant's calendar?
 */
Datum
followup_non_working_day(PG_FUNCTION_ARGS)
{
	int64		tenant_id = PG_GETARG_INT64(0);
	TenantConfig *cfg;
	LeadState	state;
	pg_tz	   *tz;
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	TimestampTz at;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	at = PG_GETARG_TIMESTAMPTZ(3);
	followup_require_session_tenant(followup_relid(FR_CALENDAR), tenant_id);
	cfg = get_tenant_config(tenant_id);
	if (cfg->calendar == NULL || TIMESTAMP_NOT_FINITE(at))
		PG_RETURN_BOOL(false);
	state = lead_state_from_oid(PG_GETARG_OID(1));
	tz = plan_zone(&cfg->policy[state], PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
	if (timestamp2tm(at, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	PG_RETURN_BOOL(calendar_closed(cfg->calendar, date2j(tm.tm_year, tm.tm_mon, tm.tm_mday), tz));
}

/*
 * The plan of a lead after its tenant's calendar changed, given its plan
 * before (next_action, due): a day added can only push a due time later,
 * to the first working moment at or after it (whatever made it: the
 * cadence, a rule's due_in); a day removed can only bring one earlier, to
 * where the cadence puts it now.
 */
static TimestampTz
calendar_replanned(const TenantConfig *cfg, const LeadRow *lead)
{
	const Policy *policy = &cfg->policy[lead->state];
	TimestampTz due = lead->next_followup_at;
	TimestampTz moved;
	LeadRow		again = *lead;

	if (!policy->present)
		return due;
	moved = into_working_window(due, policy, plan_zone(policy, lead->timezone), cfg->calendar);
	if (moved != due)
		return moved;
	/* a plan asked for, not made: not recorded as moved by the caps */
	pressure_record_moves = false;
	PG_TRY();
	{
		replan_lead(cfg, &again, lead->next_action == NA_REPLY, DT_NOBEGIN);
	}
	PG_FINALLY();
	{
		pressure_record_moves = true;
	}
	PG_END_TRY();
	if (again.next_action == lead->next_action && again.next_followup_at < due)
		return again.next_followup_at;
	return due;
}

/*
 * followup.replan_calendar(as_of timestamptz, max_leads int) -> bigint
 *
 * Works through followup.calendar_replan, the calendar changes not yet
 * applied: re-plans at most max_leads planned leads due after as_of whose
 * due time lies near a changed day, writes those whose plan changes
 * (superseding their open task) and remembers where it stopped.  Returns
 * the leads whose plan changed.
 */
Datum
followup_replan_calendar(PG_FUNCTION_ARGS)
{
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(0);
	int32		max_leads = PG_GETARG_INT32(1);
	int64		changed = 0;
	int64		queue_id;
	int64		tenant;
	bool		isnull;
	Datum		qargs[7];
	Oid			qtypes[7] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID,
	TIMESTAMPTZOID, INT4OID};
	uint64		nleads;
	SPITupleTable *leads;
	int64		last_tenant = 0;
	int64		last_lead = 0;

	if (max_leads < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_leads must be at least 1, not %d", max_leads)));
	SPI_connect();
	if (SPI_execute("SELECT q.queue_id, q.tenant_id, q.due_from, q.due_until, q.after_tenant, q.after_lead"
					" FROM followup.calendar_replan q ORDER BY q.queue_id LIMIT 1"
					" FOR UPDATE SKIP LOCKED", false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read followup.calendar_replan");
	if (SPI_processed == 0)
	{
		SPI_finish();
		PG_RETURN_INT64(0);
	}
	queue_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	/* $1 tenant, $2 due_from, $3 due_until, $4 after_tenant, $5 after_lead */
	for (int i = 0; i < 5; i++)
		qargs[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 2, &isnull);
	tenant = DatumGetInt64(qargs[0]);
	qargs[5] = TimestampTzGetDatum(as_of);
	qargs[6] = Int32GetDatum(max_leads);

	/* tenant 0's calendar is every tenant's that has none of its own */
	if (SPI_execute_with_args("SELECT l.tenant_id, l.lead_id FROM followup.lead l"
							  " WHERE l.next_action IS NOT NULL"
							  " AND ($1 OPERATOR(pg_catalog.=) 0::pg_catalog.int8"
							  "      OR l.tenant_id OPERATOR(pg_catalog.=) $1)"
							  " AND l.next_followup_at OPERATOR(pg_catalog.>=) $2"
							  " AND l.next_followup_at OPERATOR(pg_catalog.<) $3"
							  " AND l.next_followup_at OPERATOR(pg_catalog.>) $6"
							  " AND (l.tenant_id OPERATOR(pg_catalog.>) $4"
							  "      OR (l.tenant_id OPERATOR(pg_catalog.=) $4 AND l.lead_id OPERATOR(pg_catalog.>) $5))"
							  " ORDER BY l.tenant_id, l.lead_id LIMIT $7",
							  7, qtypes, qargs, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the leads a calendar change affects");
	nleads = SPI_processed;
	leads = SPI_tuptable;
	for (uint64 i = 0; i < nleads; i++)
	{
		LeadHandle	h;
		TenantConfig *cfg;
		TimestampTz due;

		last_tenant = DatumGetInt64(SPI_getbinval(leads->vals[i], leads->tupdesc, 1, &isnull));
		last_lead = DatumGetInt64(SPI_getbinval(leads->vals[i], leads->tupdesc, 2, &isnull));
		if (!lead_lock(last_tenant, last_lead, &h) || h.row.next_action == NA_NONE ||
			h.row.next_followup_at <= as_of)
			continue;
		cfg = get_tenant_config(last_tenant);
		if (tenant == 0 && cfg->calendar != NULL && cfg->calendar->tenant_id != 0)
			continue;			/* it has a calendar of its own */
		due = calendar_replanned(cfg, &h.row);
		if (due == h.row.next_followup_at)
			continue;
		h.row.next_followup_at = due;
		supersede_open_task(last_tenant, last_lead);
		lead_update(&h, 0, false);
		changed++;
	}

	if (nleads < (uint64) max_leads)
	{
		Datum		args[1] = {Int64GetDatum(queue_id)};
		Oid			types[1] = {INT8OID};

		if (SPI_execute_with_args("DELETE FROM followup.calendar_replan q"
								  " WHERE q.queue_id OPERATOR(pg_catalog.=) $1",
								  1, types, args, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not finish a calendar change");
	}
	else
	{
		Datum		args[3] = {Int64GetDatum(queue_id), Int64GetDatum(last_tenant), Int64GetDatum(last_lead)};
		Oid			types[3] = {INT8OID, INT8OID, INT8OID};

		if (SPI_execute_with_args("UPDATE followup.calendar_replan q SET after_tenant = $2, after_lead = $3"
								  " WHERE q.queue_id OPERATOR(pg_catalog.=) $1",
								  3, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not record how far a calendar change was applied");
	}
	SPI_finish();
	PG_RETURN_INT64(changed);
}
