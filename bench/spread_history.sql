-- bench/spread_history.sql - tenant 3's history, made by bench/history.sql
-- over :days days, copied :copies - 1 more times under new ids as
-- bench/clone_history.sql does, each copy k moved k * :days days earlier:
-- the history grows in depth (months and years of the same shop, as a
-- partitioned history keeps them), not in the volume of a day.  The
-- triggers are off while copying (a loader, run as the owner); the rollups
-- start over afterwards.
--
-- Loaded as a restore loads: the indexes that back no constraint are
-- dropped first and built again afterwards (random inserts into them cost
-- hours at 100M rows), and each copy is one INSERT from a snapshot of the
-- original in key order, so the keys' indexes grow at their right edge.
SET session_replication_role = replica;
SELECT max(lead_id) AS lead_span, (SELECT max(task_id) FROM followup.task) AS task_span,
       (SELECT max(interaction_id) FROM followup.interaction) AS interaction_span
FROM followup.lead \gset

CREATE TEMP TABLE rebuilt AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def,
       obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_index i
WHERE i.indrelid IN ('followup.lead'::regclass, 'followup.task'::regclass,
                     'followup.interaction'::regclass, 'followup.state_change'::regclass)
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM rebuilt \gexec

CREATE TEMP TABLE src_lead AS SELECT * FROM followup.lead WHERE tenant_id = 3 ORDER BY lead_id;
CREATE TEMP TABLE src_task AS SELECT * FROM followup.task WHERE tenant_id = 3 ORDER BY task_id;
CREATE TEMP TABLE src_interaction AS SELECT * FROM followup.interaction WHERE tenant_id = 3 ORDER BY interaction_id;
CREATE TEMP TABLE src_state_change AS SELECT * FROM followup.state_change WHERE tenant_id = 3 ORDER BY lead_id, changed_at;

SELECT format($$
INSERT INTO followup.lead
SELECT l.tenant_id, l.lead_id + %1$s * %2$s, l.external_ref || '#' || %1$s, l.state, l.state_since - s, l.anchor_at - s,
       l.touches, l.plan_b_step, l.next_action, l.next_followup_at - s, l.owner, l.timezone, l.attrs,
       l.last_inbound_at - s, l.last_outbound_at - s, l.last_event_at - s, l.momentum, l.momentum_at - s,
       l.do_not_contact, l.closed_reason, l.created_at - s, l.updated_at - s
FROM src_lead l, LATERAL (SELECT %1$s * %3$s * interval '1 day' AS s) x$$, k, :lead_span, :days)
FROM generate_series(1, :copies - 1) k \gexec
SELECT format($$
INSERT INTO followup.task
SELECT t.tenant_id, t.task_id + %1$s * %2$s, t.lead_id + %1$s * %3$s, t.kind, t.state, t.step_no,
       t.plan_b_step, t.due_at - s, t.channel, t.purpose, t.action_code, t.message, t.render_error, t.assignee,
       t.status, t.claimed_by, t.claimed_at - s, t.done_at - s, t.escalated_at - s, t.escalated_to, t.created_at - s
FROM src_task t, LATERAL (SELECT %1$s * %4$s * interval '1 day' AS s) x$$, k, :task_span, :lead_span, :days)
FROM generate_series(1, :copies - 1) k \gexec
SELECT format($$
INSERT INTO followup.interaction
SELECT i.tenant_id, i.interaction_id + %1$s * %2$s, i.lead_id + %1$s * %3$s, i.occurred_at - s,
       i.kind, i.channel, i.operator, i.task_id + %1$s * %4$s, i.body, i.payload, i.state_at, i.touches_at,
       i.plan_b_step_at, i.by_rule, i.applied, i.rule_id
FROM src_interaction i, LATERAL (SELECT %1$s * %5$s * interval '1 day' AS s) x$$,
              k, :interaction_span, :lead_span, :task_span, :days)
FROM generate_series(1, :copies - 1) k \gexec
SELECT format($$
INSERT INTO followup.state_change
SELECT c.tenant_id, c.lead_id + %1$s * %2$s, c.changed_at - s, c.from_state, c.to_state,
       c.interaction_id + %1$s * %3$s
FROM src_state_change c, LATERAL (SELECT %1$s * %4$s * interval '1 day' AS s) x$$,
              k, :lead_span, :interaction_span, :days)
FROM generate_series(1, :copies - 1) k \gexec
RESET session_replication_role;

SELECT def FROM rebuilt \gexec
SELECT format('COMMENT ON INDEX %s IS %L', name, comment) FROM rebuilt WHERE comment IS NOT NULL \gexec

SELECT setval(pg_get_serial_sequence('followup.lead', 'lead_id'), (SELECT max(lead_id) FROM followup.lead));
SELECT setval(pg_get_serial_sequence('followup.task', 'task_id'), (SELECT max(task_id) FROM followup.task));
SELECT setval(pg_get_serial_sequence('followup.interaction', 'interaction_id'),
              (SELECT max(interaction_id) FROM followup.interaction));
-- statistics first: planned on the original's, the rollup's statements
-- ran over 30 minutes at 88M interactions before they were cancelled
VACUUM ANALYZE;
-- the rollup did not see the copies: start it over
UPDATE followup.rollup_state SET rolled_until = '-infinity';
SELECT followup.rollup_drop('-infinity');
SET timezone = 'UTC';
SELECT followup.roll_up() IS NOT NULL AS rolled_up;
ANALYZE;
