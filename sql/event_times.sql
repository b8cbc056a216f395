--
-- Event times: a state_since given with a move is its start even when it
-- equals the old one; what cannot be the time of a real event (infinity,
-- years before 1900 or after 9999) is refused naming the column; calendar
-- arithmetic is exactly timestamptz + interval's.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 171;
-- working windows that never move a due time, so that due times show the arithmetic
INSERT INTO followup.policy (state, cadence, close_after, on_exhausted, work_start, work_end, timezone) VALUES
    ('warm', '1d, 3d', '1 mon 1 day 01:00', 'recycle', '00:00', '24:00', 'Europe/Berlin'),
    ('recycle', '30d, 60d', '30 days', 'lost', '00:00', '24:00', 'UTC');

-- state_since_given_even_if_unchanged: a lead created at T and moved to
-- recycle with state_since = T is reactivated at T + 30 days
INSERT INTO followup.lead (lead_id, external_ref, state, created_at) VALUES
    (171001, 'same', 'warm', '2026-01-05 10:00+00'),
    (171002, 'none', 'warm', '2026-01-05 10:00+00'),
    (171003, 'null', 'warm', '2026-01-05 10:00+00');
UPDATE followup.lead SET state = 'recycle', state_since = '2026-01-05 10:00+00' WHERE lead_id = 171001;
SELECT state, state_since, anchor_at, next_action, next_followup_at
FROM followup.lead WHERE lead_id = 171001;
SELECT changed_at, from_state, to_state FROM followup.state_change
WHERE tenant_id = 171 AND lead_id = 171001 ORDER BY changed_at;
-- not named: the move starts now; named as NULL: now as well
BEGIN;
UPDATE followup.lead SET state = 'recycle' WHERE lead_id = 171002;
UPDATE followup.lead SET state = 'recycle', state_since = NULL WHERE lead_id = 171003;
SELECT external_ref, state_since = now() AS since_now, next_followup_at = now() + interval '30 days' AS due_in_30_days
FROM followup.lead WHERE lead_id IN (171002, 171003) ORDER BY lead_id;
COMMIT;
-- in an UPDATE ... FROM, naming the column is what counts
UPDATE followup.lead l SET state = 'thinking', state_since = v.t
FROM (VALUES (171001, timestamptz '2026-01-05 10:00+00')) v(id, t) WHERE l.lead_id = v.id;
SELECT state, state_since, next_followup_at FROM followup.lead WHERE lead_id = 171001;

-- not_an_event_time: refused with 22008, naming the column and the value
INSERT INTO followup.lead (external_ref, created_at) VALUES ('inf', 'infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('-inf', '-infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('old', '1899-12-31 23:59:59.999999+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('far', '10000-01-01 00:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('bc', '0100-01-31 BC');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at, state_since) VALUES ('since', '2026-01-05 10:00+00', 'infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at, state_since) VALUES ('since-', '2026-01-05 10:00+00', '-infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, created_at, anchor_at) VALUES ('anchor', '2026-01-05 10:00+00', '-infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET state = 'hot', state_since = 'infinity' WHERE lead_id = 171002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET state = 'hot', state_since = '-infinity' WHERE lead_id = 171002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET anchor_at = '1066-10-14 09:00+00' WHERE lead_id = 171002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (171002, '-infinity', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (171002, '1800-01-01 00:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (171002, '12000-01-01 00:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM followup.plan_next_touch('warm', '0100-01-31 BC', 2);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM followup.plan_next_touch('warm', '2026-01-05 10:00+00', 2, NULL, 'infinity');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM followup.plan_next_touch('warm', '2026-01-05 10:00+00', 0, NULL, NULL, '1899-06-01 00:00+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nothing of the above was written
SELECT count(*) AS leads, count(*) FILTER (WHERE state = 'recycle') AS still_recycle
FROM followup.lead WHERE tenant_id = 171;
SELECT count(*) AS interactions FROM followup.interaction WHERE tenant_id = 171;
-- the edges of the accepted range are accepted
INSERT INTO followup.lead (external_ref, state, created_at) VALUES
    ('first', 'warm', '1900-01-01 00:00+00'),
    ('last', 'warm', '9999-12-31 23:59:59.999999+00');
SELECT external_ref, state_since, next_action, next_followup_at FROM followup.lead
WHERE tenant_id = 171 AND external_ref IN ('first', 'last') ORDER BY 1;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '9999-12-31 23:00+00', 'reply' FROM followup.lead WHERE external_ref = 'last' AND tenant_id = 171;
SELECT next_action, next_followup_at FROM followup.lead WHERE tenant_id = 171 AND external_ref = 'last';

-- calendar_arithmetic_is_postgresql_s: the close of a spent cadence,
-- anchor + '1 mon 1 day 01:00' in Europe/Berlin, against timestamptz +
-- interval in a session in Europe/Berlin: month ends, leap years, DST
-- changes (Berlin's first in 1916), the ends of the accepted range
SET timezone = 'Europe/Berlin';
CREATE TEMP TABLE anchors AS
SELECT make_timestamptz(y, m, d, h, 30, 0) AS anchor
FROM unnest(ARRAY[1900, 1916, 1945, 1947, 1980, 1996, 2000, 2024, 2026, 2027, 2100, 2400, 9999]) AS y,
     generate_series(1, 12) AS m,
     unnest(ARRAY[1, 27, 28, 29, 30, 31]) AS d,
     unnest(ARRAY[0, 1, 2, 3, 23]) AS h
WHERE d <= extract(day FROM (make_date(y, m, 1) + interval '1 month' - interval '1 day'))
  AND make_timestamptz(y, m, d, h, 30, 0) BETWEEN '1900-01-01 00:00+00' AND '9999-11-30 00:00+00';
SELECT count(*) AS anchors,
       count(*) FILTER (WHERE p.due_at = a.anchor + interval '1 mon 1 day 01:00') AS as_postgresql,
       count(*) FILTER (WHERE p.next_action = 'close') AS closes
FROM anchors a, followup.plan_next_touch('warm', a.anchor, 2) p;
SELECT a.anchor, p.due_at, a.anchor + interval '1 mon 1 day 01:00' AS postgresql
FROM (SELECT anchor FROM anchors UNION ALL SELECT '2027-02-28 02:30') a, followup.plan_next_touch('warm', a.anchor, 2) p
WHERE p.due_at IS DISTINCT FROM a.anchor + interval '1 mon 1 day 01:00';
-- the month lands in the spring gap (2027-03-28 02:30 does not exist):
-- resolved before the day is added, as PostgreSQL does
SELECT p.due_at, p.due_at = timestamptz '2027-02-28 02:30' + interval '1 mon 1 day 01:00' AS as_postgresql
FROM followup.plan_next_touch('warm', '2027-02-28 02:30', 2) p;
-- cadence days across DST: same wall-clock time, as timestamptz + interval
SELECT a.anchor, p.due_at, p.due_at = a.anchor + interval '3 days' AS as_postgresql
FROM (VALUES (timestamptz '2026-03-27 02:30'), ('2026-10-24 02:30'), ('1916-04-28 23:30'), ('2026-03-29 03:30')) a(anchor),
     followup.plan_next_touch('warm', a.anchor, 1) p ORDER BY 1;
RESET timezone;

DELETE FROM followup.lead WHERE tenant_id = 171;
DELETE FROM followup.policy WHERE tenant_id = 171;
