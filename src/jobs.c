/*
 * jobs.c - followup.materialize_due(as_of, max_leads): what is due becomes
 * exactly one task per lead, with its message rendered.
 *
 * Due leads are found through lead_due_idx (planned leads ordered by due
 * time), so a run costs what is due, not the size of the table.  Leads are
 * locked FOR UPDATE SKIP LOCKED: a lead an interaction is re-planning right
 * now is left for the next run, and two overlapping runs share the work.
 * The unique index task_one_live_per_lead (ON CONFLICT DO NOTHING) is the
 * last guard against two live tasks for one lead.  A template that cannot be
 * rendered leaves its error in render_error; the batch goes on.  When
 * followup.notify is on, each tenant that got tasks is told on its own
 * channel (followup.due_channel(): followup_due_<tenant>_<random>), with
 * '{"tenant_id": ..., "tasks": ..., "as_of": ...}'.  LISTEN takes no
 * privilege, so only a name a session cannot guess keeps a tenant's
 * activity from the others; there is no channel shared by all tenants.
 *
 * The other jobs (close_exhausted, escalate_overdue, run_due) are set-based
 * SQL in src/sql/jobs.sql.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "experiment.h"
#include "kept_plan.h"
#include "followup.h"
#include "render.h"

PG_FUNCTION_INFO_V1(followup_materialize_due);
PG_FUNCTION_INFO_V1(followup_due_channel);
PG_FUNCTION_INFO_V1(followup_materialize_due_tenant);
PG_FUNCTION_INFO_V1(followup_notify_due);

typedef struct TenantCount
{
	int64		tenant_id;		/* hash key */
	int64		tasks;
} TenantCount;

/* the columns of followup.lead that due_plan reads, in its order */
static const ColumnSpec due_cols[10] = {
	{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}, {"state", CT_LEAD_STATE},
	{"next_action", CT_NEXT_ACTION}, {"next_followup_at", CT_TIMESTAMPTZ}, {"touches", CT_INT4},
	{"plan_b_step", CT_INT4}, {"owner", CT_TEXT}, {"attrs", CT_JSONB}, {"state_since", CT_TIMESTAMPTZ}
};

static KeptPlan due_plan;
static KeptPlan due_tenant_plan;
static KeptPlan insert_plan;

/*
 * The due leads, in due order; for one tenant (on Citus, where a
 * statement that locks rows must stay on one tenant's shards) with
 * tenant_filter " AND l.tenant_id OPERATOR(pg_catalog.=) $3".
 */
#define DUE_SQL(tenant_filter) \
	"SELECT l.tenant_id, l.lead_id, l.state, l.next_action, l.next_followup_at," \
	" l.touches, l.plan_b_step, l.owner," \
	" pg_catalog.jsonb_build_object('lead_id', l.lead_id, 'external_ref', l.external_ref," \
	"   'owner', l.owner, 'state', l.state) OPERATOR(pg_catalog.||) l.attrs, l.state_since" \
	" FROM followup.lead l" \
	" WHERE l.next_action IS NOT NULL AND l.next_followup_at OPERATOR(pg_catalog.<=) $1" \
	tenant_filter \
	" AND l.next_action OPERATOR(pg_catalog.<>) 'close' AND NOT l.do_not_contact" \
	" AND NOT EXISTS (SELECT 1 FROM followup.task t" \
	"  WHERE t.tenant_id OPERATOR(pg_catalog.=) l.tenant_id" \
	"  AND t.lead_id OPERATOR(pg_catalog.=) l.lead_id" \
	"  AND t.status OPERATOR(pg_catalog.=) ANY ('{open,claimed}'::followup.task_status[]))" \
	" ORDER BY l.next_followup_at LIMIT $2" \
	" FOR UPDATE OF l SKIP LOCKED"

