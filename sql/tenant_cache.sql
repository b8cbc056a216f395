--
-- One backend serves many tenants (a pooled connection): the cached
-- configuration of a tenant is that tenant's, whoever asked first, and a
-- role acting for another tenant is refused before anything of that tenant
-- is loaded.  Tenants 707 and 708 are this suite's alone (no other suite
-- writes them), so they start empty in the regression database; nothing
-- here runs a job.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE ROLE regress_fu_tc_crm;
SELECT followup.grant_operator('regress_fu_tc_crm');
CREATE ROLE regress_fu_tc_narrow;
SELECT followup.grant_operator('regress_fu_tc_narrow');

-- tenant 708 has its own new and hot policies and a signal of its own
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES
    (708, 'new', '2h, 1d'), (708, 'hot', '3h, 2d');
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (708, 'sample_sent', 'outbound');
INSERT INTO followup.rule (tenant_id, kind, effect) VALUES (708, 'sample_sent', 'touch');

-- the issue's scenario, on one connection: tenant 707 tries to insert a lead
-- of tenant 708 (refused, 42501), then tenant 708's new lead is planned by
-- tenant 708's policy (+2 h), not by tenant 0's that tenant 707 could read (+5 min)
SET ROLE regress_fu_tc_crm;
SET followup.tenant_id = 707;
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (708, 'oops', '2026-11-23 10:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 708;
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (708, 'ok', '2026-11-23 10:00+00')
RETURNING external_ref, next_action, next_followup_at - created_at AS due_in;
SELECT lead_id AS ok_lead FROM followup.lead WHERE external_ref = 'ok' \gset

-- the interaction trigger: tenant 707 sending tenant 708's own kind is refused
-- for the tenant (not "unknown kind": nothing of tenant 708 is looked at),
-- and tenant 708 then still knows its kind
SET followup.tenant_id = 707;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (708, :ok_lead, '2026-11-23 11:00+00', 'sample_sent');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 708;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-23 11:00+00', 'sample_sent' FROM followup.lead WHERE external_ref = 'ok'
RETURNING kind, applied, touches_at;

-- the lead trigger on UPDATE: tenant 707 moving its lead into tenant 708 is
-- refused first; tenant 708's hot lead is then planned by tenant 708's policy
SET followup.tenant_id = 707;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('seven', '2026-11-23 10:00+00');
UPDATE followup.lead SET tenant_id = 708, state = 'hot', state_since = '2026-11-23 12:00+00'
WHERE external_ref = 'seven';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET followup.tenant_id = 708;
UPDATE followup.lead SET state = 'hot', state_since = '2026-11-23 12:00+00' WHERE external_ref = 'ok'
RETURNING external_ref, state, next_followup_at - state_since AS due_in;
RESET ROLE;

-- what a role may read does not decide what the tenant's configuration is:
-- a CRM's own policy hides tenant 708's policies from one role (the first to
-- load tenant 708 after the change); both roles plan with tenant 708's policy
CREATE POLICY narrow_reads ON followup.policy AS RESTRICTIVE FOR SELECT TO regress_fu_tc_narrow
    USING (tenant_id = 0);
SET ROLE regress_fu_tc_narrow;
SET followup.tenant_id = 708;
SELECT count(*) AS policies_it_reads FROM followup.policy WHERE tenant_id = 708;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('narrow', '2026-11-23 10:00+00')
RETURNING external_ref, next_followup_at - created_at AS due_in;
SET ROLE regress_fu_tc_crm;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('wide', '2026-11-23 10:00+00')
RETURNING external_ref, next_followup_at - created_at AS due_in;
RESET ROLE;

-- nothing was written for tenant 708 by tenant 707
SELECT tenant_id, external_ref, state FROM followup.lead WHERE tenant_id IN (707, 708) ORDER BY tenant_id, external_ref;

-- leave the regression database as it was
DROP POLICY narrow_reads ON followup.policy;
DELETE FROM followup.lead WHERE tenant_id IN (707, 708);
DELETE FROM followup.rule WHERE tenant_id = 708;
DELETE FROM followup.signal WHERE tenant_id = 708;
DELETE FROM followup.policy WHERE tenant_id = 708;
DROP OWNED BY regress_fu_tc_crm, regress_fu_tc_narrow;
DROP ROLE regress_fu_tc_crm;
DROP ROLE regress_fu_tc_narrow;
