--
-- The rollups behind operator_compliance, response_times, step_funnel and
-- plan_b_recovery: what roll_up keeps, and that each report gives the
-- answer computed from the tables whatever changed since.  roll_up serves
-- every tenant of a database, so this suite has its own.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_rollups;
\c followup_rollups
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 150;

-- how far each report is from the answer computed from the tables alone
CREATE FUNCTION pg_temp.differences(OUT compliance bigint, OUT response bigint, OUT funnel bigint, OUT plan_b bigint) AS $$
    WITH v1 AS (SELECT tenant_id, operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
                FROM followup.operator_compliance),
         t1 AS (SELECT * FROM followup.compliance_rows('-infinity', 'infinity', now())),
         v2 AS (SELECT tenant_id, operator, day, replies_answered, median, p90, max, stddev_seconds
                FROM followup.response_times),
         t2 AS (SELECT * FROM followup.response_rows('-infinity', 'infinity')),
         v3 AS (SELECT * FROM followup.step_funnel),
         t3 AS (SELECT tenant_id, state, step_no, sum(touches)::bigint, sum(replies)::bigint, sum(wins)::bigint
                FROM followup.funnel_rows('-infinity', 'infinity') GROUP BY 1, 2, 3),
         v4 AS (SELECT * FROM followup.plan_b_recovery),
         t4 AS (SELECT tenant_id, plan_b_step, action_code, sum(offered)::bigint, sum(declined)::bigint,
                       sum(won_after)::bigint
                FROM followup.plan_b_rows('-infinity', 'infinity') GROUP BY 1, 2, 3)
    SELECT (SELECT count(*) FROM ((TABLE v1 EXCEPT ALL TABLE t1) UNION ALL (TABLE t1 EXCEPT ALL TABLE v1)) x),
           (SELECT count(*) FROM ((TABLE v2 EXCEPT ALL TABLE t2) UNION ALL (TABLE t2 EXCEPT ALL TABLE v2)) x),
           (SELECT count(*) FROM ((TABLE v3 EXCEPT ALL TABLE t3) UNION ALL (TABLE t3 EXCEPT ALL TABLE v3)) x),
           (SELECT count(*) FROM ((TABLE v4 EXCEPT ALL TABLE t4) UNION ALL (TABLE t4 EXCEPT ALL TABLE v4)) x)
$$ LANGUAGE sql;
CREATE FUNCTION pg_temp.lead(ref text) RETURNS bigint AS $$
    SELECT lead_id FROM followup.lead WHERE external_ref = ref
$$ LANGUAGE sql;

-- three weeks of October.  Every day five leads arrive: four say they will
-- think about it, one has its installment refused.  ana does her tasks ten
-- minutes after they are due, beka three hours after, carl never, but
-- every other day he writes to his leads; dora does nothing.  Customers
-- reply two days after they arrived, refused ones decline an option the
-- next day, and some order on the fourth day.
INSERT INTO followup.lead (external_ref, created_at, state, owner)
SELECT 'l' || i, '2026-10-01 08:00+00'::timestamptz + (i / 5) * interval '1 day', 'warm',
       (ARRAY['ana', 'beka', 'carl', 'dora'])[1 + i % 4]
FROM generate_series(0, 99) i;
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT generate_series(date '2026-10-01', date '2026-10-21', interval '1 day') LOOP
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '10:00',
               CASE WHEN lead_id % 5 = 4 THEN 'installment_rejected' ELSE 'think_about_it' END
        FROM followup.lead WHERE created_at::date = d;
        PERFORM followup.run_due(d + time '12:00');
        PERFORM followup.complete_task(t.task_id, t.assignee, NULL,
                                       t.due_at + CASE t.assignee WHEN 'ana' THEN interval '10 minutes'
                                                                  ELSE interval '3 hours' END)
        FROM followup.task t WHERE t.status = 'open' AND t.assignee IN ('ana', 'beka');
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '14:00', 'reply' FROM followup.lead
        WHERE created_at::date = d - 2 AND lead_id % 5 IN (1, 3);
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '14:30', 'plan_b_declined' FROM followup.lead
        WHERE created_at::date = d - 1 AND state = 'installment_rejected';
        IF extract(day FROM d)::int % 2 = 0 THEN
            INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
            SELECT lead_id, d + time '16:00', 'message', 'carl' FROM followup.lead
            WHERE owner = 'carl' AND state NOT IN ('won', 'lost');
        END IF;
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '17:00', 'order' FROM followup.lead
        WHERE created_at::date = d - 4 AND lead_id % 5 IN (2, 4);
    END LOOP;
END $$;
SELECT followup.roll_up('2026-10-22 12:00+00') >= 0 AS rolled;

