/*
 * columns.h - the columns of followup's tables that the C code reads and
 * writes, found by name and checked by type.
 */
#ifndef FOLLOWUP_COLUMNS_H
#define FOLLOWUP_COLUMNS_H

#include "postgres.h"
#include "access/tupdesc.h"
#include "utils/relcache.h"

typedef enum ColumnType
{
	CT_INT8, CT_INT4, CT_FLOAT4, CT_BOOL, CT_TEXT, CT_TIMESTAMPTZ, CT_JSONB,
	CT_INTERVAL, CT_TIME, CT_INT4_ARRAY,
	CT_LEAD_STATE, CT_NEXT_ACTION, CT_TASK_STATUS, CT_CADENCE
} ColumnType;

typedef struct ColumnSpec
{
	const char *name;
	ColumnType	type;
} ColumnSpec;

#define COLUMN_MAP_MAX 32

/* attribute numbers of a table's columns, for one relcache generation */
typedef struct ColumnMap
{
	Oid			relid;
	uint64		generation;
	int			attnum[COLUMN_MAP_MAX];
} ColumnMap;

/*
 * The attribute numbers of the n columns of rel, in the order of cols: each
 * looked up and checked to have its type once, and again after rel changes
 * (ALTER TABLE).  A missing column or another type is an error.
 */
extern const int *column_map(ColumnMap *map, Relation rel, const ColumnSpec *cols, int n);

/*
 * Check that the n columns of a query's result (desc) from the first
 * (1-based) have the types of cols, the columns of followup.<table> it
 * selects.
 */
extern void column_types_check(TupleDesc desc, int first, const ColumnSpec *cols, int n,
							   const char *table);

#endif							/* FOLLOWUP_COLUMNS_H */
