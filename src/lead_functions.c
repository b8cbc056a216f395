/*
 * lead_functions.c - questions a CRM asks about one lead:
 * followup.momentum(lead_id, as_of) and followup.preview(lead_id).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "core/decay.h"
#include "experiment.h"
#include "followup.h"
#include "planner.h"
#include "pressure_touch.h"
#include "render.h"
#include "rules.h"

PG_FUNCTION_INFO_V1(followup_momentum);
PG_FUNCTION_INFO_V1(followup_preview);

/* the columns of followup.lead the queries below read, in their order */
static const ColumnSpec momentum_cols[2] = {{"momentum", CT_FLOAT4}, {"momentum_at", CT_TIMESTAMPTZ}};
static const ColumnSpec preview_cols[8] = {
	{"state", CT_LEAD_STATE}, {"anchor_at", CT_TIMESTAMPTZ}, {"touches", CT_INT4},
	{"plan_b_step", CT_INT4}, {"next_action", CT_NEXT_ACTION}, {"next_followup_at", CT_TIMESTAMPTZ},
	{"timezone", CT_TEXT}, {"last_outbound_at", CT_TIMESTAMPTZ}
};

static void
lead_not_found(int64 lead_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("lead " INT64_FORMAT " does not exist in tenant " INT64_FORMAT,
					lead_id, followup_current_tenant_id()),
			 errhint("%s", followup_tenant_hint("lead", "lead", true))));
}

Datum
followup_momentum(PG_FUNCTION_ARGS)
{
	int64		lead_id = PG_GETARG_INT64(0);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		args[2] = {Int64GetDatum(followup_current_tenant_id()), Int64GetDatum(lead_id)};
	bool		isnull;
	double		m;
	Datum		at;

	SPI_connect();
	if (SPI_execute_with_args("SELECT momentum, momentum_at FROM followup.lead"
							  " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							  " AND lead_id OPERATOR(pg_catalog.=) $2",
							  2, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read lead " INT64_FORMAT, lead_id);
	if (SPI_processed == 0)
		lead_not_found(lead_id);
	column_types_check(SPI_tuptable->tupdesc, 1, momentum_cols, 2, "lead");
	m = DatumGetFloat4(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (!isnull)
		m = fu_decay(m, (double) (as_of - DatumGetTimestampTz(at)) / USECS_PER_SEC,
					 followup_half_life_seconds());
	SPI_finish();
	PG_RETURN_FLOAT4((float4) m);
}

static void preview_rows(ReturnSetInfo *rsinfo, TenantConfig *cfg, const EnumOids *oids,
						 LeadRow *lead_in, Jsonb *vars);

/*
 * The touches still planned if the silence continues: the lead's stored
 * plan, then each later one as if every touch were made when due, up to
 * the close.
 */
Datum
followup_preview(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		lead_id = PG_GETARG_INT64(0);
	int64		tenant_id = followup_current_tenant_id();
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};
	TenantConfig *cfg;
	const EnumOids *oids;
	LeadRow		lead;
	Jsonb	   *vars;
	bool		isnull;
	TupleDesc	desc;
	HeapTuple	tup;

	InitMaterializedSRF(fcinfo, 0);
	cfg = get_tenant_config(tenant_id);
	oids = get_enum_oids();

	SPI_connect();
	if (SPI_execute_with_args("SELECT state, anchor_at, touches, plan_b_step, next_action,"
							  " next_followup_at, timezone, last_outbound_at,"
							  " pg_catalog.jsonb_build_object('lead_id', lead_id, 'external_ref', external_ref,"
							  "   'owner', owner, 'state', state) OPERATOR(pg_catalog.||) attrs, state_since"
							  " FROM followup.lead WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							  " AND lead_id OPERATOR(pg_catalog.=) $2",
							  2, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read lead " INT64_FORMAT, lead_id);
	if (SPI_processed == 0)
		lead_not_found(lead_id);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	column_types_check(desc, 1, preview_cols, lengthof(preview_cols), "lead");
	memset(&lead, 0, sizeof(lead));
	lead.tenant_id = tenant_id;
	lead.lead_id = lead_id;
	lead.state = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull)));
	lead.anchor_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
	lead.touches = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	lead.plan_b_step = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
	if (isnull)
		lead.plan_b_step = 0;
	lead.next_action = NA_NONE;
	{
		Datum		d = SPI_getbinval(tup, desc, 5, &isnull);

		if (!isnull)
			lead.next_action = next_action_from_oid(DatumGetObjectId(d));
		d = SPI_getbinval(tup, desc, 6, &isnull);
		lead.next_followup_at = isnull ? DT_NOBEGIN : DatumGetTimestampTz(d);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		lead.timezone = isnull ? NULL : SPI_getvalue(tup, desc, 7);
		d = SPI_getbinval(tup, desc, 8, &isnull);
		lead.last_outbound_at = isnull ? DT_NOBEGIN : DatumGetTimestampTz(d);
		vars = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 9, &isnull));
		if (SPI_gettypeid(desc, 10) != TIMESTAMPTZOID)
			elog(ERROR, "followup.lead.state_since is not a timestamptz");
		lead.state_since = DatumGetTimestampTz(SPI_getbinval(tup, desc, 10, &isnull));
	}
	/* the stay's arm, if any, gives the steps (replan_lead plans by it too) */
	cfg = (TenantConfig *) experiment_config(cfg, lead.lead_id, lead.state, lead.state_since, NULL);
	lead.last_event_at = DT_NOBEGIN;
	lead.last_inbound_at = DT_NOBEGIN;
	lead.momentum_at = DT_NOBEGIN;

	/* nothing preview plans is recorded as moved by contact pressure */
	pressure_record_moves = false;
	PG_TRY();
	{
		preview_rows(rsinfo, cfg, oids, &lead, vars);
	}
	PG_FINALLY();
	{
		pressure_record_moves = true;
	}
	PG_END_TRY();
	SPI_finish();
	return (Datum) 0;
}

