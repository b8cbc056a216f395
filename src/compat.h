/*
 * compat.h - the server APIs that differ between the PostgreSQL major
 * versions followup builds against (15 to 18), in one place.  Code that
 * differs by more than a name or an argument keeps its own
 * "#if PG_VERSION_NUM" block where the API is used.
 */
#ifndef FOLLOWUP_COMPAT_H
#define FOLLOWUP_COMPAT_H

#include "postgres.h"

#include "access/genam.h"
#include "common/int.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/relcache.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "followup builds against PostgreSQL 15, 16, 17 and 18"
#endif

/* 18 spells "does not return" as a prefix, C11's _Noreturn */
#if PG_VERSION_NUM < 180000
#define pg_noreturn _Noreturn
#endif

/* 16 frees a setting's "extra" with guc_free(): it must come from guc_malloc() */
#if PG_VERSION_NUM >= 160000
#define fu_guc_malloc(size) guc_malloc(LOG, (size))
#else
#define fu_guc_malloc(size) malloc(size)
#endif

/* 17 moved the local transaction id into the virtual transaction id */
#if PG_VERSION_NUM >= 170000
#define fu_local_xid() (MyProc->vxid.lxid)
#else
#define fu_local_xid() (MyProc->lxid)
#endif

/* 18 added scan instrumentation to index_beginscan() */
#if PG_VERSION_NUM >= 180000
#define fu_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#else
#define fu_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#endif

/* 18 asks whether a deferrable primary key will do: for followup never */
#if PG_VERSION_NUM >= 180000
#define fu_primary_key_index(rel) RelationGetPrimaryKeyIndex((rel), false)
#else
#define fu_primary_key_index(rel) RelationGetPrimaryKeyIndex(rel)
#endif

/* 16 added the result relations to EvalPlanQualInit() */
#if PG_VERSION_NUM >= 160000
#define fu_epq_init(epqstate, estate) EvalPlanQualInit((epqstate), (estate), NULL, NIL, -1, NIL)
#else
#define fu_epq_init(epqstate, estate) EvalPlanQualInit((epqstate), (estate), NULL, NIL, -1)
#endif

/* 18 renamed the CHECK constraint expressions of a result relation */
static inline void
fu_set_check_exprs(ResultRelInfo *relinfo, ExprState **checks)
{
#if PG_VERSION_NUM >= 180000
	relinfo->ri_CheckConstraintExprs = checks;
#else
	relinfo->ri_ConstraintExprs = checks;
#endif
}

#endif							/* FOLLOWUP_COMPAT_H */
