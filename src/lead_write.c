/*
 * lead_write.c - locking a lead and writing it back without statements.
 *
 * The interaction trigger locks and reads a lead, and writes it back
 * planned, once per interaction.  As SPI statements these cost an executor
 * start each for one row, and the UPDATE the deserialization and
 * preparation of every CHECK constraint of followup.lead: the largest costs
 * of ingest, COPY and complete_task in the profiles.
 *
 * The lock is taken here as SELECT ... FOR NO KEY UPDATE takes it, without
 * the executor: the row visible to a new snapshot, found through the
 * primary key, then its latest version locked (ExecLockRows' rules).  The
 * row is written through direct_update() (direct_write.c, which also says
 * when the statements must be used instead); the CHECK expressions of
 * followup.lead are prepared once per backend and user and dropped when
 * followup.lead or any function changes.  A lead that is not the version
 * the trigger locked is written by the statement too.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "compat.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "columns.h"
#include "direct_write.h"
#include "followup.h"
#include "lead_write.h"
#include "relations.h"

/*
 * CHECK constraints of followup.lead, prepared for checked_user, while the
 * table and the functions they may call (and maybe inlined) are the same
 */
static MemoryContext check_cxt = NULL;
static ExprState **check_exprs = NULL;
static int	check_count = 0;
static Oid	checked_relid = InvalidOid;
static Oid	checked_user = InvalidOid;
static uint64 checked_generation = 0;
static uint64 checked_functions = 0;

/* attribute numbers of the key, and of the written columns, checked by type */
static ColumnMap key_map;
static ColumnMap write_map;
static const int *key_attnums;
static const int *write_attnums;

static const ColumnSpec key_cols[2] = {{"tenant_id", CT_INT8}, {"lead_id", CT_INT8}};

/*
 * An outer write may still be using the checks being forgotten (a trigger
 * of its row writing another lead, as another user or after an
 * invalidation): their memory is left to the end of the transaction, not
 * freed under it.
 */
static void
forget_checks(void)
{
	if (check_cxt != NULL)
		MemoryContextSetParent(check_cxt, TopTransactionContext);
	check_cxt = NULL;
	check_exprs = NULL;
	check_count = 0;
	checked_relid = InvalidOid;
}

