/*
 * columns.c - the columns of followup's tables that the C code reads and
 * writes, found by name and checked by type.
 *
 * The triggers, the direct writes and the jobs read a lead's touches as an
 * int4 and write its momentum as a float4.  A column whose type was changed
 * (ALTER TABLE ... ALTER COLUMN ... TYPE) would be read as garbage, or
 * crash the server when a pass-by-value datum is taken for a pointer: its
 * type is checked when its number is looked up, once per generation of the
 * table (relations.c), and the query results the C code reads are
 * checked against the same expectations.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "columns.h"
#include "relations.h"

/* followup's own types, looked up by name for the current generation */
static Oid	followup_types[4];
static uint64 types_generation = 0;

static Oid
followup_type(int i)
{
	static const char *const names[4] = {"lead_state", "next_action", "task_status", "cadence"};

	/* a new installation has new tables, and new types */
	uint64		g = relation_generation(InvalidOid);

	if (types_generation != g)
	{
		Oid			nsp = get_namespace_oid("followup", false);

		for (int j = 0; j < (int) lengthof(names); j++)
			followup_types[j] = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
												CStringGetDatum(names[j]), ObjectIdGetDatum(nsp));
		types_generation = g;
	}
	return followup_types[i];
}

static Oid
type_oid(ColumnType type)
{
	switch (type)
	{
		case CT_INT8:
			return INT8OID;
		case CT_INT4:
			return INT4OID;
		case CT_FLOAT4:
			return FLOAT4OID;
		case CT_BOOL:
			return BOOLOID;
		case CT_TEXT:
			return TEXTOID;
		case CT_TIMESTAMPTZ:
			return TIMESTAMPTZOID;
		case CT_JSONB:
			return JSONBOID;
		case CT_INTERVAL:
			return INTERVALOID;
		case CT_TIME:
			return TIMEOID;
		case CT_INT4_ARRAY:
			return INT4ARRAYOID;
		case CT_LEAD_STATE:
			return followup_type(0);
		case CT_NEXT_ACTION:
			return followup_type(1);
		case CT_TASK_STATUS:
			return followup_type(2);
		case CT_CADENCE:
			return followup_type(3);
	}
	return InvalidOid;			/* keep compiler quiet */
}

static void
check_type(const char *table, const ColumnSpec *col, Oid found)
{
	Oid			expected = type_oid(col->type);
	char	   *want;

	if (found == expected && OidIsValid(expected))
		return;
	want = OidIsValid(expected) ? format_type_be(expected) : pstrdup("(a type of followup that is missing)");
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" of table followup.%s has type %s, but followup needs %s",
					col->name, table, format_type_be(found), want),
			 errdetail("followup's triggers and jobs read and write this column as %s.", want),
			 errhint("Change it back: ALTER TABLE followup.%s ALTER COLUMN %s TYPE %s;",
					 quote_identifier(table), quote_identifier(col->name), want)));
}

/* the attribute number of a live column, as SPI_fnumber but without system columns */
static int
find_column(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	return 0;
}

const int *
column_map(ColumnMap *map, Relation rel, const ColumnSpec *cols, int n)
{
	Oid			relid = RelationGetRelid(rel);
	TupleDesc	desc = RelationGetDescr(rel);
	uint64		g;

	Assert(n <= COLUMN_MAP_MAX);
	/* an invalidation arriving during the checks is seen next time */
	g = relation_generation(relid);
	if (map->relid == relid && map->generation == g)
		return map->attnum;
	map->generation = 0;
	for (int i = 0; i < n; i++)
	{
		int			attnum = find_column(desc, cols[i].name);

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s.%s\" does not exist", cols[i].name,
							get_namespace_name(RelationGetNamespace(rel)),
							RelationGetRelationName(rel)),
					 errhint("The followup extension may be damaged; reinstall it.")));
		check_type(RelationGetRelationName(rel), &cols[i], TupleDescAttr(desc, attnum - 1)->atttypid);
		map->attnum[i] = attnum;
	}
	map->relid = relid;
	map->generation = g;
	return map->attnum;
}

void
column_types_check(TupleDesc desc, int first, const ColumnSpec *cols, int n, const char *table)
{
	for (int i = 0; i < n; i++)
	{
		Oid			found = first + i <= desc->natts ?
			TupleDescAttr(desc, first + i - 1)->atttypid : InvalidOid;

		if (found != type_oid(cols[i].type))
			check_type(table, &cols[i], found);
	}
}
