--
-- A cluster without pg_cron: followup installs and works; scheduling says
-- how to get pg_cron or what to call from another scheduler.
--
\set SHOW_CONTEXT never
SELECT count(*) AS pg_cron_available FROM pg_available_extensions WHERE name = 'pg_cron' AND installed_version IS NOT NULL;
SHOW shared_preload_libraries;
CREATE EXTENSION followup;
SELECT * FROM followup.schedule_jobs();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT followup.unschedule_jobs();
-- the jobs themselves need nothing from pg_cron
SELECT * FROM followup.run_due('2026-11-24 10:00+00');
DROP EXTENSION followup;
