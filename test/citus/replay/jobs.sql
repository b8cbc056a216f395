-- The jobs, replayed by test/citus/run on one node and on Citus
-- (distribute = true): both must print the same.  Leads of three tenants,
-- replies, Plan B, a late row, run_due at fixed times (close, materialize,
-- escalate), tasks done through the statements a CRM would use.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION followup;
\if :distribute
SELECT followup.distribute() AS distributed \gset
\endif
RESET client_min_messages;
SET citus.propagate_set_commands = 'local';

INSERT INTO followup.lead (tenant_id, external_ref, created_at, owner) VALUES
    (1, 'a1', '2026-11-02 10:00+00', 'ann'), (1, 'a2', '2026-11-02 11:00+00', 'ann'),
    (1, 'a3', '2026-11-02 12:00+00', NULL),
    (2, 'b1', '2026-11-03 09:30+00', 'bob'), (2, 'b2', '2026-11-03 12:00+00', NULL),
    (3, 'c1', '2026-11-04 08:00+00', 'cy'),  (3, 'c2', '2026-11-04 15:45+00', 'cy');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (1, 1, 'reply', '2026-11-02 13:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (2, 5, 'installment_rejected', '2026-11-03 13:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (3, 6, 'think_about_it', '2026-11-04 09:00+00');

-- tenant 3's own policy for thinking leads, set after distribute()
INSERT INTO followup.policy (tenant_id, state, cadence, escalate_after, escalate_to)
VALUES (3, 'thinking', '1d, 3d', '1 day', 'lead_cy');

-- the jobs at fixed times, each followed by what an operator does
SELECT * FROM followup.run_due('2026-11-05 00:00+00');
-- every open task done, as a CRM's operator would (the tenant in the WHERE)
UPDATE followup.task SET status = 'claimed', claimed_by = 'ann', claimed_at = '2026-11-05 01:00+00'
WHERE tenant_id = 1 AND status = 'open';
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator, task_id)
SELECT t.tenant_id, t.lead_id, 'message', '2026-11-05 02:00+00', 'ann', t.task_id
FROM followup.task t WHERE t.tenant_id = 1 AND t.status = 'claimed' ORDER BY t.task_id LIMIT 1;
SELECT * FROM followup.run_due('2026-11-09 00:00+00');
-- late: older than the lead's last event
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (3, 6, 'reply', '2026-11-03 10:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (2, 4, 'reply', '2026-11-09 10:00+00');
SELECT * FROM followup.run_due('2026-11-15 00:00+00');
-- tenant 3's operator does every task it is given, until its leads close
\set done 'INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator, task_id) SELECT t.tenant_id, t.lead_id, ''message'', t.due_at + interval ''1 hour'', ''cy'', t.task_id FROM followup.task t WHERE t.tenant_id = 3 AND t.status = ''open'' AND t.kind <> ''reply'' ORDER BY t.task_id'
:done;
SELECT * FROM followup.run_due('2026-11-25 00:00+00');
:done;
SELECT * FROM followup.run_due('2026-12-05 00:00+00');
:done;
SELECT * FROM followup.run_due('2026-12-20 00:00+00');
:done;
SELECT * FROM followup.run_due('2027-01-10 00:00+00');
:done;
SELECT * FROM followup.run_due('2027-02-01 00:00+00');
:done;
SELECT * FROM followup.run_due('2027-03-01 00:00+00');
-- nothing left to do at the same time again
SELECT * FROM followup.run_due('2027-02-01 00:00+00');

SELECT tenant_id, lead_id, external_ref, state, state_since, touches, plan_b_step,
       next_action, next_followup_at, last_inbound_at, last_outbound_at, closed_reason
FROM followup.lead ORDER BY tenant_id, lead_id;
-- task ids are drawn in the order the tasks are made, which is due order
-- across tenants on one node and tenant by tenant on Citus: compared
-- without them
SELECT tenant_id, lead_id, kind, state, step_no, plan_b_step, due_at, channel, purpose,
       action_code, message, assignee, status, claimed_by, escalated_at, escalated_to, created_at
FROM followup.task ORDER BY tenant_id, lead_id, created_at, due_at;
SELECT i.tenant_id, i.interaction_id, i.lead_id, i.kind, i.occurred_at, t.due_at AS task_due_at,
       i.state_at, i.touches_at, i.applied
FROM followup.interaction i
LEFT JOIN followup.task t ON t.tenant_id = i.tenant_id AND t.task_id = i.task_id
ORDER BY i.tenant_id, i.interaction_id;
SELECT tenant_id, lead_id, changed_at, from_state, to_state
FROM followup.state_change ORDER BY tenant_id, lead_id, changed_at, to_state;
-- the reports that do not depend on now(), per tenant
BEGIN;
SET LOCAL followup.tenant_id = 3;
SELECT * FROM followup.stall_diagnostic('60 days', '2026-12-01 00:00+00');
COMMIT;
BEGIN;
SET LOCAL followup.tenant_id = 1;
SELECT * FROM followup.stall_diagnostic('60 days', '2026-12-01 00:00+00');
COMMIT;
SELECT tenant_id, state, leads, awaiting_reply, next_due_at FROM followup.pipeline ORDER BY 1, 2;
SELECT tenant_id, state, touches, leads, silent_leads FROM followup.silence_by_stage ORDER BY 1, 2, 3;
-- the invariants: one live task per lead, none for a closed lead
SELECT t.tenant_id, t.lead_id, count(*) FROM followup.task t
WHERE t.status IN ('open', 'claimed') GROUP BY 1, 2 HAVING count(*) > 1;
SELECT t.tenant_id, t.task_id FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.status IN ('open', 'claimed') AND l.next_action IS NULL;
