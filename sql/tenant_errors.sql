--
-- A session that is not in the tenant of the row it asks for is told what is
-- wrong and what to do, for each kind of role: a pooled CRM role under row
-- security that forgot to set followup.tenant_id, a role locked to its
-- tenant, and the owner, who sees every tenant.  Tenants 701 and 702, and
-- leads and tasks 70101 and 70202, are this suite's alone (no other suite
-- writes them); nothing here runs a job, so it shares the regression
-- database.
--
\set regress_user :USER
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE regress_fu_te_pool LOGIN;
SELECT followup.grant_operator('regress_fu_te_pool');
CREATE ROLE regress_fu_te_shop1 LOGIN;
SELECT followup.grant_operator('regress_fu_te_shop1');
ALTER ROLE regress_fu_te_shop1 SET followup.tenant_id = '701';
ALTER ROLE regress_fu_te_shop1 SET followup.lock_tenant = on;

-- lead 70101 and its task exist, in tenant 701; tenant 702 has lead 70202 and its task
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (701, 70101, 'one', '2026-11-23 10:00+00', 'warm'),
    (702, 70202, 'two', '2026-11-23 10:00+00', 'warm');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at, status, claimed_by) VALUES
    (701, 70101, 70101, 'followup', 'warm', '2026-11-24 10:00+00', 'claimed', 'ana'),
    (702, 70202, 70202, 'followup', 'warm', '2026-11-24 10:00+00', 'claimed', 'bob');

-- a pooled role whose session never set the tenant (it is 0)
\c - regress_fu_te_pool
SET timezone = 'UTC';
SELECT followup.current_tenant();
-- naming the tenant: refused for the tenant, not "does not exist", not a bare
-- row-security violation
INSERT INTO followup.lead (tenant_id, external_ref) VALUES (701, 'new-one');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (701, 70101, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- leaving it to the default: the lead is not found, and the hint says why
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (70101, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.complete_task(70101, 'ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.release_task(70101);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.momentum(70101);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- set, it works; another tenant's task is then named as such
SET followup.tenant_id = 701;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (70101, '2026-11-24 09:00+00', 'reply')
RETURNING lead_id, kind, applied;
SELECT followup.release_task(70202);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a role locked to tenant 701: it cannot SET another tenant, so it is not told to
\c - regress_fu_te_shop1
SET timezone = 'UTC';
SELECT followup.current_tenant();
INSERT INTO followup.lead (tenant_id, external_ref) VALUES (702, 'not-mine');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (702, 70202, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (70202, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.complete_task(70202, 'ana');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.release_task(70202);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- the owner writes any tenant's rows; a lead that does not exist is just
-- that, and the functions that read the session's tenant say so
\c - :regress_user
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (702, 'owner-made', '2026-11-23 10:00+00')
RETURNING tenant_id, external_ref, state;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (702, 70101, '2026-11-24 09:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.complete_task(70202, 'bob');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- leave the regression database as it was
DELETE FROM followup.lead WHERE tenant_id IN (701, 702);
DROP OWNED BY regress_fu_te_pool, regress_fu_te_shop1;
DROP ROLE regress_fu_te_pool;
DROP ROLE regress_fu_te_shop1;
