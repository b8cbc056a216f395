/*
 * task_claim.h - claiming one task without statements.
 */
#ifndef FOLLOWUP_TASK_CLAIM_H
#define FOLLOWUP_TASK_CLAIM_H

#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"

typedef enum TaskClaim
{
	TASK_CLAIMED,				/* claimed, and given to the receiver */
	TASK_PASSED,				/* taken, held or changed meanwhile: passed over */
	TASK_CLAIM_STATEMENT		/* nothing done: use the statement */
} TaskClaim;

/* receives the claimed row of followup.task */
typedef void (*TaskReceiver) (HeapTuple row, TupleDesc desc, void *arg);

/*
 * Claim task_id of lead_id for operator (text) as the claim statement of
 * claim_tasks would: the lead and then the task locked, skipping either if
 * another transaction holds it, and the task checked to be still open and
 * still the operator's.
 */
extern TaskClaim task_claim_direct(int64 tenant_id, int64 task_id, int64 lead_id, Datum operator,
								   TaskReceiver receive, void *arg);

#endif							/* FOLLOWUP_TASK_CLAIM_H */
