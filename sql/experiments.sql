--
-- experiments: declaring and validating one, arms given in the engine
-- (triggers, bulk loads, jobs, preview), attribution to the stay, results,
-- conclusion, cadence advice, tenant isolation.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 171;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text) RETURNS void AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
$$ LANGUAGE sql;
CREATE TEMP VIEW l AS
    SELECT l.external_ref AS ref, l.state, l.touches, l.next_action, l.next_followup_at AS due,
           (SELECT sc.arm FROM followup.state_change sc WHERE sc.tenant_id = l.tenant_id
              AND sc.lead_id = l.lead_id ORDER BY sc.changed_at DESC LIMIT 1) AS arm
    FROM followup.lead l WHERE l.tenant_id = followup.current_tenant() ORDER BY l.external_ref;

-- ---- validation, checked at commit
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'alone', 'thinking', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name) VALUES (9, 1, 'control');
COMMIT;
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'gap', 'thinking', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name) VALUES (9, 1, 'control'), (9, 3, 'three');
COMMIT;
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'order', 'thinking', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, plan_b_order)
VALUES (9, 1, 'control', NULL), (9, 2, 'reversed', '{low_stock,limited_offer,answer_open_question}');
COMMIT;
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'step', 'thinking', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, step_no, template)
VALUES (9, 1, 'control', NULL, NULL), (9, 2, 'fourth', 4, 'Hi');
COMMIT;
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'order', 'installment_rejected', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, plan_b_order)
VALUES (9, 1, 'control', NULL), (9, 2, 'short', '{cash_on_delivery,alternative_bank}');
COMMIT;
INSERT INTO followup.experiment_arm (experiment_id, arm, name, weight) VALUES (9, 1, 'x', 0);
INSERT INTO followup.experiment (experiment_id, name, state, starts_at, created_at)
VALUES (9, 'lost', 'lost', '2027-01-01', '2026-12-01');

-- ---- a cadence experiment on thinking, and one on the Plan B order
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at, horizon)
VALUES (1, 'tighter thinking cadence', 'thinking', '2026-01-01', '14 days');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, cadence)
VALUES (1, 1, 'seed', NULL), (1, 2, 'tight', '4h, 2d, 5d');
INSERT INTO followup.experiment (experiment_id, name, state, starts_at)
VALUES (2, 'cash first', 'installment_rejected', '2026-01-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, weight, plan_b_order)
VALUES (2, 1, 'seed order', 1, NULL),
       (2, 2, 'cash first', 3, '{cash_on_delivery,alternative_bank,family_member_application,cheaper_sku,reserve_until_payday}');
COMMIT;
-- a second experiment on thinking at the same time is refused
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at) VALUES (9, 'overlap', 'thinking', '2026-06-01');
INSERT INTO followup.experiment_arm (experiment_id, arm, name) VALUES (9, 1, 'a'), (9, 2, 'b');
COMMIT;
-- started: frozen
UPDATE followup.experiment_arm SET cadence = '1h, 2h' WHERE experiment_id = 1 AND arm = 2;
DELETE FROM followup.experiment WHERE experiment_id = 1;

-- ---- assignment: 10,000 leads loaded in one statement
-- (lead ids given: the arms depend on them, not on what other suites inserted)
INSERT INTO followup.lead (lead_id, external_ref, created_at, state)
SELECT 1710000 + g, 'bulk' || g, '2026-03-02 10:00+00', 'thinking' FROM generate_series(1, 10000) g;
-- the split is within 3 standard deviations (150) of 5,000
SELECT arm, abs(count(*) - 5000) <= 150 AS within_tolerance
FROM followup.state_change WHERE tenant_id = 171 GROUP BY arm ORDER BY arm;
-- the arm is the hash's, and the planner follows the arm's cadence
SELECT count(*) FILTER (WHERE sc.arm IS DISTINCT FROM followup.experiment_arm_of(171, 1, sc.lead_id)) AS not_the_hash,
       count(*) FILTER (WHERE sc.arm = 1 AND l.next_followup_at <> '2026-03-03 10:00+00') AS arm1_off_cadence,
       count(*) FILTER (WHERE sc.arm = 2 AND l.next_followup_at <> '2026-03-02 14:00+00') AS arm2_off_cadence
