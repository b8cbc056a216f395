-- A fixed scenario for the triggers, run by test/citus/run on one node and
-- on Citus (distribute = true): both must print the same.  Leads of three
-- tenants, signals of every direction, a tenant's own signal, Plan B, a CRM
-- move, a late interaction and one INSERT of interactions out of order.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION followup;
-- a tenant's own signal (configuration changes after distribute() do not
-- work yet: docs/scaling.md)
INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (2, 'demo_done', 'inbound', 1.5);
-- and its own reason
INSERT INTO followup.reason (tenant_id, reason) VALUES (2, 'warranty');
\if :distribute
SELECT followup.distribute() AS distributed \gset
\endif
RESET client_min_messages;
SET citus.propagate_set_commands = 'local';

INSERT INTO followup.lead (tenant_id, external_ref, created_at, owner) VALUES
    (1, 'a1', '2026-11-20 10:00+00', 'ann'), (1, 'a2', '2026-11-20 11:00+00', 'ann'),
    (2, 'b1', '2026-11-21 09:30+00', 'bob'), (2, 'b2', '2026-11-21 12:00+00', NULL),
    (3, 'c1', '2026-11-22 08:00+00', 'cy'),  (3, 'c2', '2026-11-22 15:45+00', 'cy');

INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator) VALUES
    (1, 1, 'message', '2026-11-20 12:00+00', 'ann');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (1, 1, 'reply', '2026-11-20 13:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (1, 2, 'proposal_viewed', '2026-11-21 10:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (1, 2, 'link_clicked', '2026-11-21 11:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (2, 3, 'demo_done', '2026-11-22 10:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, reason) VALUES
    (2, 3, 'think_about_it', '2026-11-22 16:00+00', 'warranty');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (2, 4, 'installment_rejected', '2026-11-23 09:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator) VALUES
    (2, 4, 'message', '2026-11-23 10:00+00', 'bob');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, reason) VALUES
    (2, 4, 'plan_b_declined', '2026-11-23 12:00+00', 'financing');
-- one statement, out of order: applied in occurred_at order
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator, reason) VALUES
    (3, 5, 'reply', '2026-11-23 14:00+00', NULL, 'timing'),
    (3, 5, 'call', '2026-11-23 09:00+00', 'cy', NULL),
    (3, 5, 'email_opened', '2026-11-23 11:00+00', NULL, NULL);
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (3, 6, 'order', '2026-11-24 10:00+00');
-- late: older than lead 6's last event, recorded and changing nothing
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (3, 6, 'reply', '2026-11-23 10:00+00');
-- the won customer buys again
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (3, 6, 'order', '2026-11-25 10:00+00');
-- the CRM moves a lead; a customer opts out
UPDATE followup.lead SET state = 'thinking', state_since = '2026-11-24 09:00+00'
WHERE tenant_id = 1 AND lead_id = 2;
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (2, 3, 'opt_out', '2026-11-24 12:00+00');

SELECT tenant_id, lead_id, external_ref, state, state_since, anchor_at, touches, plan_b_step,
       next_action, next_followup_at, last_inbound_at, last_outbound_at, last_event_at,
       round(momentum::numeric, 4) AS momentum, do_not_contact, closed_reason, reason
FROM followup.lead ORDER BY tenant_id, lead_id;
SELECT tenant_id, interaction_id, lead_id, kind, occurred_at, task_id, state_at, touches_at,
       plan_b_step_at, by_rule, applied, rule_id, reason
FROM followup.interaction ORDER BY tenant_id, interaction_id;
SELECT * FROM followup.reasons ORDER BY 1, 2, 3, 4;
SELECT * FROM followup.repeat_purchases ORDER BY 1, 3;
SELECT tenant_id, lead_id, changed_at, from_state, to_state, interaction_id
FROM followup.state_change ORDER BY tenant_id, lead_id, changed_at, to_state;
