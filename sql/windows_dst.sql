--
-- Working windows in the lead's time zone, and calendar days across DST.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 107;
-- a shop in Tbilisi (UTC+4, no DST) that works Monday to Friday, 09:00-18:00
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('warm', '1d, 3d', '{1,2,3,4,5}', '09:00', '18:00', 'Asia/Tbilisi');

-- due Thursday 12:00 local: inside the window, unchanged
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-25 08:00+00', 0);
-- due Friday 19:00 local: after hours, so Monday 09:00
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-26 15:00+00', 0);
-- due Saturday 10:00 local: weekend, so Monday 09:00
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-27 06:00+00', 0);
-- due Tuesday 07:30 local: before hours, so 09:00 the same day
SELECT due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, to_char(due_at AT TIME ZONE 'Asia/Tbilisi', 'Dy') AS dow
FROM followup.plan_next_touch('warm', '2026-11-23 03:30+00', 0);
-- the lead's own zone wins over the policy's: 17:00 in Tbilisi is 08:00 in New York
SELECT due_at AT TIME ZONE 'America/New_York' AS local_due
FROM followup.plan_next_touch('warm', '2026-11-23 13:00+00', 0, NULL, NULL, NULL, 'America/New_York');

-- DST ends in New York on Sunday 2026-11-01: "3d" after Saturday 10:00 EDT is
-- Tuesday 10:00 EST (three calendar days, 73 hours), and "24h" is 24 hours
SET followup.tenant_id = 108;
INSERT INTO followup.policy (state, cadence, work_start, work_end, timezone)
VALUES ('thinking', '24h, 3d, 7d', '08:00', '21:00', 'America/New_York');
INSERT INTO followup.lead (external_ref, created_at, state)
VALUES ('ny', '2026-10-31 14:00+00', 'thinking');
SELECT step_no, due_at, due_at AT TIME ZONE 'America/New_York' AS local_due,
       due_at - '2026-10-31 14:00+00' AS after
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 108));

-- DST starts in Berlin on 2027-03-28: "1d" after Saturday 10:00 CET is
-- Sunday 10:00 CEST, 23 hours later
SET followup.tenant_id = 109;
INSERT INTO followup.policy (state, cadence, work_start, work_end, timezone)
VALUES ('warm', '1d', '02:30', '20:00', 'Europe/Berlin');
SELECT due_at, due_at - '2027-03-27 09:00+00' AS after
FROM followup.plan_next_touch('warm', '2027-03-27 09:00+00', 0);
-- a window opening at 02:30 on the night the clocks skip 02:00-03:00 still
-- gives a real instant (03:30 CEST, as PostgreSQL reads a skipped local time)
SELECT due_at, due_at AT TIME ZONE 'Europe/Berlin' AS local_due
FROM followup.plan_next_touch('warm', '2027-03-26 23:30+00', 0);

-- bad windows are refused when written
INSERT INTO followup.policy (state, cadence, work_days) VALUES ('hot', '1h', '{0,8}');
INSERT INTO followup.policy (state, cadence, work_days) VALUES ('hot', '1h', '{}');
INSERT INTO followup.policy (state, cadence, work_start, work_end) VALUES ('hot', '1h', '18:00', '09:00');
INSERT INTO followup.policy (state, cadence, timezone) VALUES ('hot', '1h', 'Mars/Olympus');
UPDATE followup.lead SET timezone = 'Europe/Atlantis' WHERE tenant_id = 108;
SELECT timezone FROM followup.lead WHERE tenant_id = 108;
