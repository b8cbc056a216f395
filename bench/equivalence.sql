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

-- tenant 2's own configuration, over tenant 0's
INSERT INTO followup.policy (tenant_id, state, cadence, reply_within, close_after, on_exhausted,
                             escalate_after, work_days, work_start, work_end, timezone)
VALUES (2, 'new', '10m, 4h, 1d, 3d', '20 minutes', '1 day', 'lost', '30 minutes',
        '{1,2,3,4,5,6}', '08:00', '20:00', 'Europe/Berlin'),
       -- every day, all day: no working window
       (2, 'hot', '2h, 1d', '10 minutes', '1 day', 'recycle', '1 hour',
        '{1,2,3,4,5,6,7}', '00:00', '24:00', 'Australia/Sydney'),
       (2, 'thinking', '1d, 2d12h, 6d', '2 hours', '4 days', 'recycle', '3 hours',
        '{1,2,3,4,5}', '10:00', '18:30', 'America/New_York'),
       (2, 'installment_rejected', '0, 1d, 3d, 5d', '1 hour', '2 days', 'lost', '1 hour',
        '{1,2,3,4,5}', '09:00', '17:00', 'Europe/Berlin');
-- option 3 is missing: a lead that reaches it has run out of Plan B
-- (options ordered by reason: price to 2, financing to 4)
INSERT INTO followup.step (tenant_id, state, step_no, channel, purpose, action_code, template, reasons)
VALUES (2, 'installment_rejected', 1, 'call', 'advance', 'alternative_bank', 'Hi {{name|there}}', NULL),
       (2, 'installment_rejected', 2, 'call', 'advance', 'cheaper_sku', 'Hi {{name|there}}', '{price}'),
       (2, 'installment_rejected', 4, 'messenger', 'close_loop', 'cash_on_delivery', 'Hi {{name|there}}', '{financing}');
-- a win-back for tenant 2 (won follows the shipped after-sale cadence)
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (2, 'lost', '20d, 40d');
INSERT INTO followup.step (tenant_id, state, step_no, purpose, action_code, template)
VALUES (2, 'lost', 1, 'advance', 'win_back', 'Hi {{name|there}}'),
       (2, 'lost', 2, 'close_loop', 'win_back_last', 'Hi {{name|there}}');
INSERT INTO followup.signal (tenant_id, kind, direction, weight)
VALUES (2, 'proposal_viewed', 'inbound', 1.6),
       (2, 'price_question', 'inbound', 0.5);
INSERT INTO followup.rule (tenant_id, kind, from_state, to_state, effect, due_in, min_momentum, close_reason, priority)
VALUES (2, 'plan_b_declined', 'installment_rejected', NULL, 'next_plan_b', '1 day', NULL, NULL, 100),
       (2, 'reply', 'thinking', 'warm', 'respond', NULL, NULL, NULL, 10),
       (2, 'reply', NULL, NULL, 'respond', NULL, NULL, NULL, 100),
       (2, 'price_question', 'new', 'warm', 'respond', NULL, NULL, NULL, 10),
       (2, 'price_question', NULL, NULL, 'none', NULL, NULL, NULL, 100),
       (2, 'meeting_missed', NULL, NULL, 'restart', '5 hours', NULL, NULL, 100),
       (2, 'link_clicked', NULL, 'hot', 'restart', NULL, 2.0, NULL, 10),
       (2, 'link_clicked', NULL, NULL, 'none', NULL, NULL, NULL, 100);

-- the scenario (random, but the same stream goes to both sides)
SELECT setseed(0.2026) \gset
CREATE TEMP TABLE eq_lead AS
SELECT i AS lead_id, CASE WHEN i % 4 = 0 THEN 2 ELSE 1 END AS tenant_id,
       -- a third of them in the days around a DST change
       CASE WHEN random() < 0.35
            THEN (ARRAY[timestamptz '2026-03-06 00:00 UTC', '2026-03-26 00:00 UTC', '2026-04-02 00:00 UTC'])
                     [1 + floor(random() * 3)::int] + random() * interval '3 days'
            ELSE timestamptz '2026-02-25 00:00 UTC' + random() * interval '38 days'
       END AS created_at,
       (ARRAY['new', 'new', 'new', 'warm', 'hot', 'thinking', 'installment_rejected', 'recycle'])
           [1 + floor(random() * 8)::int]::followup.lead_state AS state,
       (ARRAY[NULL, 'Europe/Berlin', 'America/New_York', 'Asia/Tbilisi', 'Australia/Sydney'])
           [1 + floor(random() * 5)::int] AS timezone,
       (ARRAY['ana', 'beka', 'carl'])[1 + i % 3] AS owner
