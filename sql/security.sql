--
-- Tenancy and privileges: row level security keyed on the session's tenant,
-- least-privilege grants, nothing for PUBLIC.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE regress_fu_operator LOGIN;
CREATE ROLE regress_fu_reader LOGIN;
CREATE ROLE regress_fu_admin LOGIN;
CREATE ROLE regress_fu_nobody LOGIN;
SELECT followup.grant_operator('regress_fu_operator');
SELECT followup.grant_reader('regress_fu_reader');
SELECT followup.grant_admin('regress_fu_admin');

-- the owner writes two tenants' leads and makes their tasks
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (150, 150001, 'mine', '2026-11-23 10:00+00', 'warm'),
    (151, 151001, 'theirs', '2026-11-23 10:00+00', 'warm');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at) VALUES
    (150, 150901, 150001, 'followup', 'warm', '2026-11-24 10:00+00'),
    (151, 151901, 151001, 'followup', 'warm', '2026-11-24 10:00+00');

-- nothing is granted to PUBLIC
SELECT count(*) AS public_functions FROM pg_proc p
WHERE p.pronamespace = 'followup'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE');
SET ROLE regress_fu_nobody;
SELECT count(*) FROM followup.lead;
SELECT followup.current_tenant();
RESET ROLE;

-- an operator of tenant 150 sees and changes only tenant 150
SET ROLE regress_fu_operator;
SET followup.tenant_id = 150;
SELECT tenant_id, external_ref FROM followup.lead ORDER BY 1;
SELECT tenant_id, task_id FROM followup.task ORDER BY 1;
SELECT tenant_id, count(*) FROM followup.signal GROUP BY 1 ORDER BY 1;
UPDATE followup.lead SET owner = 'ana' WHERE external_ref IN ('mine', 'theirs');
-- the triggers plan with tenant 0's defaults, read through row security
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (150001, '2026-11-24 09:00+00', 'reply');
SELECT state, next_action, next_followup_at FROM followup.lead;
-- another tenant's lead does not exist for this role
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (151001, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (151, 151001, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (tenant_id, external_ref) VALUES (151, 'sneaky');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- tasks and functions alike
SELECT count(*) AS claimable FROM followup.claim_tasks('ana', 10);
SELECT tenant_id, count(*) FROM followup.due_tasks GROUP BY 1;
SELECT followup.complete_task(151901, 'ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.release_task(151901);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.momentum(151001);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- an operator does not change configuration, nor run the jobs
INSERT INTO followup.policy (state, cadence) VALUES ('warm', '1h');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.run_due();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
SELECT tenant_id, owner FROM followup.lead WHERE tenant_id IN (150, 151) ORDER BY 1;
SELECT tenant_id, status, claimed_by FROM followup.task WHERE tenant_id IN (150, 151) ORDER BY 1;

-- a reader reads the reports of its tenant and writes nothing
SET ROLE regress_fu_reader;
SET followup.tenant_id = 151;
SELECT tenant_id, state, leads FROM followup.pipeline;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-30');
SELECT count(*) FROM followup.touch_log;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (151001, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.claim_tasks('ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;

-- an admin changes its tenant's configuration, never tenant 0's or another's
SET ROLE regress_fu_admin;
SET followup.tenant_id = 150;
INSERT INTO followup.policy (state, cadence) VALUES ('warm', '2h, 1d');
UPDATE followup.policy SET cadence = '1m' WHERE tenant_id = 0 AND state = 'warm';
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (0, 'hot', '1m');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (kind, effect) VALUES ('reply', 'none');
SELECT tenant_id, state, cadence FROM followup.policy WHERE state = 'warm' ORDER BY 1;
DELETE FROM followup.policy WHERE tenant_id = 150;
DELETE FROM followup.rule WHERE tenant_id = 150;
RESET ROLE;
SELECT cadence FROM followup.policy WHERE tenant_id = 0 AND state = 'warm';

-- a role pinned to its tenant cannot switch to another
ALTER ROLE regress_fu_operator SET followup.tenant_id = '150';
ALTER ROLE regress_fu_operator SET followup.lock_tenant = on;
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
\c - regress_fu_operator
SELECT followup.current_tenant();
SHOW followup.lock_tenant;
SET followup.tenant_id = 151;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 150;
SET followup.lock_tenant = off;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) FROM followup.lead;
\c - :regress_user

-- row security is written so that the tenant is computed once per statement
-- and the tenant-leading primary key is used
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        RETURN NEXT line;
    END LOOP;
END $$;
SET ROLE regress_fu_operator;
SET followup.tenant_id = 150;
-- (an InitPlan's value is $0 before PostgreSQL 17, (InitPlan 1).col1 after)
SELECT count(*) FILTER (WHERE p ~ '^\s*InitPlan') AS tenant_computed_once,
       bool_or(p ~ 'Index Cond: \(.*tenant_id = (\$0|\(InitPlan 1\)\.col1)') AS tenant_uses_index
FROM pg_temp.plan_of('SELECT * FROM followup.lead WHERE lead_id = 150001') p;
RESET ROLE;

-- a role that may not update tasks cannot record an interaction, whether
-- or not the lead has a task (the trigger's shortcut for leads without one
-- keeps the statement's privilege check)
CREATE ROLE regress_fu_no_tasks LOGIN;
SELECT followup.grant_operator('regress_fu_no_tasks');
REVOKE UPDATE ON followup.task FROM regress_fu_no_tasks;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at) VALUES (150, 150900, 'no-task', now());
SET ROLE regress_fu_no_tasks;
SET followup.tenant_id = 150;
INSERT INTO followup.interaction (lead_id, kind) VALUES (150900, 'reply');
RESET ROLE;
SELECT count(*) AS recorded FROM followup.interaction WHERE tenant_id = 150 AND lead_id = 150900;

-- a CRM's UPDATE OF trigger on the lead fires as for the UPDATE that sets
-- the planned columns, on every write; once the CRM adds a policy of its
-- own, the statements and the claims see only what the policies let them:
-- not a lead without an owner
CREATE FUNCTION pg_temp.touches_written() RETURNS trigger AS $$
BEGIN
    RAISE NOTICE 'lead %: touches % -> %', NEW.external_ref, OLD.touches, NEW.touches;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER crm_touches AFTER UPDATE OF touches ON followup.lead
    FOR EACH ROW EXECUTE FUNCTION pg_temp.touches_written();
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, owner) VALUES
    (150, 150002, 'unowned', now(), NULL), (150, 150003, 'owned', now(), 'ana');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at) VALUES
    (150, 150902, 150002, 'followup', 'new', '2026-11-24 10:00+00'),
    (150, 150903, 150003, 'followup', 'new', '2026-11-24 10:00+00');
SET ROLE regress_fu_operator;
SET followup.tenant_id = 150;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (150001, '2026-11-24 10:00+00', 'proposal_viewed');
RESET ROLE;
CREATE POLICY crm_owned_leads ON followup.lead AS RESTRICTIVE USING (owner IS NOT NULL);
SET ROLE regress_fu_operator;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (150001, '2026-11-24 11:00+00', 'proposal_viewed');
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (150002, '2026-11-24 11:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
BEGIN;
SELECT task_id, lead_id, claimed_by FROM followup.claim_tasks('ana', 10);
ROLLBACK;
RESET ROLE;
DROP POLICY crm_owned_leads ON followup.lead;
SET ROLE regress_fu_operator;
BEGIN;
SELECT task_id, lead_id, claimed_by FROM followup.claim_tasks('ana', 10);
ROLLBACK;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (150002, '2026-11-24 11:00+00', 'reply');
RESET ROLE;
DROP TRIGGER crm_touches ON followup.lead;
SELECT external_ref, state, last_event_at FROM followup.lead WHERE tenant_id = 150 AND lead_id IN (150001, 150002) ORDER BY 1;

DELETE FROM followup.lead WHERE tenant_id IN (150, 151);
DROP OWNED BY regress_fu_operator, regress_fu_reader, regress_fu_admin, regress_fu_nobody, regress_fu_no_tasks;
DROP ROLE regress_fu_operator, regress_fu_reader, regress_fu_admin, regress_fu_nobody, regress_fu_no_tasks;
