--
-- The workload forecast: what the plans and cadences bring if every touch
-- is made when due, checked against a replay in which run_due materializes
-- the tasks hour by hour and each is done when due.  A database of its own.
--
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_forecast;
\c followup_forecast
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 196;
INSERT INTO followup.capacity (operator, daily_tasks, team) VALUES ('ana', 4, 'sales'), ('beka', 3, 'sales');
-- leads of every active state, with tenant 0's policies (09:00-21:00 UTC)
INSERT INTO followup.lead (external_ref, created_at, state, owner) VALUES
    ('new', '2026-11-01 22:00+00', 'new', 'ana'),
    ('hot', '2026-11-01 20:00+00', 'hot', 'ana'),
    ('warm', '2026-11-01 15:00+00', 'warm', 'beka'),
    ('thinking', '2026-11-01 12:00+00', 'thinking', 'beka'),
    ('plan_b', '2026-11-01 21:30+00', 'installment_rejected', NULL),
    ('replied', '2026-11-01 10:00+00', 'warm', 'dato'),
    ('parked', '2026-11-01 10:00+00', 'recycle', 'ana'),
    ('opted_out', '2026-11-01 10:00+00', 'warm', 'ana');
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-01 23:00+00', 'reply' FROM followup.lead WHERE external_ref = 'replied';
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-01 23:00+00', 'opt_out' FROM followup.lead WHERE external_ref = 'opted_out';

-- the forecast for the week from Monday 2026-11-02
CREATE TEMP TABLE forecast AS SELECT * FROM followup.workload_forecast(7, '2026-11-02 00:00+00');
SELECT * FROM forecast;
SELECT state, sum(touches) FROM forecast GROUP BY 1 ORDER BY 1;
-- per lead, the same as preview says (the touches in the week)
SELECT l.external_ref, f.kind, f.step_no, f.due_at
FROM followup.planned_touches('2026-11-02 00:00+00', '2026-11-09 00:00+00') f
JOIN followup.lead l ON l.tenant_id = 196 AND l.lead_id = f.lead_id
WHERE l.external_ref = 'thinking' ORDER BY f.due_at;
SELECT step_no, next_action, due_at FROM followup.preview((SELECT lead_id FROM followup.lead WHERE external_ref = 'thinking'))
WHERE due_at < '2026-11-09' AND next_action <> 'close';

-- the replay: every hour run_due, and every task done when it was due
RESET followup.tenant_id;
DO $$
DECLARE
    t timestamptz;
    made bigint;
    task record;
BEGIN
    FOR t IN SELECT generate_series('2026-11-02 00:00+00'::timestamptz, '2026-11-08 23:00+00', '1 hour') LOOP
        LOOP
            made := (followup.run_due(t)).materialized;
            FOR task IN SELECT x.tenant_id, x.task_id, x.due_at FROM followup.task x
                        WHERE x.status = 'open' ORDER BY x.task_id LOOP
                PERFORM set_config('followup.tenant_id', task.tenant_id::text, true);
                PERFORM followup.complete_task(task.task_id, 'replay', NULL, task.due_at);
            END LOOP;
            PERFORM set_config('followup.tenant_id', '0', true);
            EXIT WHEN made = 0;
        END LOOP;
    END LOOP;
END $$;
SET followup.tenant_id = 196;
CREATE TEMP TABLE replayed AS
SELECT x.due_at::date AS day, extract(hour FROM x.due_at)::int AS hour,
       coalesce(c.team, l.owner) AS team, x.state, count(*) AS touches
FROM followup.task x JOIN followup.lead l USING (tenant_id, lead_id)
LEFT JOIN followup.capacity c ON c.tenant_id = l.tenant_id AND c.operator = l.owner
WHERE x.tenant_id = 196 AND x.due_at >= '2026-11-02' AND x.due_at < '2026-11-09'
GROUP BY 1, 2, 3, 4;
-- the forecast and the replay agree, hour by hour (no rows either way)
SELECT 'forecast only' AS side, * FROM (SELECT day, hour, team, state, touches FROM forecast
                                        EXCEPT SELECT * FROM replayed) a
UNION ALL
SELECT 'replay only', * FROM (SELECT * FROM replayed
                              EXCEPT SELECT day, hour, team, state, touches FROM forecast) b;
SELECT sum(touches) AS replayed FROM replayed;

-- bad argument: 22023
SELECT * FROM followup.workload_forecast(0);

\c :regress_db :regress_user
DROP DATABASE followup_forecast;
