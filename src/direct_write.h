/*
 * direct_write.h - updating a row of followup's tables without a statement.
 */
#ifndef FOLLOWUP_DIRECT_WRITE_H
#define FOLLOWUP_DIRECT_WRITE_H

#include "postgres.h"
#include "access/htup.h"
#include "executor/tuptable.h"
#include "nodes/bitmapset.h"
#include "nodes/execnodes.h"
#include "lib/stringinfo.h"
#include "nodes/lockoptions.h"
#include "utils/reltrigger.h"
#include "utils/snapshot.h"
#include "utils/relcache.h"

/*
 * May a row of rel be locked and updated here rather than by statements?
 * *tenant_only: only the current tenant's rows are the statements' to see.
 */
extern bool direct_write_allowed(Relation rel, bool *tenant_only);

/* Is trigger followup's own (its function is the extension's), or internal? */
extern bool direct_is_own_trigger(const Trigger *trigger);

/*
 * The BEFORE UPDATE row triggers of rel that are not followup's own: how
 * many, and (names, unless NULL) their quoted names, comma-separated.
 */
extern int	direct_before_update_triggers(Relation rel, StringInfo names);

/* Does rel have such triggers?  Known once per relcache generation. */
extern bool direct_has_before_update_triggers(Relation rel);

typedef enum RowLock
{
	ROW_LOCKED,					/* locked; the version locked is in the slot */
	ROW_GONE,					/* deleted, or changed by this very command */
	ROW_BUSY					/* held by another transaction, and skip_locked */
} RowLock;

/*
 * Lock the version of a row of rel in slot, found with snapshot, as SELECT
 * ... FOR UPDATE (mode) would; *newer (unless NULL): a newer version was
 * locked instead.
 */
extern RowLock direct_lock_row(Relation rel, TupleTableSlot *slot, Snapshot snapshot,
							   LockTupleMode mode, bool skip_locked, bool *newer);

/* Fetch into slot the row of rel whose key in index is (key1, key2), as snapshot sees it. */
extern bool direct_fetch_by_key(Relation rel, Relation index, int64 key1, int64 key2,
								Snapshot snapshot, TupleTableSlot *slot);

/* Is index rel's primary key on the two int8 columns key1, key2? */
extern bool direct_is_int8_key(Relation rel, Relation index, AttrNumber key1, AttrNumber key2);

/*
 * Replace the locked, latest version in oldslot by newtup as an UPDATE of
 * updated_cols would: row triggers, constraints (checks: prepared CHECKs, or
 * NULL), indexes, and, if tenant_attnum is not InvalidAttrNumber, the row
 * security check of tenant_rows on the new row (that column is the current
 * tenant).  result, if not NULL, receives the row written.
 */
extern void direct_update(Relation rel, TupleTableSlot *oldslot, HeapTuple newtup,
						  Bitmapset *updated_cols, ExprState **checks,
						  AttrNumber tenant_attnum, TupleTableSlot *result);

/*
 * direct_update() for many rows of rel, one after another, with one
 * executor state: begin, then each row as direct_update() would write it
 * (but into no result slot), then end.
 */
typedef struct DirectUpdater DirectUpdater;

extern DirectUpdater *direct_updater_begin(Relation rel, ExprState **checks);
extern void direct_updater_update(DirectUpdater *u, TupleTableSlot *oldslot, HeapTuple newtup,
								  Bitmapset *updated_cols, AttrNumber tenant_attnum);
extern void direct_updater_end(DirectUpdater *u);

#endif							/* FOLLOWUP_DIRECT_WRITE_H */