static void
prepare_plans(void)
{
	const EnumOids *oids = get_enum_oids();
	Oid			due_types[3] = {TIMESTAMPTZOID, INT4OID, INT8OID};
	Oid			insert_types[16] = {
		INT8OID, INT8OID, oids->next_action_type, oids->lead_state_type, INT4OID, INT4OID,
		TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
		INT8OID, INT4OID
	};

	/*
	 * Every name is qualified, operators too: the text is analyzed again
	 * under whatever search_path the caller has when it changes, and a
	 * caller's schema must never supply what followup runs.
	 */
	kept_plan_prepare(&due_plan, DUE_SQL(""), 2, due_types);
	kept_plan_prepare(&due_tenant_plan,
					  DUE_SQL(" AND l.tenant_id OPERATOR(pg_catalog.=) $3"), 3, due_types);
	kept_plan_prepare(&insert_plan, "INSERT INTO followup.task (tenant_id, lead_id, kind, state, step_no,"
					  " plan_b_step, due_at, channel, purpose, action_code, message,"
					  " render_error, assignee, created_at, experiment_id, arm)"
					  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
					  " ON CONFLICT (tenant_id, lead_id)"
					  " WHERE status OPERATOR(pg_catalog.=) ANY ('{open,claimed}'::followup.task_status[])"
					  " DO NOTHING", 16, insert_types);
}

/* ISO 8601 in UTC, whatever the session's DateStyle and TimeZone. */
static char *
iso_utc(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year, tm.tm_mon,
					tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/* followup.due_channel(): the current tenant's channel */
Datum
followup_due_channel(PG_FUNCTION_ARGS)
{
	MemoryContext callercxt = CurrentMemoryContext;
	char	   *channel;

	SPI_connect();
	channel = followup_tenant_channel(followup_current_tenant_id());
	channel = MemoryContextStrdup(callercxt, channel);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(channel));
}

/* Under SPI: tell each tenant that got tasks, on its own channel. */
static void
notify_tenants(HTAB *counts, TimestampTz as_of)
{
	HASH_SEQ_STATUS seq;
	TenantCount *tc;
	char	   *when = iso_utc(as_of);

	hash_seq_init(&seq, counts);
	while ((tc = hash_seq_search(&seq)) != NULL)
	{
		char	   *payload = psprintf("{\"tenant_id\": " INT64_FORMAT ", \"tasks\": " INT64_FORMAT
									   ", \"as_of\": \"%s\"}", tc->tenant_id, tc->tasks, when);

		Async_Notify(followup_tenant_channel(tc->tenant_id), payload);
	}
}

/*
 * The tasks of what is due at as_of, at most max_leads; of one tenant
 * unless all_tenants.  Notifies each tenant that got tasks when notify.
 */
