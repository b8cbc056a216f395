-- bench/equivalence.sql - proof that bench/baseline_plpgsql.sql (schema
-- plbase) does what followup's C triggers do.
--
-- One scenario, replayed one statement per interaction through both:
-- :leads leads (default 3000) of two tenants (tenant 2 with its own
-- policies, Plan B steps, a signal weight and rules), in five time zones
-- (the lead's or the policy's) over weeks that contain the DST changes of
-- New York and Berlin (spring forward) and Sydney (fall back); replies,
-- touches, proposal views, think_about_it, bank refusals and Plan B
-- declines, meetings, wins, declines and opt-outs, CRM state and time zone
-- changes, interactions that arrive late, and the task job every 12 hours
-- (its tasks, made by followup.materialize_due, are given to both sides, a
-- third of them claimed).  Then every lead, interaction, task and state
-- change is compared; momentum (real) within 1e-6 relative.
--
-- Prints "equivalent: N leads, M interactions identical", or the differing
-- rows and fails.  Run it with psql -v ON_ERROR_STOP=1 in a database with
-- followup and plbase installed and no leads yet.
\if :{?leads}
\else
\set leads 3000
\endif
SET client_min_messages = warning;
-- neither side may depend on the session's time zone
SET timezone = 'Australia/Adelaide';
-- both read the half-life from the setting
SET followup.half_life = '36 hours';

\ir equivalence_scenario.sql

-- the same leads on both sides, planned by each side's lead trigger
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, timezone, owner)
SELECT tenant_id, lead_id, 'eq' || lead_id, created_at, state, timezone, owner FROM eq_lead ORDER BY lead_id;
INSERT INTO plbase.lead (tenant_id, lead_id, external_ref, created_at, state, timezone, owner)
SELECT tenant_id, lead_id, 'eq' || lead_id, created_at, state, timezone, owner FROM eq_lead ORDER BY lead_id;

-- the replay: one statement per interaction on each side
DO $$
DECLARE
    e record;
    last_task bigint := 0;
BEGIN
    FOR e IN SELECT * FROM eq_stream ORDER BY seq LOOP
        CASE e.op
            WHEN 'i' THEN
                INSERT INTO followup.interaction (tenant_id, interaction_id, lead_id, occurred_at, kind, operator, reason)
                VALUES (e.tenant_id, e.seq, e.lead_id, e.occurred_at, e.kind, e.operator, e.reason);
                INSERT INTO plbase.interaction (tenant_id, interaction_id, lead_id, occurred_at, kind, operator, reason)
                VALUES (e.tenant_id, e.seq, e.lead_id, e.occurred_at, e.kind, e.operator, e.reason);
            WHEN 's' THEN
                -- the CRM moves the lead (never back to new)
                UPDATE followup.lead SET state = e.new_state, state_since = e.occurred_at
                WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
                UPDATE plbase.lead SET state = e.new_state, state_since = e.occurred_at
                WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
            WHEN 'z' THEN
                UPDATE followup.lead SET timezone = e.new_timezone
                WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
                UPDATE plbase.lead SET timezone = e.new_timezone
                WHERE tenant_id = e.tenant_id AND lead_id = e.lead_id;
            WHEN 'j' THEN
                -- the job is not what is compared: its tasks go to both sides
                PERFORM followup.materialize_due(e.occurred_at, 1000000);
                INSERT INTO plbase.task OVERRIDING SYSTEM VALUE
                SELECT * FROM followup.task WHERE task_id > last_task
                ON CONFLICT DO NOTHING;     -- a lead that differs: reported below
                UPDATE followup.task SET status = 'claimed', claimed_by = 'carl', claimed_at = e.occurred_at
                WHERE task_id > last_task AND task_id % 3 = 0 AND status = 'open';
                UPDATE plbase.task SET status = 'claimed', claimed_by = 'carl', claimed_at = e.occurred_at
                WHERE task_id > last_task AND task_id % 3 = 0 AND status = 'open';
                SELECT coalesce(max(task_id), last_task) INTO last_task FROM followup.task;
                -- statistics, as autovacuum keeps them: without, both sides keep
                -- the plans they cached while the task tables were empty, and
                -- scan them whole for every touch
                ANALYZE followup.task, plbase.task;
        END CASE;
    END LOOP;
END
$$;

