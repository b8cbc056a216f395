--
-- Adopting a CRM's existing history (docs/integration.md#adopting-existing-history):
-- three weeks of deals and messages are loaded and replayed, and each lead
-- is planned from now or from its real history without a wall of overdue
-- tasks; the reports do not count the backfill as missed or late.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the CRM, with its history written before followup was attached
CREATE SCHEMA crm;
CREATE TABLE crm.deals (deal_id bigint PRIMARY KEY, shop_id int NOT NULL, owner text, name text,
    stage text NOT NULL DEFAULT 'new', next_action text, next_followup_at timestamptz,
    created_at timestamptz NOT NULL);
CREATE TABLE crm.messages (message_id text PRIMARY KEY, shop_id int NOT NULL,
    deal_id bigint NOT NULL REFERENCES crm.deals, kind text NOT NULL, sent_at timestamptz NOT NULL,
    author text, body text);
CREATE TABLE crm.financing (application_id bigint PRIMARY KEY, shop_id int NOT NULL,
    deal_id bigint NOT NULL REFERENCES crm.deals, status text NOT NULL, decided_at timestamptz);

-- as_of is Monday 2026-11-23 10:00 UTC; the policies' window is 09:00-21:00
INSERT INTO crm.deals (deal_id, shop_id, owner, name, stage, created_at) VALUES
    (1, 1601, 'ann', 'Ana',   'new',  '2026-11-01 10:00+00'),   -- never answered, never touched
    (2, 1601, 'bob', 'Boris', 'new',  '2026-11-01 10:00+00'),   -- touched, then "let me think"
    (3, 1601, 'ann', 'Chen',  'new',  '2026-11-20 08:00+00'),   -- wrote on Friday, no answer yet
    (4, 1601, 'bob', 'Dana',  'won',  '2026-11-02 10:00+00'),   -- closed
    (5, 1601, 'ann', 'Eli',   'new',  '2026-11-23 09:30+00'),   -- arrived this morning
    (6, 1601, 'bob', 'Fay',   'new',  '2026-11-23 09:58+00'),   -- arrived two minutes ago
    (7, 1601, 'ann', 'Gus',   'new',  '2026-11-02 10:00+00');   -- the bank refused: Plan B
INSERT INTO crm.messages (message_id, shop_id, deal_id, kind, sent_at, author, body) VALUES
    ('m1', 1601, 2, 'outbound',         '2026-11-01 10:10+00', 'bob', 'hello'),
    ('m2', 1601, 2, 'inbound_thinking', '2026-11-02 12:00+00', NULL,  'let me think'),
    ('m3', 1601, 3, 'inbound',          '2026-11-20 09:00+00', NULL,  'still available?'),
    ('m4', 1601, 4, 'outbound',         '2026-11-02 10:05+00', 'bob', 'hi'),
    ('m5', 1601, 4, 'inbound',          '2026-11-02 11:00+00', NULL,  'yes, buying'),
    ('m6', 1601, 4, 'outbound',         '2026-11-03 15:00+00', 'bob', 'great'),
    ('m7', 1601, 7, 'outbound',         '2026-11-02 10:30+00', 'ann', 'hello'),
    ('m8', 1601, 2, 'late_note',        '2026-11-02 13:00+00', NULL,  'not a kind followup maps');
INSERT INTO crm.financing VALUES (70, 1601, 7, 'refused', '2026-11-05 12:00+00');

SELECT followup.create_tenant(1601);
SELECT followup.attach_leads('crm.deals', 'deal_id', tenant_column => 'shop_id', owner_column => 'owner',
    attrs_columns => '{name}', stage_column => 'stage',
    stage_map => '{"new": "new", "thinking": "thinking", "won": "won", "lost": "lost", "bank_refused": "installment_rejected"}',
    write_back => true, next_action_column => 'next_action', next_followup_column => 'next_followup_at',
    created_at_column => 'created_at');
