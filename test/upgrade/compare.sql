-- test/upgrade/compare.sql - what must be equal after test/upgrade/workload.sql
-- in an updated and in a fresh database (times set by now() left out).
\pset footer off
SET timezone = 'UTC';
SET followup.tenant_id = 7;
SELECT to_jsonb(l) - 'updated_at' AS lead FROM followup.lead l ORDER BY tenant_id, lead_id;
-- tasks by lead, numbered in the order each lead's were made: the order
-- among leads due at the same moment, and so their task_ids, is not the
-- jobs' to keep (0.1.0's statement took them as its plan read them)
CREATE TEMP VIEW task_key AS
    SELECT tenant_id, task_id, lead_id, row_number() OVER (PARTITION BY tenant_id, lead_id ORDER BY task_id) AS n
    FROM followup.task;
SELECT to_jsonb(t) - 'created_at' - 'task_id' || jsonb_build_object('lead_task', k.n) AS task
FROM followup.task t JOIN task_key k USING (tenant_id, task_id) ORDER BY t.tenant_id, t.lead_id, k.n;
SELECT to_jsonb(i) - 'task_id' || jsonb_build_object('task', k.lead_id || '#' || k.n) AS interaction
FROM followup.interaction i LEFT JOIN task_key k USING (tenant_id, task_id) ORDER BY i.tenant_id, i.interaction_id;
SELECT to_jsonb(c) AS state_change FROM followup.state_change c ORDER BY 1;
SELECT to_jsonb(x) AS config FROM (SELECT tenant_id, state::text AS k, to_jsonb(p) AS v FROM followup.policy p
    UNION ALL SELECT tenant_id, kind, to_jsonb(s) FROM followup.signal s
    UNION ALL SELECT tenant_id, rule_id::text, to_jsonb(r) FROM followup.rule r) x ORDER BY 1;
SELECT tenant_id, state, leads, overdue, awaiting_reply FROM followup.pipeline ORDER BY 1, 2;
SELECT * FROM followup.operator_compliance ORDER BY 1, 2, 3;
SELECT * FROM followup.response_times ORDER BY 1, 2, 3;
SELECT * FROM followup.step_funnel ORDER BY 1, 2, 3, 4;
SELECT * FROM followup.plan_b_recovery ORDER BY 1, 2, 3, 4;
SELECT tenant_id, state, touches, leads, silent_leads FROM followup.silence_by_stage ORDER BY 1, 2, 3;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-09 00:00+00');
