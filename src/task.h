/*
 * task.h - closing a lead's live task when the lead moves on.
 */
#ifndef FOLLOWUP_TASK_H
#define FOLLOWUP_TASK_H

#include "postgres.h"
#include "datatype/timestamp.h"

/*
 * Mark the lead's open or claimed task superseded (its plan changed); true
 * if there was one.  SPI must be connected.
 */
extern bool supersede_open_task(int64 tenant_id, int64 lead_id);

/*
 * Mark the lead's open or claimed task done by a touch at "at" by operator
 * (NULL: unknown); its id, or 0.  SPI must be connected.
 */
extern int64 fulfil_open_task(int64 tenant_id, int64 lead_id, TimestampTz at,
							  const char *operator);

#endif							/* FOLLOWUP_TASK_H */
