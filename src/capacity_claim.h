/*
 * capacity_claim.h - claim_tasks for an operator with a daily capacity.
 */
#ifndef FOLLOWUP_CAPACITY_CLAIM_H
#define FOLLOWUP_CAPACITY_CLAIM_H

#include "postgres.h"
#include "executor/spi.h"

/*
 * claim_tasks for an operator with a daily capacity: claims at most what
 * is left of it today (and max_tasks), most valuable first, and leaves the
 * claimed rows in *rows; false (nothing done) when the operator has no
 * capacity, so that claim_tasks goes its usual way.  SPI connected.
 */
extern bool capacity_claim(int64 tenant_id, const char *operator, Datum operator_datum,
						   int max_tasks, SPITupleTable **rows, uint64 *nrows);

#endif							/* FOLLOWUP_CAPACITY_CLAIM_H */
