--
-- Holiday calendars: the working window skips a tenant's non-working days
-- (in the lead's zone), escalation waits them out, a change re-plans the
-- leads it affects in batches, and Georgia's public holidays are shipped.
-- replan_calendar and run_due serve every tenant: a database of its own.
--
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_calendar;
\c followup_calendar
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Georgia's shipped holidays: 17 or 18 days a year (2029's Easter Monday is
-- also the Day of National Unity), the Orthodox Easter days by the Julian computus
SELECT extract(year FROM day) AS year, count(*) FROM followup.public_holiday
WHERE country = 'GE' GROUP BY 1 ORDER BY 1;
SELECT day, to_char(day, 'Dy') AS dow, name FROM followup.public_holiday
WHERE country = 'GE' AND name LIKE '%Easter Sunday%' ORDER BY day;
SELECT day, name FROM followup.public_holiday
WHERE country = 'GE' AND extract(year FROM day) = 2026 ORDER BY day;

-- Two tenants with the same Tbilisi policy (Monday to Friday, 09:00-18:00);
-- only 181 has a company day off on Friday 2026-11-27
SET followup.tenant_id = 181;
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('warm', '1d, 3d', '{1,2,3,4,5}', '09:00', '18:00', 'Asia/Tbilisi');
INSERT INTO followup.calendar (day, timezone, name) VALUES ('2026-11-27', 'Asia/Tbilisi', 'Company day');
SET followup.tenant_id = 182;
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('warm', '1d, 3d', '{1,2,3,4,5}', '09:00', '18:00', 'Asia/Tbilisi');

-- due Friday 12:00 in Tbilisi: Monday 09:00 in 181, Friday 12:00 in 182
SET followup.tenant_id = 181;
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-26 08:00+00', 0);
SET followup.tenant_id = 182;
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-26 08:00+00', 0);
-- the day is Tbilisi's: a lead of 181 planned in Berlin works that Friday
SET followup.tenant_id = 181;
SELECT due_at AT TIME ZONE 'Europe/Berlin' AS local_due, to_char(due_at AT TIME ZONE 'Europe/Berlin', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-26 11:00+00', 0, NULL, NULL, NULL, 'Europe/Berlin');

-- the triggers, preview and a bulk load plan the same way
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('thu', '2026-11-26 08:00+00', 'warm'), ('wed', '2026-11-25 08:00+00', 'warm');
INSERT INTO followup.lead (external_ref, created_at, state)
SELECT 'bulk' || g, '2026-11-26 08:00+00', 'warm' FROM generate_series(1, 3) g;
SELECT external_ref, next_followup_at AT TIME ZONE 'Asia/Tbilisi' AS local_due
FROM followup.lead WHERE tenant_id = 181 ORDER BY external_ref;
SELECT step_no, due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 181 AND external_ref = 'thu'));

-- DST: New York leaves daylight time on Sunday 2026-11-01; "3d" after
-- Friday 10:00 EDT is Monday 10:00 EST, a day off, so Tuesday 08:00 EST
SET followup.tenant_id = 183;
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('thinking', '3d', '{1,2,3,4,5}', '08:00', '18:00', 'America/New_York');
INSERT INTO followup.calendar (day, name) VALUES ('2026-11-02', 'Inventory');
SELECT due_at, due_at AT TIME ZONE 'America/New_York' AS local_due
FROM followup.plan_next_touch('thinking', '2026-10-30 14:00+00', 0);

-- Year end with Georgia's calendar: due Thursday 2026-12-31 (New Year's
-- Eve, a day off of 184's own), then 1 and 2 January (Georgia's), the
-- weekend: Monday 2027-01-04
SET followup.tenant_id = 184;
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('warm', '1d', '{1,2,3,4,5}', '09:00', '18:00', 'Asia/Tbilisi');
SELECT followup.load_calendar('GE', 'Asia/Tbilisi', '2026-12-01', '2027-01-31') AS loaded;
SELECT followup.load_calendar('GE', 'Asia/Tbilisi', '2026-12-01', '2027-01-31') AS loaded_again;
INSERT INTO followup.calendar (day, name) VALUES ('2026-12-31', 'New Year''s Eve');
SELECT day, timezone, name FROM followup.calendar WHERE tenant_id = 184 ORDER BY day;
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-12-30 08:00+00', 0);
-- an unknown country: 22023, naming it, with the known ones in the hint
-- (the SQLSTATE echoed: verbose errors name a source line that differs between versions)
SELECT followup.load_calendar('XX');
\echo :LAST_ERROR_SQLSTATE

-- tenant 0's days are every tenant's without days of its own
RESET followup.tenant_id;
INSERT INTO followup.calendar (tenant_id, day, name) VALUES (0, '2026-11-26', 'Everyone off');
SET followup.tenant_id = 182;
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-25 08:00+00', 0);
SET followup.tenant_id = 181;
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-25 08:00+00', 0);
RESET followup.tenant_id;
DELETE FROM followup.calendar WHERE tenant_id = 0;
SELECT followup.replan_calendar('2026-11-01', 1000);
DELETE FROM followup.calendar_replan;

