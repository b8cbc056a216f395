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

/*
 * The bulk path (statement_batch.c): the lead of this row of the
 * statement, locked once and kept as the statement's rows make it, to be
 * written once at the statement's end; NULL: the row takes the row path
 * (the statement's first row, the bulk path off or stepping aside, or no
 * such lead).  SPI must be connected.
 */
typedef struct BatchLead BatchLead;

extern BatchLead *batch_take_lead(Relation interaction, int64 tenant_id, int64 lead_id);
extern LeadRow *batch_lead_row(BatchLead *entry);

/*
 * fulfil_open_task() and supersede_open_task() for the row's lead; for a
 * lead of the bulk path (entry not NULL) only until one of them has closed
 * its live task: it has none for the rest of the statement.
 */
extern int64 batch_fulfil_open_task(BatchLead *entry, int64 tenant_id, int64 lead_id,
									TimestampTz at, const char *operator);
extern void batch_supersede_open_task(BatchLead *entry, int64 tenant_id, int64 lead_id);

/*
 * lead_update(h, interaction_id, log_state) for the row path (entry NULL);
 * for the bulk path the row's state change (from state_before) is logged
 * now, as lead_update() would log it, and the lead written at the
 * statement's end.
 */
extern void batch_lead_update(BatchLead *entry, LeadHandle *h, LeadState state_before,
							  int64 interaction_id, bool log_state);

/* The row is done: keep the lead for the statement's next rows. */
extern void batch_keep_lead(BatchLead *entry);

#endif							/* FOLLOWUP_STATEMENT_BATCH_H */
