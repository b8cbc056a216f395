--
-- The planner alone: followup.plan_next_touch() with the shipped policies.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 0;

-- on schedule: anchor + offset[k+1]
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 0);
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 1, NULL, '2026-11-24 10:00+00');
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 2, NULL, '2026-11-26 10:00+00');

-- late_operator_no_back_to_back: touch 1 made two days late keeps the 2-day gap to touch 2
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 1, NULL, '2026-11-26 09:00+00');

-- exhausted: close, last touch + close_after (3 days)
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 3, NULL, '2026-11-30 10:00+00');

-- we owe a reply: due reply_within (30 minutes in thinking) after the message
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 0, NULL, NULL, '2026-11-24 12:00+00');

-- Plan B: the first option at once, the third on day 2; no option left means close
SELECT * FROM followup.plan_next_touch('installment_rejected', '2026-11-23 10:00+00', 0, 1);
SELECT * FROM followup.plan_next_touch('installment_rejected', '2026-11-23 10:00+00', 2, 3, '2026-11-24 10:00+00');
SELECT * FROM followup.plan_next_touch('installment_rejected', '2026-11-23 10:00+00', 2, 6, '2026-11-24 10:00+00');

-- parked leads are reactivated (recycle works Monday to Friday, 10:00-18:00)
SELECT * FROM followup.plan_next_touch('recycle', '2026-11-23 10:00+00', 0);

-- terminal states have no next action
SELECT * FROM followup.plan_next_touch('won', '2026-11-23 10:00+00', 0);
SELECT * FROM followup.plan_next_touch('lost', '2026-11-23 10:00+00', 5);

-- working window: a touch due at 22:30 moves to 09:00 the next morning,
-- one due at 07:00 to 09:00 the same day
SELECT * FROM followup.plan_next_touch('new', '2026-11-23 22:25+00', 0);
SELECT * FROM followup.plan_next_touch('new', '2026-11-23 06:55+00', 0);
-- in the lead's own time zone: 22:25 in Tbilisi (UTC+4) is 18:25 UTC
SELECT * FROM followup.plan_next_touch('new', '2026-11-23 18:25+00', 0, NULL, NULL, NULL, 'Asia/Tbilisi');

-- bad arguments
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', -1);
SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 0, NULL, NULL, NULL, 'Mars/Olympus');
SELECT * FROM followup.plan_next_touch(NULL, '2026-11-23 10:00+00', 0);
