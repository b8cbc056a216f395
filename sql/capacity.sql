--
-- Capacity: an operator with a daily capacity claims no more than it a
-- day, most valuable first (owed replies, hot leads, momentum, due time);
-- the rest stays for others.  A database of its own (the jobs run).
--
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_capacity;
\c followup_capacity
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 195;
-- an inbound signal that only adds momentum
INSERT INTO followup.signal (kind, direction, weight) VALUES ('liked', 'inbound', 5);
INSERT INTO followup.rule (kind, effect) VALUES ('liked', 'none');
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('reply', '2026-11-01 10:00+00', 'warm'),
    ('hot_old', '2026-11-01 09:00+00', 'hot'),
    ('hot_new', '2026-11-01 11:00+00', 'hot'),
    ('warm_liked', '2026-11-01 12:00+00', 'warm'),
    ('warm_old', '2026-11-01 08:00+00', 'warm'),
    ('warm_new', '2026-11-01 13:00+00', 'warm');
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-01 14:00+00', 'reply' FROM followup.lead WHERE external_ref = 'reply';
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-01 12:30+00', 'liked' FROM followup.lead WHERE external_ref = 'warm_liked';
RESET followup.tenant_id;
SELECT followup.materialize_due('2026-11-20');
SET followup.tenant_id = 195;
CREATE TEMP VIEW claimed AS
    SELECT l.external_ref, t.kind, t.state, t.claimed_by
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE t.tenant_id = 195 AND t.status = 'claimed';

-- ana can take 3 a day: the reply and the two hot leads, not the warm ones
INSERT INTO followup.capacity (operator, daily_tasks, team) VALUES ('ana', 3, 'sales'), ('dato', 1, 'sales');
SELECT l.external_ref, c.kind, c.state FROM followup.claim_tasks('ana', 10) c
JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY c.task_id;
-- her day is used up: nothing more, whatever she asks
SELECT count(*) FROM followup.claim_tasks('ana', 10);
SELECT operator, day = (now() AT TIME ZONE 'UTC')::date AS today, claimed FROM followup.capacity_used;
-- dato takes one: among the warm leads, the one with momentum first
SELECT l.external_ref, c.kind, c.state FROM followup.claim_tasks('dato', 5) c
JOIN followup.lead l USING (tenant_id, lead_id);
-- beka has no capacity: the usual claim, the rest by due time
SELECT l.external_ref, c.kind, c.state FROM followup.claim_tasks('beka', 10) c
JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY c.task_id;
SELECT claimed_by, count(*) FROM claimed GROUP BY 1 ORDER BY 1;
-- a released claim is not given back
SELECT (followup.release_task(task_id)).status
FROM followup.task WHERE tenant_id = 195 AND claimed_by = 'ana' ORDER BY task_id LIMIT 1;
SELECT count(*) FROM followup.claim_tasks('ana', 10);
-- a capacity of 0: nothing
UPDATE followup.capacity SET daily_tasks = 0 WHERE operator = 'dato';
SELECT count(*) FROM followup.claim_tasks('dato', 10);
-- bad rows
INSERT INTO followup.capacity (operator, daily_tasks) VALUES ('eka', -1);
INSERT INTO followup.capacity (operator, daily_tasks, timezone) VALUES ('eka', 5, 'Mars/Olympus');

\c :regress_db :regress_user
DROP DATABASE followup_capacity;
