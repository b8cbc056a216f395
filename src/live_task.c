/*
 * live_task.c - may a lead have an open or claimed task?
 *
 * The interaction trigger supersedes or fulfils the lead's live task on
 * almost every interaction, and most leads have none at that moment: a
 * task is made only when a touch falls due.  An UPDATE that finds nothing
 * still costs an executor start (about 30,000 instructions, a tenth of a
 * COPY row); a look into task_one_live_per_lead, the index that keeps one
 * live task per lead, costs a descent of the index.
 *
 * The index is used only if it holds every live task: its key the lead,
 * and its predicate (if any) implied by status IN ('open', 'claimed'), as
 * the planner proves it for a partial index; an index of that name that
 * was replaced by another is checked again.  The look reads the index
 * entries whatever their visibility, so "no" is certain: no version of a live task of the lead exists, committed or not,
 * that the statement could find.  Anything else is "maybe" and the caller
 * runs the statement, as it does under SERIALIZABLE, where the statement's
 * read must be recorded for the conflict checks, and for a role without
 * the privileges the statement needs, which it then reports.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "compat.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "parser/parse_clause.h"
#include "parser/parse_collate.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/relcache.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "config_cache.h"
#include "direct_write.h"
#include "live_task.h"
#include "relations.h"

/* is_live_task_index() for the index, while it and the table are the same */
static Oid	checked_index = InvalidOid;
static uint64 checked_task_generation = 0;
static uint64 checked_index_generation = 0;
static bool index_usable = false;

/*
 * Does the index's predicate hold for every live task: is it implied by
 * status IN ('open', 'claimed')?  No predicate: it holds every task.
 */
static bool
holds_live_tasks(Relation task, Relation index)
{
	List	   *pred = RelationGetIndexPredicate(index);
	RawStmt    *raw;
	ParseState *pstate;
	ParseNamespaceItem *nsitem;
	Node	   *live;
	bool		implied;

	if (pred == NIL)
		return true;
	raw = linitial_node(RawStmt, raw_parser("SELECT status OPERATOR(pg_catalog.=) ANY"
											" ('{open,claimed}'::followup.task_status[])",
											RAW_PARSE_DEFAULT));
	pstate = make_parsestate(NULL);
	nsitem = addRangeTableEntryForRelation(pstate, task, AccessShareLock, NULL, false, false);
	addNSItemToQuery(pstate, nsitem, false, true, true);
	live = transformWhereClause(pstate,
								linitial_node(ResTarget, castNode(SelectStmt, raw->stmt)->targetList)->val,
								EXPR_KIND_WHERE, "WHERE");
	assign_expr_collations(pstate, live);
	live = eval_const_expressions(NULL, live);
	implied = predicate_implied_by(pred, list_make1(live), false);
	free_parsestate(pstate);
	return implied;
}

/* Is index the one live task per lead: btree (tenant_id, lead_id), both int8? */
static bool
is_live_task_index(Relation task, Relation index)
{
	Form_pg_index form = index->rd_index;

	return form->indisvalid && form->indisready && form->indisunique &&
		form->indrelid == RelationGetRelid(task) && form->indnkeyatts == 2 &&
		form->indkey.values[0] == get_attnum(RelationGetRelid(task), "tenant_id") &&
		form->indkey.values[1] == get_attnum(RelationGetRelid(task), "lead_id") &&
		index->rd_opfamily[0] == INTEGER_BTREE_FAM_OID &&
		index->rd_opfamily[1] == INTEGER_BTREE_FAM_OID &&
		index->rd_opcintype[0] == INT8OID && index->rd_opcintype[1] == INT8OID &&
		RelationGetIndexExpressions(index) == NIL && holds_live_tasks(task, index);
}

/*
 * followup.task and task_one_live_per_lead, opened with the lock the
 * statement would take, when the index holds every live task and the role
 * has the privileges the statement needs; false, nothing open, otherwise.
 */
static bool
open_live_index(Relation *task, Relation *index)
{
	Oid			task_oid = followup_relid(FR_TASK);
	Oid			index_oid = followup_relid(FR_TASK_ONE_LIVE_PER_LEAD);
	uint64		task_generation;
	uint64		index_generation;

	if (!OidIsValid(task_oid) || !OidIsValid(index_oid) || followup_is_citus_table(task_oid))
		return false;
	*task = table_open(task_oid, RowExclusiveLock);
	*index = index_open(index_oid, AccessShareLock);
	/* checked once per version of the index and the table */
	task_generation = relation_generation(task_oid);
	index_generation = relation_generation(index_oid);
	if (checked_index != index_oid || checked_task_generation != task_generation ||
		checked_index_generation != index_generation)
	{
		index_usable = is_live_task_index(*task, *index);
		checked_index = index_oid;
		checked_task_generation = task_generation;
		checked_index_generation = index_generation;
	}
	/* without the privileges the statement needs, let it report them */
	if (index_usable &&
		pg_class_aclcheck(task_oid, GetUserId(), ACL_SELECT) == ACLCHECK_OK &&
		pg_class_aclcheck(task_oid, GetUserId(), ACL_UPDATE) == ACLCHECK_OK)
		return true;
	index_close(*index, AccessShareLock);
	table_close(*task, NoLock);
	return false;
}

