--
-- The reports' durations are normalised (justify_hours): an average or a
-- percentile of intervals shows 2 days 08:00:00, not 1 day 32:00:00, and
-- is the same duration as its *_seconds column.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- pipeline and silence_by_stage: two warm leads of tenant 961, 1 day 20h
-- and 2 days 20h old; their average is 2 days 08:00 (56 hours). now() is
-- the transaction's, so the ages are exact.
BEGIN;
INSERT INTO followup.lead (tenant_id, external_ref, state, state_since, created_at, last_inbound_at) VALUES
    (961, 'd1', 'warm', now() - interval '1 day 20 hours', now() - interval '1 day 20 hours',
     now() - interval '1 day 20 hours'),
    (961, 'd2', 'warm', now() - interval '2 days 20 hours', now() - interval '2 days 20 hours',
     now() - interval '2 days 20 hours');
SELECT state, avg_age, avg_age_seconds, max_age, avg_age = interval '56 hours' AS same_duration
FROM followup.pipeline WHERE tenant_id = 961;
SELECT state, touches, avg_silence, avg_silence_seconds, max_silence
FROM followup.silence_by_stage WHERE tenant_id = 961;
ROLLBACK;

-- response_times: two customer messages of tenant 962 on 2026-10-05 09:00,
-- answered by ann after 20 hours and after 2 days 20 hours; p90 is
-- 20h + 0.9 * 2 days = 63:12 hours, shown as 2 days 15:12:00
INSERT INTO followup.lead (tenant_id, external_ref, owner, created_at) VALUES
    (962, 'r1', 'ann', '2026-10-01 08:00+00'), (962, 'r2', 'ann', '2026-10-01 08:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at)
SELECT 962, lead_id, 'reply', '2026-10-05 09:00+00' FROM followup.lead WHERE tenant_id = 962;
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at, operator)
SELECT 962, lead_id, 'message',
       CASE external_ref WHEN 'r1' THEN timestamptz '2026-10-06 05:00+00' ELSE '2026-10-08 05:00+00' END, 'ann'
FROM followup.lead WHERE tenant_id = 962;
SELECT operator, day, replies_answered, median, p90, max, median_seconds, p90_seconds, max_seconds,
       extract(epoch FROM p90) = p90_seconds AS same_duration
FROM followup.response_times WHERE tenant_id = 962;
-- every duration column of the reports, over every row: hours below a day
SELECT count(*) AS unnormalised FROM (
    SELECT avg_age AS d FROM followup.pipeline UNION ALL SELECT max_age FROM followup.pipeline
    UNION ALL SELECT avg_silence FROM followup.silence_by_stage UNION ALL SELECT max_silence FROM followup.silence_by_stage
    UNION ALL SELECT median FROM followup.response_times UNION ALL SELECT p90 FROM followup.response_times
    UNION ALL SELECT max FROM followup.response_times
    UNION ALL SELECT median_delay FROM followup.operator_compliance) x
WHERE abs(extract(hour FROM d)) >= 24;
