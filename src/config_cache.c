/*
 * config_cache.c - per-backend cache of policies, steps, signals and rules.
 *
 * The triggers run for every interaction, so they must not query the
 * configuration tables each time.  Each backend loads a tenant's merged
 * configuration (its own rows over tenant 0's) on first use and keeps it
 * until a configuration table changes: the tables' statement triggers call
 * followup_config_changed(), which queues a relcache invalidation that every
 * backend receives at commit, as pg_cron does for cron.job, and that
 * relations.c counts in the tables' generations.
 *
 * A rebuilt cache leaves the old one to be freed at the end of the
 * transaction, so pointers a caller holds stay valid until then.
 *
 * An entry is keyed by the tenant alone, so what it holds must not depend
 * on who asked: the loading queries run as the owner of the configuration
 * tables, past row level security (as PostgreSQL's foreign key checks read
 * the referenced table), inside a security-restricted operation and with
 * every name qualified.  A caller's right to act for the tenant is checked
 * before it asks (followup_require_session_tenant()).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "cadence.h"
#include "calendar.h"
#include "capacity.h"
#include "columns.h"
#include "config_cache.h"
#include "followup.h"
#include "pressure.h"
#include "relations.h"

PG_FUNCTION_INFO_V1(followup_config_changed);

static MemoryContext CacheCxt = NULL;
static HTAB *tenants = NULL;
static bool cache_valid = false;
static bool enums_loaded = false;
static EnumOids enum_oids;
/* the configuration tables, and their generations when they were loaded */
static const FollowupRel config_rels[11] = {FR_POLICY, FR_STEP, FR_SIGNAL, FR_RULE, FR_REASON,
	FR_CALENDAR, FR_CONTACT_CAP, FR_QUIET_HOURS, FR_CAPACITY, FR_EXPERIMENT, FR_EXPERIMENT_ARM};
static Oid	config_relids[11];
static uint64 config_generations[11];

Datum
followup_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		on_config_table = false;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("followup.config_changed() must be called as a trigger")));

	CacheInvalidateRelcache(trigdata->tg_relation);

	/*
	 * On Citus the trigger fires on a node's copy of a reference table (a
	 * shard, followup.policy_102008), while the caches watch the followup
	 * tables themselves: invalidate those (all four: a change is rare).
	 */
	for (int i = 0; i < (int) lengthof(config_rels); i++)
		if (followup_relid(config_rels[i]) == RelationGetRelid(trigdata->tg_relation))
			on_config_table = true;
	for (int i = 0; !on_config_table && i < (int) lengthof(config_rels); i++)
		if (OidIsValid(followup_relid(config_rels[i])))
			CacheInvalidateRelcacheByRelid(followup_relid(config_rels[i]));
	PG_RETURN_POINTER(NULL);
}

static void
reset_cache(void)
{
	HASHCTL		ctl;

	/*
	 * A caller up the stack (the interaction trigger, while the lead trigger
	 * it fires rebuilds the cache) may still hold pointers into the old
	 * cache: retire it to the transaction's memory instead of freeing it.
	 */
	if (CacheCxt != NULL)
		MemoryContextSetParent(CacheCxt, TopTransactionContext);
	CacheCxt = AllocSetContextCreate(CacheMemoryContext, "followup config cache",
									 ALLOCSET_DEFAULT_SIZES);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(TenantConfig);
	ctl.hcxt = CacheCxt;
	tenants = hash_create("followup tenants", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	enums_loaded = false;
	cache_valid = true;
}

static Oid
config_relid(FollowupRel rel)
{
	Oid			relid = followup_relid(rel);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table followup.%s does not exist", followup_relname(rel)),
				 errhint("The followup extension may be damaged; reinstall it.")));
	return relid;
}

/* Has a configuration table changed (or followup_config_changed() said so) since loading? */
static bool
config_changed(void)
{
	if (!enums_loaded)
		return false;
	for (int i = 0; i < (int) lengthof(config_rels); i++)
		if (relation_generation(config_relids[i]) != config_generations[i])
			return true;
	return false;
}

