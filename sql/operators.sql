--
-- Operators: claim_tasks, complete_task, release_task and due_tasks, in a
-- database of their own (the jobs serve every tenant of a database).
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_operators;
\c followup_operators
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 130;
INSERT INTO followup.lead (lead_id, external_ref, created_at, state, owner) VALUES
    (130001, 'w1', '2026-11-23 09:00+00', 'warm', NULL),
    (130002, 'w2', '2026-11-23 08:00+00', 'warm', 'beka'),
    (130003, 'h1', '2026-11-24 06:00+00', 'hot', NULL),
    (130004, 'r1', '2026-11-23 10:00+00', 'thinking', NULL);
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (130004, '2026-11-24 09:30+00', 'reply');
SELECT followup.materialize_due('2026-11-24 10:00+00');
SELECT lead_id, kind, state, due_at, assignee, status, urgent FROM followup.due_tasks ORDER BY task_id;

-- owed replies first, then hot leads, then by due time; beka's own task is not ana's
SELECT lead_id, kind, status, claimed_by FROM followup.claim_tasks('ana', 2);
SELECT lead_id, kind, status, claimed_by FROM followup.claim_tasks('ana', 5);
SELECT lead_id, kind, status, claimed_by FROM followup.claim_tasks('ana');
SELECT lead_id, kind, status, claimed_by FROM followup.claim_tasks('beka');
-- another tenant sees none of them
SET followup.tenant_id = 131;
SELECT count(*) FROM followup.claim_tasks('ana', 10);
SELECT count(*) FROM followup.due_tasks;
SET followup.tenant_id = 130;

-- complete: the touch is recorded by rule, the task is done, the lead re-planned
SELECT kind, operator, by_rule, applied, task_id IS NOT NULL AS has_task
FROM followup.complete_task((SELECT task_id FROM followup.task WHERE lead_id = 130004), 'ana',
                            'Yes, the warranty is two years.', '2026-11-24 10:10+00');
SELECT status, claimed_by, done_at FROM followup.task WHERE lead_id = 130004;
SELECT next_action, next_followup_at FROM followup.lead WHERE lead_id = 130004;
-- completing it again, or a task that does not exist
SELECT followup.complete_task((SELECT task_id FROM followup.task WHERE lead_id = 130004), 'ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.complete_task(-1, 'ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a superseded task: the customer replied before the operator wrote
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (130003, '2026-11-24 10:20+00', 'reply');
SELECT followup.complete_task((SELECT task_id FROM followup.task WHERE lead_id = 130003 AND status = 'superseded'), 'ana', NULL, '2026-11-24 10:25+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a completion older than the lead's last event would change nothing: refused
SELECT followup.materialize_due('2026-11-24 10:30+00');
SELECT followup.complete_task((SELECT task_id FROM followup.task WHERE lead_id = 130003 AND status = 'open'), 'ana', NULL, '2026-11-24 10:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a call step completes as a call
UPDATE followup.task SET channel = 'call' WHERE lead_id = 130003 AND status = 'open';
SELECT kind, channel, operator, by_rule FROM followup.complete_task(
    (SELECT task_id FROM followup.task WHERE lead_id = 130003 AND status = 'open'), NULL, NULL, '2026-11-24 10:31+00');

-- release: a claimed task goes back to the queue
SELECT lead_id, status, claimed_by FROM followup.release_task((SELECT task_id FROM followup.task WHERE lead_id = 130002));
SELECT followup.release_task((SELECT task_id FROM followup.task WHERE lead_id = 130002));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.release_task((SELECT task_id FROM followup.task WHERE lead_id = 130004));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.release_task(-1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- escalated tasks can be claimed by whom they were escalated to
UPDATE followup.task SET escalated_at = '2026-11-24 12:00+00', escalated_to = 'lead_supervisor'
WHERE lead_id = 130002 AND status = 'open';
SELECT lead_id, claimed_by FROM followup.claim_tasks('lead_supervisor');

-- bad arguments
SELECT followup.claim_tasks(NULL);
SELECT followup.claim_tasks('  ');
SELECT followup.claim_tasks('ana', 0);
SELECT followup.claim_tasks('ana', 5000);
SELECT followup.complete_task(NULL);

\c :regress_db
DROP DATABASE followup_operators;