/* The CHECK constraints of rel, prepared once (ExecRelCheck does it per statement). */
static ExprState **
prepared_checks(Relation rel)
{
	TupleConstr *constr = rel->rd_att->constr;
	int			ncheck = constr ? constr->num_check : 0;
	MemoryContext oldcxt;

	/*
	 * Invalidations may arrive while an update is using the prepared checks
	 * (a trigger opening a relation): they are rebuilt by the next update.
	 */
	uint64		generation = relation_generation(RelationGetRelid(rel));
	uint64		functions = function_generation();

	if (check_exprs != NULL && checked_generation == generation &&
		checked_functions == functions && checked_relid == RelationGetRelid(rel) &&
		checked_user == GetUserId() && check_count == ncheck)
		return check_exprs;
	forget_checks();
	if (ncheck == 0)
		return NULL;
	if (check_cxt == NULL)
		check_cxt = AllocSetContextCreate(CacheMemoryContext, "followup lead checks",
										  ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(check_cxt);
	check_exprs = palloc(sizeof(ExprState *) * ncheck);
	for (int i = 0; i < ncheck; i++)
		check_exprs[i] = ExecInitExpr(expression_planner(stringToNode(constr->check[i].ccbin)), NULL);
	MemoryContextSwitchTo(oldcxt);
	check_count = ncheck;
	checked_relid = RelationGetRelid(rel);
	checked_user = GetUserId();
	checked_generation = generation;
	checked_functions = functions;
	return check_exprs;
}

/*
 * Look the key up, and the ncols columns to write (cols, the same on every
 * call), once per relation (and again when it changes).
 */
static void
map_columns(Relation rel, int ncols, const ColumnSpec *cols)
{
	key_attnums = column_map(&key_map, rel, key_cols, 2);
	if (ncols > 0)
		write_attnums = column_map(&write_map, rel, cols, ncols);
}

/* Is tup the row of this lead (and not another that took its place)? */
static bool
is_lead(HeapTuple tup, TupleDesc desc, int64 tenant_id, int64 lead_id)
{
	bool		isnull1;
	bool		isnull2;
	Datum		t = heap_getattr(tup, key_attnums[0], desc, &isnull1);
	Datum		l = heap_getattr(tup, key_attnums[1], desc, &isnull2);

	return !isnull1 && !isnull2 && DatumGetInt64(t) == tenant_id && DatumGetInt64(l) == lead_id;
}

/*
 * followup.lead, opened with lockmode, if the statements need not be used
 * for this tenant's lead (NULL otherwise); *missing: the statements would
 * not see it; *tenant_only: row security shows the current tenant's rows.
 */
static Relation
open_lead(LOCKMODE lockmode, int64 tenant_id, bool *missing, bool *tenant_only)
{
	Oid			lead_relid = followup_relid(FR_LEAD);
	Relation	rel;

	if (!OidIsValid(lead_relid))
		return NULL;
	rel = table_open(lead_relid, lockmode);
	if (!direct_write_allowed(rel, tenant_only))
	{
		table_close(rel, NoLock);
		return NULL;
	}
	*missing = *tenant_only && tenant_id != followup_current_tenant_id();
	return rel;
}

LeadLock
lead_lock_direct(int64 tenant_id, int64 lead_id, bool skip_locked, LeadReader read, void *arg,
				 ItemPointer tid)
{
	Relation	rel;
	Relation	index;
	Oid			pkey;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	RowLock		lock = ROW_GONE;
	bool		found;
	bool		missing;
	bool		tenant_only;

	rel = open_lead(RowShareLock, tenant_id, &missing, &tenant_only);
	if (rel == NULL)
		return LEAD_LOCK_STATEMENT;
	if (missing)
	{
		/* another tenant's lead, which the statement would not see */
		if (tid != NULL)
			ItemPointerSetInvalid(tid);
		table_close(rel, NoLock);
		return LEAD_LOCK_MISSING;
	}
	map_columns(rel, 0, NULL);
	pkey = fu_primary_key_index(rel);
	if (!OidIsValid(pkey))
	{
		table_close(rel, NoLock);
		return LEAD_LOCK_STATEMENT;
	}
	index = index_open(pkey, AccessShareLock);
	if (!direct_is_int8_key(rel, index, key_attnums[0], key_attnums[1]))
	{
		index_close(index, NoLock);
		table_close(rel, NoLock);
		return LEAD_LOCK_STATEMENT;
	}

	/* what the trigger wrote before is visible, as to a new statement */
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	slot = table_slot_create(rel, NULL);
	found = direct_fetch_by_key(rel, index, tenant_id, lead_id, snapshot, slot);

	if (found)
	{
		/* a newer version locked is checked below to be this lead still */
		lock = direct_lock_row(rel, slot, snapshot, LockTupleNoKeyExclusive, skip_locked, NULL);
		found = lock == ROW_LOCKED;
	}
	if (found)
	{
		bool		shouldfree;
		HeapTuple	row = ExecFetchSlotHeapTuple(slot, false, &shouldfree);

		/* a newer version must still be this lead, as the statement rechecks */
		found = is_lead(row, RelationGetDescr(rel), tenant_id, lead_id);
		if (found && read != NULL)
			read(rel, row, arg);
		if (shouldfree)
			heap_freetuple(row);
	}
	if (tid != NULL && found)
		ItemPointerCopy(&slot->tts_tid, tid);
	else if (tid != NULL)
		ItemPointerSetInvalid(tid);

	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(index, NoLock);
	table_close(rel, NoLock);
	return found ? LEAD_LOCK_FOUND : lock == ROW_BUSY ? LEAD_LOCK_BUSY : LEAD_LOCK_MISSING;
}

/*
 * Write the lead locked at version locked_tid of rel (opened as
 * open_lead() opens it) through u, or alone (u NULL); false when the
 * version is not the latest, and nothing was written.
 */
static bool
write_locked(Relation rel, bool tenant_only, DirectUpdater *u, int64 tenant_id, int64 lead_id,
			 ItemPointer locked_tid, int ncols, const Datum *values, const bool *nulls)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *oldslot;
	HeapTuple	oldtup;
	HeapTuple	newtup;
	Bitmapset  *updated = NULL;
	bool		shouldfree;
	ItemPointerData tid;

	ItemPointerCopy(locked_tid, &tid);
	/* the version the trigger locked must still be the latest */
	oldslot = table_slot_create(rel, NULL);
	if (!table_tuple_fetch_row_version(rel, &tid, SnapshotAny, oldslot))
	{
		ExecDropSingleTupleTableSlot(oldslot);
		return false;
	}
	oldtup = ExecFetchSlotHeapTuple(oldslot, false, &shouldfree);
	if (!ItemPointerEquals(&oldtup->t_self, &oldtup->t_data->t_ctid) ||
		!is_lead(oldtup, desc, tenant_id, lead_id))
	{
		ExecDropSingleTupleTableSlot(oldslot);
		return false;
	}

	/*
	 * The columns whose value changes count as updated: UPDATE OF triggers
	 * fire on them (followup's own state log only when the state changes,
	 * without preparing its WHEN clause for every interaction), and an
	 * index on the others is known to be unchanged.
	 */
	for (int i = 0; i < ncols; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, write_attnums[i] - 1);
		bool		old_null;
		Datum		old = heap_getattr(oldtup, write_attnums[i], desc, &old_null);

		if (old_null != nulls[i] ||
			(!old_null && !datum_image_eq(old, values[i], att->attbyval, att->attlen)))
			updated = bms_add_member(updated, write_attnums[i] - FirstLowInvalidHeapAttributeNumber);
	}
	newtup = heap_modify_tuple_by_cols(oldtup, desc, ncols, (int *) write_attnums, (Datum *) values,
									   (bool *) nulls);
	if (u != NULL)
		direct_updater_update(u, oldslot, newtup, updated,
							  tenant_only ? key_attnums[0] : InvalidAttrNumber);
	else
		direct_update(rel, oldslot, newtup, updated, prepared_checks(rel),
					  tenant_only ? key_attnums[0] : InvalidAttrNumber, NULL);
	if (shouldfree)
		heap_freetuple(oldtup);
	ExecDropSingleTupleTableSlot(oldslot);
	return true;
}

