/*
 * forecast.c - followup.planned_touches(from, until): the touches the
 * current tenant's leads will bring between two times if nothing changes
 * but that every touch is made when due (as preview assumes), with closes
 * moving leads on as close_exhausted does.  followup.workload_forecast
 * groups them by day, hour, team and state.
 *
 * Only the leads planned before "until" are read (lead_due_idx): the cost
 * grows with them, not with the history.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "followup.h"
#include "lead.h"
#include "pressure_touch.h"
#include "rules.h"

PG_FUNCTION_INFO_V1(followup_planned_touches);

/* at most this many touches simulated per lead (a cadence has at most 32) */
#define FORECAST_MAX_STEPS 256

static void
forecast_lead(ReturnSetInfo *rsinfo, TenantConfig *cfg, const EnumOids *oids, LeadRow *lead,
			  Datum owner, bool owner_null, TimestampTz from, TimestampTz until)
{
	Rule		touch_rule;
	KindEntry	touch;

	/* a touch made exactly when due */
	outbound_touch_kind(&touch, &touch_rule);

	for (int n = 0; n < FORECAST_MAX_STEPS && lead->next_action != NA_NONE &&
		 lead->next_followup_at < until; n++)
	{
		TimestampTz due = lead->next_followup_at;
		ApplyResult res;

		if (lead->next_action == NA_CLOSE)
		{
			const Policy *policy = &cfg->policy[lead->state];

			/* close_exhausted: the policy's on_exhausted, planned from the due time */
			if (!policy->present)
				break;
			enter_state(lead, policy->on_exhausted, due);
			replan_lead(cfg, lead, false, DT_NOBEGIN);
			continue;
		}
		if (due >= from)
		{
			Datum		values[6];
			bool		nulls[6] = {false, owner_null, false, false, false, false};
			int			step_no = lead->next_action == NA_REPLY ? 0 :
				lead->state == LS_INSTALLMENT_REJECTED ? lead->plan_b_step : lead->touches + 1;

			values[0] = Int64GetDatum(lead->lead_id);
			values[1] = owner;
			values[2] = ObjectIdGetDatum(oids->lead_state[lead->state]);
			values[3] = ObjectIdGetDatum(oids->next_action[lead->next_action]);
			values[4] = Int32GetDatum(step_no);
			nulls[4] = step_no == 0;
			values[5] = TimestampTzGetDatum(due);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		apply_interaction(cfg, lead, &touch, due, NULL, &res);
		if (!res.applied)
			break;
	}
}

/*
 * followup.planned_touches(from timestamptz, until timestamptz)
 *     -> (lead_id, owner, state, kind, step_no, due_at)
 */
Datum
followup_planned_touches(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz from = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz until = PG_GETARG_TIMESTAMPTZ(1);
	int64		tenant_id = followup_current_tenant_id();
	TenantConfig *cfg;
	const EnumOids *oids;
	StringInfoData sql;
	int			identity[LC_COUNT];
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2] = {Int64GetDatum(tenant_id), TimestampTzGetDatum(until)};
	SPITupleTable *leads;
	uint64		nleads;

	InitMaterializedSRF(fcinfo, 0);
	cfg = get_tenant_config(tenant_id);
	oids = get_enum_oids();

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	lead_select_list(&sql, identity);
	/* no task is ever made for do_not_contact (materialize_due) */
	appendStringInfoString(&sql, ", owner FROM followup.lead"
						   " WHERE tenant_id OPERATOR(pg_catalog.=) $1 AND next_action IS NOT NULL"
						   " AND next_followup_at OPERATOR(pg_catalog.<) $2 AND NOT do_not_contact"
						   " ORDER BY lead_id");

	SPI_connect();
	if (SPI_execute_with_args(sql.data, 2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the planned leads");
	leads = SPI_tuptable;
	nleads = SPI_processed;
	if (nleads > 0)
		column_types_check(leads->tupdesc, 1, lead_cols, LC_COUNT, "lead");

	/* nothing simulated here is recorded as moved by contact pressure */
	pressure_record_moves = false;
	PG_TRY();
	{
		for (uint64 i = 0; i < nleads; i++)
		{
			LeadRow		lead;
			bool		owner_null;
			Datum		owner = SPI_getbinval(leads->vals[i], leads->tupdesc, LC_COUNT + 1, &owner_null);

			lead_from_tuple(&lead, leads->vals[i], leads->tupdesc, identity);
			forecast_lead(rsinfo, cfg, oids, &lead, owner, owner_null, from, until);
		}
	}
	PG_FINALLY();
	{
		pressure_record_moves = true;
	}
	PG_END_TRY();
	SPI_finish();
	return (Datum) 0;
}
