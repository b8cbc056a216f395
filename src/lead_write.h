/*
 * lead_write.h - locking a lead and writing it back without statements.
 */
#ifndef FOLLOWUP_LEAD_WRITE_H
#define FOLLOWUP_LEAD_WRITE_H

#include "postgres.h"
#include "access/htup.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "columns.h"
#include "compat.h"

typedef enum LeadLock
{
	LEAD_LOCK_FOUND,			/* locked and read */
	LEAD_LOCK_MISSING,			/* there is no such lead */
	LEAD_LOCK_BUSY,				/* another transaction holds it (skip_locked) */
	LEAD_LOCK_STATEMENT			/* nothing done: use the SELECT statement */
} LeadLock;

/* reads the locked row of followup.lead (rel) */
typedef void (*LeadReader) (Relation rel, HeapTuple row, void *arg);

/*
 * Lock the lead as SELECT ... FOR NO KEY UPDATE [SKIP LOCKED] would; read
 * its row (read may be NULL).  *tid (unless tid is NULL) receives the
 * version locked, or is made invalid.
 */
extern LeadLock lead_lock_direct(int64 tenant_id, int64 lead_id, bool skip_locked,
								 LeadReader read, void *arg, ItemPointer tid);

/*
 * Set the columns cols of the lead locked at version tid to values/nulls as
 * an UPDATE would (triggers, constraints, indexes); false when the UPDATE
 * statement is needed instead, and nothing was written.
 */
extern bool lead_write_direct(int64 tenant_id, int64 lead_id, ItemPointer tid, int ncols,
							  const ColumnSpec *cols, const Datum *values,
							  const bool *nulls);

/*
 * lead_write_direct() for many leads, one after another, with one executor
 * state (the bulk path's writes at a statement's end): NULL when the
 * statements must be used; a lead it cannot write returns false, and
 * nothing of it was written.  The columns are the same for every lead.
 */
typedef struct LeadWriter LeadWriter;

extern LeadWriter *lead_writer_begin(int ncols, const ColumnSpec *cols);
extern bool lead_writer_write(LeadWriter *w, int64 tenant_id, int64 lead_id, ItemPointer tid,
							  int ncols, const Datum *values, const bool *nulls);
extern void lead_writer_end(LeadWriter *w);

/* Report that followup's UPDATE of that lead wrote no row, and why. */
pg_noreturn extern void lead_write_skipped(int64 tenant_id, int64 lead_id);

#endif							/* FOLLOWUP_LEAD_WRITE_H */