static int64
materialize(TimestampTz as_of, int32 max_leads, bool all_tenants, int64 tenant, bool notify)
{
	const EnumOids *oids;
	Datum		due_args[3];
	SPITupleTable *due;
	uint64		ndue;
	int64		created = 0;
	HASHCTL		ctl;
	HTAB	   *counts;
	MemoryContext rowcxt;

	if (max_leads < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_leads must be at least 1, not %d", max_leads)));
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be a finite time")));

	oids = get_enum_oids();
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(TenantCount);
	ctl.hcxt = CurrentMemoryContext;
	counts = hash_create("followup tasks per tenant", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	SPI_connect();
	if (!kept_plan_current(&due_plan) || !kept_plan_current(&due_tenant_plan) ||
		!kept_plan_current(&insert_plan))
		prepare_plans();
	due_args[0] = TimestampTzGetDatum(as_of);
	due_args[1] = Int32GetDatum(max_leads);
	due_args[2] = Int64GetDatum(tenant);
	if (SPI_execute_plan(all_tenants ? due_plan.plan : due_tenant_plan.plan,
						 due_args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find due leads");
	due = SPI_tuptable;
	ndue = SPI_processed;
	column_types_check(due->tupdesc, 1, due_cols, lengthof(due_cols), "lead");
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "followup due lead",
								   ALLOCSET_DEFAULT_SIZES);

	for (uint64 i = 0; i < ndue; i++)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(rowcxt);
		HeapTuple	tup = due->vals[i];
		TupleDesc	desc = due->tupdesc;
		bool		isnull;
		int64		tenant_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		LeadState	state = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull)));
		NextAction	action = next_action_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull)));
		int32		touches = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
		Datum		plan_b = SPI_getbinval(tup, desc, 7, &isnull);
		bool		plan_b_null = isnull;
		Datum		owner = SPI_getbinval(tup, desc, 8, &isnull);
		bool		owner_null = isnull;
		Jsonb	   *vars = DatumGetJsonbP(SPI_getbinval(tup, desc, 9, &isnull));
		ArmChoice	arm;
		const TenantConfig *cfg = experiment_config(get_tenant_config(tenant_id),
													DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull)),
													state,
													DatumGetTimestampTz(SPI_getbinval(tup, desc, 10, &isnull)),
													&arm);
		int			step_no = action == NA_REPLY ? 0 :
			action == NA_PLAN_B ? (plan_b_null ? 1 : DatumGetInt32(plan_b)) : touches + 1;
		const Step *step = step_no > 0 ? find_step(cfg, state, step_no) : NULL;
		Datum		args[16];
		char		nulls[16];

		memset(nulls, ' ', sizeof(nulls));
		args[0] = Int64GetDatum(tenant_id);
		args[1] = SPI_getbinval(tup, desc, 2, &isnull);
		args[2] = ObjectIdGetDatum(oids->next_action[action]);
		args[3] = ObjectIdGetDatum(oids->lead_state[state]);
		args[4] = Int32GetDatum(step_no);
		nulls[4] = step_no == 0 ? 'n' : ' ';
		args[5] = plan_b;
		nulls[5] = plan_b_null ? 'n' : ' ';
		args[6] = SPI_getbinval(tup, desc, 5, &isnull);
		nulls[7] = nulls[8] = nulls[9] = nulls[10] = nulls[11] = 'n';
		if (step != NULL)
		{
			fu_render_error err;
			char	   *message = render_template(step->template, vars, &err);

			args[7] = CStringGetTextDatum(step->channel);
			args[8] = CStringGetTextDatum(step->purpose);
			args[9] = CStringGetTextDatum(step->action_code);
			nulls[7] = nulls[8] = nulls[9] = ' ';
			if (message != NULL)
			{
				args[10] = CStringGetTextDatum(message);
				nulls[10] = ' ';
			}
			else
			{
				args[11] = CStringGetTextDatum(err.message);
				nulls[11] = ' ';
			}
		}
		args[12] = owner;
		nulls[12] = owner_null ? 'n' : ' ';
		args[13] = TimestampTzGetDatum(as_of);
		/* the stay's arm: the task's step is the arm's (experiment.c) */
		args[14] = Int64GetDatum(arm.experiment_id);
		args[15] = Int32GetDatum(arm.arm);
		nulls[14] = nulls[15] = arm.experiment_id == 0 ? 'n' : ' ';

		if (SPI_execute_plan(insert_plan.plan, args, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not insert a task for lead " INT64_FORMAT,
				 DatumGetInt64(args[1]));
		if (SPI_processed > 0)
		{
			bool		found;
			TenantCount *tc = hash_search(counts, &tenant_id, HASH_ENTER, &found);

			if (!found)
				tc->tasks = 0;
			tc->tasks++;
			created++;
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);	/* nothing of a row outlives it */
	}
	if (notify && followup_notify && created > 0)
		notify_tenants(counts, as_of);
	SPI_finish();
	hash_destroy(counts);
	return created;
}

Datum
followup_materialize_due(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(materialize(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_INT32(1), true, 0, true));
}

/*
 * followup.materialize_due_tenant(tenant, as_of, max_leads): one tenant's,
 * without notifying: on Citus it runs where the tenant's shards are, and a
 * notification sent there would not reach a CRM listening on the
 * coordinator; run_due notifies from the coordinator (notify_due).
 */
Datum
followup_materialize_due_tenant(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(materialize(PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_INT32(2), false,
								PG_GETARG_INT64(0), false));
}

/*
 * followup.notify_due(tenant, tasks, as_of): tells the tenant, on its own
 * channel, that tasks new tasks are due at as_of, as materialize_due does
 * (when followup.notify is on and tasks > 0).
 */
Datum
followup_notify_due(PG_FUNCTION_ARGS)
{
	int64		tenant = PG_GETARG_INT64(0);
	int64		tasks = PG_GETARG_INT64(1);
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(2);

	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be a finite time")));
	if (followup_notify && tasks > 0)
	{
		char	   *payload = psprintf("{\"tenant_id\": " INT64_FORMAT ", \"tasks\": " INT64_FORMAT
									   ", \"as_of\": \"%s\"}", tenant, tasks, iso_utc(as_of));

		SPI_connect();
		Async_Notify(followup_tenant_channel(tenant), payload);
		SPI_finish();
	}
	PG_RETURN_VOID();
}
