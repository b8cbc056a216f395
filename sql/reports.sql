--
-- Reporting views and the seed's diagnostic, on hand-built histories whose
-- answers are known.  The jobs serve every tenant of a database, so this
-- suite has a database of its own.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_reports;
\c followup_reports
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 140;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text, op text DEFAULT NULL) RETURNS void AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
    SELECT lead_id, at, kind, op FROM followup.lead WHERE tenant_id = 140 AND external_ref = ref
$$ LANGUAGE sql;
CREATE FUNCTION pg_temp.complete(ref text, op text, at timestamptz) RETURNS void AS $$
    SELECT followup.complete_task(t.task_id, op, NULL, at)
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE l.tenant_id = 140 AND l.external_ref = ref AND t.status IN ('open', 'claimed')
$$ LANGUAGE sql;

-- Monday 2026-11-02.  Four leads say they will think about it; one has its
-- installment refused.
INSERT INTO followup.lead (external_ref, created_at, state, owner) VALUES
    ('a', '2026-11-02 09:00+00', 'warm', 'ana'),
    ('b', '2026-11-02 09:00+00', 'warm', 'beka'),
    ('c', '2026-11-02 09:00+00', 'warm', 'carl'),
    ('d', '2026-11-02 09:00+00', 'warm', 'ana'),
    ('e', '2026-11-02 09:00+00', 'hot', 'ana');
SELECT pg_temp.ev('a', '2026-11-02 10:00+00', 'think_about_it');
SELECT pg_temp.ev('b', '2026-11-02 12:00+00', 'think_about_it');
SELECT pg_temp.ev('c', '2026-11-02 13:00+00', 'think_about_it');
SELECT pg_temp.ev('d', '2026-11-02 14:00+00', 'think_about_it');
-- e: the bank refuses; option 1 at once, done by ana in 10 minutes; declined;
-- option 2 at once, done in 5 minutes; then the bank approves
SELECT pg_temp.ev('e', '2026-11-02 10:00+00', 'installment_rejected');
SELECT * FROM followup.run_due('2026-11-02 10:00+00');
SELECT pg_temp.complete('e', 'ana', '2026-11-02 10:10+00');
SELECT pg_temp.ev('e', '2026-11-02 11:00+00', 'plan_b_declined');
SELECT * FROM followup.run_due('2026-11-02 11:00+00');
SELECT pg_temp.complete('e', 'ana', '2026-11-02 11:05+00');
SELECT pg_temp.ev('e', '2026-11-02 12:00+00', 'installment_approved');

-- Tuesday: a's task is done on time by ana, b's three and a half hours late
-- by beka (escalate_after is 2 hours); carl writes to c without a task;
-- nobody writes to d
SELECT * FROM followup.run_due('2026-11-03 12:00+00');
SELECT pg_temp.complete('a', 'ana', '2026-11-03 10:30+00');
SELECT pg_temp.ev('c', '2026-11-03 09:00+00', 'message', 'carl');
SELECT pg_temp.complete('b', 'beka', '2026-11-03 15:30+00');
-- a answers; ana replies 20 minutes later (no task was made for the reply:
-- by chance); on Wednesday a orders
SELECT pg_temp.ev('a', '2026-11-03 11:00+00', 'reply');
SELECT pg_temp.ev('a', '2026-11-03 11:20+00', 'message', 'ana');
SELECT pg_temp.ev('a', '2026-11-04 10:00+00', 'order');

-- the seed's question, over the week
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-07 00:00+00');
-- only the last hour of Monday afternoon: d alone, never followed up
SELECT * FROM followup.stall_diagnostic('1 hour', '2026-11-02 14:30+00');
-- a window that ends before the stalls: nothing
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-01 00:00+00');
-- another tenant has no stalls
SET followup.tenant_id = 141;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-07 00:00+00');
SET followup.tenant_id = 140;
-- JIT would compile their statements for longer than they take: off in the
-- functions (run_due's covers the jobs it calls)
SELECT oid::regprocedure AS function, proconfig FROM pg_proc
WHERE oid IN ('followup.stall_diagnostic(interval, timestamptz)'::regprocedure,
              'followup.roll_up(timestamptz, interval)'::regprocedure,
              'followup.run_due(timestamptz)'::regprocedure)
ORDER BY 1::text;

SELECT state, leads, awaiting_reply FROM followup.pipeline WHERE tenant_id = 140 ORDER BY state;

SELECT l.external_ref AS ref, t.occurred_at, t.operator, t.state, t.step_no, t.plan_b_step,
       t.by_rule, t.task_kind, t.due_at, t.delay, t.on_time
FROM followup.touch_log t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 140 ORDER BY t.occurred_at;

SELECT operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay, median_delay_seconds
FROM followup.operator_compliance WHERE tenant_id = 140 ORDER BY day, operator;

SELECT operator, day, replies_answered, median, p90, max, median_seconds, stddev_seconds
FROM followup.response_times WHERE tenant_id = 140 ORDER BY day, operator;

SELECT state, touches, leads, silent_leads FROM followup.silence_by_stage WHERE tenant_id = 140 ORDER BY state, touches;

SELECT state, step_no, touches, replies, wins FROM followup.step_funnel WHERE tenant_id = 140 ORDER BY state, step_no;

SELECT plan_b_step, action_code, offered, declined, won_after FROM followup.plan_b_recovery
WHERE tenant_id = 140 ORDER BY plan_b_step;

-- bad arguments
SELECT * FROM followup.stall_diagnostic(NULL);
SELECT * FROM followup.stall_diagnostic('-1 day');

\c :regress_db
DROP DATABASE followup_reports;