-- the days that ended two days (and every escalate_after) before are rolled up
SELECT zone, rolled_until FROM followup.rollup_state;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT (SELECT count(*) FROM followup.compliance_day) AS compliance_rows,
       (SELECT count(*) FROM followup.response_day) AS response_rows,
       (SELECT count(*) FROM followup.funnel_day) AS funnel_rows,
       (SELECT count(*) FROM followup.plan_b_day) AS plan_b_rows,
       (SELECT max(day) FROM followup.funnel_day) AS last_day;
-- the reports give the tables' answer
SELECT * FROM pg_temp.differences();
SELECT operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
FROM followup.operator_compliance WHERE day BETWEEN '2026-10-06' AND '2026-10-07' ORDER BY day, operator;
SELECT operator, day, replies_answered, median, max FROM followup.response_times
WHERE day BETWEEN '2026-10-06' AND '2026-10-07' ORDER BY day, operator;
SELECT state, step_no, touches, replies, wins FROM followup.step_funnel ORDER BY state, step_no;
SELECT plan_b_step, action_code, offered, declined, won_after FROM followup.plan_b_recovery ORDER BY plan_b_step;

-- a touch written today for a rolled day marks it; the reports read the
-- tables for that day, and the next roll_up takes it in
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
VALUES (pg_temp.lead('l12'), '2026-10-06 17:00+00', 'message', 'dan');
SELECT tenant_id, since, until FROM followup.rollup_mark;
SELECT day FROM followup.rollup_marked_day;
SELECT * FROM pg_temp.differences();
SELECT operator, by_rule, by_chance FROM followup.operator_compliance WHERE day = '2026-10-06' AND operator = 'dan';
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT operator, by_rule, by_chance FROM followup.compliance_day WHERE day = '2026-10-06' AND operator = 'dan';
SELECT * FROM pg_temp.differences();

-- dora's oldest task, done today: no longer overdue but late
SELECT t.task_id AS old_task, t.due_at::date AS old_day FROM followup.task t
WHERE t.assignee = 'dora' AND t.status = 'open' ORDER BY t.due_at LIMIT 1 \gset
SELECT :'old_day' < '2026-10-20' AS rolled_day;
SELECT still_overdue, late FROM followup.operator_compliance WHERE operator = 'dora' AND day = :'old_day';
SELECT (followup.complete_task(:old_task, 'dora')).by_rule;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT still_overdue, late FROM followup.operator_compliance WHERE operator = 'dora' AND day = :'old_day';
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT still_overdue, late FROM followup.compliance_day WHERE operator = 'dora' AND day = :'old_day';

-- an old task's update marks its day only if it changes what the reports
-- read: a reworded message does not, a new assignee does
SELECT count(*) AS marks FROM followup.rollup_mark;
UPDATE followup.task SET message = message || ' (reworded)' WHERE task_id = :old_task;
SELECT count(*) AS marks FROM followup.rollup_mark;
UPDATE followup.task SET assignee = 'dan' WHERE task_id = :old_task;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;

-- written today, not late, but changing old rows: a reply to an October
-- touch (step_funnel: that touch got an answer) ...
SELECT l.external_ref AS quiet, i.state_at AS touch_state, i.touches_at + 1 AS touch_step
FROM followup.lead l
JOIN followup.interaction i ON i.lead_id = l.lead_id AND i.occurred_at = l.last_outbound_at AND i.by_rule IS NOT NULL
WHERE l.state = 'thinking' AND l.last_outbound_at > coalesce(l.last_inbound_at, '-infinity')
ORDER BY l.lead_id LIMIT 1 \gset
SELECT replies FROM followup.step_funnel WHERE state = :'touch_state' AND step_no = :touch_step;
INSERT INTO followup.interaction (lead_id, kind) VALUES (pg_temp.lead(:'quiet'), 'reply');
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT replies FROM followup.step_funnel WHERE state = :'touch_state' AND step_no = :touch_step;
SELECT * FROM pg_temp.differences();
-- ... an answer today to an October message (response_times) ...
SELECT l.external_ref AS waiting, l.last_inbound_at::date AS wrote_on FROM followup.lead l
WHERE l.state NOT IN ('won', 'lost') AND l.last_inbound_at > coalesce(l.last_outbound_at, '-infinity')
  AND l.last_inbound_at < '2026-10-20' AND l.external_ref <> :'quiet'
ORDER BY l.lead_id LIMIT 1 \gset
SELECT count(*) AS answered FROM followup.response_times WHERE day = :'wrote_on' AND operator = 'eva';
INSERT INTO followup.interaction (lead_id, kind, operator) VALUES (pg_temp.lead(:'waiting'), 'message', 'eva');
SELECT replies_answered, median > interval '30 days' AS waited_a_month
FROM followup.response_times WHERE day = :'wrote_on' AND operator = 'eva';
SELECT * FROM pg_temp.differences();
-- ... an order today from a lead touched in October (wins after its touches) ...
SELECT sum(wins) AS wins FROM followup.step_funnel;
INSERT INTO followup.interaction (lead_id, kind)
SELECT l.lead_id, 'order' FROM followup.lead l
WHERE l.state = 'thinking' AND l.touches > 0 ORDER BY l.lead_id LIMIT 1;
SELECT sum(wins) AS wins FROM followup.step_funnel;
SELECT * FROM pg_temp.differences();
-- ... and a Plan B option declined today, offered in October
SELECT l.external_ref AS refused FROM followup.lead l
WHERE l.state = 'installment_rejected' ORDER BY l.lead_id LIMIT 1 \gset
SELECT sum(declined) AS declined FROM followup.plan_b_recovery;
INSERT INTO followup.interaction (lead_id, kind) VALUES (pg_temp.lead(:'refused'), 'plan_b_declined');
SELECT sum(declined) AS declined FROM followup.plan_b_recovery;
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();

