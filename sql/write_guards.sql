--
-- The shortcuts of the interaction trigger (the live-task look, the direct
-- lead write) are taken only when they do exactly what the statements do:
-- an index that does not hold every live task is not trusted, and row
-- security's check of the new row is never skipped.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 142;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (142, 142001, 'a', '2026-11-23 10:00+00', 'warm'),
    (142, 142002, 'b', '2026-11-23 10:00+00', 'warm'),
    (142, 142003, 'c', '2026-11-23 10:00+00', 'warm');
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, attrs) VALUES
    (142, 142004, 'd', '2026-11-23 10:00+00', 'warm', '{"move": true}');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at, status, claimed_by, claimed_at) VALUES
    (142, 142901, 142001, 'followup', 'warm', '2026-11-24 10:00+00', 'claimed', 'ana', '2026-11-24 10:01+00'),
    (142, 142902, 142002, 'followup', 'warm', '2026-11-24 10:00+00', 'claimed', 'ana', '2026-11-24 10:01+00');

-- task_one_live_per_lead replaced by an index of open tasks only: a
-- claimed task is not in it, and a reply must still supersede it
BEGIN;
DROP INDEX followup.task_one_live_per_lead;
CREATE UNIQUE INDEX task_one_live_per_lead ON followup.task (tenant_id, lead_id) WHERE status = 'open';
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (142, 142001, '2026-11-24 11:00+00', 'reply');
SELECT task_id, status FROM followup.task WHERE tenant_id = 142 AND task_id = 142901;
ROLLBACK;
-- a non-partial index holds every task: trusted, and right
BEGIN;
DROP INDEX followup.task_one_live_per_lead;
CREATE INDEX task_one_live_per_lead ON followup.task (tenant_id, lead_id);
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (142, 142001, '2026-11-24 11:00+00', 'reply');
SELECT task_id, status FROM followup.task WHERE tenant_id = 142 AND task_id = 142901;
ROLLBACK;
-- the shipped index
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (142, 142002, '2026-11-24 11:00+00', 'reply');
SELECT task_id, status FROM followup.task WHERE tenant_id = 142 ORDER BY task_id;

-- row security checks the new row: a CRM trigger that moves the lead to
-- another tenant while followup writes it is refused for an operator
CREATE ROLE regress_fu_guard_operator;
SELECT followup.grant_operator('regress_fu_guard_operator');
CREATE FUNCTION crm_move_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tenant_id := 143;
    RETURN NEW;
END $$;
CREATE TRIGGER crm_move_tenant BEFORE UPDATE ON followup.lead
    FOR EACH ROW WHEN (OLD.attrs ? 'move') EXECUTE FUNCTION crm_move_tenant();
SET ROLE regress_fu_guard_operator;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (142, 142004, '2026-11-24 11:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
RESET ROLE;
SELECT tenant_id, lead_id, next_action, last_event_at FROM followup.lead WHERE lead_id IN (142003, 142004) ORDER BY lead_id;
DROP TRIGGER crm_move_tenant ON followup.lead;
-- without it, the operator's interaction applies
SET ROLE regress_fu_guard_operator;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (142, 142003, '2026-11-24 11:00+00', 'reply'), (142, 142004, '2026-11-24 11:00+00', 'reply');
RESET ROLE;
SELECT tenant_id, lead_id, next_action, last_event_at FROM followup.lead WHERE lead_id IN (142003, 142004) ORDER BY lead_id;

DELETE FROM followup.lead WHERE tenant_id IN (142, 143);
DROP FUNCTION crm_move_tenant();
DROP OWNED BY regress_fu_guard_operator;
DROP ROLE regress_fu_guard_operator;