static void
load_enum_oids(void)
{
	static const char *const sql =
		"SELECT CASE WHEN e.enumtypid OPERATOR(pg_catalog.=) 'followup.lead_state'::pg_catalog.regtype THEN 1"
		" WHEN e.enumtypid OPERATOR(pg_catalog.=) 'followup.next_action'::pg_catalog.regtype THEN 2"
		" ELSE 3 END, e.oid,"
		" (pg_catalog.rank() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder))::pg_catalog.int4"
		" OPERATOR(pg_catalog.-) 1,"
		" e.enumtypid"
		" FROM pg_catalog.pg_enum e"
		" WHERE e.enumtypid OPERATOR(pg_catalog.=) ANY (ARRAY['followup.lead_state'::pg_catalog.regtype,"
		" 'followup.next_action'::pg_catalog.regtype, 'followup.task_status'::pg_catalog.regtype])";

	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read followup's enum labels");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			type = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Oid			oid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		int			pos = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));

		Oid			typid = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));

		if (type == 1 && pos < LS_COUNT)
		{
			enum_oids.lead_state_type = typid;
			enum_oids.lead_state[pos] = oid;
		}
		else if (type == 2 && pos < NA_COUNT)
		{
			enum_oids.next_action_type = typid;
			enum_oids.next_action[pos] = oid;
		}
		else if (type == 3 && pos < TS_COUNT)
			enum_oids.task_status[pos] = oid;
	}
	for (int i = 0; i < (int) lengthof(config_rels); i++)
	{
		/* the experiment tables are missing until ALTER EXTENSION UPDATE */
		config_relids[i] = config_rels[i] == FR_EXPERIMENT || config_rels[i] == FR_EXPERIMENT_ARM ?
			followup_relid(config_rels[i]) : config_relid(config_rels[i]);
		config_generations[i] = relation_generation(config_relids[i]);
	}
	enums_loaded = true;
}

static void
ensure_cache(void)
{
	if (!cache_valid || tenants == NULL || config_changed())
		reset_cache();
	if (!enums_loaded)
	{
		SPI_connect();
		load_enum_oids();
		SPI_finish();
	}
}

const EnumOids *
get_enum_oids(void)
{
	ensure_cache();
	return &enum_oids;
}

LeadState
lead_state_from_oid(Oid oid)
{
	if (!enums_loaded)
		ensure_cache();
	for (int i = 0; i < LS_COUNT; i++)
		if (enum_oids.lead_state[i] == oid)
			return (LeadState) i;
	elog(ERROR, "unknown followup.lead_state label %u", oid);
	return LS_NONE;					/* keep compiler quiet */
}

NextAction
next_action_from_oid(Oid oid)
{
	if (!enums_loaded)
		ensure_cache();
	for (int i = 0; i < NA_COUNT; i++)
		if (enum_oids.next_action[i] == oid)
			return (NextAction) i;
	elog(ERROR, "unknown followup.next_action label %u", oid);
	return NA_NONE;					/* keep compiler quiet */
}

static RuleEffect
parse_effect(const char *s)
{
	int			i = domain_label_index(rule_effect_names, EFFECT_COUNT, s);

	if (i >= 0)
		return (RuleEffect) i;
	elog(ERROR, "unknown rule effect \"%s\"", s);	/* the CHECK forbids it */
	return EFFECT_NONE;
}

/*
 * Run one of the loading queries with the tenant as $1, as the owner of
 * the table it reads: it sees every row whatever the caller's row security,
 * so the result depends on the tenant only.
 */
static void
run_tenant_query(const char *sql, int64 tenant_id, FollowupRel table)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(tenant_id)};
	AsOwner		save;
	int			ret;

	as_owner_begin(table, true, &save);
	ret = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load followup configuration");
}

static char *
cache_text(HeapTuple tup, TupleDesc desc, int col)
{
	char	   *s = SPI_getvalue(tup, desc, col);

	return s ? MemoryContextStrdup(CacheCxt, s) : NULL;
}

