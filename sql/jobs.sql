--
-- The jobs: materialize_due, close_exhausted, escalate_overdue, run_due.
-- Time is driven by as_of; nothing reads the clock.  The jobs serve every
-- tenant of a database at once, so this suite has a database of its own.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_jobs;
\c followup_jobs
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 120;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action,
           next_followup_at AS due, closed_reason, do_not_contact AS dnc
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE TEMP VIEW t AS
    SELECT l.external_ref AS ref, t.kind, t.state, t.step_no, t.plan_b_step AS pb, t.due_at,
           t.status, t.assignee, t.action_code, t.created_at
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE t.tenant_id = followup.current_tenant() ORDER BY l.external_ref, t.task_id;

INSERT INTO followup.lead (external_ref, created_at, state, owner, attrs) VALUES
    ('a_thinking', '2026-11-23 10:00+00', 'thinking', 'ana', '{"name": "Nino", "product": "Galaxy A55", "open_question": "the warranty", "answer": "it is two years"}'),
    ('b_planb', '2026-11-23 10:00+00', 'installment_rejected', 'beka', '{"name": "Giorgi", "alt_bank": "TBC"}'),
    ('c_warm', '2026-11-23 10:00+00', 'warm', NULL, '{}'),
    ('d_optout', '2026-11-23 10:00+00', 'warm', 'ana', '{}'),
    ('e_new', '2026-11-23 10:00+00', 'new', 'ana', '{}');
UPDATE followup.lead SET do_not_contact = true WHERE tenant_id = 120 AND external_ref = 'd_optout';

-- at 10:04 only the first Plan B option (due at once) is due
SELECT followup.materialize_due('2026-11-23 10:04+00');
-- at 10:05 the new lead's first touch (speed to lead) too
SELECT followup.materialize_due('2026-11-23 10:05+00');
SELECT * FROM t;
SELECT ref, message, render_error FROM followup.task JOIN (SELECT lead_id, external_ref AS ref FROM followup.lead) x USING (lead_id)
WHERE tenant_id = 120 ORDER BY ref;
-- idempotent: running again at the same time makes nothing
SELECT followup.materialize_due('2026-11-23 10:05+00');
-- a day later: thinking and warm are due; the opted-out lead never gets a task
SELECT followup.materialize_due('2026-11-24 10:00+00');
SELECT * FROM t;

-- a template error is stored, and the batch goes on
INSERT INTO followup.step (state, step_no, purpose, action_code, template)
VALUES ('hot', 1, 'advance', 'call_back', 'Call {{name}} about {{product}}');
INSERT INTO followup.lead (external_ref, created_at, state, attrs) VALUES
    ('f_hot_noname', '2026-11-24 10:00+00', 'hot', '{}'),
    ('g_hot_named', '2026-11-24 10:00+00', 'hot', '{"name": "Lasha", "product": "iPad"}');
SELECT followup.materialize_due('2026-11-24 12:00+00');
SELECT external_ref, message, render_error FROM followup.task JOIN followup.lead USING (tenant_id, lead_id)
WHERE tenant_id = 120 AND external_ref LIKE '%hot%' ORDER BY external_ref;

-- max_leads bounds a run; the rest waits for the next one
INSERT INTO followup.lead (external_ref, created_at, state)
SELECT 'h_bulk' || i, '2026-11-25 10:00+00', 'hot' FROM generate_series(1, 5) i;
SELECT followup.materialize_due('2026-11-25 12:00+00', 2);
SELECT followup.materialize_due('2026-11-25 12:00+00', 2);
SELECT followup.materialize_due('2026-11-25 12:00+00', 2);
SELECT count(*) FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 120 AND l.external_ref LIKE 'h_bulk%';

-- close_exhausted: a spent cadence parks the lead (exhausted) and the recycle
-- policy takes over; spent Plan B options park it as plan_b_exhausted
SET followup.tenant_id = 121;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('spent', '2026-11-01 10:00+00', 'thinking'),
    ('planb', '2026-11-01 10:00+00', 'installment_rejected'),
    ('parked', '2026-06-01 10:00+00', 'recycle');
UPDATE followup.lead SET touches = 3, last_outbound_at = '2026-11-08 10:00+00'
WHERE tenant_id = 121 AND external_ref = 'spent';
UPDATE followup.lead SET plan_b_step = 6, touches = 5, last_outbound_at = '2026-11-08 10:00+00'
WHERE tenant_id = 121 AND external_ref = 'planb';
UPDATE followup.lead SET touches = 3, last_outbound_at = '2026-09-01 10:00+00'
WHERE tenant_id = 121 AND external_ref = 'parked';
SELECT * FROM l;
SELECT followup.close_exhausted('2026-11-10 10:00+00');
SELECT followup.close_exhausted('2026-11-12 10:00+00');
SELECT * FROM l;
SELECT ref, state_since FROM (SELECT external_ref AS ref, state_since FROM followup.lead WHERE tenant_id = 121) s ORDER BY ref;
SELECT followup.close_exhausted('2026-11-12 10:00+00');

-- escalate_overdue: a task more than escalate_after late goes to escalate_to
SET followup.tenant_id = 122;
INSERT INTO followup.policy (state, cadence, escalate_after, escalate_to)
VALUES ('warm', '1d, 3d', '2 hours', 'supervisor');
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('late', '2026-11-23 10:00+00', 'warm');
SELECT followup.materialize_due('2026-11-24 10:00+00');
SELECT followup.escalate_overdue('2026-11-24 12:00+00');
SELECT followup.escalate_overdue('2026-11-24 12:01+00');
SELECT followup.escalate_overdue('2026-11-24 13:00+00');
SELECT status, escalated_at, escalated_to FROM followup.task WHERE tenant_id = 122;

-- run_due does all three and returns their counts
SET followup.tenant_id = 123;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('r1', '2026-11-23 10:00+00', 'warm'), ('r2', '2026-11-23 10:00+00', 'hot');
UPDATE followup.lead SET touches = 3, last_outbound_at = '2026-11-23 11:00+00'
WHERE tenant_id = 123 AND external_ref = 'r2';
SELECT * FROM followup.run_due('2026-11-24 10:00+00');
SELECT * FROM followup.run_due('2026-11-26 11:00+00');
SELECT * FROM followup.run_due('2026-11-26 11:00+00');
SELECT * FROM l;

-- the monitoring view reads the real clock: a lead due in 2020 is waiting
SET followup.tenant_id = 124;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('old1', '2020-01-01 10:00+00', 'warm'), ('old2', '2020-01-01 10:00+00', 'hot');
UPDATE followup.lead SET touches = 3, last_outbound_at = '2020-01-01 11:00+00'
WHERE tenant_id = 124 AND external_ref = 'old2';
SELECT tenant_id, due_without_task, due_to_close, oldest_due_at, oldest_lag > interval '1 year' AS lagging
FROM followup.job_lag WHERE tenant_id = 124;

-- bad arguments
SELECT followup.materialize_due('2026-11-24 10:00+00', 0);
SELECT followup.materialize_due('infinity');
SELECT followup.close_exhausted('2026-11-24 10:00+00', -1);
SELECT followup.run_due(NULL);

\c :regress_db
DROP DATABASE followup_jobs;
