/*
 * jobs.c - followup.materialize_due(as_of, max_leads): what is due becomes
 * exactly one task per lead, with its message rendered.
 *
 * Due leads are found through lead_due_idx (planned leads ordered by due
 * time), read directly rather than by a plan chosen on statistics that may
 * no longer describe the tables (materialize_direct), so a run costs what
 * is due, not the size of the table.  Leads are
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

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "compat.h"
#include "config_cache.h"
#include "direct_write.h"
#include "experiment.h"
#include "kept_plan.h"
#include "followup.h"
#include "live_task.h"
#include "relations.h"
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
	" ORDER BY l.next_followup_at, l.tenant_id, l.lead_id LIMIT $2" \
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

/* a due lead, as the due statement or the direct scan read it */
typedef struct DueLead
{
	int64		tenant_id;
	Datum		lead_id;
	LeadState	state;
	NextAction	action;
	Datum		due_at;
	int32		touches;
	Datum		plan_b;
	bool		plan_b_null;
	Datum		owner;
	bool		owner_null;
	Jsonb	   *vars;			/* what the template reads */
	TimestampTz state_since;	/* the stay, whose experiment arm it may be in */
} DueLead;

/* Under SPI: the lead's task, counted in counts if it was made. */
static bool
make_task(const DueLead *d, TimestampTz as_of, HTAB *counts)
{
	const EnumOids *oids = get_enum_oids();
	ArmChoice	arm;

	/* the stay's arm: the task's step is the arm's (experiment.c) */
	const TenantConfig *cfg = experiment_config(get_tenant_config(d->tenant_id),
												DatumGetInt64(d->lead_id), d->state,
												d->state_since, &arm);
	int			step_no = d->action == NA_REPLY ? 0 :
		d->action == NA_PLAN_B ? (d->plan_b_null ? 1 : DatumGetInt32(d->plan_b)) : d->touches + 1;
	const Step *step = step_no > 0 ? find_step(cfg, d->state, step_no) : NULL;
	Datum		args[16];
	char		nulls[16];

	memset(nulls, ' ', sizeof(nulls));
	args[0] = Int64GetDatum(d->tenant_id);
	args[1] = d->lead_id;
	args[2] = ObjectIdGetDatum(oids->next_action[d->action]);
	args[3] = ObjectIdGetDatum(oids->lead_state[d->state]);
	args[4] = Int32GetDatum(step_no);
	nulls[4] = step_no == 0 ? 'n' : ' ';
	args[5] = d->plan_b;
	nulls[5] = d->plan_b_null ? 'n' : ' ';
	args[6] = d->due_at;
	nulls[7] = nulls[8] = nulls[9] = nulls[10] = nulls[11] = 'n';
	if (step != NULL)
	{
		fu_render_error err;
		char	   *message = render_template(step->template, d->vars, &err);

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
	args[12] = d->owner;
	nulls[12] = d->owner_null ? 'n' : ' ';
	args[13] = TimestampTzGetDatum(as_of);
	args[14] = Int64GetDatum(arm.experiment_id);
	args[15] = Int32GetDatum(arm.arm);
	nulls[14] = nulls[15] = arm.experiment_id == 0 ? 'n' : ' ';

	if (SPI_execute_plan(insert_plan.plan, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert a task for lead " INT64_FORMAT, DatumGetInt64(d->lead_id));
	if (SPI_processed > 0)
	{
		bool		found;
		TenantCount *tc = hash_search(counts, &d->tenant_id, HASH_ENTER, &found);

		if (!found)
			tc->tasks = 0;
		tc->tasks++;
		return true;
	}
	return false;
}

/* Under SPI: the tasks of the due statement's leads. */
static int64
materialize_statement(TimestampTz as_of, int32 max_leads, bool all_tenants, int64 tenant,
					  HTAB *counts)
{
	Datum		due_args[3];
	SPITupleTable *due;
	uint64		ndue;
	int64		created = 0;
	MemoryContext rowcxt;

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
		DueLead		d;

		d.tenant_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		d.lead_id = SPI_getbinval(tup, desc, 2, &isnull);
		d.state = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull)));
		d.action = next_action_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull)));
		d.due_at = SPI_getbinval(tup, desc, 5, &isnull);
		d.touches = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
		d.plan_b = SPI_getbinval(tup, desc, 7, &d.plan_b_null);
		d.owner = SPI_getbinval(tup, desc, 8, &d.owner_null);
		d.vars = DatumGetJsonbP(SPI_getbinval(tup, desc, 9, &isnull));
		d.state_since = DatumGetTimestampTz(SPI_getbinval(tup, desc, 10, &isnull));
		if (make_task(&d, as_of, counts))
			created++;
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);	/* nothing of a row outlives it */
	}
	return created;
}