/*
 * The columns each loading query selects, in order: checked against the
 * result, so that a column whose type was changed is a clear error, not
 * a misread datum.
 */
static const ColumnSpec policy_cols[] = {
	{"state", CT_LEAD_STATE}, {"cadence", CT_CADENCE}, {"reply_within", CT_INTERVAL},
	{"close_after", CT_INTERVAL}, {"on_exhausted", CT_LEAD_STATE}, {"escalate_after", CT_INTERVAL},
	{"escalate_to", CT_TEXT}, {"work_days", CT_INT4_ARRAY}, {"work_start", CT_TIME},
	{"work_end", CT_TIME}, {"timezone", CT_TEXT}, {"enabled", CT_BOOL}
};
static const ColumnSpec step_cols[] = {
	{"state", CT_LEAD_STATE}, {"step_no", CT_INT4}, {"channel", CT_TEXT}, {"purpose", CT_TEXT},
	{"action_code", CT_TEXT}, {"template", CT_TEXT}, {"reasons", CT_TEXT}
};
static const ColumnSpec signal_cols[] = {
	{"kind", CT_TEXT}, {"direction", CT_TEXT}, {"weight", CT_FLOAT4}
};
static const ColumnSpec rule_cols[] = {
	{"kind", CT_TEXT}, {"rule_id", CT_INT8}, {"from_state", CT_LEAD_STATE}, {"to_state", CT_LEAD_STATE},
	{"effect", CT_TEXT}, {"due_in", CT_INTERVAL}, {"min_momentum", CT_FLOAT4}, {"close_reason", CT_TEXT}
};

static void
load_policies(TenantConfig *cfg)
{
	run_tenant_query("SELECT DISTINCT ON (p.state) p.state, p.cadence, p.reply_within, p.close_after,"
					 " p.on_exhausted, p.escalate_after, p.escalate_to, p.work_days, p.work_start,"
					 " p.work_end, p.timezone, p.enabled"
					 " FROM followup.policy p"
					 " WHERE p.tenant_id OPERATOR(pg_catalog.=) $1"
					 " OR p.tenant_id OPERATOR(pg_catalog.=) 0::pg_catalog.int8"
					 " ORDER BY p.state, p.tenant_id DESC", cfg->tenant_id, FR_POLICY);
	column_types_check(SPI_tuptable->tupdesc, 1, policy_cols, lengthof(policy_cols), "policy");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		LeadState	state = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull)));
		Policy	   *p = &cfg->policy[state];
		ArrayType  *days;
		Datum	   *elems;
		int			n;

		/* a tenant may turn won's or lost's follow-up off (after_sale.sql) */
		p->present = DatumGetBool(SPI_getbinval(tup, desc, 12, &isnull));
		cadence_to_core(DatumGetCadenceP(SPI_getbinval(tup, desc, 2, &isnull)), &p->cadence);
		p->reply_within = *DatumGetIntervalP(SPI_getbinval(tup, desc, 3, &isnull));
		p->close_after = *DatumGetIntervalP(SPI_getbinval(tup, desc, 4, &isnull));
		p->on_exhausted = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 5, &isnull)));
		p->escalate_after = *DatumGetIntervalP(SPI_getbinval(tup, desc, 6, &isnull));
		p->escalate_to = cache_text(tup, desc, 7);
		days = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 8, &isnull));
		deconstruct_array(days, INT4OID, 4, true, TYPALIGN_INT, &elems, NULL, &n);
		p->work_days = 0;
		for (int d = 0; d < n; d++)
			p->work_days |= (uint8) (1 << DatumGetInt32(elems[d]));
		p->work_start = DatumGetTimeADT(SPI_getbinval(tup, desc, 9, &isnull));
		p->work_end = DatumGetTimeADT(SPI_getbinval(tup, desc, 10, &isnull));
		p->timezone = cache_text(tup, desc, 11);
		p->tz = pg_tzset(p->timezone);
		if (p->tz == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time zone \"%s\" of the %s policy is not recognized",
							p->timezone, lead_state_name(state))));
	}
}