/*
 * preview's rows: the stored plan (and what moved it, if the caps did: the
 * planner is asked again), then each touch made when due, up to the close.
 */
static void
preview_rows(ReturnSetInfo *rsinfo, TenantConfig *cfg, const EnumOids *oids, LeadRow *lead_in,
			 Jsonb *vars)
{
	LeadRow		lead = *lead_in;
	Rule		touch_rule;
	KindEntry	touch;

	if (cfg->pressure != NULL && lead.next_action != NA_NONE && lead.next_action != NA_REPLY)
	{
		LeadRow		again = lead;

		replan_lead(cfg, &again, false, DT_NOBEGIN);
		if (again.next_followup_at == lead.next_followup_at)
			lead.plan_note = again.plan_note;
		lead.history = again.history;
	}

	/* a touch made exactly when due, as the silence goes on */
	outbound_touch_kind(&touch, &touch_rule);

	for (int row = 0; row < 2 * FU_CADENCE_MAX_STEPS + 2 && lead.next_action != NA_NONE; row++)
	{
		Datum		values[9];
		bool		nulls[9] = {false, false, false, true, true, true, true, true, true};
		int			step_no = lead.next_action == NA_REPLY || lead.next_action == NA_CLOSE ?
			0 : lead.state == LS_INSTALLMENT_REJECTED ? lead.plan_b_step : lead.touches + 1;
		const Step *step = step_no > 0 ? find_step(cfg, lead.state, step_no) : NULL;
		ApplyResult res;

		values[0] = Int32GetDatum(step_no);
		nulls[0] = step_no == 0;
		values[1] = ObjectIdGetDatum(oids->next_action[lead.next_action]);
		values[2] = TimestampTzGetDatum(lead.next_followup_at);
		if (step != NULL)
		{
			fu_render_error err;
			char	   *message = render_template(step->template, vars, &err);

			values[3] = CStringGetTextDatum(step->channel);
			values[4] = CStringGetTextDatum(step->purpose);
			values[5] = CStringGetTextDatum(step->action_code);
			nulls[3] = nulls[4] = nulls[5] = false;
			if (message != NULL)
			{
				values[6] = CStringGetTextDatum(message);
				nulls[6] = false;
			}
			else
			{
				values[7] = CStringGetTextDatum(err.message);
				nulls[7] = false;
			}
		}
		if (lead.plan_note != NULL)
		{
			values[8] = CStringGetTextDatum(psprintf("moved: %s", lead.plan_note));
			nulls[8] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

		if (lead.next_action == NA_CLOSE)
			break;
		apply_interaction(cfg, &lead, &touch, lead.next_followup_at, NULL, &res);
	}
}
