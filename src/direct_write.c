/*
 * direct_write.c - updating a row of followup's tables without a statement.
 *
 * The interaction trigger writes a lead, and claim_tasks a task, one row at
 * a time; as SPI statements each costs an executor start for one row.  The
 * callers lock the row themselves, as SELECT ... FOR UPDATE would, and write
 * it here through the executor's single-row path (ExecSimpleRelationUpdate,
 * what logical replication applies changes with): BEFORE and AFTER row
 * triggers, NOT NULL and CHECK constraints, index maintenance, HOT.
 *
 * The statements stay for what only they do, and are used whenever any of
 * it applies: rules, statement triggers or transition tables, row triggers
 * other than followup's own (a CRM's BEFORE trigger may skip or change the
 * row, its UPDATE OF trigger fires on the columns a statement names), a missing
 * table-level SELECT or UPDATE privilege (the statement checks and reports
 * it), row level security other than followup's own tenant_rows policy, and
 * row_security off for a role it applies to (the statement refuses to run).
 * Under tenant_rows alone, the rows a statement would see are the current
 * tenant's, and the callers compare the row's tenant instead.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "compat.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteManip.h"
#include "utils/memutils.h"
#include "parser/parse_clause.h"
#include "parser/parse_collate.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "rewrite/rowsecurity.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "direct_write.h"
#include "relations.h"
#include "followup.h"

/*
 * which tables' row security is tenant_rows alone, and which have row
 * triggers of their own, until they change
 */
typedef struct PolicyVerdict
{
	Oid			relid;
	uint64		generation;		/* relation_generation() when judged */
	bool		tenant_rows_alone;
	bool		user_row_triggers;
	bool		user_before_update;
} PolicyVerdict;

static PolicyVerdict verdicts[4];
static int	nverdicts = 0;

/*
 * Is the row security of rel exactly the tenant_rows policy followup
 * installs: one permissive policy for every command and role, whose USING
 * clause is what CREATE POLICY makes of the shipped text, and no WITH CHECK?
 * A policy altered, added or replaced makes it the statements' business.
 */
static bool
policy_is_tenant_rows(Relation rel)
{
	RowSecurityDesc *rsdesc = rel->rd_rsdesc;
	RowSecurityPolicy *policy;
	RawStmt    *raw;
	ParseState *pstate;
	ParseNamespaceItem *nsitem;
	Node	   *expected;
	Datum	   *roles;
	int			nroles;
	bool		same;

	if (rsdesc == NULL || list_length(rsdesc->policies) != 1)
		return false;
	policy = linitial(rsdesc->policies);
	if (!policy->permissive || policy->polcmd != '*' || policy->with_check_qual != NULL)
		return false;
	deconstruct_array(policy->roles, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &roles, NULL, &nroles);
	if (nroles != 1 || DatumGetObjectId(roles[0]) != ACL_ID_PUBLIC)
		return false;

	raw = linitial_node(RawStmt, raw_parser("SELECT tenant_id OPERATOR(pg_catalog.=) (SELECT followup.current_tenant())",
											 RAW_PARSE_DEFAULT));
	pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock, NULL, false, false);
	addNSItemToQuery(pstate, nsitem, false, true, true);
	expected = transformWhereClause(pstate,
									linitial_node(ResTarget, castNode(SelectStmt, raw->stmt)->targetList)->val,
									EXPR_KIND_POLICY, "POLICY");
	assign_expr_collations(pstate, expected);
	same = equal(expected, policy->qual);
	free_parsestate(pstate);
	return same;
}

bool
direct_is_own_trigger(const Trigger *trigger)
{
	Oid			ext = get_extension_oid("followup", true);

	return trigger->tgisinternal ||
		(OidIsValid(ext) && getExtensionOfObject(ProcedureRelationId, trigger->tgfoid) == ext);
}

/*
 * Does rel have an UPDATE row trigger that is not followup's own (nor a
 * foreign key's)?  Disabled ones count too: session_replication_role may
 * enable them.
 */
