--
-- Scheduling with pg_cron.  The test cluster preloads pg_cron with
-- cron.database_name = 'followup_cron'; this database has no pg_cron.
--
\set SHOW_CONTEXT never
SHOW cron.database_name;
SELECT count(*) AS pg_cron_here FROM pg_extension WHERE extname = 'pg_cron';
-- here, the hint is the exact statement to run in the cron database
SELECT * FROM followup.schedule_jobs();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM followup.schedule_jobs('*/5 * * * *');
SELECT followup.unschedule_jobs();

-- in the cron database, followup schedules its own jobs
\c followup_cron
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION followup;
SELECT jobname, cron_schedule, command FROM followup.schedule_jobs();
SELECT jobname, schedule, database, active FROM cron.job WHERE jobname LIKE 'followup-%' ORDER BY jobname;
-- scheduling again replaces the schedule instead of adding a job
SELECT jobname, cron_schedule FROM followup.schedule_jobs('*/5 * * * *');
SELECT count(*) FROM cron.job WHERE jobname LIKE 'followup-%';
-- a bad schedule is pg_cron's error, and nothing changes
\set VERBOSITY terse
SELECT * FROM followup.schedule_jobs('every minute');
\set VERBOSITY default
SELECT jobname, schedule FROM cron.job WHERE jobname LIKE 'followup-%' ORDER BY jobname;
-- the scheduled command works as pg_cron will run it
SELECT command FROM cron.job WHERE jobname = 'followup-run-due:followup_cron' \gset
:command;
SELECT command FROM cron.job WHERE jobname = 'followup-purge-run-log:followup_cron' \gset
:command;
SELECT followup.unschedule_jobs();
SELECT count(*) FROM cron.job WHERE jobname LIKE 'followup-%';
SELECT followup.unschedule_jobs();
DROP EXTENSION followup;
DROP EXTENSION pg_cron;
