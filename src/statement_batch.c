/*
 * statement_batch.c - the interactions of one statement: applied in time
 * order, and per lead (the bulk path).
 *
 * A row trigger sees the rows of an INSERT ... SELECT or a COPY in the order
 * they arrive, so a lead's older interaction that follows a newer one would
 * look late and be ignored.  To end in the same state as inserting them one
 * by one in occurred_at order, the row trigger notes, per lead, the lead as
 * it was before the statement and the statement's interaction ids.  When a
 * row is late only because of rows of the same statement, the lead is
 * marked, and the AFTER STATEMENT trigger replays its rows from the saved
 * lead in (occurred_at, interaction_id) order, re-stamping them.  So is a
 * lead whose rows share an instant but arrive against the order of their
 * ids (ids given by a migration): events are ordered by (occurred_at,
 * interaction_id) everywhere, in the reports too.  Statements whose rows
 * arrive in order pay one hash entry per lead.
 *
 * The bulk path (followup.bulk_path, on by default): from a statement's
 * second row on, the row trigger locks a lead once, at its first row, and
 * keeps the lead here as the rows make it (batch_take_lead); each row is
 * stamped, applied, its task fulfilled or superseded and its state change
 * logged as a single-row INSERT would do it, but the lead is written once,
 * by the AFTER STATEMENT trigger.  After the first row that closes the
 * lead's live task, the lead has none for the rest of the statement (only
 * the jobs make tasks, and they lock the lead first), so later rows skip
 * the look.  A statement's first row takes the path of a single-row
 * INSERT, so that one is unchanged.  The bulk path steps aside for the
 * whole statement when anything could see the lead between two rows or
 * write it differently: a trigger or rule on followup.lead, .interaction,
 * .task or .state_change that is not followup's own, SERIALIZABLE (the
 * statements record their reads), Citus, and, from the first lead it meets,
 * a lead the trigger must lock with a statement (row security other than
 * tenant_rows, missing privileges).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "config_cache.h"
#include "direct_write.h"
#include "followup.h"
#include "kept_plan.h"
#include "planner.h"
#include "rules.h"
#include "state_log.h"
#include "statement_batch.h"
#include "task.h"

PG_FUNCTION_INFO_V1(followup_interaction_batch_begin);
PG_FUNCTION_INFO_V1(followup_interaction_batch_end);

typedef struct BatchKey
{
	int64		tenant_id;
	int64		lead_id;
} BatchKey;

struct BatchLead
{
	BatchKey	key;
	LeadRow		before;			/* the lead before the statement's first row */
	bool		needs_replay;
	TimestampTz first_at;		/* the earliest occurred_at of its rows */
	TimestampTz last_at;		/* the latest (occurred_at, id) of its rows */
	int64		last_id;
	int			nids;
	int			maxids;
	int64	   *ids;
	/* the bulk path */
	bool		deferred;		/* h holds the lead as the rows made it, locked */
	bool		dirty;			/* a row wrote it: write it at the end */
	bool		no_live_task;	/* it has no open or claimed task now */
	LeadHandle	h;
	char	   *owned[3];		/* h.row's strings, copied into the batch */
};

typedef enum BulkVerdict
{
	BULK_UNKNOWN,				/* judged at the statement's second row */
	BULK_NO,
	BULK_YES
} BulkVerdict;

typedef struct Batch
{
	MemoryContext cxt;
	HTAB	   *leads;
	bool		any_replay;
	bool		any_deferred;
	int			nest_level;
	int64		rows;			/* rows that reached their lead */
	BulkVerdict bulk;
	struct Batch *outer;
} Batch;

static Batch *current_batch = NULL;
static bool callbacks_registered = false;

/* An aborted (sub)transaction leaves its batches behind: drop them. */
static void
drop_batches_above(int nest_level)
{
	while (current_batch != NULL && current_batch->nest_level >= nest_level)
		current_batch = current_batch->outer;	/* memory goes with the transaction */
}

static void
batch_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
		current_batch = NULL;
}

