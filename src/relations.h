/*
 * relations.h - the relations of followup the C code opens by OID, and
 * knowing when they (or the functions their constraints call) changed.
 */
#ifndef FOLLOWUP_RELATIONS_H
#define FOLLOWUP_RELATIONS_H

#include "postgres.h"

typedef enum FollowupRel
{
	FR_LEAD, FR_INTERACTION, FR_TASK, FR_STATE_CHANGE, FR_ROLLUP_MARK,
	FR_POLICY, FR_STEP, FR_SIGNAL, FR_RULE, FR_NOTIFY_CHANNEL,
	FR_TASK_ONE_LIVE_PER_LEAD,	/* index: one open or claimed task per lead */
	FR_REASON,					/* after_sale.sql: the reasons an interaction may give */
	FR_CALENDAR, FR_CONTACT_CAP, FR_QUIET_HOURS, FR_CAPACITY,
	FR_LEAD_DUE_IDX,			/* index: planned leads by due time */
	FR_EXPERIMENT, FR_EXPERIMENT_ARM,
	FR_COUNT
} FollowupRel;

/* The relation's name in schema followup. */
extern const char *followup_relname(FollowupRel rel);

/* The OID of followup.<rel>, InvalidOid if there is none. */
extern Oid	followup_relid(FollowupRel rel);

/*
 * A number that changes whenever relid's relcache entry is invalidated
 * (ALTER TABLE, CREATE INDEX or TRIGGER, DROP): what was derived from the
 * relation is current while it is the same.  relid InvalidOid: changes
 * when any relation asked about this way does.
 */
extern uint64 relation_generation(Oid relid);

/* Likewise for any function (CREATE OR REPLACE FUNCTION, DROP). */
extern uint64 function_generation(void);

/*
 * Is relid a Citus table (a distributed or reference table's shell, in
 * pg_dist_partition)?  On a worker the shell is empty and the rows are in
 * the shards the triggers fire on: followup's direct reads and writes by OID
 * would miss them, and its statements, which Citus routes to the local
 * shards of the row's tenant, must be used instead.
 */
extern bool followup_is_citus_table(Oid relid);

/* Register the invalidation callbacks; from _PG_init only. */
extern void relations_init(void);

#endif							/* FOLLOWUP_RELATIONS_H */
