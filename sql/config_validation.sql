--
-- Configuration is checked as strictly as data: a rule's kind must be a
-- signal of its tenant or of tenant 0, a signal that rules read cannot go,
-- and cadence units are lower case.  Tenant 0's rows change here, so this
-- suite has a database of its own.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_config_validation;
\c followup_config_validation
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
CREATE ROLE regress_fu_cv_admin;
SELECT followup.grant_admin('regress_fu_cv_admin');

-- cadence units: m, h, d, w, lower case only (22P02 naming the unit)
SELECT '24H, 3D'::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '1d12H'::followup.cadence;
SELECT '90M'::followup.cadence;
SELECT '1W'::followup.cadence;
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (170, 'warm', '24H, 3D');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '24h, 3d'::followup.cadence AS lower_case_is_fine;

-- a rule for a kind no signal defines (23503, naming it)
INSERT INTO followup.rule (tenant_id, rule_id, kind, effect) VALUES (170, 9001, 'teleport', 'restart');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (tenant_id, rule_id, kind, effect) VALUES (0, 9002, 'teleport', 'restart');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a tenant's admin, for its own tenant
SET ROLE regress_fu_cv_admin;
SET followup.tenant_id = 170;
INSERT INTO followup.rule (rule_id, kind, effect) VALUES (9003, 'teleport', 'restart');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a kind of tenant 0, or of its own signals (added first), is fine
INSERT INTO followup.rule (rule_id, kind, effect) VALUES (9004, 'reply', 'respond');
INSERT INTO followup.signal (kind, direction) VALUES ('teleport', 'inbound');
INSERT INTO followup.rule (rule_id, kind, effect) VALUES (9005, 'teleport', 'restart');
SELECT kind, effect FROM followup.rule WHERE tenant_id = 170 ORDER BY kind;
-- changing a rule to an unknown kind
UPDATE followup.rule SET kind = 'apparate' WHERE tenant_id = 170 AND kind = 'teleport';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a signal its rules read cannot go (checked at commit) ...
DELETE FROM followup.signal WHERE kind = 'teleport';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.signal SET kind = 'apparate' WHERE tenant_id = 170 AND kind = 'teleport';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT kind FROM followup.signal WHERE tenant_id = 170;
-- ... but goes with its rules, in one transaction, in either order
BEGIN;
DELETE FROM followup.signal WHERE kind = 'teleport';
DELETE FROM followup.rule WHERE kind = 'teleport';
COMMIT;
SELECT count(*) AS teleport_rows FROM followup.rule WHERE kind = 'teleport';
-- a tenant's own row for a kind tenant 0 also has can go: tenant 0's covers its rules
INSERT INTO followup.signal (kind, direction, weight) VALUES ('reply', 'inbound', 2);
DELETE FROM followup.signal WHERE kind = 'reply';
SELECT tenant_id, kind, effect FROM followup.rule WHERE tenant_id = 170;
-- the order can be chosen: rule first, signal after, with the check deferred
BEGIN;
SET CONSTRAINTS followup.rule_kind_known DEFERRED;
INSERT INTO followup.rule (rule_id, kind, effect) VALUES (9006, 'portkey', 'restart');
INSERT INTO followup.signal (kind, direction) VALUES ('portkey', 'inbound');
COMMIT;
SELECT kind, effect FROM followup.rule WHERE tenant_id = 170 ORDER BY kind;
RESET ROLE;

-- tenant 0's signals: the owner cannot delete one that any tenant's rules
-- read without a signal of their own ...
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (0, 'owl', 'inbound');
INSERT INTO followup.rule (tenant_id, rule_id, kind, effect) VALUES (0, 9010, 'owl', 'none'), (171, 9011, 'owl', 'none');
DELETE FROM followup.signal WHERE tenant_id = 0 AND kind = 'owl';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM followup.rule WHERE tenant_id = 0 AND kind = 'owl';
DELETE FROM followup.signal WHERE tenant_id = 0 AND kind = 'owl';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- unless that tenant has the signal too
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (171, 'owl', 'inbound');
DELETE FROM followup.signal WHERE tenant_id = 0 AND kind = 'owl';
SELECT tenant_id, kind FROM followup.signal WHERE kind = 'owl';
-- ... and replacing a shipped signal by inserting its key is no deletion
INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (0, 'call_unanswered', 'outbound', 0);
SELECT tenant_id, kind, shipped FROM followup.signal WHERE kind = 'call_unanswered';

-- a dump is restored table by table, rules before signals: with
-- check_function_bodies off, as pg_dump sets it, nothing is checked
SET check_function_bodies = off;
INSERT INTO followup.rule (tenant_id, rule_id, kind, effect) VALUES (172, 9020, 'floo', 'restart');
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (172, 'floo', 'inbound');
RESET check_function_bodies;
SELECT tenant_id, kind, effect FROM followup.rule WHERE tenant_id = 172;

\c :regress_db
DROP DATABASE followup_config_validation;
DROP ROLE regress_fu_cv_admin;
