/*
 * relations.c - the relations of followup the C code opens by OID, and one
 * relcache callback for everything derived from them.
 *
 * The caches of the other modules (column numbers, the configuration,
 * prepared CHECK constraints, the row security verdicts, the live task
 * index's check) compare a generation number instead of registering
 * callbacks of their own: PostgreSQL has a fixed number of callback slots
 * per backend, which other extensions (Citus) need too.  Callbacks may
 * arrive while a cache is being used, so they only count: the next user
 * rebuilds what is out of date.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "relations.h"

static const char *const relnames[FR_COUNT] = {
	"lead", "interaction", "task", "state_change", "rollup_mark",
	"policy", "step", "signal", "rule", "notify_channel",
	"task_one_live_per_lead", "reason", "calendar", "contact_cap", "quiet_hours", "capacity",
	"lead_due_idx", "experiment", "experiment_arm"
};

/* the OIDs looked up, InvalidOid until then and after an invalidation */
static Oid	relids[FR_COUNT];

/*
 * The relations asked about, with the generation each is at.  Every number
 * handed out is new (last_generation counts them), so a cache that holds
 * one from before an invalidation, or from a forgotten entry, never matches.
 */
typedef struct WatchedRel
{
	Oid			relid;
	uint64		generation;
	/* followup_is_citus_table's answer at citus_generation (0: not asked) */
	uint64		citus_generation;
	bool		citus_table;
} WatchedRel;

static WatchedRel watched[32];
static int	nwatched = 0;
static uint64 last_generation = 1;
static uint64 any_generation = 1;
static uint64 proc_generation = 1;
static bool initialized = false;

static void
relcache_callback(Datum arg, Oid relid)
{
	bool		hit = relid == InvalidOid;

	for (int i = 0; i < FR_COUNT; i++)
		if (relid == InvalidOid || relids[i] == relid)
			relids[i] = InvalidOid;
	for (int i = 0; i < nwatched; i++)
		if (relid == InvalidOid || watched[i].relid == relid)
		{
			watched[i].generation = ++last_generation;
			hit = true;
		}
	if (hit)
		any_generation = ++last_generation;
}

static void
proc_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	proc_generation = ++last_generation;
}

void
relations_init(void)
{
	Assert(!initialized);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, proc_syscache_callback, (Datum) 0);
	initialized = true;
}

const char *
followup_relname(FollowupRel rel)
{
	return relnames[rel];
}

Oid
followup_relid(FollowupRel rel)
{
	if (!OidIsValid(relids[rel]))
		relids[rel] = get_relname_relid(relnames[rel], get_namespace_oid("followup", false));
	return relids[rel];
}

uint64
relation_generation(Oid relid)
{
	if (!OidIsValid(relid))
		return any_generation;
	for (int i = 0; i < nwatched; i++)
		if (watched[i].relid == relid)
			return watched[i].generation;
	if (nwatched == (int) lengthof(watched))
		nwatched = 0;			/* relations of former installations: start over */
	watched[nwatched].relid = relid;
	watched[nwatched].generation = ++last_generation;
	watched[nwatched].citus_generation = 0;
	return watched[nwatched++].generation;
}

uint64
function_generation(void)
{
	return proc_generation;
}

/*
 * Citus's catalog, pg_dist_partition (logicalrelid first), read directly:
 * no statement, so that it can be asked from the direct writers.  Citus
 * invalidates a table's relcache entry when it distributes or undistributes
 * it, so the answer is kept per relation generation.
 */
bool
followup_is_citus_table(Oid relid)
{
	uint64		generation = relation_generation(relid);
	WatchedRel *w = NULL;
	Oid			dist_relid;
	bool		found = false;

	for (int i = 0; i < nwatched; i++)
		if (watched[i].relid == relid)
			w = &watched[i];
	if (w != NULL && w->citus_generation == generation)
		return w->citus_table;

	dist_relid = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	if (OidIsValid(dist_relid))
	{
		Relation	dist = table_open(dist_relid, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;

		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
		scan = systable_beginscan(dist, InvalidOid, false, NULL, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(dist, AccessShareLock);
	}
	if (w != NULL)
	{
		w->citus_generation = generation;
		w->citus_table = found;
	}
	return found;
}
