--
-- installing followup: works without pg_cron in the database.  The
-- regression database has the extension already (pg_regress
-- --load-extension), so installing it, and refusing to install it, happen
-- in databases made here and dropped at the end.
--
-- (the errors' context lines differ between PostgreSQL versions)
\set SHOW_CONTEXT never
SELECT extname, extversion, extrelocatable, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'followup';
SELECT count(*) AS pg_cron_here FROM pg_extension WHERE extname = 'pg_cron';
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_no_cron;
\c followup_no_cron
CREATE EXTENSION followup;
SELECT '24h, 3d, 7d'::followup.cadence;
SELECT count(*) AS pg_cron_here FROM pg_extension WHERE extname = 'pg_cron';
DROP EXTENSION followup;
\c :regress_db
DROP DATABASE followup_no_cron;
-- the extension cannot be moved to another schema
CREATE SCHEMA elsewhere;
ALTER EXTENSION followup SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;

-- a schema planted by another role, or one that already holds objects, is refused
CREATE ROLE regress_fu_attacker;
CREATE DATABASE followup_attack;
\c followup_attack
CREATE SCHEMA followup AUTHORIZATION regress_fu_attacker;
CREATE EXTENSION followup;
DROP SCHEMA followup;
CREATE SCHEMA followup;
CREATE FUNCTION followup.current_tenant() RETURNS bigint LANGUAGE sql AS 'SELECT 42::bigint';
CREATE EXTENSION followup;
DROP SCHEMA followup CASCADE;
CREATE EXTENSION followup;
SELECT extname FROM pg_extension WHERE extname = 'followup';
\c :regress_db
DROP DATABASE followup_attack;
DROP ROLE regress_fu_attacker;