-- today's lead, touched and answering today: no mark
INSERT INTO followup.lead (external_ref, owner) VALUES ('today', 'dan');
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
VALUES (pg_temp.lead('today'), now(), 'think_about_it');
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
VALUES (pg_temp.lead('today'), now() + interval '1 minute', 'message', 'dan');
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
VALUES (pg_temp.lead('today'), now() + interval '2 minutes', 'reply');
SELECT count(*) AS marks FROM followup.rollup_mark;
-- one statement answering many old messages marks their days once, not per row
SELECT count(*) AS answers, count(DISTINCT l.last_inbound_at::date) AS days FROM followup.lead l
WHERE l.state NOT IN ('won', 'lost') AND l.last_inbound_at > coalesce(l.last_outbound_at, '-infinity')
  AND l.last_inbound_at < '2026-10-20';
INSERT INTO followup.interaction (lead_id, kind, operator)
SELECT l.lead_id, 'message', 'eva' FROM followup.lead l
WHERE l.state NOT IN ('won', 'lost') AND l.last_inbound_at > coalesce(l.last_outbound_at, '-infinity')
  AND l.last_inbound_at < '2026-10-20';
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();

-- another time zone reads the tables: its days are other days
SET timezone = 'Asia/Tashkent';
SELECT followup.rolled_until();
SELECT * FROM pg_temp.differences();
-- roll_up in that zone starts the rollups over in it
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;
SELECT zone, rolled_until FROM followup.rollup_state;
SELECT * FROM pg_temp.differences();
SET timezone = 'UTC';
SELECT followup.rolled_until();
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;

-- configuration decides what was on time, what a reply is: a tenant's own
-- change marks its rolled days ...
INSERT INTO followup.policy (state, cadence, escalate_after)
SELECT state, cadence, '5 minutes' FROM followup.policy WHERE tenant_id = 0 AND state = 'thinking';
SELECT count(*) AS marks, min(since) < '2026-10-02' AS from_the_first_day,
       max(until) = (SELECT rolled_until FROM followup.rollup_state) AS to_the_last
FROM followup.rollup_mark;
SELECT count(*) > 0 AS still_rolled FROM followup.compliance_day;
-- ana's tasks done in ten minutes are late now
SELECT sum(on_time) AS on_time, sum(late) AS late FROM followup.operator_compliance WHERE operator = 'ana';
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();
DELETE FROM followup.policy WHERE tenant_id = 150;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
-- ... and a change of the shipped defaults starts every rollup over
UPDATE followup.policy SET escalate_after = '30 minutes' WHERE tenant_id = 0 AND state = 'thinking';
SELECT (SELECT count(*) FROM followup.compliance_day) + (SELECT count(*) FROM followup.funnel_day) AS rolled_rows,
       (SELECT rolled_until FROM followup.rollup_state);
SELECT * FROM pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;
SELECT * FROM pg_temp.differences();

-- a reader reads the rollups of its own tenant, and marks as it writes
CREATE ROLE followup_rollup_reader;
SELECT followup.grant_operator('followup_rollup_reader');
SET ROLE followup_rollup_reader;
SELECT count(DISTINCT tenant_id) AS tenants FROM followup.operator_compliance;
SELECT * FROM pg_temp.differences();
INSERT INTO followup.interaction (lead_id, kind) VALUES (pg_temp.lead('l9'), 'reply');
SELECT count(*) > 0 AS marked FROM followup.rollup_mark;
SELECT * FROM pg_temp.differences();
-- but it cannot write marks itself (they could make the reports slow)
SELECT followup.rollup_mark_lead(150, pg_temp.lead('l9'));
INSERT INTO followup.rollup_mark VALUES (150, '2026-10-01', '2026-10-02');
RESET ROLE;

-- TRUNCATE fires no row trigger: it empties the rollups
TRUNCATE followup.lead CASCADE;
SELECT (SELECT count(*) FROM followup.compliance_day) + (SELECT count(*) FROM followup.funnel_day) AS rolled_rows,
       (SELECT rolled_until FROM followup.rollup_state);
SELECT * FROM pg_temp.differences();

\c :regress_db
DROP DATABASE followup_rollups;
DROP ROLE followup_rollup_reader;
