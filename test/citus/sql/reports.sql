-- The rolled-up reports on Citus (docs/scaling.md): as the owner, the days
-- rolled up and the rest computed; a late write re-rolled; a configuration
-- change makes the rolled days count for nothing until roll_up; a
-- grant_reader role sees its tenant's rows only, read through the rollups
-- as the owner does.
SET client_min_messages = warning;
CREATE EXTENSION followup;
SELECT followup.distribute();
RESET client_min_messages;
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at, owner) VALUES
    (91, 'r1', '2026-10-01 10:00+00', 'ann'), (91, 'r2', '2026-10-01 11:00+00', 'ann'),
    (92, 's1', '2026-10-01 10:30+00', 'sam');
SELECT * FROM followup.run_due('2026-10-02 00:00+00');
-- the tasks done, a customer answers
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator, task_id)
SELECT t.tenant_id, t.lead_id, 'message', t.due_at + interval '2 hours', 'ann', t.task_id
FROM followup.task t WHERE t.status = 'open' ORDER BY t.tenant_id, t.lead_id;
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (91, 1, 'reply', '2026-10-03 09:00+00'), (92, 3, 'installment_rejected', '2026-10-03 10:00+00');
SELECT * FROM followup.run_due('2026-10-06 00:00+00');
\set reports 'SELECT tenant_id, operator, day, due, on_time, late, by_rule FROM followup.operator_compliance ORDER BY 1, 2, 3; SELECT tenant_id, operator, day, replies_answered, median FROM followup.response_times ORDER BY 1, 2, 3; SELECT * FROM followup.step_funnel ORDER BY 1, 2, 3; SELECT * FROM followup.plan_b_recovery ORDER BY 1, 2, 3'
:reports;
-- rolled up to a date, the rest computed: the same answers
SELECT followup.roll_up('2026-10-06 00:00+00') > 0 AS rolled;
SELECT rolled_until FROM followup.rollup_state;
SELECT followup.rolled_until() = '2026-10-04 00:00+00' AS rolled_until_counts;
:reports;
-- a late touch on a rolled day: marked, computed, then rolled again
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator) VALUES
    (91, 2, 'call', '2026-10-02 15:00+00', 'bob');
SELECT count(*) > 0 AS marked FROM followup.rollup_mark;
SELECT tenant_id, operator, day, by_rule, by_chance FROM followup.operator_compliance
WHERE day = '2026-10-02' ORDER BY 1, 2;
SELECT followup.roll_up('2026-10-06 00:00+00') > 0 AS rolled;
SELECT count(*) AS marks_left FROM followup.rollup_mark;
SELECT tenant_id, operator, day, by_rule, by_chance FROM followup.operator_compliance
WHERE day = '2026-10-02' ORDER BY 1, 2;
-- a configuration change: the rolled days count for nothing until roll_up
UPDATE followup.policy SET escalate_after = '1 day' WHERE tenant_id = 0 AND state = 'new';
SELECT followup.rolled_until() AS rolled_until_after_change;
SELECT tenant_id, operator, day, due, on_time, late FROM followup.operator_compliance ORDER BY 1, 2, 3;
SELECT followup.roll_up('2026-10-06 00:00+00') > 0 AS rolled;
SELECT followup.rolled_until() = '2026-10-04 00:00+00' AS rolled_until_counts;
SELECT tenant_id, operator, day, due, on_time, late FROM followup.operator_compliance ORDER BY 1, 2, 3;

-- a reader of tenant 91: its rows only, its rolled days counted
CREATE ROLE citus_reader LOGIN;
SELECT followup.grant_reader('citus_reader');
BEGIN;
SET LOCAL ROLE citus_reader;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL followup.tenant_id = 91;
SELECT followup.rolled_until() = '2026-10-04 00:00+00' AS rolled_until_counts;
SELECT tenant_id, operator, day, due, on_time, late FROM followup.operator_compliance ORDER BY 1, 2, 3;
SELECT * FROM followup.step_funnel ORDER BY 1, 2, 3;
COMMIT;
