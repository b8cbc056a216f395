/*
 * experiment.c - experiments in the engine: the arm of a lead's stay, and
 * the configuration that arm gives it.
 *
 * A lead entering a state at state_since while an experiment on the state
 * runs (starts_at <= state_since < its end or conclusion) is in arm
 * fu_arm_pick(tenant, experiment, lead) for that stay.  The arm is a pure
 * function of the lead's row and the experiment tables, so the triggers,
 * the statement's replay, bulk loads, the jobs and the preview, which all
 * plan through replan_lead() and find a task's step here, agree without
 * storing it on the lead or asking the database again; the state log and
 * the tasks record it for the reports.
 *
 * The experiments are loaded with the tenant's configuration (config_cache.c)
 * and invalidated with it.  Each arm gets a whole TenantConfig: the
 * tenant's, with the state's cadence or steps replaced by the arm's, so the
 * planner, which knows nothing of experiments, keeps its promises (one
 * live task, working windows, opt-out, the Plan B order, now the arm's).
 * A tenant without experiments keeps experiments == NULL: one pointer test.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cadence.h"
#include "columns.h"
#include "core/experiment.h"
#include "experiment.h"
#include "followup.h"
#include "relations.h"

PG_FUNCTION_INFO_V1(followup_experiment_arm_of);
PG_FUNCTION_INFO_V1(followup_sequential_diff);

/* the columns experiments_load() reads, in order */
static const ColumnSpec experiment_cols[] = {
	{"experiment_id", CT_INT8}, {"state", CT_TEXT}, {"starts_at", CT_TIMESTAMPTZ},
	{"stops_at", CT_TIMESTAMPTZ}, {"base_cadence", CT_CADENCE}, {"base_template", CT_TEXT},
	{"base_action_code", CT_TEXT}, {"arm", CT_INT4}, {"weight", CT_INT4}, {"cadence", CT_CADENCE},
	{"step_no", CT_INT4}, {"template", CT_TEXT}, {"action_code", CT_TEXT}
};

/* last, the two text[] columns (no ColumnSpec type), checked by their OID */
#define EXPERIMENT_SQL \
	"SELECT e.experiment_id, e.state::pg_catalog.text AS state, e.starts_at," \
	" LEAST(e.ends_at, e.concluded_at) AS stops_at, e.base_cadence, e.base_template," \
	" e.base_action_code, a.arm, a.weight, a.cadence, a.step_no," \
	" a.template, a.action_code, e.base_plan_b_order, a.plan_b_order" \
	" FROM followup.experiment e JOIN followup.experiment_arm a" \
	" ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id" \
	" AND a.experiment_id OPERATOR(pg_catalog.=) e.experiment_id" \
	" WHERE e.tenant_id OPERATOR(pg_catalog.=) $1" \
	" ORDER BY e.experiment_id, a.arm"

