/*
 * live_task.h - may a lead have an open or claimed task?
 */
#ifndef FOLLOWUP_LIVE_TASK_H
#define FOLLOWUP_LIVE_TASK_H

/* false only if no version of a live task of the lead exists */
extern bool live_task_maybe(int64 tenant_id, int64 lead_id);

/* Refuse a live task that a CRM's trigger kept after followup closed it. */
extern void live_task_check_written(int64 tenant_id, int64 lead_id);

#endif							/* FOLLOWUP_LIVE_TASK_H */
