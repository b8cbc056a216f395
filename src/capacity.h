/*
 * capacity.h - operators' daily capacity (followup.capacity) in claim_tasks.
 */
#ifndef FOLLOWUP_CAPACITY_H
#define FOLLOWUP_CAPACITY_H

#include "postgres.h"
#include "pgtime.h"

typedef struct OperatorCapacity
{
	char	   *operator;
	int			daily_tasks;
	pg_tz	   *tz;				/* whose day: the operator's zone */
} OperatorCapacity;

/* The tenant's capacities (its own rows only); NULL when it has none. */
typedef struct Capacity
{
	int			n;
	OperatorCapacity *ops;
} Capacity;

/* NULL when the tenant has no capacity.  SPI connected. */
extern Capacity *capacity_load(int64 tenant_id, MemoryContext cxt);

#endif							/* FOLLOWUP_CAPACITY_H */
