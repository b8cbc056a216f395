/*
 * capacity.h - operators' daily capacity (followup.capacity) in claim_tasks.
 */
#ifndef FOLLOWUP_CAPACITY_H
#define FOLLOWUP_CAPACITY_H

#include "postgres.h"
#include "executor/spi.h"
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

/*
 * claim_tasks for an operator with a daily capacity: claims at most what
 * is left of it today (and max_tasks), most valuable first, and leaves the
 * claimed rows in *rows; false (nothing done) when the operator has no
 * capacity, so that claim_tasks goes its usual way.  SPI connected.
 */
extern bool capacity_claim(int64 tenant_id, const char *operator, Datum operator_datum,
						   int max_tasks, SPITupleTable **rows, uint64 *nrows);

#endif							/* FOLLOWUP_CAPACITY_H */