/* the columns of followup.lead that the direct scan reads */
enum
{
	DL_TENANT, DL_LEAD, DL_STATE, DL_ACTION, DL_DUE, DL_TOUCHES, DL_PLAN_B, DL_OWNER,
	DL_EXTERNAL_REF, DL_ATTRS, DL_DNC, DL_STATE_SINCE, DL_COUNT
};
static const ColumnSpec lead_cols[DL_COUNT] = {
	{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}, {"state", CT_LEAD_STATE},
	{"next_action", CT_NEXT_ACTION}, {"next_followup_at", CT_TIMESTAMPTZ}, {"touches", CT_INT4},
	{"plan_b_step", CT_INT4}, {"owner", CT_TEXT}, {"external_ref", CT_TEXT}, {"attrs", CT_JSONB},
	{"do_not_contact", CT_BOOL}, {"state_since", CT_TIMESTAMPTZ}
};
static ColumnMap lead_map;

/*
 * Is index lead_due_idx as followup made it: a btree on next_followup_at,
 * ascending, of the planned leads (or of all)?
 */
static bool
is_due_index(Relation lead, Relation index, const int *a)
{
	Form_pg_index form = index->rd_index;
	List	   *pred;
	NullTest   *test;

	if (!form->indisvalid || !form->indisready || form->indrelid != RelationGetRelid(lead) ||
		index->rd_rel->relam != BTREE_AM_OID || form->indnkeyatts < 1 ||
		form->indkey.values[0] != a[DL_DUE] ||
		index->rd_opfamily[0] != get_opclass_family(TIMESTAMPTZ_BTREE_OPS_OID) ||
		index->rd_opcintype[0] != TIMESTAMPTZOID ||
		(index->rd_indoption[0] & INDOPTION_DESC) != 0)
		return false;
	pred = RelationGetIndexPredicate(index);
	if (pred == NIL)
		return true;
	if (list_length(pred) != 1 || !IsA(linitial(pred), NullTest))
		return false;
	test = linitial_node(NullTest, pred);
	return test->nulltesttype == IS_NOT_NULL && !test->argisrow && IsA(test->arg, Var) &&
		((Var *) test->arg)->varattno == a[DL_ACTION];
}

/* The due statement's conditions on the lead in slot (its key aside). */
static bool
lead_is_due(TupleTableSlot *slot, const int *a, TimestampTz as_of, bool one_tenant, int64 tenant)
{
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, a[DL_ACTION], &isnull);
	if (isnull || DatumGetObjectId(d) == get_enum_oids()->next_action[NA_CLOSE])
		return false;
	d = slot_getattr(slot, a[DL_DUE], &isnull);
	if (isnull || DatumGetTimestampTz(d) > as_of)
		return false;
	d = slot_getattr(slot, a[DL_DNC], &isnull);
	if (isnull || DatumGetBool(d))
		return false;
	d = slot_getattr(slot, a[DL_TENANT], &isnull);
	return !isnull && (!one_tenant || DatumGetInt64(d) == tenant);
}

static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(st, WJB_KEY, &k);
}

/* a text value, or null */
static void
push_text(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	push_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) value;
		v.val.string.len = strlen(value);
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/*
 * What the due statement's jsonb_build_object('lead_id', 'external_ref',
 * 'owner', 'state') || attrs makes of the lead in slot.
 */
static Jsonb *
lead_vars(TupleTableSlot *slot, const int *a)
{
	JsonbParseState *st = NULL;
	JsonbValue	v;
	bool		isnull;
	Datum		d;
	Datum		attrs;
	Jsonb	   *obj;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	push_key(&st, "lead_id");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(DatumGetInt64(slot_getattr(slot, a[DL_LEAD], &isnull)));
	pushJsonbValue(&st, WJB_VALUE, &v);
	d = slot_getattr(slot, a[DL_EXTERNAL_REF], &isnull);
	push_text(&st, "external_ref", isnull ? NULL : TextDatumGetCString(d));
	d = slot_getattr(slot, a[DL_OWNER], &isnull);
	push_text(&st, "owner", isnull ? NULL : TextDatumGetCString(d));
	d = slot_getattr(slot, a[DL_STATE], &isnull);
	push_text(&st, "state", isnull ? NULL : DatumGetCString(DirectFunctionCall1(enum_out, d)));
	obj = JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
	attrs = slot_getattr(slot, a[DL_ATTRS], &isnull);
	if (isnull)
		return obj;
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(obj), attrs));
}