FROM followup.state_change sc JOIN followup.lead l USING (tenant_id, lead_id)
WHERE sc.tenant_id = 171;
-- tasks carry the arm, their step and due time are the arm's
SELECT followup.materialize_due('2026-03-02 15:00+00', 20000);
SELECT t.arm, t.step_no, t.due_at, count(*) AS tasks,
       count(*) FILTER (WHERE t.arm IS DISTINCT FROM sc.arm) AS arm_differs
FROM followup.task t JOIN followup.state_change sc USING (tenant_id, lead_id)
WHERE t.tenant_id = 171 GROUP BY 1, 2, 3 ORDER BY 1;
DELETE FROM followup.lead WHERE tenant_id = 171;

-- ---- the Plan B order: arm 2 (weight 3 of 4) offers cash on delivery first
INSERT INTO followup.lead (lead_id, external_ref, created_at, state)
SELECT 1720000 + g, 'pb' || g, '2026-03-02 10:00+00', 'hot' FROM generate_series(1, 8) g;
SELECT pg_temp.ev('pb' || g, '2026-03-02 10:30+00', 'installment_rejected') FROM generate_series(1, 8) g;
SELECT l.ref, l.arm, p.step_no, p.action_code
FROM l, LATERAL (SELECT * FROM followup.preview((SELECT lead_id FROM followup.lead
                   WHERE tenant_id = 171 AND external_ref = l.ref)) LIMIT 1) p ORDER BY l.ref;
SELECT followup.materialize_due('2026-03-02 11:00+00');
SELECT ld.external_ref AS ref, t.arm, t.step_no, t.action_code
FROM followup.task t JOIN followup.lead ld USING (tenant_id, lead_id) WHERE t.tenant_id = 171 ORDER BY 1;
-- a decline moves each to its arm's next option
SELECT pg_temp.ev('pb' || g, '2026-03-02 11:30+00', 'message') FROM generate_series(1, 8) g;
SELECT pg_temp.ev('pb' || g, '2026-03-02 12:00+00', 'plan_b_declined') FROM generate_series(1, 8) g;
SELECT followup.materialize_due('2026-03-02 12:30+00');
SELECT ld.external_ref AS ref, t.arm, t.step_no, t.action_code
FROM followup.task t JOIN followup.lead ld USING (tenant_id, lead_id)
WHERE t.tenant_id = 171 AND t.status = 'open' ORDER BY 1;
-- the declines are their arms' stays'
SELECT arm, count(*) AS stays, sum(touches) AS touches, sum(plan_b_declines) AS declines
FROM followup.experiment_stays WHERE tenant_id = 171 AND experiment_id = 2 GROUP BY arm ORDER BY arm;
SELECT arm, plan_b_declines, touches FROM followup.experiment_results WHERE experiment_id = 2 ORDER BY arm;
DELETE FROM followup.lead WHERE tenant_id = 171;