static bool
has_user_row_triggers(Relation rel)
{
	TriggerDesc *trigdesc = rel->trigdesc;

	if (trigdesc == NULL)
		return false;
	for (int i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *t = &trigdesc->triggers[i];

		if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_UPDATE(t->tgtype) &&
			!direct_is_own_trigger(t))
			return true;
	}
	return false;
}

int
direct_before_update_triggers(Relation rel, StringInfo names)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	int			n = 0;

	for (int i = 0; trigdesc != NULL && i < trigdesc->numtriggers; i++)
	{
		Trigger    *t = &trigdesc->triggers[i];

		if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) &&
			TRIGGER_FOR_UPDATE(t->tgtype) && !direct_is_own_trigger(t))
		{
			if (names != NULL)
				appendStringInfo(names, "%s%s", n > 0 ? ", " : "", quote_identifier(t->tgname));
			n++;
		}
	}
	return n;
}

static const PolicyVerdict *
verdict(Relation rel)
{
	static PolicyVerdict v;
	Oid			relid = RelationGetRelid(rel);
	/* a change while judging is seen next time */
	uint64		generation = relation_generation(relid);
	int			slot = -1;

	for (int i = 0; i < nverdicts; i++)
		if (verdicts[i].relid == relid)
		{
			if (verdicts[i].generation == generation)
				return &verdicts[i];
			slot = i;
		}
	v.relid = relid;
	v.generation = generation;
	v.tenant_rows_alone = policy_is_tenant_rows(rel);
	v.user_row_triggers = has_user_row_triggers(rel);
	v.user_before_update = direct_before_update_triggers(rel, NULL) > 0;
	if (slot < 0 && nverdicts < (int) lengthof(verdicts))
		slot = nverdicts++;
	if (slot >= 0)
		verdicts[slot] = v;
	return &v;
}

bool
direct_has_before_update_triggers(Relation rel)
{
	return verdict(rel)->user_before_update;
}

bool
direct_write_allowed(Relation rel, bool *tenant_only)
{
	TriggerDesc *trig = rel->trigdesc;
	Oid			relid = RelationGetRelid(rel);

	*tenant_only = false;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rules != NULL ||
		rel->rd_rel->relispartition)
		return false;
	/* Citus: the rows are in the shards, which the statements reach */
	if (followup_is_citus_table(relid))
		return false;
	if (trig != NULL && (trig->trig_update_before_statement || trig->trig_update_after_statement ||
						 trig->trig_update_old_table || trig->trig_update_new_table ||
						 trig->trig_update_instead_row))
		return false;
	if (verdict(rel)->user_row_triggers)
		return false;
	/* the statements read the key and lock or write the row */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		return false;
	if (check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return true;
	*tenant_only = true;
	return row_security && verdict(rel)->tenant_rows_alone;
}

RowLock
direct_lock_row(Relation rel, TupleTableSlot *slot, Snapshot snapshot, LockTupleMode mode,
				bool skip_locked, bool *newer)
{
	/*
	 * ExecLockRows' rules: under READ COMMITTED wait for a writer of the row
	 * (or skip it) and lock its latest version; under REPEATABLE READ a
	 * version newer than the snapshot cannot be seen, and is a serialization
	 * failure.
	 */
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	TM_FailureData tmfd;

	switch (table_tuple_lock(rel, &slot->tts_tid, snapshot, slot, GetCurrentCommandId(false), mode,
							 skip_locked ? LockWaitSkip : LockWaitBlock,
							 xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd))
	{
		case TM_Ok:
			if (newer != NULL)
				*newer = tmfd.traversed;
			return ROW_LOCKED;
		case TM_WouldBlock:
			return ROW_BUSY;
		case TM_SelfModified:
			return ROW_GONE;
		case TM_Updated:
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update")));
			break;
		case TM_Deleted:
			if (xact_snapshot)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent delete")));
			return ROW_GONE;
		default:
			break;
	}
	elog(ERROR, "unexpected result locking a row of \"%s\"", RelationGetRelationName(rel));
	return ROW_GONE;			/* keep compiler quiet */
}

