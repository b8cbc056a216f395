-- the periodic job, far more often than pg_cron would run it (pgbench script)
SELECT followup.run_due(now() + interval '3 days');