/* a due lead found in lead_due_idx */
typedef struct DueKey
{
	TimestampTz due;
	int64		tenant_id;
	int64		lead_id;
	ItemPointerData tid;
} DueKey;

/* leads due at the same time, in the due statement's order: by key */
static int
due_key_cmp(const void *a, const void *b)
{
	const DueKey *x = a;
	const DueKey *y = b;

	if (x->tenant_id != y->tenant_id)
		return x->tenant_id < y->tenant_id ? -1 : 1;
	if (x->lead_id != y->lead_id)
		return x->lead_id < y->lead_id ? -1 : 1;
	return 0;
}

/*
 * Under SPI: the tasks of the due leads, found without a plan: lead_due_idx
 * read from its start to as_of, the leads due at the same time taken in key
 * order (as the statement's ORDER BY does, whatever the rows' places in the
 * table), each lead's live task looked up in
 * task_one_live_per_lead, the lead locked FOR UPDATE SKIP LOCKED and
 * checked again if a newer version was locked, as the due statement's
 * LockRows and EvalPlanQual do.  A plan of that statement is chosen on the
 * statistics: after a bulk change they no longer describe the tables, and
 * the live tasks were read through an index on the tenant alone, every one
 * for every due lead (a run cost leads x live tasks).  -1, nothing done,
 * when the statement is needed: SERIALIZABLE (its reads are recorded for
 * the conflict checks), Citus, row security other than tenant_rows, a
 * missing privilege (the statement reports it), an index not as followup
 * made it.
 */
