-- bench/equivalence_bulk.sql - proof that the bulk path (followup.bulk_path
-- on) ends exactly where row-at-a-time (off) does.
--
-- The scenario of bench/equivalence.sql (bench/equivalence_scenario.sql),
-- replayed twice through followup: once with followup.bulk_path off, once
-- on, with the same statements.  The interactions between two runs of the
-- task job are one INSERT ... SELECT (in event order, or, every other
-- time, in reverse, so that the statement's out-of-order rows are
-- replayed), then the CRM's state and time zone changes of that period.
-- Then every lead, interaction, task, state change and rollup mark is
-- compared (but updated_at and the tasks' created_at, the times of the two
-- transactions).
--
-- Prints "bulk path equivalent: N leads, M interactions in S statements
-- identical", or the differing rows and fails.  Run it with psql -v
-- ON_ERROR_STOP=1 in a database with followup installed and no leads yet.
\if :{?leads}
\else
\set leads 3000
\endif
SET client_min_messages = warning;
SET timezone = 'Australia/Adelaide';
SET followup.half_life = '36 hours';

\ir equivalence_scenario.sql

-- the period of each event: the task job closes one
CREATE TEMP TABLE eq_period AS
SELECT seq, count(*) FILTER (WHERE op = 'j') OVER (ORDER BY seq) AS period FROM eq_stream;

CREATE FUNCTION pg_temp.replay() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p record;
    e record;
    last_task bigint := 0;
BEGIN
    INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, timezone, owner)
    SELECT tenant_id, lead_id, 'eq' || lead_id, created_at, state, timezone, owner FROM eq_lead ORDER BY lead_id;
    FOR p IN SELECT DISTINCT period FROM eq_period ORDER BY period LOOP
        INSERT INTO followup.interaction (tenant_id, interaction_id, lead_id, occurred_at, kind, operator, reason)
        SELECT s.tenant_id, s.seq, s.lead_id, s.occurred_at, s.kind, s.operator, s.reason
        FROM eq_stream s JOIN eq_period USING (seq)
        WHERE eq_period.period = p.period AND s.op = 'i'
        ORDER BY CASE WHEN p.period % 2 = 0 THEN s.seq ELSE -s.seq END;
        FOR e IN SELECT s.* FROM eq_stream s JOIN eq_period USING (seq)
                 WHERE eq_period.period = p.period AND s.op <> 'i' ORDER BY s.seq LOOP
            CASE e.op
                WHEN 's' THEN
                    UPDATE followup.lead SET state = e.new_state, state_since = e.occurred_at
                    WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
                WHEN 'z' THEN
                    UPDATE followup.lead SET timezone = e.new_timezone
                    WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
                WHEN 'j' THEN
                    PERFORM followup.materialize_due(e.occurred_at, 1000000);
                    UPDATE followup.task SET status = 'claimed', claimed_by = 'carl', claimed_at = e.occurred_at
                    WHERE task_id > last_task AND task_id % 3 = 0 AND status = 'open';
                    SELECT coalesce(max(task_id), last_task) INTO last_task FROM followup.task;
                    ANALYZE followup.task;
            END CASE;
        END LOOP;
    END LOOP;
END
$$;

SET followup.bulk_path = off;
SELECT pg_temp.replay();
CREATE TEMP TABLE off_lead AS SELECT * FROM followup.lead;
CREATE TEMP TABLE off_interaction AS SELECT * FROM followup.interaction;
CREATE TEMP TABLE off_task AS SELECT * FROM followup.task;
CREATE TEMP TABLE off_state_change AS SELECT * FROM followup.state_change;
CREATE TEMP TABLE off_rollup_mark AS SELECT * FROM followup.rollup_mark;

TRUNCATE followup.lead, followup.rollup_mark RESTART IDENTITY CASCADE;
SET followup.bulk_path = on;
SELECT pg_temp.replay();