SELECT followup.attach_interactions('crm.messages', 'message_id', 'deal_id', 'kind',
    kind_map => '{"inbound": "reply", "outbound": "message", "inbound_thinking": "think_about_it"}',
    occurred_at_column => 'sent_at', tenant_column => 'shop_id', operator_column => 'author', body_column => 'body');
SELECT followup.attach_interactions('crm.financing', 'application_id', 'deal_id', 'status',
    kind_map => '{"refused": "installment_rejected", "approved": "installment_approved"}',
    occurred_at_column => 'decided_at', tenant_column => 'shop_id');

-- attaching made nothing of the rows already there
SELECT count(*) AS leads_before FROM followup.lead WHERE tenant_id = 1601;

-- errors, data untouched
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_attached('later')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_attached('now', 'infinity')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_attached('now', '2026-11-23 10:00+00', '-1 hour')$$);
SELECT count(*) AS leads_still FROM followup.lead WHERE tenant_id = 1601;

-- plan from now: every lead's silence restarts at as_of
SELECT * FROM followup.adopt_attached('now', '2026-11-23 10:00+00');
SELECT l.external_ref, l.state, l.touches, l.plan_b_step, l.next_action, l.next_followup_at,
       a.history_action, a.history_due, a.interactions, a.plan_from
FROM followup.lead l JOIN followup.adoption a USING (tenant_id, lead_id)
WHERE l.tenant_id = 1601 ORDER BY l.external_ref;
-- the CRM's deals show the plan (write-back), the stage of the won deal kept
SELECT deal_id, stage, next_action, next_followup_at FROM crm.deals ORDER BY deal_id;
-- the history is kept as copied history: not applied, no touch by rule or chance
SELECT i.external_ref, i.kind, i.occurred_at, i.applied, i.by_rule
FROM followup.interaction i WHERE i.tenant_id = 1601 ORDER BY i.occurred_at, i.external_ref;
SELECT count(*) AS state_moves_logged FROM followup.state_change WHERE tenant_id = 1601;

-- no wall: at as_of two tasks (Chen's owed reply, Gus's next Plan B offer),
-- none three weeks overdue; the others follow their cadence from now
SELECT followup.run_due('2026-11-23 10:00+00');
SELECT l.external_ref, t.kind, t.due_at FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 1601 ORDER BY t.due_at, l.external_ref;
-- and the reports count none of the backfill
SET followup.tenant_id = 1601;
SELECT * FROM followup.stall_diagnostic('60 days', '2026-11-23 10:00+00');
SELECT count(*) AS stall_rows FROM followup.stall_leads('60 days', '2026-11-23 10:00+00');
SELECT count(*) AS response_rows FROM followup.response_times WHERE tenant_id = 1601;
SELECT operator, due, on_time, late, still_overdue, by_rule, by_chance FROM followup.operator_compliance
WHERE tenant_id = 1601 ORDER BY day, operator;
SELECT count(*) AS funnel_rows FROM followup.step_funnel WHERE tenant_id = 1601;
SELECT count(*) AS touch_log_rows FROM followup.touch_log WHERE tenant_id = 1601;
RESET followup.tenant_id;

-- adopting again loads nothing new; a new deal is live, not adopted
SELECT * FROM followup.adopt_attached('now', '2026-11-23 10:00+00');
INSERT INTO crm.deals (deal_id, shop_id, owner, name, created_at) VALUES (8, 1601, 'ann', 'Hal', now());
SELECT a.lead_id IS NOT NULL AS adopted, count(*) AS leads FROM followup.lead l
LEFT JOIN followup.adoption a USING (tenant_id, lead_id) WHERE l.tenant_id = 1601 GROUP BY 1 ORDER BY 1;