-- A calendar change re-plans exactly the leads it moves, a batch at a
-- time, and only what is still to come.  Tenant 185: Friday 2026-12-04
-- becomes a day off, then not.
SET followup.tenant_id = 185;
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('warm', '1d, 3d', '{1,2,3,4,5}', '09:00', '18:00', 'Asia/Tbilisi');
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('fri_a', '2026-12-03 06:00+00', 'warm'),   -- due Friday 10:00
    ('fri_b', '2026-12-03 10:00+00', 'warm'),   -- due Friday 14:00
    ('fri_c', '2026-12-03 12:00+00', 'warm'),   -- due Friday 16:00
    ('thu', '2026-12-02 10:00+00', 'warm'),     -- due Thursday
    ('mon', '2026-12-06 10:00+00', 'warm'),     -- due Monday (created Sunday)
    ('next_fri', '2026-12-10 10:00+00', 'warm');-- due the Friday after
-- another tenant's lead due that Friday is not touched
SET followup.tenant_id = 182;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('other', '2026-12-03 10:00+00', 'warm');
SET followup.tenant_id = 185;
CREATE TEMP TABLE before AS
SELECT tenant_id, external_ref, next_followup_at, updated_at FROM followup.lead WHERE tenant_id IN (182, 185);
INSERT INTO followup.calendar (day, timezone, name) VALUES ('2026-12-04', 'Asia/Tbilisi', 'Stocktaking');
-- nothing moves until the queue is worked through
SELECT tenant_id, due_from, due_until, after_tenant, after_lead FROM followup.calendar_replan;
RESET followup.tenant_id;
-- two leads at a time: 3 moved in all, in two calls, then the queue is empty
SELECT followup.replan_calendar('2026-12-01', 2) AS moved;
SELECT tenant_id, after_tenant, (after_lead > 0) AS resumes FROM followup.calendar_replan;
SELECT followup.replan_calendar('2026-12-01', 2) AS moved;
SELECT followup.replan_calendar('2026-12-01', 2) AS moved;
SELECT followup.replan_calendar('2026-12-01', 2) AS moved;
SELECT count(*) AS queued FROM followup.calendar_replan;
SELECT b.tenant_id, b.external_ref, b.next_followup_at AT TIME ZONE 'Asia/Tbilisi' AS was,
       l.next_followup_at AT TIME ZONE 'Asia/Tbilisi' AS now,
       l.updated_at <> b.updated_at AS written
FROM before b JOIN followup.lead l USING (tenant_id, external_ref) ORDER BY 1, 2;
-- the day is given back: the three leads return to Friday, in one run_due
SET followup.tenant_id = 185;
DELETE FROM followup.calendar WHERE day = '2026-12-04';
RESET followup.tenant_id;
SELECT (followup.run_due('2026-12-01 00:00+00')).materialized;
SELECT count(*) AS queued FROM followup.calendar_replan;
SELECT b.external_ref, l.next_followup_at = b.next_followup_at AS as_before
FROM before b JOIN followup.lead l USING (tenant_id, external_ref) WHERE b.tenant_id = 185 ORDER BY 1;
-- only what is still to come moves: at Friday 12:00, fri_a (due 10:00) stays
INSERT INTO followup.calendar (tenant_id, day, timezone, name) VALUES (185, '2026-12-04', 'Asia/Tbilisi', 'Stocktaking');
SELECT followup.replan_calendar('2026-12-04 08:00+00', 100) AS moved;
SELECT external_ref, next_followup_at AT TIME ZONE 'Asia/Tbilisi' AS local_due
FROM followup.lead WHERE tenant_id = 185 AND external_ref LIKE 'fri%' ORDER BY 1;

-- escalate_overdue waits the days off out: fri_a's task, due Friday 10:00
-- (made before the day became one), is 3 hours late at 13:00 but not escalated,
-- nor is thu's; on Monday both are
DELETE FROM followup.calendar WHERE tenant_id = 185;
SELECT followup.replan_calendar('2026-12-01', 100) AS moved;
SELECT followup.materialize_due('2026-12-04 06:30+00');
INSERT INTO followup.calendar (tenant_id, day, timezone, name) VALUES (185, '2026-12-04', 'Asia/Tbilisi', 'Stocktaking');
DELETE FROM followup.calendar_replan;
SELECT followup.escalate_overdue('2026-12-04 09:00+00') AS escalated_on_day_off;
SELECT followup.escalate_overdue('2026-12-07 06:00+00') AS escalated_monday;

\c :regress_db :regress_user
DROP DATABASE followup_calendar;
