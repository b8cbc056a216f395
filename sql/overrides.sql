--
-- Tenant overrides: a tenant's policy, steps, signals and rules replace
-- tenant 0's exactly as docs/concepts.md says; other tenants are unaffected.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 104;
CREATE TEMP VIEW l AS
    SELECT tenant_id, external_ref AS ref, state, touches, next_action, next_followup_at AS due
    FROM followup.lead WHERE tenant_id IN (104, 105) ORDER BY tenant_id, external_ref;

-- the policy for thinking: tenant 104 comes back after 2 hours instead of 24
INSERT INTO followup.policy (state, cadence, timezone) VALUES ('thinking', '2h, 2d', 'UTC');
SELECT tenant_id, state, cadence, shipped FROM followup.policy WHERE tenant_id = 104;
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state) VALUES
    (104, 'x', '2026-11-23 10:00+00', 'thinking'),
    (105, 'x', '2026-11-23 10:00+00', 'thinking');
SELECT * FROM l;
-- other states of tenant 104 still use tenant 0's policy
SELECT * FROM followup.plan_next_touch('warm', '2026-11-23 10:00+00', 0);

-- steps: tenant 104's one step for thinking replaces all three of tenant 0's
INSERT INTO followup.step (state, step_no, purpose, action_code, template)
VALUES ('thinking', 1, 'clarify', 'ask_doubt', 'Hi {{name|there}}, what is still unclear about {{product|it}}?');
SELECT step_no, action_code, message FROM followup.preview(
    (SELECT lead_id FROM followup.lead WHERE tenant_id = 104 AND external_ref = 'x'));
SET followup.tenant_id = 105;
SELECT step_no, action_code FROM followup.preview(
    (SELECT lead_id FROM followup.lead WHERE tenant_id = 105 AND external_ref = 'x'));
SET followup.tenant_id = 104;

-- signals: a tenant's own kind is known to it and to nobody else
INSERT INTO followup.signal (kind, direction, weight) VALUES ('whatsapp_voice', 'inbound', 1);
INSERT INTO followup.rule (kind, effect) VALUES ('whatsapp_voice', 'respond');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT 104, lead_id, '2026-11-23 11:00+00', 'whatsapp_voice' FROM followup.lead WHERE tenant_id = 104;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT 105, lead_id, '2026-11-23 11:00+00', 'whatsapp_voice' FROM followup.lead WHERE tenant_id = 105;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM l;

-- rules: once tenant 104 has a rule for reply, only its own reply rules apply
-- (here a reply is only momentum), while tenant 105 keeps the shipped respond
INSERT INTO followup.rule (kind, effect) VALUES ('reply', 'none');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT tenant_id, lead_id, '2026-11-23 12:00+00', 'reply' FROM followup.lead WHERE tenant_id IN (104, 105);
SELECT * FROM l;
SELECT l.tenant_id, i.kind, i.rule_id IS NOT NULL AS matched, r.tenant_id AS rule_tenant, r.effect
FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id)
LEFT JOIN followup.rule r ON r.rule_id = i.rule_id
WHERE i.kind = 'reply' AND i.tenant_id IN (104, 105) ORDER BY l.tenant_id;

-- a signal row of a tenant replaces tenant 0's weight for that tenant
INSERT INTO followup.signal (kind, direction, weight) VALUES ('email_opened', 'inbound', 5);
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT tenant_id, lead_id, '2026-11-23 12:00+00', 'email_opened' FROM followup.lead WHERE tenant_id IN (104, 105);
SELECT tenant_id, momentum FROM followup.lead WHERE tenant_id IN (104, 105) ORDER BY tenant_id;

-- changing a shipped row makes it the user's (and pg_dump keeps it)
SET followup.tenant_id = 0;
BEGIN;
UPDATE followup.policy SET cadence = '24h, 3d, 7d, 14d' WHERE tenant_id = 0 AND state = 'thinking';
SELECT state, cadence, shipped FROM followup.policy WHERE tenant_id = 0 AND state = 'thinking';
-- the change is seen at once by the planner of this backend
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 3, NULL, '2026-11-30 10:00+00');
ROLLBACK;
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 3, NULL, '2026-11-30 10:00+00');

-- inserting a row with a shipped row's key replaces it (as a pg_restore does)
BEGIN;
INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (0, 'reply', 'inbound', 2);
SELECT kind, weight, shipped FROM followup.signal WHERE tenant_id = 0 AND kind = 'reply';
ROLLBACK;
-- a user's row is never replaced silently
INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (104, 'whatsapp_voice', 'inbound', 2);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- what pg_dump keeps of the configuration tables
SELECT c.relname, x.cond FROM pg_extension e,
    unnest(e.extconfig, e.extcondition) AS x(oid, cond) JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'followup' ORDER BY c.relname;