-- every row on one side and not on the other
CREATE TEMP TABLE eq_diff (what text, side text, r text);
INSERT INTO eq_diff
SELECT 'lead', side, r FROM (
    (SELECT 'off' AS side, (to_jsonb(a) - 'updated_at')::text AS r FROM off_lead a
     EXCEPT ALL SELECT 'off', (to_jsonb(b) - 'updated_at')::text FROM followup.lead b)
    UNION ALL
    (SELECT 'on', (to_jsonb(b) - 'updated_at')::text FROM followup.lead b
     EXCEPT ALL SELECT 'on', (to_jsonb(a) - 'updated_at')::text FROM off_lead a)) d;
INSERT INTO eq_diff
SELECT 'interaction', side, r FROM (
    (SELECT 'off' AS side, to_jsonb(a)::text AS r FROM off_interaction a
     EXCEPT ALL SELECT 'off', to_jsonb(b)::text FROM followup.interaction b)
    UNION ALL
    (SELECT 'on', to_jsonb(b)::text FROM followup.interaction b
     EXCEPT ALL SELECT 'on', to_jsonb(a)::text FROM off_interaction a)) d;
INSERT INTO eq_diff
SELECT 'task', side, r FROM (
    (SELECT 'off' AS side, (to_jsonb(a) - 'created_at')::text AS r FROM off_task a
     EXCEPT ALL SELECT 'off', (to_jsonb(b) - 'created_at')::text FROM followup.task b)
    UNION ALL
    (SELECT 'on', (to_jsonb(b) - 'created_at')::text FROM followup.task b
     EXCEPT ALL SELECT 'on', (to_jsonb(a) - 'created_at')::text FROM off_task a)) d;
INSERT INTO eq_diff
SELECT 'state_change', side, r FROM (
    (SELECT 'off' AS side, to_jsonb(a)::text AS r FROM off_state_change a
     EXCEPT ALL SELECT 'off', to_jsonb(b)::text FROM followup.state_change b)
    UNION ALL
    (SELECT 'on', to_jsonb(b)::text FROM followup.state_change b
     EXCEPT ALL SELECT 'on', to_jsonb(a)::text FROM off_state_change a)) d;
INSERT INTO eq_diff
SELECT 'rollup_mark', side, r FROM (
    (SELECT 'off' AS side, to_jsonb(a)::text AS r FROM off_rollup_mark a
     EXCEPT ALL SELECT 'off', to_jsonb(b)::text FROM followup.rollup_mark b)
    UNION ALL
    (SELECT 'on', to_jsonb(b)::text FROM followup.rollup_mark b
     EXCEPT ALL SELECT 'on', to_jsonb(a)::text FROM off_rollup_mark a)) d;

SELECT format('bulk scenario: %s statements of interactions, %s rows in all, %s leads with several rows in one statement, %s rows out of order in their statement, %s state changes, %s tasks, %s rollup marks',
              (SELECT count(DISTINCT period) FROM eq_period),
              (SELECT count(*) FROM followup.interaction),
              (SELECT count(*) FROM (SELECT 1 FROM eq_stream s JOIN eq_period USING (seq) WHERE s.op = 'i'
                                     GROUP BY period, tenant_id, lead_id HAVING count(*) > 1) x),
              (SELECT count(*) FROM followup.interaction WHERE NOT applied),
              (SELECT count(*) FROM followup.state_change),
              (SELECT count(*) FROM followup.task),
              (SELECT count(*) FROM followup.rollup_mark)) AS scenario \gset
\echo :scenario

SELECT count(*) AS ndiff, count(*) > 0 AS differ, (SELECT count(*) FROM followup.lead) AS nleads,
       (SELECT count(*) FROM followup.interaction) AS ninteractions,
       (SELECT count(DISTINCT period) FROM eq_period) AS nstatements
FROM eq_diff \gset
\if :differ
SELECT what, side, r FROM eq_diff ORDER BY what, r, side LIMIT 40;
\echo 'bulk path NOT equivalent:' :ndiff 'differences'
DO $$ BEGIN RAISE EXCEPTION 'followup.bulk_path on and off differ'; END $$;
\else
\echo 'bulk path equivalent:' :nleads 'leads,' :ninteractions 'interactions in' :nstatements 'statements identical'
\endif