static void
batch_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		drop_batches_above(GetCurrentTransactionNestLevel());
}

Datum
followup_interaction_batch_begin(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	Batch	   *batch;
	HASHCTL		ctl;

	if (!callbacks_registered)
	{
		RegisterXactCallback(batch_xact_callback, NULL);
		RegisterSubXactCallback(batch_subxact_callback, NULL);
		callbacks_registered = true;
	}
	cxt = AllocSetContextCreate(TopTransactionContext, "followup statement batch",
								ALLOCSET_SMALL_SIZES);
	batch = MemoryContextAllocZero(cxt, sizeof(Batch));
	batch->cxt = cxt;
	batch->nest_level = GetCurrentTransactionNestLevel();
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(BatchKey);
	ctl.entrysize = sizeof(BatchLead);
	ctl.hcxt = cxt;
	batch->leads = hash_create("followup batch leads", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	batch->bulk = followup_bulk_path ? BULK_UNKNOWN : BULK_NO;
	batch->outer = current_batch;
	current_batch = batch;
	PG_RETURN_POINTER(NULL);
}

static char *
copy_string(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/* the statement's entry of the lead "before", made if new */
static BatchLead *
enter_lead(const LeadRow *before)
{
	BatchKey	key;
	BatchLead  *entry;
	bool		found;

	key.tenant_id = before->tenant_id;
	key.lead_id = before->lead_id;
	entry = hash_search(current_batch->leads, &key, HASH_ENTER, &found);
	if (!found)
	{
		entry->before = *before;
		entry->before.timezone = copy_string(current_batch->cxt, before->timezone);
		entry->before.closed_reason = copy_string(current_batch->cxt, before->closed_reason);
		entry->before.reason = copy_string(current_batch->cxt, before->reason);
		entry->before.history = NULL;
		entry->before.plan_note = NULL;
		entry->needs_replay = false;
		entry->nids = 0;
		entry->maxids = 4;
		entry->ids = MemoryContextAlloc(current_batch->cxt, sizeof(int64) * entry->maxids);
		entry->deferred = false;
		entry->dirty = false;
		entry->no_live_task = false;
		memset(entry->owned, 0, sizeof(entry->owned));
	}
	return entry;
}

void
batch_note(const LeadRow *before, int64 interaction_id, TimestampTz at)
{
	BatchLead  *entry;

	if (current_batch == NULL)
		return;
	entry = enter_lead(before);
	if (entry->nids == 0)
	{
		entry->first_at = at;
		entry->last_at = at;
		entry->last_id = interaction_id;
	}
	else
	{
		if (at < entry->first_at)
			entry->first_at = at;
		if (at > entry->last_at || (at == entry->last_at && interaction_id > entry->last_id))
		{
			entry->last_at = at;
			entry->last_id = interaction_id;
		}
		else if (at == entry->last_at)
		{
			/* applied after a row it comes before: replay in order */
			entry->needs_replay = true;
			current_batch->any_replay = true;
		}
	}
	if (entry->nids == entry->maxids)
	{
		entry->maxids *= 2;
		entry->ids = repalloc(entry->ids, sizeof(int64) * entry->maxids);
	}
	entry->ids[entry->nids++] = interaction_id;
}

bool
batch_reorders(const LeadRow *lead, TimestampTz at)
{
	BatchKey	key;
	BatchLead  *entry;

	if (current_batch == NULL)
		return false;
	key.tenant_id = lead->tenant_id;
	key.lead_id = lead->lead_id;
	entry = hash_search(current_batch->leads, &key, HASH_FIND, NULL);
	if (entry == NULL || entry->nids < 2)
		return false;
	if (!TS_IS_NULL(entry->before.last_event_at) && at < entry->before.last_event_at)
		return false;			/* late even before this statement */
	entry->needs_replay = true;
	current_batch->any_replay = true;
	return true;
}

/* ---------------------------------------------------------------------
 * The bulk path
 */

/* Has rel a rule, or a trigger that is not followup's own (nor internal)? */
static bool
has_user_triggers(Relation rel)
{
	TriggerDesc *trigdesc = rel->trigdesc;

	if (rel->rd_rules != NULL)
		return true;
	for (int i = 0; trigdesc != NULL && i < trigdesc->numtriggers; i++)
		if (!direct_is_own_trigger(&trigdesc->triggers[i]))
			return true;
	return false;
}

/*
 * May the statement inserting into interaction take the bulk path?  Not
 * when anything but followup could see or write a lead between two rows,
 * nor under SERIALIZABLE or Citus, where the row path uses statements.
 */
static bool
bulk_path_allowed(Relation interaction)
{
	/* the state log's triggers would see the lead before its write */
	static const FollowupRel others[3] = {FR_LEAD, FR_TASK, FR_STATE_CHANGE};

	if (IsolationIsSerializable() || followup_is_citus_table(RelationGetRelid(interaction)) ||
		has_user_triggers(interaction))
		return false;
	for (int i = 0; i < (int) lengthof(others); i++)
	{
		Oid			relid = followup_relid(others[i]);
		Relation	rel;
		bool		user;

		if (!OidIsValid(relid) || followup_is_citus_table(relid))
			return false;
		rel = table_open(relid, AccessShareLock);
		user = has_user_triggers(rel);
		table_close(rel, AccessShareLock);
		if (user)
			return false;
	}
	return true;
}

/* s, copied into the batch unless it is already the copy *owned */
static char *
keep_string(char **owned, char *s)
{
	if (s == *owned)
		return s;
	if (*owned != NULL)
		pfree(*owned);
	*owned = copy_string(current_batch->cxt, s);
	return *owned;
}

void
batch_keep_lead(BatchLead *entry)
{
	LeadRow    *row = &entry->h.row;

	row->timezone = keep_string(&entry->owned[0], row->timezone);
	row->closed_reason = keep_string(&entry->owned[1], row->closed_reason);
	row->reason = keep_string(&entry->owned[2], row->reason);
	/* as lead_from_tuple() leaves them for the next row */
	row->history = NULL;
	row->plan_note = NULL;
}

BatchLead *
batch_take_lead(Relation interaction, int64 tenant_id, int64 lead_id)
{
	Batch	   *batch = current_batch;
	BatchKey	key;
	BatchLead  *entry;
	LeadHandle	h;

	if (batch == NULL || batch->bulk == BULK_NO)
		return NULL;
	if (++batch->rows == 1)
		return NULL;			/* the first row: as a single-row INSERT */
	if (batch->bulk == BULK_UNKNOWN)
		batch->bulk = bulk_path_allowed(interaction) ? BULK_YES : BULK_NO;
	if (batch->bulk == BULK_NO)
		return NULL;
	key.tenant_id = tenant_id;
	key.lead_id = lead_id;
	entry = hash_search(batch->leads, &key, HASH_FIND, NULL);
	if (entry != NULL && entry->deferred)
		return entry;
	if (!lead_lock(tenant_id, lead_id, &h))
		return NULL;			/* the row path reports it */
	if (!h.direct)
	{
		/* locked by the statement: its rows take the row path, as a policy's */
		batch->bulk = BULK_NO;
		return NULL;
	}
	entry = enter_lead(&h.row);
	entry->h = h;
	entry->deferred = true;
	entry->dirty = false;
	entry->no_live_task = false;
	batch->any_deferred = true;
	batch_keep_lead(entry);
	return entry;
}

LeadRow *
batch_lead_row(BatchLead *entry)
{
	return &entry->h.row;
}

int64
batch_fulfil_open_task(BatchLead *entry, int64 tenant_id, int64 lead_id, TimestampTz at,
					   const char *operator)
{
	int64		task_id;

	if (entry != NULL && entry->no_live_task)
		return 0;
	task_id = fulfil_open_task(tenant_id, lead_id, at, operator);
	if (entry != NULL)
		entry->no_live_task = true;
	return task_id;
}

void
batch_supersede_open_task(BatchLead *entry, int64 tenant_id, int64 lead_id)
{
	if (entry != NULL && entry->no_live_task)
		return;
	(void) supersede_open_task(tenant_id, lead_id);
	if (entry != NULL)
		entry->no_live_task = true;
}

void
batch_lead_update(BatchLead *entry, LeadHandle *h, LeadState state_before, int64 interaction_id,
				  bool log_state)
{
	const LeadRow *lead;
	const EnumOids *oids;

	if (entry == NULL)
	{
		lead_update(h, interaction_id, log_state);
		return;
	}
	/* what the lead's state log trigger would record for this row's write */
	lead = &entry->h.row;
	oids = get_enum_oids();
	if (log_state && lead->state != state_before)
		log_state_change(lead->tenant_id, lead->lead_id, lead->state_since,
						 oids->lead_state[state_before], oids->lead_state[lead->state],
						 interaction_id);
	entry->dirty = true;
}

/* the columns of followup.interaction that rows_plan reads */
static const ColumnSpec replay_cols[2] = {{"interaction_id", CT_INT8}, {"occurred_at", CT_TIMESTAMPTZ}};

static void
replay_lead(BatchLead *entry)
{
	static KeptPlan rows_plan;
	static KeptPlan stamp_plan;
	static KeptPlan unlog_plan;
	TenantConfig *cfg = get_tenant_config(entry->key.tenant_id);
	const EnumOids *oids = get_enum_oids();
	LeadHandle	h;
	LeadRow		lead = entry->before;
	const LeadRow *applied;
	Datum	   *elems;
	Datum		rows_args[5];
	Datum		args[8];
	char		nulls[8];
	SPITupleTable *rows;
	uint64		nrows;

	if (!kept_plan_current(&rows_plan) || !kept_plan_current(&stamp_plan) ||
		!kept_plan_current(&unlog_plan))
	{
		Oid			types[5] = {INT8OID, INT8ARRAYOID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
		Oid			stamp_types[8] = {INT8OID, INT8OID, oids->lead_state_type, INT4OID,
		INT4OID, BOOLOID, INT8OID, TIMESTAMPTZOID};

		/*
		 * By lead and time as well as by id: the lead's index finds them, and
		 * a history partitioned by time (partition_history) reads only the
		 * partitions they are in.
		 */
		kept_plan_prepare(&rows_plan, "SELECT interaction_id, occurred_at, kind, reason FROM followup.interaction"
						  " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
						  " AND lead_id OPERATOR(pg_catalog.=) $3"
						  " AND occurred_at OPERATOR(pg_catalog.>=) $4"
						  " AND occurred_at OPERATOR(pg_catalog.<=) $5"
						  " AND interaction_id OPERATOR(pg_catalog.=) ANY ($2)"
						  " ORDER BY occurred_at, interaction_id", 5, types);
		/* run as the owner (execute_as_history_owner): every name qualified */
		kept_plan_prepare(&stamp_plan, "UPDATE followup.interaction SET state_at = $3, touches_at = $4,"
						  " plan_b_step_at = $5, applied = $6, rule_id = $7"
						  " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
						  " AND interaction_id OPERATOR(pg_catalog.=) $2"
						  " AND occurred_at OPERATOR(pg_catalog.=) $8", 8, stamp_types);
		kept_plan_prepare(&unlog_plan, "DELETE FROM followup.state_change"
						  " WHERE tenant_id OPERATOR(pg_catalog.=) $1"
						  " AND lead_id OPERATOR(pg_catalog.=) $3"
						  " AND interaction_id OPERATOR(pg_catalog.=) ANY ($2)", 3, types);
	}

	if (!lead_lock(entry->key.tenant_id, entry->key.lead_id, &h))
		return;					/* deleted by a later row's cascade: nothing to fix */

	elems = palloc(sizeof(Datum) * entry->nids);
	for (int i = 0; i < entry->nids; i++)
		elems[i] = Int64GetDatum(entry->ids[i]);
	rows_args[0] = Int64GetDatum(entry->key.tenant_id);
	rows_args[1] = PointerGetDatum(construct_array(elems, entry->nids, INT8OID, 8, true, TYPALIGN_DOUBLE));
	rows_args[2] = Int64GetDatum(entry->key.lead_id);
	rows_args[3] = TimestampTzGetDatum(entry->first_at);
	rows_args[4] = TimestampTzGetDatum(entry->last_at);
	/* not read-only: the rows of this very statement must be visible */
	if (SPI_execute_plan(rows_plan.plan, rows_args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the statement's interactions");
	rows = SPI_tuptable;
	nrows = SPI_processed;
	column_types_check(rows->tupdesc, 1, replay_cols, lengthof(replay_cols), "interaction");
	/*
	 * The state changes the rows logged out of order are logged again below;
	 * the log and the stamps are the engine's, written as their owner.
	 */
	if (execute_as_history_owner(unlog_plan.plan, rows_args, NULL) != SPI_OK_DELETE)
		elog(ERROR, "could not rewrite the state log");

	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull));
		TimestampTz at = DatumGetTimestampTz(SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull));
		const KindEntry *kind = find_kind(cfg, SPI_getvalue(rows->vals[i], rows->tupdesc, 3));
		ApplyResult res;
		LeadState	state_before = lead.state;

		args[0] = Int64GetDatum(entry->key.tenant_id);
		args[1] = Int64GetDatum(id);
		args[2] = ObjectIdGetDatum(oids->lead_state[lead.state]);
		args[3] = Int32GetDatum(lead.touches);
		args[4] = Int32GetDatum(lead.plan_b_step);
		memset(nulls, ' ', sizeof(nulls));
		nulls[4] = lead.plan_b_step == 0 ? 'n' : ' ';
		apply_interaction(cfg, &lead, kind, at, SPI_getvalue(rows->vals[i], rows->tupdesc, 4), &res);
		args[5] = BoolGetDatum(res.applied);
		args[6] = res.rule ? Int64GetDatum(res.rule->rule_id) : (Datum) 0;
		nulls[6] = res.rule ? ' ' : 'n';
		args[7] = TimestampTzGetDatum(at);
		if (execute_as_history_owner(stamp_plan.plan, args, nulls) != SPI_OK_UPDATE)
			elog(ERROR, "could not re-stamp interaction " INT64_FORMAT, id);
		if (lead.state != state_before)
			log_state_change(lead.tenant_id, lead.lead_id, lead.state_since,
							 oids->lead_state[state_before], oids->lead_state[lead.state], id);
	}

	/* the lead as the rows left it: written, or kept by the bulk path */
	applied = entry->deferred ? &entry->h.row : &h.row;
	if (lead.next_action != applied->next_action || lead.next_followup_at != applied->next_followup_at)
		supersede_open_task(lead.tenant_id, lead.lead_id);
	/* the log was rewritten above */
	h.row = lead;
	lead_update(&h, 0, false);
}

Datum
followup_interaction_batch_end(PG_FUNCTION_ARGS)
{
	Batch	   *batch = current_batch;

	if (batch == NULL)
		PG_RETURN_POINTER(NULL);
	current_batch = batch->outer;
	if (batch->any_replay || batch->any_deferred)
	{
		HASH_SEQ_STATUS seq;
		BatchLead  *entry;
		LeadHandle **writes = palloc(sizeof(LeadHandle *) * hash_get_num_entries(batch->leads));
		int			nwrites = 0;

		SPI_connect();
		hash_seq_init(&seq, batch->leads);
		while ((entry = hash_seq_search(&seq)) != NULL)
		{
			if (entry->needs_replay)
				replay_lead(entry);
			else if (entry->deferred && entry->dirty)
				writes[nwrites++] = &entry->h;
		}
		/* the bulk path's one write of each lead; its rows logged its state changes */
		lead_update_all(writes, nwrites);
		SPI_finish();
	}
	MemoryContextDelete(batch->cxt);
	PG_RETURN_POINTER(NULL);
}
