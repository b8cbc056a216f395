-- bench/spread_history.sql - tenant 3's history, made by bench/history.sql
-- over :days days, copied :copies - 1 more times under new ids as
-- bench/clone_history.sql does, each copy k moved k * :days days earlier:
-- the history grows in depth (months and years of the same shop, as a
-- partitioned history keeps them), not in the volume of a day.  The
-- triggers are off while copying (a loader, run as the owner); the rollups
-- start over afterwards.
SET session_replication_role = replica;
SELECT max(lead_id) AS lead_span, (SELECT max(task_id) FROM followup.task) AS task_span,
       (SELECT max(interaction_id) FROM followup.interaction) AS interaction_span
FROM followup.lead \gset

INSERT INTO followup.lead
SELECT l.tenant_id, l.lead_id + k * :lead_span, l.external_ref || '#' || k, l.state, l.state_since - s, l.anchor_at - s,
       l.touches, l.plan_b_step, l.next_action, l.next_followup_at - s, l.owner, l.timezone, l.attrs,
       l.last_inbound_at - s, l.last_outbound_at - s, l.last_event_at - s, l.momentum, l.momentum_at - s,
       l.do_not_contact, l.closed_reason, l.created_at - s, l.updated_at - s
FROM followup.lead l, generate_series(1, :copies - 1) k, LATERAL (SELECT k * :days * interval '1 day' AS s) x
WHERE l.tenant_id = 3;
INSERT INTO followup.task
SELECT t.tenant_id, t.task_id + k * :task_span, t.lead_id + k * :lead_span, t.kind, t.state, t.step_no,
       t.plan_b_step, t.due_at - s, t.channel, t.purpose, t.action_code, t.message, t.render_error, t.assignee,
       t.status, t.claimed_by, t.claimed_at - s, t.done_at - s, t.escalated_at - s, t.escalated_to, t.created_at - s
FROM followup.task t, generate_series(1, :copies - 1) k, LATERAL (SELECT k * :days * interval '1 day' AS s) x
WHERE t.tenant_id = 3;
INSERT INTO followup.interaction
SELECT i.tenant_id, i.interaction_id + k * :interaction_span, i.lead_id + k * :lead_span, i.occurred_at - s,
       i.kind, i.channel, i.operator, i.task_id + k * :task_span, i.body, i.payload, i.state_at, i.touches_at,
       i.plan_b_step_at, i.by_rule, i.applied, i.rule_id
FROM followup.interaction i, generate_series(1, :copies - 1) k, LATERAL (SELECT k * :days * interval '1 day' AS s) x
WHERE i.tenant_id = 3;
INSERT INTO followup.state_change
SELECT c.tenant_id, c.lead_id + k * :lead_span, c.changed_at - s, c.from_state, c.to_state,
       c.interaction_id + k * :interaction_span
FROM followup.state_change c, generate_series(1, :copies - 1) k, LATERAL (SELECT k * :days * interval '1 day' AS s) x
WHERE c.tenant_id = 3;
RESET session_replication_role;

SELECT setval(pg_get_serial_sequence('followup.lead', 'lead_id'), (SELECT max(lead_id) FROM followup.lead));
SELECT setval(pg_get_serial_sequence('followup.task', 'task_id'), (SELECT max(task_id) FROM followup.task));
SELECT setval(pg_get_serial_sequence('followup.interaction', 'interaction_id'),
              (SELECT max(interaction_id) FROM followup.interaction));
-- the rollup did not see the copies: start it over
UPDATE followup.rollup_state SET rolled_until = '-infinity';
SELECT followup.rollup_drop('-infinity');
SET timezone = 'UTC';
SELECT followup.roll_up() IS NOT NULL AS rolled_up;
VACUUM ANALYZE;