static char *
copy_text(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	char	   *s = SPI_getvalue(tup, desc, col);

	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/* A text[] column as a palloc'd array of C strings (in cxt); 0 when NULL. */
static int
text_array(HeapTuple tup, TupleDesc desc, int col, char ***out, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	Datum	   *elems;
	int			n;

	*out = NULL;
	if (isnull)
		return 0;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
	*out = MemoryContextAlloc(cxt, sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = MemoryContextStrdup(cxt, TextDatumGetCString(elems[i]));
	return n;
}

/*
 * The state's steps for an arm: in order (action codes; steps not named
 * follow in their own order), then with step step_no's template and action
 * code replaced where given.
 */
static void
arm_steps(StateSteps *out, const StateSteps *base, char **order, int norder,
		  int step_no, const char *template, const char *action_code, MemoryContext cxt)
{
	bool	   *used = palloc0(sizeof(bool) * Max(base->count, 1));
	int			n = 0;

	out->count = base->count;
	out->steps = MemoryContextAllocZero(cxt, sizeof(Step) * Max(base->count, 1));
	for (int i = 0; i < norder; i++)
		for (int j = 0; j < base->count; j++)
			if (!used[j] && strcmp(base->steps[j].action_code, order[i]) == 0)
			{
				used[j] = true;
				out->steps[n++] = base->steps[j];
				break;
			}
	for (int j = 0; j < base->count; j++)
		if (!used[j])
			out->steps[n++] = base->steps[j];
	for (int i = 0; i < n; i++)
	{
		if (norder > 0)
			out->steps[i].step_no = i + 1;
		if (out->steps[i].step_no == step_no)
		{
			if (template != NULL)
				out->steps[i].template = (char *) template;
			if (action_code != NULL)
				out->steps[i].action_code = (char *) action_code;
		}
	}
	pfree(used);
}

void
experiments_load(TenantConfig *cfg, MemoryContext cxt)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(cfg->tenant_id)};
	AsOwner		save;
	int			ret;
	SPITupleTable *tt;
	uint64		nrows;
	ExperimentSet *set;
	int			nexp = 0;

	cfg->experiments = NULL;
	if (!OidIsValid(followup_relid(FR_EXPERIMENT)))
		return;					/* a 0.1.0 schema, not yet updated */
	as_owner_begin(FR_EXPERIMENT, true, &save);
	ret = SPI_execute_with_args(EXPERIMENT_SQL, 1, argtypes, args, NULL, true, 0);
	as_owner_end(&save);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not load followup experiments");
	if (SPI_processed == 0)
		return;					/* the common case: nothing to do, ever */
	tt = SPI_tuptable;
	nrows = SPI_processed;
	column_types_check(tt->tupdesc, 1, experiment_cols, lengthof(experiment_cols), "experiment");
	if (SPI_gettypeid(tt->tupdesc, 14) != TEXTARRAYOID || SPI_gettypeid(tt->tupdesc, 15) != TEXTARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("plan_b_order of followup.experiment_arm is not text[]"),
				 errhint("The followup extension may be damaged; reinstall it.")));

	set = MemoryContextAllocZero(cxt, sizeof(ExperimentSet));
	set->experiments = MemoryContextAllocZero(cxt, sizeof(Experiment) * nrows);

	for (uint64 first = 0; first < nrows;)
	{
		TupleDesc	desc = tt->tupdesc;
		HeapTuple	head = tt->vals[first];
		Experiment *e = &set->experiments[nexp++];
		bool		isnull;
		Datum		d;
		uint64		last = first;
		int			varied_step = 0;
		bool		varies_cadence = false;
		bool		varies_order = false;
		char	   *base_template = copy_text(head, desc, 6, cxt);
		char	   *base_action_code = copy_text(head, desc, 7, cxt);
		char	  **base_order;
		int			nbase_order = text_array(head, desc, 14, &base_order, cxt);
		fu_cadence	base_cadence;
		bool		has_base_cadence;
		int			state;

		e->experiment_id = DatumGetInt64(SPI_getbinval(head, desc, 1, &isnull));
		/* by label: config_cache.c, which calls this, knows the enum's OIDs */
		state = domain_label_index(lead_state_names, LS_COUNT, SPI_getvalue(head, desc, 2));
		if (state < 0)
			elog(ERROR, "unknown followup.lead_state label \"%s\"", SPI_getvalue(head, desc, 2));
		e->state = (LeadState) state;
		e->starts_at = DatumGetTimestampTz(SPI_getbinval(head, desc, 3, &isnull));
		d = SPI_getbinval(head, desc, 4, &isnull);
		e->stops_at = isnull ? DT_NOEND : DatumGetTimestampTz(d);
		d = SPI_getbinval(head, desc, 5, &isnull);
		has_base_cadence = !isnull;
		if (has_base_cadence)
			cadence_to_core(DatumGetCadenceP(d), &base_cadence);

		while (last + 1 < nrows &&
			   DatumGetInt64(SPI_getbinval(tt->vals[last + 1], desc, 1, &isnull)) == e->experiment_id)
			last++;
		/* what the experiment varies: an arm without its own has the base's */
		for (uint64 r = first; r <= last; r++)
		{
			HeapTuple	tup = tt->vals[r];

			(void) SPI_getbinval(tup, desc, 10, &isnull);
			varies_cadence |= !isnull;
			d = SPI_getbinval(tup, desc, 11, &isnull);
			if (!isnull)
				varied_step = DatumGetInt32(d);
			(void) SPI_getbinval(tup, desc, 15, &isnull);
			varies_order |= !isnull;
		}

		for (uint64 r = first; r <= last && e->narms < FU_MAX_ARMS; r++)
		{
			HeapTuple	tup = tt->vals[r];
			TenantConfig *ac = MemoryContextAlloc(cxt, sizeof(TenantConfig));
			Policy	   *p = &ac->policy[e->state];
			char	  **order;
			int			norder = text_array(tup, desc, 15, &order, cxt);
			char	   *template = copy_text(tup, desc, 12, cxt);
			char	   *action_code = copy_text(tup, desc, 13, cxt);

			*ac = *cfg;
			ac->experiments = NULL;
			e->weights[e->narms] = DatumGetInt32(SPI_getbinval(tup, desc, 9, &isnull));
			d = SPI_getbinval(tup, desc, 10, &isnull);
			if (!isnull)
				cadence_to_core(DatumGetCadenceP(d), &p->cadence);
			else if (varies_cadence && has_base_cadence)
				p->cadence = base_cadence;
			if (norder == 0 && varies_order)
			{
				order = base_order;
				norder = nbase_order;
			}
			(void) SPI_getbinval(tup, desc, 11, &isnull);
			if (isnull && varied_step > 0)
			{
				template = base_template;
				action_code = base_action_code;
			}
			if (norder > 0 || varied_step > 0)
				arm_steps(&ac->steps[e->state], &cfg->steps[e->state], order, norder,
						  varied_step, template, action_code, cxt);
			e->arm_cfg[e->narms++] = ac;
		}
		first = last + 1;
	}
	set->count = nexp;
	cfg->experiments = set;
}

