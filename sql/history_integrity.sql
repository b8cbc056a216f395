--
-- The record is the engine's: an operator cannot forge an interaction's
-- stamps (by_rule, applied, rule_id, ...) nor change or erase the state
-- history; the engine still writes both for it, and the owner can still
-- copy history back (pg_restore) and delete it.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE regress_fu_hist_op LOGIN;
CREATE ROLE regress_fu_hist_crm LOGIN;
SELECT followup.grant_operator('regress_fu_hist_op');
SELECT followup.grant_operator('regress_fu_hist_crm');
-- a CRM role a DBA gave more than grant_operator does
GRANT UPDATE, DELETE, TRUNCATE ON followup.state_change TO regress_fu_hist_crm;
GRANT UPDATE ON followup.interaction TO regress_fu_hist_crm;

-- grant_operator gives no write on the history (0.1.0 gave INSERT, DELETE)
SELECT p.priv, has_table_privilege('regress_fu_hist_op', 'followup.state_change', p.priv) AS granted
FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(priv);
SELECT p.priv, has_table_privilege('regress_fu_hist_op', 'followup.interaction', p.priv) AS granted
FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(priv);
-- and takes back what 0.1.0's grant_operator gave
GRANT INSERT, DELETE ON followup.state_change TO regress_fu_hist_op;
SELECT followup.grant_operator('regress_fu_hist_op');
SELECT has_table_privilege('regress_fu_hist_op', 'followup.state_change', 'INSERT') AS can_insert,
       has_table_privilege('regress_fu_hist_op', 'followup.state_change', 'DELETE') AS can_delete;

INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (170, 170001, 'forge', '2026-11-23 10:00+00', 'warm'),
    (170, 170002, 'bulk', '2026-11-23 10:00+00', 'warm'),
    (170, 170003, 'crm', '2026-11-23 10:00+00', 'warm');