-- the write API, planned from the history: the same history for tenant 1602,
-- what is due before as_of + 2 hours spread over them in the order it fell due
SELECT followup.create_tenant(1602);
SET followup.tenant_id = 1602;
SELECT action FROM followup.upsert_lead('1', created_at => '2026-11-01 10:00+00');
SELECT action FROM followup.upsert_lead('2', created_at => '2026-11-01 10:00+00');
SELECT action FROM followup.upsert_lead('3', created_at => '2026-11-20 08:00+00');
SELECT action FROM followup.upsert_lead('5', created_at => '2026-11-23 09:30+00');
SELECT action FROM followup.upsert_lead('6', created_at => '2026-11-23 09:58+00');
SELECT recorded FROM followup.record_interaction('2', 'message', '2026-11-01 10:10+00', 'm1', operator => 'bob');
SELECT recorded FROM followup.record_interaction('2', 'think_about_it', '2026-11-02 12:00+00', 'm2');
SELECT recorded FROM followup.record_interaction('3', 'reply', '2026-11-20 09:00+00', 'm3');
-- a lead that is not there, a time after as_of
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_leads('{1,404}', 'history', '2026-11-23 10:00+00')$$);
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_leads('{2}', 'history', '2026-11-02 11:00+00')$$);
SELECT external_ref, interactions, next_action, history_due, next_followup_at FROM followup.adopt_leads('{1,2,3,5,6}', 'history', '2026-11-23 10:00+00', '2 hours');
-- adopted once; a lead followup already planned work for is not history
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_leads('{1}', 'now', '2026-11-23 10:00+00')$$);
SELECT action FROM followup.upsert_lead('9', created_at => '2026-11-23 08:00+00');
SELECT followup.run_due('2026-11-23 10:00+00');
SELECT pg_temp.sqlstate_of($$SELECT * FROM followup.adopt_leads('{9}', 'now', '2026-11-23 10:00+00')$$);
SELECT l.external_ref, t.kind, t.due_at FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 1602 ORDER BY t.due_at, l.external_ref;
SELECT * FROM followup.stall_diagnostic('60 days', '2026-11-23 10:00+00');

-- without adopting, the same history is counted: the stall as missed, the
-- reply answered weeks late (what adopting avoids)
SET followup.tenant_id = 1603;
SELECT action FROM followup.upsert_lead('2', created_at => '2026-11-01 10:00+00');
SELECT recorded FROM followup.record_interaction('2', 'message', '2026-11-01 10:10+00', 'm1', operator => 'bob');
SELECT recorded FROM followup.record_interaction('2', 'think_about_it', '2026-11-02 12:00+00', 'm2');
SELECT * FROM followup.stall_diagnostic('60 days', '2026-11-23 10:00+00');

-- planned from now, three new leads whose first touches would all fall at
-- 10:05: spread over 30 minutes, never earlier than planned
SET followup.tenant_id = 1604;
SELECT action FROM followup.upsert_lead('a', created_at => '2026-11-01 10:00+00');
SELECT action FROM followup.upsert_lead('b', created_at => '2026-11-01 10:00+00');
SELECT action FROM followup.upsert_lead('c', created_at => '2026-11-01 10:00+00');
SELECT external_ref, next_action, history_due, next_followup_at
FROM followup.adopt_leads('{a,b,c}', 'now', '2026-11-23 10:00+00', '30 minutes');
RESET followup.tenant_id;

SELECT followup.detach('crm.messages'), followup.detach('crm.financing'), followup.detach('crm.deals');
DROP SCHEMA crm CASCADE;
DELETE FROM followup.lead WHERE tenant_id IN (1601, 1602, 1603, 1604);
DELETE FROM followup.policy WHERE tenant_id IN (1601, 1602, 1603, 1604);
DELETE FROM followup.tenant_defaults WHERE tenant_id IN (1601, 1602, 1603, 1604);
DELETE FROM followup.adoption WHERE tenant_id IN (1601, 1602, 1603, 1604);
DELETE FROM followup.rollup_mark WHERE tenant_id IN (1601, 1602, 1603, 1604);