const TenantConfig *
experiment_config(const TenantConfig *cfg, int64 lead_id, LeadState state,
				  TimestampTz state_since, ArmChoice *choice)
{
	const ExperimentSet *set = cfg->experiments;

	if (choice != NULL)
	{
		choice->experiment_id = 0;
		choice->arm = 0;
	}
	if (set == NULL)
		return cfg;
	for (int i = 0; i < set->count; i++)
	{
		const Experiment *e = &set->experiments[i];
		int			arm;

		if (e->state != state || state_since < e->starts_at || state_since >= e->stops_at)
			continue;
		arm = fu_arm_pick(cfg->tenant_id, e->experiment_id, lead_id, e->weights, e->narms);
		if (arm < 1)
			return cfg;
		if (choice != NULL)
		{
			choice->experiment_id = e->experiment_id;
			choice->arm = arm;
		}
		return e->arm_cfg[arm - 1];
	}
	return cfg;
}

/*
 * followup.experiment_arm_of(tenant_id, experiment_id, lead_id): the arm
 * the engine gives the lead, from the arms' weights the caller can read.
 */
Datum
followup_experiment_arm_of(PG_FUNCTION_ARGS)
{
	Oid			argtypes[2] = {INT8OID, INT8OID};
	Datum		args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	int			weights[FU_MAX_ARMS];
	int			narms;
	int			arm;

	SPI_connect();
	if (SPI_execute_with_args("SELECT a.weight FROM followup.experiment_arm a"
							  " WHERE a.tenant_id OPERATOR(pg_catalog.=) $1"
							  " AND a.experiment_id OPERATOR(pg_catalog.=) $2 ORDER BY a.arm",
							  2, argtypes, args, NULL, true, FU_MAX_ARMS) != SPI_OK_SELECT)
		elog(ERROR, "could not read the arms of experiment " INT64_FORMAT, PG_GETARG_INT64(1));
	narms = (int) SPI_processed;
	for (int i = 0; i < narms; i++)
	{
		bool		isnull;

		weights[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	arm = fu_arm_pick(PG_GETARG_INT64(0), PG_GETARG_INT64(1), PG_GETARG_INT64(2), weights, narms);
	if (arm < 1)
		PG_RETURN_NULL();
	PG_RETURN_INT32(arm);
}

/*
 * followup.sequential_diff(x1, n1, x0, n0, alpha, tau)
 *     -> (diff, lower, upper, p_value)
 */
Datum
followup_sequential_diff(PG_FUNCTION_ARGS)
{
	int64		x1 = PG_GETARG_INT64(0);
	int64		n1 = PG_GETARG_INT64(1);
	int64		x0 = PG_GETARG_INT64(2);
	int64		n0 = PG_GETARG_INT64(3);
	double		alpha = PG_GETARG_FLOAT8(4);
	double		tau = PG_GETARG_FLOAT8(5);
	fu_seq_result r;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (n1 < 1 || n0 < 1 || x1 < 0 || x0 < 0 || x1 > n1 || x0 > n0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("counts " INT64_FORMAT "/" INT64_FORMAT " and " INT64_FORMAT "/" INT64_FORMAT
						" are not proportions", x1, n1, x0, n0),
				 errhint("Each x must be between 0 and its n, and each n at least 1.")));
	if (fu_seq_diff(x1, n1, x0, n0, alpha, tau, &r) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha %g and tau %g are out of range", alpha, tau),
				 errhint("alpha must be between 0 and 1 (0.05 for 95%%), tau positive (0.05: a five-point difference).")));
	values[0] = Float8GetDatum(r.diff);
	values[1] = Float8GetDatum(r.lower);
	values[2] = Float8GetDatum(r.upper);
	values[3] = Float8GetDatum(r.p_value);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