bool
direct_is_int8_key(Relation rel, Relation index, AttrNumber key1, AttrNumber key2)
{
	Form_pg_index form = index->rd_index;

	return form->indisprimary && form->indnkeyatts == 2 &&
		form->indkey.values[0] == key1 && form->indkey.values[1] == key2 &&
		index->rd_opfamily[0] == INTEGER_BTREE_FAM_OID &&
		index->rd_opfamily[1] == INTEGER_BTREE_FAM_OID &&
		TupleDescAttr(RelationGetDescr(rel), key1 - 1)->atttypid == INT8OID &&
		TupleDescAttr(RelationGetDescr(rel), key2 - 1)->atttypid == INT8OID;
}

bool
direct_fetch_by_key(Relation rel, Relation index, int64 key1, int64 key2, Snapshot snapshot,
					TupleTableSlot *slot)
{
	ScanKeyData keys[2];
	IndexScanDesc scan;
	bool		found;

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(key1));
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(key2));
	scan = fu_index_beginscan(rel, index, snapshot, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	return found;
}

/*
 * What the executor prepares again in every new EState, and so for every
 * row written here: the CHECK constraints, the WHEN clauses of the row
 * triggers, the predicates of partial indexes (about a third of an update
 * of followup.task, whose six partial indexes and rollup trigger's WHEN are
 * read from their text each time).  Prepared once per relation, user (the
 * executor checks EXECUTE privileges when it prepares), version of the
 * relation and of the functions, as lead_write.c prepares the lead's checks.
 */
typedef struct PreparedExprs
{
	Oid			relid;
	Oid			user;
	uint64		generation;		/* relation_generation() when prepared */
	uint64		functions;		/* function_generation() when prepared */
	MemoryContext cxt;
	int			ncheck;
	ExprState **checks;
	int			ntrig;
	Oid		   *tgoids;
	ExprState **when;			/* NULL: no WHEN clause */
	int			nindex;
	Oid		   *indexoids;
	ExprState **preds;			/* NULL: not a partial index */
} PreparedExprs;

static PreparedExprs prepared_exprs[4];
static int	nprepared_exprs = 0;

/*
 * An outer write may still be using the expressions being forgotten (a
 * trigger of its row writing the same table after an invalidation): their
 * memory is left to the end of the transaction.
 */
static void
forget_prepared(PreparedExprs *p)
{
	if (p->cxt != NULL)
		MemoryContextSetParent(p->cxt, TopTransactionContext);
	memset(p, 0, sizeof(PreparedExprs));
}

