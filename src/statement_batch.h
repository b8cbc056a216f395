/*
 * statement_batch.h - interactions of one statement applied in time order.
 */
#ifndef FOLLOWUP_STATEMENT_BATCH_H
#define FOLLOWUP_STATEMENT_BATCH_H

#include "lead.h"

/*
 * Note that interaction_id of this statement, at "at", reaches the lead
 * "before".  A row at the same instant as an earlier row of the statement
 * but with a smaller id marks the lead to be replayed.
 */
extern void batch_note(const LeadRow *before, int64 interaction_id, TimestampTz at);

/*
 * A row older than the lead's last event: true if only rows of this
 * statement made it so (the lead will be replayed at the statement's end).
 */
extern bool batch_reorders(const LeadRow *lead, TimestampTz at);

#endif							/* FOLLOWUP_STATEMENT_BATCH_H */
