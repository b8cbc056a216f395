/*
 * lead_write.h - writing a planned lead back without an UPDATE statement.
 */
#ifndef FOLLOWUP_LEAD_WRITE_H
#define FOLLOWUP_LEAD_WRITE_H

#include "postgres.h"
#include "storage/itemptr.h"

/* the lead the trigger has just locked, at the version tid (NULL: unknown) */
extern void lead_write_note_locked(int64 tenant_id, int64 lead_id, ItemPointer tid);

/*
 * Set the named columns of that lead to values/nulls as an UPDATE would
 * (triggers, constraints, indexes); false when the UPDATE statement is
 * needed instead, and nothing was written.
 */
extern bool lead_write_direct(int64 tenant_id, int64 lead_id, int ncols,
							  const char *const *names, const Datum *values,
							  const bool *nulls);

#endif							/* FOLLOWUP_LEAD_WRITE_H */