FROM generate_series(1, :leads) i;

CREATE TEMP TABLE eq_kind (kind text, weight int, tenant2_only boolean DEFAULT false);
INSERT INTO eq_kind (kind, weight) VALUES
    ('reply', 18), ('message', 22), ('call', 4), ('call_unanswered', 5), ('think_about_it', 6),
    ('proposal_viewed', 8), ('link_clicked', 4), ('email_opened', 5), ('meeting_booked', 2),
    ('meeting_missed', 2), ('installment_rejected', 5), ('plan_b_declined', 7),
    ('installment_approved', 1), ('order', 1), ('not_interested', 1), ('opt_out', 1);
INSERT INTO eq_kind VALUES ('price_question', 4, true);
CREATE TEMP TABLE eq_kind_cum AS
SELECT kind, tenant2_only,
       sum(weight) OVER (ORDER BY kind)::float8 / sum(weight) OVER () AS upto
FROM eq_kind;

-- 1 to 15 events a lead, gaps from none (same instant) to several days
CREATE TEMP TABLE eq_raw AS
SELECT l.lead_id, l.tenant_id, j, random() AS r_kind, random() AS r_gap, random() AS r_late,
       random() AS r_op, random() AS r_pick
FROM eq_lead l
CROSS JOIN LATERAL generate_series(1, 1 + (l.lead_id * 7919) % 15) j;

CREATE TEMP TABLE eq_event AS
SELECT e.*,
       -- 6% arrive late: recorded after events that happened after them
       CASE WHEN e.r_late < 0.06 THEN e.occurred_at + (e.r_late / 0.06) * interval '3 days'
            ELSE e.occurred_at END AS recorded_at
FROM (SELECT r.lead_id, r.tenant_id, r.j, r.r_late,
             l.created_at + sum(CASE WHEN r.r_gap < 0.05 THEN interval '0'
                                     ELSE r.r_gap ^ 3 * interval '5 days' END)
                                OVER (PARTITION BY r.lead_id ORDER BY r.j) AS occurred_at,
             CASE WHEN r.r_op < 0.03 THEN 's' WHEN r.r_op < 0.04 THEN 'z' ELSE 'i' END AS op,
             (SELECT k.kind FROM eq_kind_cum k
              WHERE k.upto >= r.r_kind AND (r.tenant_id = 2 OR NOT k.tenant2_only)
              ORDER BY k.upto LIMIT 1) AS kind,
             (ARRAY['warm', 'hot', 'thinking', 'recycle', 'installment_rejected', 'lost', 'won'])
                 [1 + floor(r.r_pick * 7)::int]::followup.lead_state AS new_state,
             (ARRAY[NULL, 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'])
                 [1 + floor(r.r_pick * 4)::int] AS new_timezone,
             (ARRAY['ana', 'beka', NULL])[1 + floor(r.r_pick * 3)::int] AS operator,
             -- a reason on a third of the customer's answers
             CASE WHEN r.r_gap > 0.66 THEN (ARRAY['price', 'financing', 'timing'])[1 + floor(r.r_op * 3)::int] END AS reason
      FROM eq_raw r JOIN eq_lead l USING (lead_id)) e;
UPDATE eq_event SET kind = 'message' WHERE kind IS NULL;	-- the top of the cumulative weights
UPDATE eq_event SET reason = NULL
WHERE kind NOT IN ('reply', 'think_about_it', 'plan_b_declined', 'installment_rejected', 'not_interested');

-- the task job every 12 hours of the scenario
INSERT INTO eq_event (lead_id, tenant_id, j, occurred_at, op, recorded_at)
SELECT 0, 0, 0, t, 'j', t
FROM generate_series(timestamptz '2026-02-25 12:00 UTC', (SELECT max(recorded_at) FROM eq_event), interval '12 hours') t;

CREATE TEMP TABLE eq_stream AS
SELECT row_number() OVER (ORDER BY recorded_at, op = 'j', lead_id, j) AS seq, *
FROM eq_event;

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
