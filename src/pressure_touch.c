/*
 * pressure_touch.c - a lead's touches as the contact caps count them, on the
 * write paths.
 *
 * The caps count the lead's outbound interactions, read once per LeadRow
 * (newest first, as far back as the longest window) when its tenant has
 * caps, and kept up to date as the rules apply touches to it, so that
 * preview's and the forecast's simulated touches count too.  A late touch
 * still counts.  A move made on a write path is recorded in
 * followup.pressure_move for the followup.pressure report.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "config_cache.h"
#include "followup.h"
#include "lead.h"
#include "planner.h"
#include "pressure.h"
#include "pressure_touch.h"

bool		pressure_record_moves = true;

const TouchHistory *
pressure_history(const TenantConfig *cfg, LeadRow *lead)
{
	static const char *const sql =
		"SELECT i.occurred_at, i.kind FROM followup.interaction i"
		" WHERE i.tenant_id OPERATOR(pg_catalog.=) $1 AND i.lead_id OPERATOR(pg_catalog.=) $2"
		" AND i.occurred_at OPERATOR(pg_catalog.>) $3"
		" ORDER BY i.occurred_at DESC, i.interaction_id DESC LIMIT 1000";
	TouchHistory *h;
	TimestampTz ref;

	if (cfg->pressure == NULL || cfg->pressure->ncaps == 0)
		return NULL;
	if (lead->history != NULL)
		return lead->history;
	h = palloc0(sizeof(TouchHistory));
	h->size = cfg->pressure->max_touches;
	h->at = palloc0(sizeof(TimestampTz) * h->size);
	ref = Max(lead->anchor_at, Max(lead->last_event_at, lead->last_outbound_at));
	if (lead->lead_id != 0 && !TS_IS_NULL(ref) && !TIMESTAMP_NOT_FINITE(ref))
	{
		Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
		Datum		args[3] = {Int64GetDatum(lead->tenant_id), Int64GetDatum(lead->lead_id),
		TimestampTzGetDatum(ref - cfg->pressure->max_per)};
		AsOwner		save;
		int			ret;

		SPI_connect();
		as_owner_begin(FR_INTERACTION, true, &save);
		ret = SPI_execute_with_args(sql, 3, types, args, NULL, false, 0);
		as_owner_end(&save);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read the touches of lead " INT64_FORMAT, lead->lead_id);
		for (uint64 i = 0; i < SPI_processed && h->n < h->size; i++)
		{
			bool		isnull;
			const KindEntry *kind = find_kind((TenantConfig *) cfg,
											  SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));

			if (kind != NULL && kind->direction == DIR_OUTBOUND)
				pressure_history_add(h, DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc, 1, &isnull)));
		}
		SPI_finish();
	}
	/* the touch being applied may not be in the table yet */
	if (!TS_IS_NULL(lead->last_outbound_at))
		pressure_history_add(h, lead->last_outbound_at);
	lead->history = h;
	return h;
}

bool
pressure_late_touch(const TenantConfig *cfg, LeadRow *lead, TimestampTz at)
{
	const Policy *policy;
	const char *why;
	TimestampTz due;

	if (cfg->pressure == NULL || cfg->pressure->ncaps == 0 ||
		(lead->next_action != NA_FOLLOWUP && lead->next_action != NA_PLAN_B &&
		 lead->next_action != NA_REACTIVATE))
		return false;
	(void) pressure_history(cfg, lead);
	pressure_touched(lead, at);
	policy = &cfg->policy[lead->state];
	due = pressure_respect(cfg, lead->history, lead->next_followup_at, policy,
						   plan_zone(policy, lead->timezone), &why);
	if (due == lead->next_followup_at)
		return false;
	pressure_moved(lead, lead->next_followup_at, due, why);
	lead->next_followup_at = due;
	lead->plan_note = why;
	return true;
}

void
pressure_touched(LeadRow *lead, TimestampTz at)
{
	if (lead->history != NULL)
		pressure_history_add(lead->history, at);
}

void
pressure_moved(const LeadRow *lead, TimestampTz planned, TimestampTz due, const char *why)
{
	static const char *const sql =
		"INSERT INTO followup.pressure_move (tenant_id, lead_id, due_at, planned_at, reason)"
		" VALUES ($1, $2, $3, $4, $5)"
		" ON CONFLICT (tenant_id, lead_id, due_at) DO NOTHING";
	Oid			types[5] = {INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};
	Datum		args[5];
	AsOwner		save;
	int			ret;

	if (!pressure_record_moves || lead->lead_id == 0)
		return;
	args[0] = Int64GetDatum(lead->tenant_id);
	args[1] = Int64GetDatum(lead->lead_id);
	args[2] = TimestampTzGetDatum(due);
	args[3] = TimestampTzGetDatum(planned);
	args[4] = CStringGetTextDatum(why);
	SPI_connect();
	as_owner_begin(FR_CONTACT_CAP, true, &save);
	ret = SPI_execute_with_args(sql, 5, types, args, NULL, false, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not record a touch moved by contact pressure");
	SPI_finish();
}