static void
prepare_exprs(PreparedExprs *p, Relation rel, ResultRelInfo *relinfo)
{
	TupleConstr *constr = rel->rd_att->constr;
	TriggerDesc *trigdesc = rel->trigdesc;
	MemoryContext oldcxt;

	p->relid = RelationGetRelid(rel);
	p->user = GetUserId();
	p->generation = relation_generation(p->relid);
	p->functions = function_generation();
	p->cxt = AllocSetContextCreate(CacheMemoryContext, "followup prepared expressions",
								   ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(p->cxt);
	p->ncheck = constr ? constr->num_check : 0;
	p->checks = palloc0(sizeof(ExprState *) * Max(p->ncheck, 1));
	for (int i = 0; i < p->ncheck; i++)
		p->checks[i] = ExecInitExpr(expression_planner(stringToNode(constr->check[i].ccbin)), NULL);
	/* as TriggerEnabled() prepares them */
	p->ntrig = trigdesc ? trigdesc->numtriggers : 0;
	p->tgoids = palloc0(sizeof(Oid) * Max(p->ntrig, 1));
	p->when = palloc0(sizeof(ExprState *) * Max(p->ntrig, 1));
	for (int i = 0; i < p->ntrig; i++)
	{
		Node	   *qual;

		p->tgoids[i] = trigdesc->triggers[i].tgoid;
		if (trigdesc->triggers[i].tgqual == NULL)
			continue;
		qual = stringToNode(trigdesc->triggers[i].tgqual);
		ChangeVarNodes(qual, PRS2_OLD_VARNO, INNER_VAR, 0);
		ChangeVarNodes(qual, PRS2_NEW_VARNO, OUTER_VAR, 0);
		qual = (Node *) make_ands_implicit((Expr *) qual);
		p->when[i] = ExecInitQual((List *) expression_planner((Expr *) qual), NULL);
	}
	/* as ExecInsertIndexTuples() prepares them */
	p->nindex = relinfo->ri_NumIndices;
	p->indexoids = palloc0(sizeof(Oid) * Max(p->nindex, 1));
	p->preds = palloc0(sizeof(ExprState *) * Max(p->nindex, 1));
	for (int i = 0; i < p->nindex; i++)
	{
		IndexInfo  *info = relinfo->ri_IndexRelationInfo[i];

		p->indexoids[i] = RelationGetRelid(relinfo->ri_IndexRelationDescs[i]);
		if (info->ii_Predicate != NIL)
			p->preds[i] = ExecInitQual((List *) expression_planner((Expr *) copyObject(info->ii_Predicate)),
									   NULL);
	}
	MemoryContextSwitchTo(oldcxt);
}

/*
 * Give relinfo (its indexes open) the expressions prepared for rel, and its
 * CHECK constraints too if checks (not the caller's).
 */
static void
use_prepared_exprs(Relation rel, ResultRelInfo *relinfo, bool checks)
{
	Oid			relid = RelationGetRelid(rel);
	PreparedExprs *p = NULL;

	for (int i = 0; i < nprepared_exprs; i++)
		if (prepared_exprs[i].relid == relid)
			p = &prepared_exprs[i];
	if (p != NULL && (p->user != GetUserId() || p->generation != relation_generation(relid) ||
					  p->functions != function_generation()))
		forget_prepared(p);
	if (p == NULL)
	{
		if (nprepared_exprs >= (int) lengthof(prepared_exprs))
			return;
		p = &prepared_exprs[nprepared_exprs++];
	}
	if (p->cxt == NULL)
		prepare_exprs(p, rel, relinfo);

	if (checks && p->ncheck > 0 && rel->rd_att->constr != NULL &&
		rel->rd_att->constr->num_check == p->ncheck)
		fu_set_check_exprs(relinfo, p->checks);
	if (relinfo->ri_TrigWhenExprs != NULL && relinfo->ri_TrigDesc != NULL &&
		relinfo->ri_TrigDesc->numtriggers == p->ntrig)
		for (int i = 0; i < p->ntrig; i++)
			if (relinfo->ri_TrigDesc->triggers[i].tgoid == p->tgoids[i])
				relinfo->ri_TrigWhenExprs[i] = p->when[i];
	for (int i = 0; i < relinfo->ri_NumIndices && i < p->nindex; i++)
		if (RelationGetRelid(relinfo->ri_IndexRelationDescs[i]) == p->indexoids[i])
			relinfo->ri_IndexRelationInfo[i]->ii_PredicateState = p->preds[i];
}

/*
 * The executor state of an update: direct_update() makes one for its row; a
 * statement that writes many leads at its end (the bulk path,
 * statement_batch.c) keeps one for them all, its indexes opened once.  Each
 * row is still written as its own query (its updated columns, its AFTER
 * triggers fired when it is written).
 */
struct DirectUpdater
{
	EState	   *estate;
	RangeTblEntry *rte;
#if PG_VERSION_NUM >= 160000
	RTEPermissionInfo *perminfo;
#endif
	ResultRelInfo *relinfo;
	EPQState	epqstate;
	TupleTableSlot *newslot;
};

DirectUpdater *
direct_updater_begin(Relation rel, ExprState **checks)
{
	DirectUpdater *u = palloc0(sizeof(DirectUpdater));

	u->estate = CreateExecutorState();
	u->rte = makeNode(RangeTblEntry);
	u->rte->rtekind = RTE_RELATION;
	u->rte->relid = RelationGetRelid(rel);
	u->rte->relkind = RELKIND_RELATION;
	u->rte->rellockmode = RowExclusiveLock;
#if PG_VERSION_NUM >= 160000
	u->perminfo = makeNode(RTEPermissionInfo);
	u->perminfo->relid = u->rte->relid;
	u->perminfo->requiredPerms = ACL_UPDATE;
	u->rte->perminfoindex = 1;
#if PG_VERSION_NUM >= 180000
	ExecInitRangeTable(u->estate, list_make1(u->rte), list_make1(u->perminfo), bms_make_singleton(1));
#else
	ExecInitRangeTable(u->estate, list_make1(u->rte), list_make1(u->perminfo));
#endif
#else
	u->rte->requiredPerms = ACL_UPDATE;
	ExecInitRangeTable(u->estate, list_make1(u->rte));
#endif
	u->relinfo = makeNode(ResultRelInfo);
	ExecInitResultRelation(u->estate, u->relinfo, 1);
	ExecOpenIndices(u->relinfo, false);
	fu_set_check_exprs(u->relinfo, checks);
	use_prepared_exprs(rel, u->relinfo, checks == NULL);
	fu_epq_init(&u->epqstate, u->estate);
	u->newslot = table_slot_create(rel, &u->estate->es_tupleTable);
	return u;
}

/* one row of direct_updater_update() or direct_update() */
static void
updater_write(DirectUpdater *u, TupleTableSlot *oldslot, HeapTuple newtup,
			  Bitmapset *updated_cols, AttrNumber tenant_attnum, TupleTableSlot *result)
{
	EState	   *estate = u->estate;

	/* the updated columns decide which UPDATE OF triggers fire */
#if PG_VERSION_NUM >= 160000
	u->perminfo->updatedCols = updated_cols;
#else
	u->rte->updatedCols = updated_cols;
#endif
	/* what the caller did before is visible, as to a new statement */
	CommandCounterIncrement();
	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = GetActiveSnapshot();
	ExecForceStoreHeapTuple(newtup, u->newslot, true);

	/* row triggers fire now, as they would at the end of an UPDATE */
	AfterTriggerBeginQuery();
	ExecSimpleRelationUpdate(u->relinfo, estate, &u->epqstate, oldslot, u->newslot);

	/*
	 * The new row must pass the UPDATE's row security check, which for
	 * tenant_rows alone (no WITH CHECK) is its USING clause: the row stays
	 * the current tenant's.  A row written here has only followup's own
	 * triggers, which keep tenant_id; this makes it certain.
	 */
	if (tenant_attnum != InvalidAttrNumber)
	{
		bool		isnull;
		Datum		t = slot_getattr(u->newslot, tenant_attnum, &isnull);

		if (isnull || DatumGetInt64(t) != followup_current_tenant_id())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("new row violates row-level security policy for table \"%s\"",
							RelationGetRelationName(u->relinfo->ri_RelationDesc))));
	}
	AfterTriggerEndQuery(estate);
	if (result != NULL)
		ExecCopySlot(result, u->newslot);
	ExecClearTuple(u->newslot);
	ResetPerTupleExprContext(estate);
}

void
direct_updater_update(DirectUpdater *u, TupleTableSlot *oldslot, HeapTuple newtup,
					  Bitmapset *updated_cols, AttrNumber tenant_attnum)
{
	updater_write(u, oldslot, newtup, updated_cols, tenant_attnum, NULL);
}

void
direct_updater_end(DirectUpdater *u)
{
	EvalPlanQualEnd(&u->epqstate);
	ExecCloseResultRelations(u->estate);
	ExecCloseRangeTableRelations(u->estate);
	ExecResetTupleTable(u->estate->es_tupleTable, false);
	FreeExecutorState(u->estate);
	pfree(u);
}

void
direct_update(Relation rel, TupleTableSlot *oldslot, HeapTuple newtup, Bitmapset *updated_cols,
			  ExprState **checks, AttrNumber tenant_attnum, TupleTableSlot *result)
{
	DirectUpdater *u = direct_updater_begin(rel, checks);

	updater_write(u, oldslot, newtup, updated_cols, tenant_attnum, result);
	direct_updater_end(u);
}