static void
load_steps(TenantConfig *cfg)
{
	run_tenant_query("SELECT s.state, s.step_no, s.channel, s.purpose, s.action_code, s.template,"
					 " ',' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(s.reasons, ',')"
					 " OPERATOR(pg_catalog.||) ','"
					 " FROM followup.step s"
					 " WHERE s.tenant_id OPERATOR(pg_catalog.=) $1"
					 " OR (s.tenant_id OPERATOR(pg_catalog.=) 0::pg_catalog.int8 AND NOT EXISTS"
					 "  (SELECT FROM followup.step o WHERE o.tenant_id OPERATOR(pg_catalog.=) $1"
					 "   AND o.state OPERATOR(pg_catalog.=) s.state))"
					 " ORDER BY s.state, s.step_no", cfg->tenant_id, FR_STEP);
	column_types_check(SPI_tuptable->tupdesc, 1, step_cols, lengthof(step_cols), "step");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		LeadState	state = lead_state_from_oid(DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull)));
		StateSteps *ss = &cfg->steps[state];
		Step	   *s;

		if (ss->steps == NULL)
			ss->steps = MemoryContextAllocZero(CacheCxt, sizeof(Step) * SPI_processed);
		s = &ss->steps[ss->count++];
		s->step_no = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		s->channel = cache_text(tup, desc, 3);
		s->purpose = cache_text(tup, desc, 4);
		s->action_code = cache_text(tup, desc, 5);
		s->template = cache_text(tup, desc, 6);
		s->reasons = cache_text(tup, desc, 7);
	}
}

/* The reasons of the tenant and of tenant 0 (after_sale.sql). */
static void
load_reasons(TenantConfig *cfg)
{
	run_tenant_query("SELECT DISTINCT r.reason FROM followup.reason r"
					 " WHERE r.tenant_id OPERATOR(pg_catalog.=) $1"
					 " OR r.tenant_id OPERATOR(pg_catalog.=) 0::pg_catalog.int8", cfg->tenant_id, FR_REASON);
	cfg->nreasons = (int) SPI_processed;
	cfg->reasons = MemoryContextAllocZero(CacheCxt, sizeof(char *) * (SPI_processed + 1));
	for (uint64 i = 0; i < SPI_processed; i++)
		cfg->reasons[i] = cache_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
}

