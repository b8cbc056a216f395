/*
 * statement_batch.h - interactions of one statement applied in time order.
 */
#ifndef FOLLOWUP_STATEMENT_BATCH_H
#define FOLLOWUP_STATEMENT_BATCH_H

#include "triggers.h"

/* Note that interaction_id of this statement reaches the lead "before". */
extern void batch_note(const LeadRow *before, int64 interaction_id);

/*
 * A row older than the lead's last event: true if only rows of this
 * statement made it so (the lead will be replayed at the statement's end).
 */
extern bool batch_reorders(const LeadRow *lead, TimestampTz at);

#endif							/* FOLLOWUP_STATEMENT_BATCH_H */