-- ---- attribution: a reply, a win, to the stay they happened in
INSERT INTO followup.lead (lead_id, external_ref, created_at, state)
SELECT 1730000 + g, 'a' || g, '2026-03-01 10:00+00', 'warm' FROM generate_series(1, 4) g;
-- all enter thinking in the experiment
SELECT pg_temp.ev('a' || g, '2026-03-02 10:00+00', 'think_about_it') FROM generate_series(1, 4) g;
-- a1 replies while thinking, books a meeting (hot), and is won a week later:
-- the reply is the thinking stay's, and the win within the horizon too
SELECT pg_temp.ev('a1', '2026-03-03 09:00+00', 'reply');
SELECT pg_temp.ev('a1', '2026-03-03 09:10+00', 'message');
SELECT pg_temp.ev('a1', '2026-03-04 10:00+00', 'meeting_booked');
SELECT pg_temp.ev('a1', '2026-03-05 10:00+00', 'reply');
SELECT pg_temp.ev('a1', '2026-03-09 10:00+00', 'order');
-- a2 opts out; a3 is won after the horizon; a4 stays silent
SELECT pg_temp.ev('a2', '2026-03-03 12:00+00', 'opt_out');
SELECT pg_temp.ev('a3', '2026-03-20 12:00+00', 'order');
SELECT ref, state, arm FROM l;
SELECT l.external_ref AS ref, s.arm, s.entered_at, s.left_at, s.matured, s.touches, s.replies, s.won_at, s.opted_out_at
FROM followup.experiment_stays s JOIN followup.lead l USING (tenant_id, lead_id)
WHERE s.tenant_id = 171 ORDER BY 1;
SELECT ld.external_ref AS ref, x.arm, x.occurred_at, x.kind, x.by_rule
FROM followup.experiment_interactions x JOIN followup.lead ld USING (tenant_id, lead_id)
WHERE x.tenant_id = 171 ORDER BY 1, 3;
SELECT arm, arm_name, leads, matured, touches, replies, wins, opt_outs, median_time_to_win, reply_rate, win_rate, opt_out_rate
FROM followup.experiment_results WHERE experiment_id = 1 ORDER BY arm;

-- ---- the statistics on hand-built histories (see test/unit for more)
-- no difference
SELECT round(diff::numeric, 4) AS diff, lower < 0 AND upper > 0 AS covers_0, p_value
FROM followup.sequential_diff(100, 1000, 100, 1000);
-- a clear win
SELECT round(diff::numeric, 4) AS diff, round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper,
       p_value < 0.05 AS significant
FROM followup.sequential_diff(200, 1000, 100, 1000);
-- more replies, but fewer wins and more opt-outs: replies up, the verdict down
SELECT m, lower > 0 AS up, upper < 0 AS down
FROM (VALUES ('replies', 400, 250), ('wins', 60, 120), ('opt_outs', 80, 20)) v(m, x1, x0),
     followup.sequential_diff(x1, 1000, x0, 1000);
SELECT * FROM followup.sequential_diff(5, 3, 1, 10);
SELECT * FROM followup.sequential_diff(1, 3, 1, 10, 2);

-- ---- conclusion: the tight arm wins; new entries get it, nothing else changes
DELETE FROM followup.lead WHERE tenant_id = 171;
INSERT INTO followup.lead (lead_id, external_ref, created_at, state)
SELECT 1740000 + g, 'c' || g, '2026-04-01 10:00+00', 'thinking' FROM generate_series(1, 6) g;
SELECT ref, arm, due FROM l;
CREATE TEMP TABLE before AS
    SELECT tenant_id, state, cadence::text FROM followup.policy WHERE tenant_id <> 171 OR state <> 'thinking';
-- not before leads entered its arms: they finish them
SELECT followup.conclude_experiment(1, 2, '2026-04-01 00:00+00');
SELECT experiment_id, winner_arm, concluded_at, base_cadence
FROM followup.conclude_experiment(1, 2, '2026-04-02 00:00+00');
SELECT tenant_id, state, cadence FROM followup.policy WHERE tenant_id = 171;
SELECT count(*) AS other_policies_changed FROM before b
    FULL JOIN (SELECT tenant_id, state, cadence::text FROM followup.policy WHERE tenant_id <> 171 OR state <> 'thinking') p
    USING (tenant_id, state) WHERE b.cadence IS DISTINCT FROM p.cadence;
