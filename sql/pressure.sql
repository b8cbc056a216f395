--
-- Contact pressure: caps on a lead's outbound touches in rolling windows
-- and quiet hours move our planned touches (never an owed reply); preview
-- says why; followup.pressure reports it.  A database of its own.
--
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_pressure;
\c followup_pressure
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, next_action, next_followup_at AS due, touches
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;

-- 191 caps at 2 touches in 24 hours and 4 in 7 days; 192 has no caps.
-- Same policy: every hour of every day, touches an hour apart.
SET followup.tenant_id = 191;
INSERT INTO followup.policy (state, cadence, work_start, work_end, timezone)
VALUES ('warm', '1h, 2h, 3h, 4h, 5h', '00:00', '24:00', 'UTC');
INSERT INTO followup.contact_cap (per, max_touches) VALUES ('24 hours', 2), ('7 days', 4);
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('a', '2026-11-02 08:00+00', 'warm');
SET followup.tenant_id = 192;
INSERT INTO followup.policy (state, cadence, work_start, work_end, timezone)
VALUES ('warm', '1h, 2h, 3h, 4h, 5h', '00:00', '24:00', 'UTC');
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('a', '2026-11-02 08:00+00', 'warm');

-- two touches on time; the third waits 24 hours after the first in 191
SET followup.tenant_id = 191;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, t, 'message' FROM followup.lead, unnest(ARRAY['2026-11-02 09:00+00', '2026-11-02 10:00+00']::timestamptz[]) t
WHERE tenant_id = 191 ORDER BY t;
SELECT * FROM l;
SELECT step_no, next_action, due_at, moved_by
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 191));
SELECT lead_id > 0 AS lead, due_at, planned_at, reason FROM followup.pressure_move;
SET followup.tenant_id = 192;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, t, 'message' FROM followup.lead, unnest(ARRAY['2026-11-02 09:00+00', '2026-11-02 10:00+00']::timestamptz[]) t
WHERE tenant_id = 192 ORDER BY t;
SELECT * FROM l;
SELECT step_no, due_at, moved_by FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 192));

-- a customer who writes first is answered within reply_within, caps or not
SET followup.tenant_id = 191;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-02 10:30+00', 'reply' FROM followup.lead WHERE tenant_id = 191;
SELECT * FROM l;
SELECT step_no, next_action, due_at, moved_by
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 191)) LIMIT 2;
-- our answer (a third touch in 24 hours) is made; the follow-up after it
-- waits for the window of the last two (10:00 and 10:40)
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-02 10:40+00', 'message' FROM followup.lead WHERE tenant_id = 191;
SELECT * FROM l;
-- an operator touches the lead anyway: beyond the cap, by hand (the
-- answer at 10:40 was beyond it too, but an answer is never counted)
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
SELECT lead_id, '2026-11-02 12:00+00', 'call', 'ana' FROM followup.lead WHERE tenant_id = 191;
SELECT * FROM l;
SELECT step_no, due_at, moved_by FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 191));
SELECT day, touches, leads_at_cap, leads_near_cap, moved_by_caps, beyond_cap, leads_beyond_cap
FROM followup.pressure WHERE tenant_id = 191 ORDER BY day;
-- 192 has no caps: nothing is moved, nothing is beyond a cap
SELECT day, touches, leads_at_cap, leads_near_cap, moved_by_caps, beyond_cap, leads_beyond_cap
FROM followup.pressure WHERE tenant_id = 192 ORDER BY day;

-- Quiet hours in the lead's zone (193: Tbilisi, 21:00-09:00, no caps): a
-- touch due 22:00 local waits until 09:00; an owed reply does not
SET followup.tenant_id = 193;
INSERT INTO followup.policy (state, cadence, reply_within, work_start, work_end, timezone)
VALUES ('warm', '2h', '30 minutes', '00:00', '24:00', 'Asia/Tbilisi');
INSERT INTO followup.quiet_hours (starts, ends) VALUES ('21:00', '09:00');
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('evening', '2026-11-02 16:00+00', 'warm'),   -- 20:00 local, due 22:00
    ('morning', '2026-11-02 03:00+00', 'warm');   -- 07:00 local, due 09:00: already out of quiet
SELECT ref, due AT TIME ZONE 'Asia/Tbilisi' AS local_due FROM l;
SELECT step_no, due_at AT TIME ZONE 'Asia/Tbilisi' AS local_due, moved_by
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 193 AND external_ref = 'evening'));
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-02 18:00+00', 'reply' FROM followup.lead WHERE tenant_id = 193 AND external_ref = 'evening';
SELECT ref, next_action, due AT TIME ZONE 'Asia/Tbilisi' AS local_due FROM l WHERE ref = 'evening';

-- bad caps: 23514 naming the constraint
INSERT INTO followup.contact_cap (per, max_touches) VALUES ('1 month', 2);
INSERT INTO followup.contact_cap (per, max_touches) VALUES ('1 day', 0);
INSERT INTO followup.quiet_hours (tenant_id, starts, ends) VALUES (194, '21:00', '21:00');

\c :regress_db :regress_user
DROP DATABASE followup_pressure;
