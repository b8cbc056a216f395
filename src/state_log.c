/*
 * state_log.c - followup.state_change: every move of a lead from one state
 * to another, with the interaction that caused it.
 *
 * The reports need history (when did a lead enter thinking? was it won
 * after Plan B option 3?) that the lead row alone forgets.  One AFTER
 * trigger on followup.lead, fired only when the state changes, writes the
 * log for every path: the CRM's UPDATE, the interaction trigger's rules and
 * the jobs.  The interaction trigger says which interaction it is applying;
 * the statement replay (statement_batch.c) rewrites the log of the leads it
 * replays.
 *
 * History is the engine's to write: the log is written as the owner of
 * followup.state_change, so that the roles grant_operator makes need no
 * privilege on it (they could otherwise forge or erase history), and a
 * statement trigger refuses UPDATE, DELETE and TRUNCATE by anyone else
 * (src/sql/data.sql).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "domain.h"
#include "experiment.h"
#include "followup.h"
#include "kept_plan.h"
#include "state_log.h"

PG_FUNCTION_INFO_V1(followup_log_state_change);

enum
{
	SL_TENANT_ID, SL_LEAD_ID, SL_STATE, SL_STATE_SINCE, SL_COUNT
};
static const ColumnSpec lead_cols[SL_COUNT] = {
	{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}, {"state", CT_LEAD_STATE}, {"state_since", CT_TIMESTAMPTZ}
};
static ColumnMap lead_map;

/*
 * The one lead whose write lead_update() is making, at which transaction
 * nesting level: only its state change is the interaction's (or not logged
 * at all).  Leads a CRM's own triggers write meanwhile are logged as theirs.
 */
static StateLogScope scope;

void
state_log_scope_begin(int64 tenant_id, int64 lead_id, int64 interaction_id, bool suppress,
					  StateLogScope *saved)
{
	*saved = scope;
	scope.active = true;
	scope.tenant_id = tenant_id;
	scope.lead_id = lead_id;
	scope.interaction_id = interaction_id;
	scope.suppress = suppress;
	scope.nest_level = GetCurrentTransactionNestLevel();
}

void
state_log_scope_end(const StateLogScope *saved)
{
	scope = *saved;
}

/* Is this row the lead of the current scope? */
static bool
in_scope(int64 tenant_id, int64 lead_id)
{
	return scope.active && scope.tenant_id == tenant_id && scope.lead_id == lead_id &&
		scope.nest_level == GetCurrentTransactionNestLevel();
}

/*
 * Run a prepared plan as the owner of followup.state_change, as PostgreSQL
 * runs its referential actions: the caller cannot write the history
 * itself.  Not restricted: the log's foreign key is deferred.
 */
int
execute_as_history_owner(SPIPlanPtr plan, Datum *args, const char *nulls)
{
	AsOwner		save;
	int			ret;

	as_owner_begin(FR_STATE_CHANGE, false, &save);
	ret = SPI_execute_plan(plan, args, nulls, false, 0);
	as_owner_end(&save);
	return ret;
}

void
log_state_change(int64 tenant_id, int64 lead_id, TimestampTz at, Oid from_state,
				 Oid to_state, int64 interaction_id)
{
	static KeptPlan plan;
	Datum		args[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	ArmChoice	arm;

	if (!kept_plan_current(&plan))
	{
		Oid			types[8] = {INT8OID, INT8OID, TIMESTAMPTZOID,
			get_enum_oids()->lead_state_type, get_enum_oids()->lead_state_type, INT8OID,
		INT8OID, INT4OID};

		kept_plan_prepare(&plan, "INSERT INTO followup.state_change (tenant_id, lead_id, changed_at,"
						  " from_state, to_state, interaction_id, experiment_id, arm)"
						  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
						  8, types);
	}
	/* the arm of the stay that begins, if an experiment runs on the state */
	(void) experiment_config(get_tenant_config(tenant_id), lead_id, lead_state_from_oid(to_state),
							 at, &arm);
	args[0] = Int64GetDatum(tenant_id);
	args[1] = Int64GetDatum(lead_id);
	args[2] = TimestampTzGetDatum(at);
	args[3] = ObjectIdGetDatum(from_state);
	nulls[3] = OidIsValid(from_state) ? ' ' : 'n';
	args[4] = ObjectIdGetDatum(to_state);
	args[5] = Int64GetDatum(interaction_id);
	nulls[5] = interaction_id != 0 ? ' ' : 'n';
	args[6] = Int64GetDatum(arm.experiment_id);
	args[7] = Int32GetDatum(arm.arm);
	nulls[6] = nulls[7] = arm.experiment_id != 0 ? ' ' : 'n';
	if (execute_as_history_owner(plan.plan, args, nulls) != SPI_OK_INSERT)
		elog(ERROR, "could not log the state change of lead " INT64_FORMAT, lead_id);

	/*
	 * Tell the tenant, so that a CRM's screen can fetch the lead instead of
	 * polling; delivered at commit, not at all on rollback.  Asked for:
	 * every state change of a bulk write would cost a notification.
	 */
	if (followup_notify && followup_notify_state_changes)
	{
		char	   *payload;

		payload = psprintf("{\"tenant_id\": " INT64_FORMAT ", \"lead_id\": " INT64_FORMAT
						   ", \"event\": \"state\", \"from\": %s%s%s, \"state\": \"%s\"}",
						   tenant_id, lead_id,
						   OidIsValid(from_state) ? "\"" : "",
						   OidIsValid(from_state) ? lead_state_name(lead_state_from_oid(from_state)) : "null",
						   OidIsValid(from_state) ? "\"" : "",
						   lead_state_name(lead_state_from_oid(to_state)));
		Async_Notify(followup_tenant_channel(tenant_id), payload);
	}
}

Datum
followup_log_state_change(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const int  *att;
	HeapTuple	newtup;
	bool		isnull;
	Oid			from_state = InvalidOid;
	int64		tenant_id;
	int64		lead_id;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("followup.log_state_change() must be fired AFTER ... FOR EACH ROW")));
	desc = RelationGetDescr(trig->tg_relation);
	att = column_map(&lead_map, trig->tg_relation, lead_cols, SL_COUNT);
	newtup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	tenant_id = DatumGetInt64(heap_getattr(newtup, att[SL_TENANT_ID], desc, &isnull));
	lead_id = DatumGetInt64(heap_getattr(newtup, att[SL_LEAD_ID], desc, &isnull));
	if (in_scope(tenant_id, lead_id) && scope.suppress)
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
		from_state = DatumGetObjectId(heap_getattr(trig->tg_trigtuple, att[SL_STATE], desc, &isnull));

	SPI_connect();
	log_state_change(tenant_id, lead_id,
					 DatumGetTimestampTz(heap_getattr(newtup, att[SL_STATE_SINCE], desc, &isnull)),
					 from_state,
					 DatumGetObjectId(heap_getattr(newtup, att[SL_STATE], desc, &isnull)),
					 in_scope(tenant_id, lead_id) ? scope.interaction_id : 0);
	SPI_finish();
	return PointerGetDatum(NULL);
}