static int64
materialize_direct(TimestampTz as_of, int32 max_leads, bool all_tenants, int64 tenant,
				   HTAB *counts)
{
	Oid			lead_oid = followup_relid(FR_LEAD);
	Oid			index_oid = followup_relid(FR_LEAD_DUE_IDX);
	Relation	rel;
	Relation	index;
	bool		tenant_only;
	const int  *a;
	Snapshot	snapshot;
	TupleTableSlot *slot;
	ScanKeyData key;
	IndexScanDesc scan;
	MemoryContext rowcxt;
	int64		returned = 0;
	int64		created = 0;
	bool		statement = false;
	int			group_size = 64;
	DueKey	   *group;
	DueKey		next;
	bool		have_next = false;
	bool		exhausted = false;	/* (a btree scan read again starts over) */

	if (IsolationIsSerializable() || !OidIsValid(lead_oid) || !OidIsValid(index_oid))
		return -1;
	/* the lock FOR UPDATE takes */
	rel = table_open(lead_oid, RowShareLock);
	if (!direct_write_allowed(rel, &tenant_only))
	{
		table_close(rel, NoLock);
		return -1;
	}
	a = column_map(&lead_map, rel, lead_cols, DL_COUNT);
	index = index_open(index_oid, AccessShareLock);
	if (!is_due_index(rel, index, a))
	{
		index_close(index, NoLock);
		table_close(rel, NoLock);
		return -1;
	}
	if (tenant_only)
	{
		/* the statement sees the current tenant's leads alone */
		int64		current = followup_current_tenant_id();

		if (!all_tenants && tenant != current)
		{
			index_close(index, NoLock);
			table_close(rel, NoLock);
			return 0;
		}
		all_tenants = false;
		tenant = current;
	}

	/* what the caller did before is visible, as to a new statement */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "followup due lead",
								   ALLOCSET_DEFAULT_SIZES);
	ScanKeyInit(&key, 1, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE, TimestampTzGetDatum(as_of));
	scan = fu_index_beginscan(rel, index, snapshot, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	group = palloc(sizeof(DueKey) * group_size);
	while (returned < max_leads && !statement)
	{
		int			ngroup = 0;

		/* the leads due at the next due time, in key order */
		if (have_next)
			group[ngroup++] = next;
		have_next = false;
		while (!exhausted)
		{
			bool		isnull;
			DueKey		k;

			CHECK_FOR_INTERRUPTS();
			if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			{
				exhausted = true;
				break;
			}
			if (!lead_is_due(slot, a, as_of, !all_tenants, tenant))
				continue;
			k.due = DatumGetTimestampTz(slot_getattr(slot, a[DL_DUE], &isnull));
			k.tenant_id = DatumGetInt64(slot_getattr(slot, a[DL_TENANT], &isnull));
			k.lead_id = DatumGetInt64(slot_getattr(slot, a[DL_LEAD], &isnull));
			ItemPointerCopy(&slot->tts_tid, &k.tid);
			if (ngroup > 0 && k.due != group[0].due)
			{
				next = k;
				have_next = true;
				break;
			}
			if (ngroup == group_size)
			{
				group_size *= 2;
				group = repalloc(group, sizeof(DueKey) * group_size);
			}
			group[ngroup++] = k;
		}
		if (ngroup == 0)
			break;
		qsort(group, ngroup, sizeof(DueKey), due_key_cmp);

		for (int i = 0; i < ngroup && returned < max_leads; i++)
		{
			bool		isnull;
			bool		newer;
			LiveTask	live;

			CHECK_FOR_INTERRUPTS();
			if (!table_tuple_fetch_row_version(rel, &group[i].tid, snapshot, slot))
				continue;
			live = live_task_visible(group[i].tenant_id, group[i].lead_id, snapshot);
			if (live == LIVE_TASK_UNKNOWN && returned == 0)
			{
				statement = true;
				break;
			}
			if (live == LIVE_TASK_UNKNOWN)
				elog(ERROR, "followup.task_one_live_per_lead became unusable during materialize_due");
			if (live == LIVE_TASK_FOUND ||
				direct_lock_row(rel, slot, snapshot, LockTupleExclusive, true, &newer) != ROW_LOCKED)
				continue;
			/* a newer version is checked again, as EvalPlanQual would */
			if (newer &&
				(!lead_is_due(slot, a, as_of, !all_tenants, tenant) ||
				 DatumGetInt64(slot_getattr(slot, a[DL_TENANT], &isnull)) != group[i].tenant_id ||
				 DatumGetInt64(slot_getattr(slot, a[DL_LEAD], &isnull)) != group[i].lead_id ||
				 live_task_visible(group[i].tenant_id, group[i].lead_id, snapshot) != LIVE_TASK_NONE))
				continue;
			returned++;
			{
				MemoryContext oldcxt = MemoryContextSwitchTo(rowcxt);
				DueLead		d;

				d.tenant_id = group[i].tenant_id;
				d.lead_id = Int64GetDatum(group[i].lead_id);
				d.state = lead_state_from_oid(DatumGetObjectId(slot_getattr(slot, a[DL_STATE], &isnull)));
				d.action = next_action_from_oid(DatumGetObjectId(slot_getattr(slot, a[DL_ACTION], &isnull)));
				d.due_at = slot_getattr(slot, a[DL_DUE], &isnull);
				d.touches = DatumGetInt32(slot_getattr(slot, a[DL_TOUCHES], &isnull));
				d.plan_b = slot_getattr(slot, a[DL_PLAN_B], &d.plan_b_null);
				d.owner = slot_getattr(slot, a[DL_OWNER], &d.owner_null);
				d.vars = lead_vars(slot, a);
				d.state_since = DatumGetTimestampTz(slot_getattr(slot, a[DL_STATE_SINCE], &isnull));
				if (make_task(&d, as_of, counts))
					created++;
				MemoryContextSwitchTo(oldcxt);
				MemoryContextReset(rowcxt);
			}
		}
	}
	pfree(group);
	index_endscan(scan);
	MemoryContextDelete(rowcxt);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	return statement ? -1 : created;
}

/*
 * The tasks of what is due at as_of, at most max_leads; of one tenant
 * unless all_tenants.  Notifies each tenant that got tasks when notify.
 */
static int64
materialize(TimestampTz as_of, int32 max_leads, bool all_tenants, int64 tenant, bool notify)
{
	int64		created;
	HASHCTL		ctl;
	HTAB	   *counts;

	if (max_leads < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_leads must be at least 1, not %d", max_leads)));
	if (TIMESTAMP_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("as_of must be a finite time")));

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(TenantCount);
	ctl.hcxt = CurrentMemoryContext;
	counts = hash_create("followup tasks per tenant", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	SPI_connect();
	if (!kept_plan_current(&due_plan) || !kept_plan_current(&due_tenant_plan) ||
		!kept_plan_current(&insert_plan))
		prepare_plans();
	created = materialize_direct(as_of, max_leads, all_tenants, tenant, counts);
	if (created < 0)
		created = materialize_statement(as_of, max_leads, all_tenants, tenant, counts);
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