-- the columns where two rows differ (a row missing on one side: all of
-- them); momentum, a real, may differ in its last digits
CREATE FUNCTION pg_temp.row_diff(f jsonb, p jsonb) RETURNS TABLE (key text, fv jsonb, pv jsonb) AS $$
    SELECT coalesce(fj.key, pj.key), fj.value, pj.value
    FROM jsonb_each(coalesce(f, '{}')) fj
    FULL JOIN jsonb_each(coalesce(p, '{}')) pj USING (key)
    WHERE fj.value IS DISTINCT FROM pj.value
      AND NOT (coalesce(fj.key, pj.key) = 'momentum'
               AND abs(fj.value::text::float8 - pj.value::text::float8)
                   <= 1e-6 * greatest(1, abs(fj.value::text::float8)))
$$ LANGUAGE sql;

-- every difference, column by column
CREATE TEMP TABLE eq_diff (what text, id bigint, col text, followup text, plbase text);
INSERT INTO eq_diff
SELECT 'lead', coalesce(f.lead_id, p.lead_id), d.key, d.fv::text, d.pv::text
FROM followup.lead f FULL JOIN plbase.lead p USING (tenant_id, lead_id)
CROSS JOIN LATERAL pg_temp.row_diff(to_jsonb(f), to_jsonb(p)) d;
INSERT INTO eq_diff
SELECT 'interaction', coalesce(f.interaction_id, p.interaction_id), d.key, d.fv::text, d.pv::text
FROM followup.interaction f FULL JOIN plbase.interaction p USING (tenant_id, interaction_id)
CROSS JOIN LATERAL pg_temp.row_diff(to_jsonb(f), to_jsonb(p)) d;
INSERT INTO eq_diff
SELECT 'task', coalesce(f.task_id, p.task_id), d.key, d.fv::text, d.pv::text
FROM followup.task f FULL JOIN plbase.task p USING (tenant_id, task_id)
CROSS JOIN LATERAL pg_temp.row_diff(to_jsonb(f), to_jsonb(p)) d;
INSERT INTO eq_diff
SELECT 'state_change', lead_id, 'only in ' || side, format('%s -> %s at %s', from_state, to_state, changed_at),
       interaction_id::text
FROM ((SELECT 'followup' AS side, * FROM (SELECT * FROM followup.state_change EXCEPT ALL SELECT * FROM plbase.state_change) a)
      UNION ALL
      (SELECT 'plbase', * FROM (SELECT * FROM plbase.state_change EXCEPT ALL SELECT * FROM followup.state_change) b)) s;

-- what the scenario covered
SELECT format('scenario: %s leads, %s interactions (%s late), %s state changes, %s tasks (%s done by a touch), '
              || '%s interactions in installment_rejected, %s leads past Plan B option 2, %s won, %s lost, '
              || '%s with a reason, %s tasks after the sale or for a win-back',
              (SELECT count(*) FROM followup.lead),
              (SELECT count(*) FROM followup.interaction),
              (SELECT count(*) FILTER (WHERE NOT applied) FROM followup.interaction),
              (SELECT count(*) FROM followup.state_change),
              (SELECT count(*) FROM followup.task),
              (SELECT count(*) FILTER (WHERE status = 'done') FROM followup.task),
              (SELECT count(*) FILTER (WHERE state_at = 'installment_rejected') FROM followup.interaction),
              (SELECT count(*) FILTER (WHERE plan_b_step > 2) FROM followup.lead),
              (SELECT count(*) FILTER (WHERE state = 'won') FROM followup.lead),
              (SELECT count(*) FILTER (WHERE state = 'lost') FROM followup.lead),
              (SELECT count(*) FILTER (WHERE reason IS NOT NULL) FROM followup.interaction),
              (SELECT count(*) FILTER (WHERE state IN ('won', 'lost')) FROM followup.task)) AS scenario \gset
\echo :scenario

SELECT count(*) AS ndiff, count(*) > 0 AS differ, (SELECT count(*) FROM followup.lead) AS nleads,
       (SELECT count(*) FROM followup.interaction) AS ninteractions
FROM eq_diff \gset
\if :differ
SELECT what, id, col, followup, plbase FROM eq_diff ORDER BY what, id, col LIMIT 40;
\echo 'NOT equivalent:' :ndiff 'differences'
DO $$ BEGIN RAISE EXCEPTION 'followup and plbase differ'; END $$;
\else
\echo 'equivalent:' :nleads 'leads,' :ninteractions 'interactions identical'
\endif