-- leads already in an arm finish it: a touch re-plans them by their arm's cadence
SELECT pg_temp.ev('c' || g, '2026-04-02 10:00+00', 'message') FROM generate_series(1, 6) g;
SELECT ref, arm, touches, due FROM l;
-- a lead entering after the conclusion: no arm, the winner's cadence
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('d1', '2026-04-03 10:00+00', 'thinking');
SELECT ref, arm, due FROM l WHERE ref = 'd1';
-- concluded: stays in the reports, cannot be concluded again
SELECT DISTINCT experiment_id, status FROM followup.experiment_results WHERE experiment_id = 1;
SELECT followup.conclude_experiment(1, 1, '2026-04-05');
SELECT followup.conclude_experiment(2, 7);
SELECT followup.conclude_experiment(99, 1);

-- ---- cadence advice on a built history: touch 3 brings only opt-outs
DELETE FROM followup.lead WHERE tenant_id = 171;
UPDATE followup.policy SET cadence = '24h, 3d, 7d' WHERE tenant_id = 171 AND state = 'thinking';
INSERT INTO followup.lead (external_ref, created_at, state)
SELECT 'h' || g, '2026-05-01 10:00+00', 'thinking' FROM generate_series(1, 30) g;
SELECT pg_temp.ev('h' || g, '2026-05-02 10:00+00', 'message') FROM generate_series(1, 30) g;
-- touch 1: 6 replies 49 hours later (after touch 2 is due), answered at once
SELECT pg_temp.ev('h' || g, '2026-05-04 11:00+00', 'reply'), pg_temp.ev('h' || g, '2026-05-04 11:05+00', 'message')
FROM generate_series(1, 6) g;
SELECT pg_temp.ev('h' || g, '2026-05-04 10:00+00', 'message') FROM generate_series(7, 30) g;
SELECT pg_temp.ev('h' || g, '2026-05-04 12:00+00', 'reply') FROM generate_series(7, 12) g;
SELECT pg_temp.ev('h' || g, '2026-05-04 12:05+00', 'message') FROM generate_series(7, 12) g;
SELECT pg_temp.ev('h' || g, '2026-05-05 10:00+00', 'order') FROM generate_series(7, 9) g;
SELECT pg_temp.ev('h' || g, '2026-05-08 10:00+00', 'message') FROM generate_series(13, 30) g;
SELECT pg_temp.ev('h' || g, '2026-05-08 11:00+00', 'opt_out') FROM generate_series(13, 16) g;
SELECT touch, planned_offset, touches, replies, reply_rate, median_reply_after, wins, opt_outs, suggested_offset, advice
FROM followup.cadence_advice('thinking', '90 days', '2026-06-01');
SELECT DISTINCT suggested_cadence FROM followup.cadence_advice('thinking', '90 days', '2026-06-01');

-- ---- tenant isolation
CREATE ROLE regress_fu_exp_admin;
SELECT followup.grant_admin('regress_fu_exp_admin');
SET ROLE regress_fu_exp_admin;
SET followup.tenant_id = 172;
SELECT count(*) AS experiments_seen FROM followup.experiment;
SELECT count(*) AS arms_seen FROM followup.experiment_arm;
SELECT count(*) AS results_seen FROM followup.experiment_results;
INSERT INTO followup.experiment (tenant_id, name, state) VALUES (171, 'intruder', 'hot');
UPDATE followup.experiment SET ends_at = now() WHERE tenant_id = 171;
SELECT followup.conclude_experiment(2, 1);
-- its own experiment, concluded by itself
BEGIN;
INSERT INTO followup.experiment (name, state, starts_at) VALUES ('own', 'hot', now() + interval '1 day')
RETURNING tenant_id, state;
INSERT INTO followup.experiment_arm (experiment_id, arm, name, cadence)
SELECT experiment_id, a, 'arm ' || a, CASE WHEN a = 2 THEN '1h, 1d'::followup.cadence END
FROM followup.experiment, generate_series(1, 2) a;
COMMIT;
SELECT count(*) FROM followup.experiment_results;
RESET ROLE;
DROP OWNED BY regress_fu_exp_admin CASCADE;
DROP ROLE regress_fu_exp_admin;