SET ROLE regress_fu_hist_op;
SET followup.tenant_id = 170;
-- a touch made without a task, claimed as by rule: refused, for every stamp
INSERT INTO followup.interaction (lead_id, occurred_at, kind, applied, by_rule)
VALUES (170001, '2026-11-24 09:00+00', 'message', true, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, state_at)
VALUES (170001, '2026-11-24 09:00+00', 'message', 'hot');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, touches_at)
VALUES (170001, '2026-11-24 09:00+00', 'message', 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, plan_b_step_at)
VALUES (170001, '2026-11-24 09:00+00', 'message', 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, by_rule)
VALUES (170001, '2026-11-24 09:00+00', 'message', false);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, applied)
VALUES (170001, '2026-11-24 09:00+00', 'message', false);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, rule_id)
VALUES (170001, '2026-11-24 09:00+00', 'message', 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the same touch without stamps: recorded as by chance (the lead had no task)
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
VALUES (170001, '2026-11-24 09:00+00', 'message');
SELECT kind, state_at, touches_at, applied, by_rule, rule_id IS NOT NULL AS has_rule
FROM followup.interaction WHERE lead_id = 170001;
-- stamps cannot be changed afterwards either
UPDATE followup.interaction SET by_rule = true WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- the history: the operator's moves are logged, it cannot write, change or erase it
UPDATE followup.lead SET state = 'thinking', state_since = '2026-11-24 10:00+00' WHERE lead_id = 170001;
SELECT lead_id, changed_at, from_state, to_state FROM followup.state_change
WHERE lead_id = 170001 ORDER BY changed_at;
DELETE FROM followup.state_change WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.state_change SET to_state = 'won' WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE followup.state_change;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.state_change (tenant_id, lead_id, changed_at, from_state, to_state)
VALUES (170, 170001, '2026-11-25 10:00+00', 'thinking', 'won');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- nor the plan: the due follow-up pushed out of sight, every later
-- interaction made to look late
UPDATE followup.lead SET next_followup_at = '2099-01-01 00:00+00' WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET last_event_at = '2099-01-01 00:00+00' WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET next_action = NULL WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET momentum = 99 WHERE lead_id = 170001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (lead_id, external_ref, created_at, last_event_at)
VALUES (170009, 'late', '2026-11-23 10:00+00', '2099-01-01 00:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a copy with its own plan (updated_at before now) is the owner's to restore
INSERT INTO followup.lead (lead_id, external_ref, state, created_at, updated_at, next_action)
VALUES (170009, 'copy', 'warm', '2026-11-23 10:00+00', '2026-11-23 10:00+00', NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a CRM that writes the row back as it read it (an ORM's save) is not refused
UPDATE followup.lead l SET next_action = l.next_action, next_followup_at = l.next_followup_at,
    last_event_at = l.last_event_at, momentum = l.momentum, owner = 'ana'
WHERE lead_id = 170001;
SELECT owner, state, next_action, next_followup_at FROM followup.lead WHERE lead_id = 170001;

-- an operator's out-of-order bulk load: the engine re-stamps the rows and
-- rewrites the log as the owner (0.1.0 failed: permission denied)
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES
    (170002, '2026-11-24 12:00+00', 'think_about_it'),
    (170002, '2026-11-24 11:00+00', 'meeting_booked');
SELECT occurred_at, kind, state_at, applied FROM followup.interaction
WHERE lead_id = 170002 ORDER BY occurred_at;
SELECT changed_at, from_state, to_state, i.kind AS by_interaction
FROM followup.state_change c LEFT JOIN followup.interaction i USING (tenant_id, interaction_id)
WHERE c.lead_id = 170002 ORDER BY changed_at;
SELECT state, state_since FROM followup.lead WHERE lead_id = 170002;
RESET ROLE;

-- the engine writes the history as the owner with every name qualified: an
-- operator's look-alike = on its search_path never runs as the owner
DO $$ BEGIN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_fu_hist_op', current_database());
END $$;
-- (a new session: the engine prepares its statements once per session)
\c - regress_fu_hist_op
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 170;
CREATE SCHEMA hist_evil;
CREATE FUNCTION hist_evil.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> 'regress_fu_hist_op' THEN
        RAISE NOTICE 'look-alike = ran as %', current_user;
    END IF;
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR hist_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hist_evil.eq);
SET search_path = hist_evil, pg_catalog, public;
-- the first row moves the lead (logged), the second is older: the replay
-- rewrites the log of both
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES
    (170002, '2026-11-25 12:00+00', 'meeting_booked'),
    (170002, '2026-11-25 11:00+00', 'reply');
RESET search_path;
SELECT changed_at, from_state, to_state FROM followup.state_change
WHERE lead_id = 170002 ORDER BY changed_at;
DROP SCHEMA hist_evil CASCADE;
\c - postgres
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
DO $$ BEGIN
    EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_fu_hist_op', current_database());
END $$;

-- a CRM role with UPDATE, DELETE and TRUNCATE granted by hand still cannot
-- rewrite the history or the stamps; it may correct the rest
SET ROLE regress_fu_hist_crm;
SET followup.tenant_id = 170;
DELETE FROM followup.state_change WHERE lead_id = 170003;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.state_change SET changed_at = changed_at WHERE lead_id = 170003;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE followup.state_change;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, applied, by_rule)
VALUES (170003, '2026-11-24 09:00+00', 'message', true, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, body)
VALUES (170003, '2026-11-24 09:00+00', 'message', 'hello');
UPDATE followup.interaction SET applied = false WHERE lead_id = 170003;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.interaction SET body = 'hello again' WHERE lead_id = 170003;
SELECT body, applied, by_rule FROM followup.interaction WHERE lead_id = 170003;
RESET ROLE;
SELECT count(*) AS history_rows FROM followup.state_change WHERE tenant_id = 170;

-- the owner restores a lead with its plan as it is
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, state, created_at, updated_at,
                           next_action, next_followup_at, last_event_at)
VALUES (170, 170009, 'copy', 'warm', '2026-11-23 10:00+00', '2026-11-23 10:00+00',
        'followup', '2026-11-30 10:00+00', '2026-11-24 10:00+00');
SELECT next_action, next_followup_at, last_event_at FROM followup.lead WHERE tenant_id = 170 AND lead_id = 170009;

-- the owner copies history back as it is (pg_restore) and may delete it
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, state_at, touches_at, applied, by_rule)
VALUES (170, 170003, '2026-11-20 09:00+00', 'message', 'warm', 0, true, true);
SELECT occurred_at, state_at, touches_at, applied, by_rule FROM followup.interaction
WHERE lead_id = 170003 AND occurred_at = '2026-11-20 09:00+00';
DELETE FROM followup.state_change WHERE tenant_id = 170 AND lead_id = 170003;
SELECT count(*) AS history_rows FROM followup.state_change WHERE tenant_id = 170 AND lead_id = 170003;
-- a deleted lead takes its history with it (the cascade runs as the owner)
DELETE FROM followup.lead WHERE tenant_id = 170;
SELECT count(*) AS history_rows FROM followup.state_change WHERE tenant_id = 170;

DROP OWNED BY regress_fu_hist_op, regress_fu_hist_crm;
DROP ROLE regress_fu_hist_op, regress_fu_hist_crm;
