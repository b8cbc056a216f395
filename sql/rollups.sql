--
-- The rollup behind operator_compliance: what roll_up keeps, and that the
-- view gives the answer computed from the tables whatever changed since.
-- roll_up serves every tenant of a database, so this suite has its own.
--
CREATE DATABASE followup_rollups;
\c followup_rollups
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 150;

-- the answer from the tables alone, and how far the view is from it
CREATE FUNCTION pg_temp.differences() RETURNS bigint AS $$
    WITH v AS (SELECT tenant_id, operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
               FROM followup.operator_compliance),
         t AS (SELECT * FROM followup.compliance_rows('-infinity', 'infinity', now()))
    SELECT count(*) FROM ((TABLE v EXCEPT ALL TABLE t) UNION ALL (TABLE t EXCEPT ALL TABLE v)) x
$$ LANGUAGE sql;

-- three weeks of October: every day five leads say they will think about
-- it; ana does her tasks ten minutes after they are due, beka three hours
-- after, carl never, but every other day he writes to his leads; dora does
-- nothing
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
        SELECT lead_id, d + time '10:00', 'think_about_it' FROM followup.lead
        WHERE created_at::date = d;
        PERFORM followup.run_due(d + time '12:00');
        PERFORM followup.complete_task(t.task_id, t.assignee, NULL,
                                       t.due_at + CASE t.assignee WHEN 'ana' THEN interval '10 minutes'
                                                                  ELSE interval '3 hours' END)
        FROM followup.task t WHERE t.status = 'open' AND t.assignee IN ('ana', 'beka');
        IF extract(day FROM d)::int % 2 = 0 THEN
            INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
            SELECT lead_id, d + time '16:00', 'message', 'carl' FROM followup.lead
            WHERE owner = 'carl' AND state = 'thinking';
        END IF;
    END LOOP;
END $$;
SELECT followup.roll_up('2026-10-22 12:00+00');

-- the days that ended two days (and every escalate_after) before are rolled up
SELECT zone, rolled_until FROM followup.rollup_state;
SELECT count(*) AS marks, followup.rollup_cut() AS cut FROM followup.rollup_mark;
SELECT count(*) AS rolled_rows, min(day), max(day), sum(due) AS due, sum(by_rule) AS by_rule,
       sum(by_chance) AS by_chance, sum(still_overdue) AS still_overdue
FROM followup.compliance_day;
-- each rolled row is what the tables say now
SELECT count(*) AS rolled_rows_that_differ FROM (
    (SELECT * FROM followup.compliance_day
     EXCEPT ALL SELECT * FROM followup.compliance_rows('-infinity', '2026-10-20', now()))
    UNION ALL
    (SELECT * FROM followup.compliance_rows('-infinity', '2026-10-20', now())
     EXCEPT ALL SELECT * FROM followup.compliance_day)) x;
SELECT pg_temp.differences();
SELECT operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
FROM followup.operator_compliance WHERE day BETWEEN '2026-10-06' AND '2026-10-07' ORDER BY day, operator;

-- a touch written today for a rolled day marks it; the view reads the
-- tables from that day on, and the next roll_up takes it in
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
SELECT lead_id, '2026-10-06 17:00+00', 'message', 'dan' FROM followup.lead WHERE external_ref = 'l12';
SELECT tenant_id, since FROM followup.rollup_mark;
SELECT followup.rollup_cut();
SELECT pg_temp.differences();
SELECT operator, by_rule, by_chance FROM followup.operator_compliance WHERE day = '2026-10-06' AND operator = 'dan';
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT count(*) AS marks, followup.rollup_cut() AS cut FROM followup.rollup_mark;
SELECT operator, by_rule, by_chance FROM followup.compliance_day WHERE day = '2026-10-06' AND operator = 'dan';
SELECT pg_temp.differences();

-- dora's oldest task, done today: no longer overdue but late
SELECT t.task_id AS old_task, t.due_at::date AS old_day FROM followup.task t
WHERE t.assignee = 'dora' AND t.status = 'open' ORDER BY t.due_at LIMIT 1 \gset
SELECT :'old_day' < '2026-10-20' AS rolled_day;
SELECT still_overdue, late FROM followup.operator_compliance WHERE operator = 'dora' AND day = :'old_day';
SELECT (followup.complete_task(:old_task, 'dora')).by_rule;
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT still_overdue, late FROM followup.operator_compliance WHERE operator = 'dora' AND day = :'old_day';
SELECT pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rerolled;
SELECT still_overdue, late FROM followup.compliance_day WHERE operator = 'dora' AND day = :'old_day';

-- a write for a time less than a day old leaves no mark
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
SELECT lead_id, now(), 'message', 'dan' FROM followup.lead WHERE external_ref = 'l13';
SELECT count(*) AS marks FROM followup.rollup_mark;
SELECT followup.roll_up('2026-10-22 12:00+00') >= 0 AS rolled;

-- another time zone reads the tables: its days are other days
SET timezone = 'Asia/Tashkent';
SELECT followup.rollup_cut();
SELECT pg_temp.differences();
-- roll_up in that zone starts the rollup over in it
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;
SELECT zone, rolled_until FROM followup.rollup_state;
SELECT pg_temp.differences();
RESET timezone;
SET timezone = 'UTC';
SELECT followup.rollup_cut();
SELECT pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;

-- a policy decides what was on time: changing one starts the rollup over
UPDATE followup.policy SET escalate_after = '30 minutes' WHERE tenant_id = 0 AND state = 'thinking';
SELECT count(*) AS rolled_rows, (SELECT rolled_until FROM followup.rollup_state) FROM followup.compliance_day;
SELECT pg_temp.differences();
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;
SELECT pg_temp.differences();

-- a reader reads the rollup of its own tenant
CREATE ROLE followup_rollup_reader;
SELECT followup.grant_reader('followup_rollup_reader');
SET ROLE followup_rollup_reader;
SELECT count(*) > 0 AS reads, count(DISTINCT tenant_id) AS tenants FROM followup.operator_compliance;
SELECT pg_temp.differences();
RESET ROLE;

-- TRUNCATE fires no row trigger: it empties the rollup
TRUNCATE followup.lead CASCADE;
SELECT count(*) AS rolled_rows, (SELECT rolled_until FROM followup.rollup_state) FROM followup.compliance_day;
SELECT count(*) AS report_rows FROM followup.operator_compliance;

\c contrib_regression
DROP DATABASE followup_rollups;
DROP ROLE followup_rollup_reader;
