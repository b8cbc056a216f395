--
-- Each tenant's notification channel: its own, not guessable, made on first
-- use by followup.due_channel() or by materialize_due, and readable by no
-- role but through due_channel() for its session's tenant.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_notify_channel;
\c followup_notify_channel
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE ROLE regress_fu_nc_worker;
SELECT followup.grant_operator('regress_fu_nc_worker');

-- made on first call, the same afterwards, one per tenant
SET followup.tenant_id = 31;
SELECT followup.due_channel() AS c31 \gset
SELECT :'c31' ~ '^followup_due_31_[0-9a-f]{24}$' AS well_formed,
       followup.due_channel() = :'c31' AS stable;
SET followup.tenant_id = 32;
SELECT followup.due_channel() AS c32 \gset
SELECT :'c32' ~ '^followup_due_32_[0-9a-f]{24}$' AS well_formed,
       :'c32' <> :'c31' AS own_channel,
       substr(:'c32', 17) <> substr(:'c31', 17) AS own_secret;

-- materialize_due makes the channel of a tenant that got tasks, and
-- due_channel() then gives that one (the new lead's state change, announced
-- too, would make it first: not here)
SET followup.notify = off;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state)
VALUES (33, 33001, 'due', '2026-11-23 10:00+00', 'warm');
RESET followup.notify;
SELECT count(*) AS channels_of_33 FROM followup.notify_channel WHERE tenant_id = 33;
SELECT followup.materialize_due('2026-11-24 10:00+00');
SELECT count(*) AS channels_of_33 FROM followup.notify_channel WHERE tenant_id = 33;
SET followup.tenant_id = 33;
SELECT followup.due_channel() = (SELECT channel FROM followup.notify_channel WHERE tenant_id = 33) AS same;
RESET followup.tenant_id;

-- a worker role reads its tenant's channel through due_channel() only
SET ROLE regress_fu_nc_worker;
SET followup.tenant_id = 31;
SELECT followup.due_channel() = :'c31' AS its_own;
SELECT channel FROM followup.notify_channel;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;

-- the old shared channel's name is nobody's
SELECT count(*) AS shared FROM followup.notify_channel WHERE channel IN ('followup_due', 'followup_due_31');

\c :regress_db
DROP DATABASE followup_notify_channel;
DROP ROLE regress_fu_nc_worker;
