--
-- One backend serves many tenants (a pooled connection): the cached
-- configuration of a tenant is that tenant's, whoever asked first, and a
-- role acting for another tenant is refused before anything of that tenant
-- is loaded.  A database of its own, so that tenants 7 and 8 are empty.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_tenant_cache;
\c followup_tenant_cache
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE ROLE regress_fu_tc_crm;
SELECT followup.grant_operator('regress_fu_tc_crm');
CREATE ROLE regress_fu_tc_narrow;
SELECT followup.grant_operator('regress_fu_tc_narrow');

-- tenant 8 has its own new and hot policies and a signal of its own
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES
    (8, 'new', '2h, 1d'), (8, 'hot', '3h, 2d');
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (8, 'sample_sent', 'outbound');
INSERT INTO followup.rule (tenant_id, kind, effect) VALUES (8, 'sample_sent', 'touch');

-- the issue's scenario, on one connection: tenant 7 tries to insert a lead
-- of tenant 8 (refused, 42501), then tenant 8's new lead is planned by
-- tenant 8's policy (+2 h), not by tenant 0's that tenant 7 could read (+5 min)
SET ROLE regress_fu_tc_crm;
SET followup.tenant_id = 7;
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (8, 'oops', '2026-11-23 10:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 8;
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (8, 'ok', '2026-11-23 10:00+00')
RETURNING external_ref, next_action, next_followup_at - created_at AS due_in;
SELECT lead_id AS ok_lead FROM followup.lead WHERE external_ref = 'ok' \gset

-- the interaction trigger: tenant 7 sending tenant 8's own kind is refused
-- for the tenant (not "unknown kind": nothing of tenant 8 is looked at),
-- and tenant 8 then still knows its kind
SET followup.tenant_id = 7;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (8, :ok_lead, '2026-11-23 11:00+00', 'sample_sent');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 8;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-23 11:00+00', 'sample_sent' FROM followup.lead WHERE external_ref = 'ok'
RETURNING kind, applied, touches_at;

-- the lead trigger on UPDATE: tenant 7 moving its lead into tenant 8 is
-- refused first; tenant 8's hot lead is then planned by tenant 8's policy
SET followup.tenant_id = 7;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('seven', '2026-11-23 10:00+00');
UPDATE followup.lead SET tenant_id = 8, state = 'hot', state_since = '2026-11-23 12:00+00'
WHERE external_ref = 'seven';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 8;
UPDATE followup.lead SET state = 'hot', state_since = '2026-11-23 12:00+00' WHERE external_ref = 'ok'
RETURNING external_ref, state, next_followup_at - state_since AS due_in;
RESET ROLE;

-- what a role may read does not decide what the tenant's configuration is:
-- a CRM's own policy hides tenant 8's policies from one role (the first to
-- load tenant 8 after the change); both roles plan with tenant 8's policy
CREATE POLICY narrow_reads ON followup.policy AS RESTRICTIVE FOR SELECT TO regress_fu_tc_narrow
    USING (tenant_id = 0);
SET ROLE regress_fu_tc_narrow;
SET followup.tenant_id = 8;
SELECT count(*) AS policies_it_reads FROM followup.policy WHERE tenant_id = 8;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('narrow', '2026-11-23 10:00+00')
RETURNING external_ref, next_followup_at - created_at AS due_in;
SET ROLE regress_fu_tc_crm;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('wide', '2026-11-23 10:00+00')
RETURNING external_ref, next_followup_at - created_at AS due_in;
RESET ROLE;

-- nothing was written for tenant 8 by tenant 7
SELECT tenant_id, external_ref, state FROM followup.lead ORDER BY tenant_id, external_ref;

\c :regress_db
DROP DATABASE followup_tenant_cache;
DROP ROLE regress_fu_tc_crm;
DROP ROLE regress_fu_tc_narrow;
