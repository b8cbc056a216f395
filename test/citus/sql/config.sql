-- A tenant's configuration changed after distribute(): the change is
-- copied to every node and the triggers plan with it at once, also on a
-- worker connection the session already used (the configuration cache).
SET client_min_messages = warning;
CREATE EXTENSION followup;
SELECT followup.distribute();
RESET client_min_messages;
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (91, 'r1', '2026-11-02 10:00+00');
SELECT tenant_id, external_ref, next_action, next_followup_at FROM followup.lead ORDER BY 1, 2;
-- tenant 91's own policy for new leads: a reply within an hour, escalation
-- to a lead operator after a day, a first touch after two hours
INSERT INTO followup.policy (tenant_id, state, cadence, reply_within, escalate_after, escalate_to)
SELECT 91, state, '2h, 1d', '1 hour', '1 day', 'lead_op' FROM followup.policy
WHERE tenant_id = 0 AND state = 'new';
UPDATE followup.policy SET close_after = '5 days' WHERE tenant_id = 91 AND state = 'new';
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (91, 'r2', '2026-11-02 10:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (91, 1, 'reply', '2026-11-02 11:00+00');
SELECT tenant_id, external_ref, next_action, next_followup_at FROM followup.lead ORDER BY 1, 2;
-- on every node
SELECT nodename LIKE '%worker%' AS worker, result AS tenant_91_policy
FROM run_command_on_workers($$SELECT cadence || ' ' || escalate_to FROM followup.policy WHERE tenant_id = 91$$)
ORDER BY nodename;
-- the jobs escalate with it
SELECT * FROM followup.run_due('2026-11-04 00:00+00');
SELECT l.external_ref, t.kind, t.due_at, t.escalated_at, t.escalated_to
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY 1;
-- a step of its own, and the configuration removed again
INSERT INTO followup.step (tenant_id, state, step_no, purpose, action_code, template)
VALUES (91, 'new', 1, 'advance', 'own_first', 'Hello from tenant 91');
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (91, 'r3', '2026-11-04 10:00+00');
SELECT * FROM followup.run_due('2026-11-04 13:00+00');
SELECT l.external_ref, t.kind, t.due_at, t.action_code, t.message
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.external_ref = 'r3';
DELETE FROM followup.step WHERE tenant_id = 91;
DELETE FROM followup.policy WHERE tenant_id = 91;
SELECT count(*) AS tenant_91_rows FROM followup.policy WHERE tenant_id = 91;
-- a TRUNCATE of a distributed table (its statement trigger resets the rollups)
TRUNCATE followup.task, followup.interaction, followup.state_change, followup.lead CASCADE;
SELECT count(*) AS leads FROM followup.lead;
