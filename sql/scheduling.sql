--
-- Scheduling with pg_cron.  The server preloads pg_cron (test/followup.conf
-- for a throwaway one) for the database named by cron.database_name, which
-- is not this one: pg_regress drops and recreates its own database, which
-- pg_cron's launcher, connected to it, would prevent.  This suite needs that
-- other database: it schedules there, as a DBA would.  Its name is read from
-- the server and masked in the output, except in the errors that name it
-- (this expected output is for test/followup.conf's followup_cron and
-- PGXS's contrib_regression).  The database is made when missing (a
-- throwaway server has only pg_regress's) and is left as found.
--
\set SHOW_CONTEXT never
-- a server that does not preload pg_cron has nothing to schedule with (the
-- suite test/nocron covers it): expected/scheduling_1.out
SELECT current_setting('cron.database_name', true) IS NULL AS no_pg_cron \gset
\if :no_pg_cron
\quit
\endif
\set regress_db :DBNAME
SELECT current_setting('cron.database_name') AS cron_db \gset
SELECT :'cron_db' <> current_database() AS cron_elsewhere;
-- (quietly: whether it is made depends on the server)
\set ECHO none
SELECT format('CREATE DATABASE %I', :'cron_db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'cron_db') \gexec
\set ECHO all
SELECT count(*) AS pg_cron_here FROM pg_extension WHERE extname = 'pg_cron';
-- here, the hint is the exact statement to run in the cron database
SELECT * FROM followup.schedule_jobs();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM followup.schedule_jobs('*/5 * * * *');
SELECT followup.unschedule_jobs();

-- in the cron database, followup schedules its own jobs
\c :cron_db
SELECT NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') AS cron_to_drop \gset
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION followup;
-- whether pg_cron can connect to run the jobs depends on the server's
-- settings, and so does schedule_jobs' warning (sql/cron_connection tests it)
SET client_min_messages = error;
SELECT replace(jobname, :'cron_db', '<cron db>') AS jobname, cron_schedule, command FROM followup.schedule_jobs();
SELECT replace(jobname, :'cron_db', '<cron db>') AS jobname, schedule, database = :'cron_db' AS in_cron_db, active FROM cron.job WHERE jobname LIKE 'followup-%' ORDER BY jobname;
-- scheduling again replaces the schedule instead of adding a job
SELECT replace(jobname, :'cron_db', '<cron db>') AS jobname, cron_schedule FROM followup.schedule_jobs('*/5 * * * *');
SELECT count(*) FROM cron.job WHERE jobname LIKE 'followup-%';
-- a bad schedule is pg_cron's error, and nothing changes
\set VERBOSITY terse
SELECT * FROM followup.schedule_jobs('every minute');
\set VERBOSITY default
SELECT replace(jobname, :'cron_db', '<cron db>') AS jobname, schedule FROM cron.job WHERE jobname LIKE 'followup-%' ORDER BY jobname;
-- the scheduled command works as pg_cron will run it
SELECT command FROM cron.job WHERE jobname = 'followup-run-due:' || :'cron_db' \gset
:command;
SELECT command FROM cron.job WHERE jobname = 'followup-purge-run-log:' || :'cron_db' \gset
:command;
SELECT followup.unschedule_jobs();
SELECT count(*) FROM cron.job WHERE jobname LIKE 'followup-%';
SELECT followup.unschedule_jobs();
DROP EXTENSION followup;
-- DROP EXTENSION leaves the schema CREATE EXTENSION made: leave the cron
-- database as found, whoever runs the suite next
DROP SCHEMA followup;
\if :cron_to_drop
DROP EXTENSION pg_cron;
\endif
\c :regress_db