static void
load_kinds(TenantConfig *cfg)
{
	HASHCTL		ctl;
	KindEntry  *entry = NULL;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = KIND_MAXLEN;
	ctl.entrysize = sizeof(KindEntry);
	ctl.hcxt = CacheCxt;
	cfg->kinds = hash_create("followup kinds", 32, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	run_tenant_query("SELECT DISTINCT ON (g.kind) g.kind, g.direction, g.weight FROM followup.signal g"
					 " WHERE g.tenant_id OPERATOR(pg_catalog.=) $1"
					 " OR g.tenant_id OPERATOR(pg_catalog.=) 0::pg_catalog.int8"
					 " ORDER BY g.kind, g.tenant_id DESC", cfg->tenant_id, FR_SIGNAL);
	column_types_check(SPI_tuptable->tupdesc, 1, signal_cols, lengthof(signal_cols), "signal");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *kind = SPI_getvalue(tup, desc, 1);
		char	   *direction = SPI_getvalue(tup, desc, 2);
		bool		isnull;

		entry = hash_search(cfg->kinds, kind, HASH_ENTER, NULL);
		entry->direction = strcmp(direction, signal_direction_names[DIR_INBOUND]) == 0 ? DIR_INBOUND :
			strcmp(direction, signal_direction_names[DIR_OUTBOUND]) == 0 ? DIR_OUTBOUND : DIR_SYSTEM;
		entry->weight = DatumGetFloat4(SPI_getbinval(tup, desc, 3, &isnull));
		entry->nrules = 0;
		entry->rules = NULL;
	}

	run_tenant_query("SELECT r.kind, r.rule_id, r.from_state, r.to_state, r.effect, r.due_in,"
					 " r.min_momentum, r.close_reason, pg_catalog.count(*) OVER (PARTITION BY r.kind)"
					 " FROM followup.rule r"
					 " WHERE r.tenant_id OPERATOR(pg_catalog.=) $1"
					 " OR (r.tenant_id OPERATOR(pg_catalog.=) 0::pg_catalog.int8 AND NOT EXISTS"
					 "  (SELECT FROM followup.rule o WHERE o.tenant_id OPERATOR(pg_catalog.=) $1"
					 "   AND o.kind OPERATOR(pg_catalog.=) r.kind))"
					 " ORDER BY r.kind, r.priority, r.rule_id", cfg->tenant_id, FR_RULE);
	column_types_check(SPI_tuptable->tupdesc, 1, rule_cols, lengthof(rule_cols), "rule");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *kind = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		Datum		d;
		Rule	   *r;

		entry = hash_search(cfg->kinds, kind, HASH_FIND, NULL);
		if (entry == NULL)
			continue;			/* a rule for a kind that is not a signal never fires */
		if (entry->rules == NULL)
			entry->rules = MemoryContextAllocZero(CacheCxt, sizeof(Rule) *
												  DatumGetInt64(SPI_getbinval(tup, desc, 9, &isnull)));
		r = &entry->rules[entry->nrules++];
		r->rule_id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		d = SPI_getbinval(tup, desc, 3, &isnull);
		r->from_state = isnull ? LS_NONE : lead_state_from_oid(DatumGetObjectId(d));
		d = SPI_getbinval(tup, desc, 4, &isnull);
		r->to_state = isnull ? LS_NONE : lead_state_from_oid(DatumGetObjectId(d));
		r->effect = parse_effect(SPI_getvalue(tup, desc, 5));
		d = SPI_getbinval(tup, desc, 6, &isnull);
		r->has_due_in = !isnull;
		if (!isnull)
			r->due_in = *DatumGetIntervalP(d);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		r->has_min_momentum = !isnull;
		if (!isnull)
			r->min_momentum = DatumGetFloat4(d);
		r->close_reason = cache_text(tup, desc, 8);
	}
}

TenantConfig *
get_tenant_config(int64 tenant_id)
{
	TenantConfig *cfg;
	bool		found;

	ensure_cache();
	cfg = hash_search(tenants, &tenant_id, HASH_ENTER, &found);
	if (found)
		return cfg;

	PG_TRY();
	{
		memset(((char *) cfg) + sizeof(int64), 0, sizeof(TenantConfig) - sizeof(int64));
		SPI_connect();
		load_policies(cfg);
		load_steps(cfg);
		load_kinds(cfg);
		load_reasons(cfg);
		cfg->calendar = calendar_load(cfg->tenant_id, CacheCxt);
		cfg->pressure = pressure_load(cfg->tenant_id, CacheCxt);
		cfg->capacity = capacity_load(cfg->tenant_id, CacheCxt);
		experiments_load(cfg, CacheCxt);
		SPI_finish();
	}
	PG_CATCH();
	{
		/* never leave a half-loaded tenant behind */
		cache_valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	return cfg;
}

const KindEntry *
find_kind(TenantConfig *cfg, const char *kind)
{
	char		key[KIND_MAXLEN];

	if (strlen(kind) >= KIND_MAXLEN)
		return NULL;
	memset(key, 0, sizeof(key));
	strcpy(key, kind);
	return hash_search(cfg->kinds, key, HASH_FIND, NULL);
}

bool
reason_known(const TenantConfig *cfg, const char *reason)
{
	for (int i = 0; i < cfg->nreasons; i++)
		if (strcmp(cfg->reasons[i], reason) == 0)
			return true;
	return false;
}

const Step *
find_step(const TenantConfig *cfg, LeadState state, int step_no)
{
	const StateSteps *ss = &cfg->steps[state];

	for (int i = 0; i < ss->count; i++)
		if (ss->steps[i].step_no == step_no)
			return &ss->steps[i];
	return NULL;
}
