/*
 * task_fulfil.h - a lead's live task marked done by a touch, without a
 * statement.
 */
#ifndef FOLLOWUP_TASK_FULFIL_H
#define FOLLOWUP_TASK_FULFIL_H

#include "postgres.h"
#include "datatype/timestamp.h"

typedef enum TaskFulfil
{
	TASK_FULFIL_DONE,			/* the live task is done; its id in *task_id */
	TASK_FULFIL_NONE,			/* the lead has no live task the statement would find */
	TASK_FULFIL_STATEMENT		/* nothing done: use the statement */
} TaskFulfil;

/*
 * Mark the lead's open or claimed task done by a touch at "at" by operator
 * (NULL: unknown) as task.c's UPDATE statement would.
 */
extern TaskFulfil task_fulfil_direct(int64 tenant_id, int64 lead_id, TimestampTz at,
									 const char *operator, int64 *task_id);

#endif							/* FOLLOWUP_TASK_FULFIL_H */
