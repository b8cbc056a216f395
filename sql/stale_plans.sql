--
-- Plans that outlive their statistics: the jobs cost what is due whatever
-- the statistics say.  Leads inserted, analyzed, then all moved to another
-- state in one UPDATE (an import, then autovacuum's ANALYZE, then a bulk
-- change): the statistics say no lead is planned and no task exists.  A
-- plan chosen on them probed the live tasks through an index on the tenant
-- alone, reading every live task for every due lead: each run of
-- materialize_due cost (leads visited) x (live tasks).  The count of task
-- rows read decides, not the time.  A database of its own: the jobs serve
-- every tenant.
--
\set regress_db :DBNAME
CREATE DATABASE followup_stale_plans;
\c followup_stale_plans
CREATE EXTENSION followup;
SET timezone = 'UTC';
SET followup.tenant_id = 7;
-- no autovacuum on these tables while the suite runs: the statistics stay stale
ALTER TABLE followup.lead SET (autovacuum_enabled = false);
ALTER TABLE followup.task SET (autovacuum_enabled = false);

INSERT INTO followup.lead (external_ref, created_at, state, owner)
SELECT 'l' || i, '2026-11-23 10:00+00', 'new', 'op' || (i % 3) FROM generate_series(1, 600) i;
ANALYZE followup.lead;
UPDATE followup.lead SET state = 'thinking';

-- three runs in one statement, 150 leads each; then one more
BEGIN;
SELECT followup.materialize_due('2027-01-01 00:00+00', 150) FROM generate_series(1, 3);
SELECT followup.materialize_due('2027-01-01 00:00+00', 150);
-- the fourth run passed over the 450 leads with a live task and made 150
-- more.  Each due lead's live task is looked up in task_one_live_per_lead,
-- one descent (and the ON CONFLICT check of each insert): no other index of
-- followup.task is read, and about a task row per lead passed over.
SELECT i.indexrelid::regclass AS task_index, pg_stat_get_xact_numscans(i.indexrelid) AS scans
FROM pg_index i WHERE i.indrelid = 'followup.task'::regclass
  AND pg_stat_get_xact_numscans(i.indexrelid) > 0 ORDER BY 1::text;
SELECT pg_stat_get_xact_tuples_fetched('followup.task'::regclass) <= 1200 AS task_rows_read_bounded;
COMMIT;
SELECT count(*) AS tasks, count(DISTINCT lead_id) AS leads,
       count(*) FILTER (WHERE status = 'open') AS open,
       count(*) FILTER (WHERE message IS NOT NULL) AS rendered
FROM followup.task;
-- the same tasks as with fresh statistics: the first 600 due, one per lead
SELECT count(*) AS leads_without_task FROM followup.lead l
WHERE NOT EXISTS (SELECT 1 FROM followup.task t WHERE t.tenant_id = l.tenant_id AND t.lead_id = l.lead_id);
-- and nothing more when all have one
SELECT followup.materialize_due('2027-01-01 00:00+00', 150);


-- the direct scan makes what the statement (used under SERIALIZABLE, where
-- its reads are recorded for the conflict checks) makes: the template reads
-- the lead's key, reference, owner and state, and its attrs over them
INSERT INTO followup.step (state, step_no, purpose, action_code, template)
VALUES ('hot', 1, 'advance', 'call_back', '{{name}}|{{external_ref}}|{{owner}}|{{state}}|{{lead_id}}');
INSERT INTO followup.lead (external_ref, created_at, state, owner, attrs) VALUES
    ('s1', '2026-11-23 10:00+00', 'hot', NULL, '{"name": "Nino"}'),
    ('s2', '2026-11-23 10:00+00', 'hot', 'ana', '{"name": "Giorgi", "owner": "beka"}'),
    ('s3', '2026-11-23 10:00+00', 'hot', 'ana', '{"name": "Lasha"}'),
    ('s4', '2026-11-23 10:00+00', 'hot', 'ana', '{}');
UPDATE followup.lead SET external_ref = NULL WHERE external_ref IN ('s3', 's4');
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT followup.materialize_due('2027-01-01 00:00+00', 2);
COMMIT;
SELECT followup.materialize_due('2027-01-01 00:00+00', 150);
SELECT t.created_at = '2027-01-01 00:00+00' AS at_as_of, t.kind, t.state, t.step_no, t.assignee,
       replace(t.message, t.lead_id::text, '<lead_id>') AS message, t.render_error
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.state = 'hot' ORDER BY t.task_id;

\c :regress_db
DROP DATABASE followup_stale_plans;