static void
begin_lead_scan(IndexScanDesc scan, int64 tenant_id, int64 lead_id)
{
	ScanKeyData keys[2];

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(tenant_id));
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(lead_id));
	index_rescan(scan, keys, 2, NULL, 0);
}

bool
live_task_maybe(int64 tenant_id, int64 lead_id)
{
	Relation	task;
	Relation	index;
	IndexScanDesc scan;
	bool		found;

	if (IsolationIsSerializable() || !open_live_index(&task, &index))
		return true;
	scan = fu_index_beginscan(task, index, SnapshotAny, 2, 0);
	begin_lead_scan(scan, tenant_id, lead_id);
	found = index_getnext_tid(scan, ForwardScanDirection) != NULL;
	index_endscan(scan);
	index_close(index, AccessShareLock);
	table_close(task, NoLock);
	return found;
}

bool
live_task_open(Relation *task, Relation *index)
{
	return open_live_index(task, index);
}

bool
live_task_fetch(Relation task, Relation index, int64 tenant_id, int64 lead_id, Snapshot snapshot,
				TupleTableSlot *slot)
{
	IndexScanDesc scan;
	AttrNumber	status = get_attnum(RelationGetRelid(task), "status");
	bool		found = false;

	scan = fu_index_beginscan(task, index, snapshot, 2, 0);
	begin_lead_scan(scan, tenant_id, lead_id);
	while (!found && index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Oid			s = DatumGetObjectId(slot_getattr(slot, status, &isnull));

		/* the index's predicate held when the entry was made; the row says now */
		found = !isnull && (s == get_enum_oids()->task_status[TS_OPEN] ||
							s == get_enum_oids()->task_status[TS_CLAIMED]);
	}
	index_endscan(scan);
	return found;
}

LiveTask
live_task_visible(int64 tenant_id, int64 lead_id, Snapshot snapshot)
{
	Relation	task;
	Relation	index;
	TupleTableSlot *slot;
	LiveTask	result;

	if (!open_live_index(&task, &index))
		return LIVE_TASK_UNKNOWN;
	slot = table_slot_create(task, NULL);
	result = live_task_fetch(task, index, tenant_id, lead_id, snapshot, slot) ?
		LIVE_TASK_FOUND : LIVE_TASK_NONE;
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(task, NoLock);
	return result;
}

/*
 * followup has just marked the lead's live task superseded or done (SPI
 * connected).  A CRM's BEFORE UPDATE trigger on followup.task may have
 * skipped that write (returned NULL) or kept the task live: the lead would
 * have its new plan and the old task, which the sweep never replaces.
 * Refuse, naming the triggers.  Without such triggers nothing is checked.
 */
void
live_task_check_written(int64 tenant_id, int64 lead_id)
{
	Oid			relid = followup_relid(FR_TASK);
	Relation	task;
	StringInfoData names;
	int			n;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		args[2] = {Int64GetDatum(tenant_id), Int64GetDatum(lead_id)};

	if (!OidIsValid(relid))
		return;
	task = table_open(relid, AccessShareLock);
	if (!direct_has_before_update_triggers(task))
	{
		table_close(task, AccessShareLock);
		return;
	}
	initStringInfo(&names);
	n = direct_before_update_triggers(task, &names);
	table_close(task, AccessShareLock);

	/* not read-only: the UPDATE just made must be visible */
	if (SPI_execute_with_args("SELECT 1 FROM followup.task"
							  " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
							  " AND lead_id OPERATOR(pg_catalog.=) $2"
							  " AND status OPERATOR(pg_catalog.=) ANY"
							  " ('{open,claimed}'::followup.task_status[])",
							  2, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the task of lead " INT64_FORMAT, lead_id);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
				 errmsg("a BEFORE UPDATE trigger on followup.task kept the live task of lead "
						INT64_FORMAT " of tenant " INT64_FORMAT, lead_id, tenant_id),
				 errdetail_plural("followup superseded or completed it; the trigger that may have skipped or changed that update is %s.",
								  "followup superseded or completed it; the triggers that may have skipped or changed that update are %s.",
								  n, names.data),
				 errhint("followup must close the task of a lead whose plan changed or that was touched: "
						 "let the trigger return NEW for it, or raise an error to refuse the change.")));
}