bool
lead_write_direct(int64 tenant_id, int64 lead_id, ItemPointer locked_tid, int ncols,
				  const ColumnSpec *cols, const Datum *values, const bool *nulls)
{
	Relation	rel;
	bool		missing;
	bool		tenant_only;
	bool		written;

	if (!ItemPointerIsValid(locked_tid) || ncols > COLUMN_MAP_MAX)
		return false;
	rel = open_lead(RowExclusiveLock, tenant_id, &missing, &tenant_only);
	if (rel == NULL)
		return false;
	if (missing)
	{
		table_close(rel, NoLock);
		return false;
	}
	map_columns(rel, ncols, cols);
	written = write_locked(rel, tenant_only, NULL, tenant_id, lead_id, locked_tid, ncols, values, nulls);
	table_close(rel, NoLock);
	return written;
}

struct LeadWriter
{
	Relation	rel;
	bool		tenant_only;
	DirectUpdater *updater;
};

LeadWriter *
lead_writer_begin(int ncols, const ColumnSpec *cols)
{
	LeadWriter *w;
	Relation	rel;
	bool		missing;
	bool		tenant_only;

	if (ncols > COLUMN_MAP_MAX)
		return NULL;
	rel = open_lead(RowExclusiveLock, followup_current_tenant_id(), &missing, &tenant_only);
	if (rel == NULL)
		return NULL;
	map_columns(rel, ncols, cols);
	w = palloc(sizeof(LeadWriter));
	w->rel = rel;
	w->tenant_only = tenant_only;
	w->updater = direct_updater_begin(rel, prepared_checks(rel));
	return w;
}

bool
lead_writer_write(LeadWriter *w, int64 tenant_id, int64 lead_id, ItemPointer locked_tid, int ncols,
				  const Datum *values, const bool *nulls)
{
	/* another tenant's lead, under tenant_rows: the statement decides */
	if (!ItemPointerIsValid(locked_tid) ||
		(w->tenant_only && tenant_id != followup_current_tenant_id()))
		return false;
	return write_locked(w->rel, w->tenant_only, w->updater, tenant_id, lead_id, locked_tid, ncols,
						values, nulls);
}

void
lead_writer_end(LeadWriter *w)
{
	direct_updater_end(w->updater);
	table_close(w->rel, NoLock);
	pfree(w);
}

/*
 * followup's UPDATE of a lead it has locked wrote no row: a CRM's BEFORE
 * UPDATE trigger skipped it (returned NULL), or an UPDATE policy hides it.
 * Applying the interaction (its task fulfilled or superseded) without the
 * lead's new plan would leave them disagreeing: refuse, naming the cause.
 */
void
lead_write_skipped(int64 tenant_id, int64 lead_id)
{
	Oid			relid = followup_relid(FR_LEAD);
	Relation	rel;
	StringInfoData names;
	int			n = 0;

	initStringInfo(&names);
	if (OidIsValid(relid))
	{
		rel = table_open(relid, AccessShareLock);
		n = direct_before_update_triggers(rel, &names);
		table_close(rel, AccessShareLock);
	}
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
				 errmsg("a BEFORE UPDATE trigger on followup.lead skipped the update of lead " INT64_FORMAT
						" of tenant " INT64_FORMAT, lead_id, tenant_id),
				 errdetail_plural("The trigger that may have returned NULL is %s.",
								  "The triggers that may have returned NULL are %s.",
								  n, names.data),
				 errhint("followup must write the lead it plans: let the trigger return NEW for it, "
						 "or raise an error to refuse the change.")));
	ereport(ERROR,
			(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
			 errmsg("the update of lead " INT64_FORMAT " of tenant " INT64_FORMAT " wrote no row",
					lead_id, tenant_id),
			 errdetail("The lead was locked, but the UPDATE did not reach it: a row security policy "
					   "for UPDATE hides it, or a trigger skipped it."),
			 errhint("followup must write the lead it plans: let the policies and triggers of "
					 "followup.lead allow it.")));
}
