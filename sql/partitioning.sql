--
-- The history partitioned by time (partition_history), its partitions made
-- ahead (maintain_partitions) and its retention (drop_history_before): every
-- row and every report answer stays what it was, and the rolled-up reports
-- keep their answers once old months are dropped.  roll_up serves every
-- tenant of a database, so this suite has its own.
--
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_partitioning;
\c followup_partitioning
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 160;

-- every report's rows, to compare before and after
CREATE FUNCTION pg_temp.answers() RETURNS TABLE (report text, answer text) AS $$
    SELECT 'operator_compliance', x::text FROM (SELECT tenant_id, operator, day, due, on_time, late, still_overdue,
                                                      by_rule, by_chance, median_delay FROM followup.operator_compliance) x
    UNION ALL SELECT 'response_times', x::text FROM (SELECT tenant_id, operator, day, replies_answered, median, p90, max,
                                                            stddev_seconds FROM followup.response_times) x
    UNION ALL SELECT 'step_funnel', x::text FROM followup.step_funnel x
    UNION ALL SELECT 'plan_b_recovery', x::text FROM followup.plan_b_recovery x
    UNION ALL SELECT 'stall_diagnostic', x::text FROM followup.stall_diagnostic('30 days', '2025-10-12 12:00+00') x
    UNION ALL SELECT 'stall_diagnostic, October', x::text FROM followup.stall_diagnostic('10 days', '2025-10-12 12:00+00') x
    UNION ALL SELECT 'pipeline', x::text FROM (SELECT tenant_id, state, leads, awaiting_reply, next_due_at
                                               FROM followup.pipeline) x
$$ LANGUAGE sql;
CREATE FUNCTION pg_temp.history() RETURNS TABLE (t text, r text) AS $$
    SELECT 'interaction', x::text FROM followup.interaction x
    UNION ALL SELECT 'state_change', x::text FROM followup.state_change x
    UNION ALL SELECT 'lead', x::text FROM followup.lead x
    UNION ALL SELECT 'task', x::text FROM followup.task x
$$ LANGUAGE sql;

-- the writes of one tenant through the trigger path (in order and out of
-- order, a state change, an operator's touch), and what they stamped
CREATE FUNCTION pg_temp.new_writes() RETURNS void AS $$
    INSERT INTO followup.lead (external_ref, created_at, state, owner)
    VALUES ('n1', '2025-11-03 08:00+00', 'warm', 'ana'), ('n2', '2025-11-03 08:00+00', 'warm', 'carl');
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead,
         (VALUES ('2025-11-03 10:00+00'::timestamptz, 'think_about_it'), ('2025-12-02 09:00+00', 'reply'),
                 ('2025-11-20 09:00+00', 'reply')) v(at, kind)
    WHERE external_ref IN ('n1', 'n2') AND tenant_id = followup.current_tenant();
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, '2025-11-25 09:00+00', 'installment_rejected' FROM followup.lead
    WHERE external_ref = 'n2' AND tenant_id = followup.current_tenant();
    SELECT followup.complete_task(t.task_id, 'ana', NULL, '2025-12-03 10:00+00')
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE l.external_ref = 'n1' AND t.status = 'open' AND t.tenant_id = followup.current_tenant();
$$ LANGUAGE sql;
CREATE FUNCTION pg_temp.written(tenant bigint) RETURNS TABLE (w text) AS $$
    SELECT format('%s %s %s %s %s %s %s %s %s', l.external_ref, i.occurred_at, i.kind, i.state_at, i.touches_at,
                  i.plan_b_step_at, i.by_rule, i.applied, (SELECT r.kind FROM followup.rule r WHERE r.rule_id = i.rule_id))
    FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.tenant_id = tenant
    UNION ALL
    SELECT format('%s %s %s %s', l.external_ref, c.from_state, c.to_state, c.changed_at)
    FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.tenant_id = tenant
    UNION ALL
    SELECT format('%s %s %s %s %s %s %s', l.external_ref, l.state, l.touches, l.next_action, l.next_followup_at,
                  l.last_event_at, l.plan_b_step)
    FROM followup.lead l WHERE l.tenant_id = tenant
    UNION ALL
    SELECT format('%s %s %s %s %s', l.external_ref, t.kind, t.status, t.due_at, t.step_no)
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.tenant_id = tenant
$$ LANGUAGE sql;

-- ten weeks from August to October 2025: two leads a day, one thinks about
-- it, one has its installment refused; ana does her tasks ten minutes late,
-- carl never; customers reply two days after they arrived, refused ones
-- decline an option the next day, some order on the fourth day
INSERT INTO followup.lead (external_ref, created_at, state, owner)
SELECT 'l' || i, '2025-08-01 08:00+00'::timestamptz + (i / 2) * interval '1 day', 'warm',
       (ARRAY['ana', 'carl'])[1 + (i / 2) % 2]
FROM generate_series(0, 139) i;
DO $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT generate_series(date '2025-08-01', date '2025-10-09', interval '1 day') LOOP
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '10:00',
               CASE WHEN lead_id % 2 = 0 THEN 'installment_rejected' ELSE 'think_about_it' END
        FROM followup.lead WHERE created_at::date = d;
        PERFORM followup.run_due(d + time '12:00');
        PERFORM followup.complete_task(t.task_id, t.assignee, NULL, t.due_at + interval '10 minutes')
        FROM followup.task t WHERE t.status = 'open' AND t.assignee = 'ana';
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '14:00', 'reply' FROM followup.lead
        WHERE created_at::date = d - 2 AND lead_id % 4 = 1;
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '14:30', 'plan_b_declined' FROM followup.lead
        WHERE created_at::date = d - 1 AND state = 'installment_rejected';
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, d + time '17:00', 'order' FROM followup.lead
        WHERE created_at::date = d - 4 AND lead_id % 3 = 0;
    END LOOP;
END $$;
SELECT count(*) AS interactions, min(occurred_at)::date AS first, max(occurred_at)::date AS last
FROM followup.interaction;
SELECT count(*) AS state_changes FROM followup.state_change;
-- the rollups hold the days until two days (and escalate_after) before 15 October
SELECT followup.roll_up('2025-10-15 12:00+00') > 0 AS rolled;
SELECT zone, rolled_until FROM followup.rollup_state;
-- tenant 161 writes before the conversion
SET followup.tenant_id = 161;
SELECT pg_temp.new_writes();
SET followup.tenant_id = 160;
CREATE ROLE regress_part_operator;
SELECT followup.grant_operator('regress_part_operator');
CREATE TEMP TABLE answers_before AS SELECT * FROM pg_temp.answers();
CREATE TEMP TABLE history_before AS SELECT * FROM pg_temp.history();
SELECT report, count(*) FROM answers_before GROUP BY 1 ORDER BY 1;

-- not partitioned yet: retention has nothing to drop
SELECT * FROM followup.drop_history_before('2025-09-01');
SELECT followup.maintain_partitions() AS made;

-- periods of whole days or months only, made 1 to 120 ahead
SELECT * FROM followup.partition_history('12 hours');
SELECT * FROM followup.partition_history(premake => 0);

-- the conversion: both tables, every row moved
SELECT relation, rows_moved FROM followup.partition_history();
SELECT relkind FROM pg_class WHERE oid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass);
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bounds
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'followup.interaction'::regclass AND c.relname <= 'interaction_p20251201'
ORDER BY 1;
SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'followup.interaction'::regclass)
     = (SELECT count(*) FROM pg_inherits WHERE inhparent = 'followup.state_change'::regclass) AS same_partitions;
-- nothing changed: rows, reports
SELECT count(*) AS differing_rows
FROM ((TABLE history_before EXCEPT ALL SELECT * FROM pg_temp.history())
      UNION ALL (SELECT * FROM pg_temp.history() EXCEPT ALL TABLE history_before)) x;
SELECT count(*) AS differing_answers
FROM ((TABLE answers_before EXCEPT ALL SELECT * FROM pg_temp.answers())
      UNION ALL (SELECT * FROM pg_temp.answers() EXCEPT ALL TABLE answers_before)) x;
-- what the old tables had, the new ones have: keys gain the time column
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) FROM pg_index
WHERE indrelid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass) ORDER BY 1;
SELECT tgname, tgrelid::regclass FROM pg_trigger
WHERE tgrelid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass) AND NOT tgisinternal ORDER BY 2, 1;
-- (NOT NULL constraints are rows of pg_constraint from PostgreSQL 18 on)
SELECT conname, contype FROM pg_constraint
WHERE conrelid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass)
  AND contype <> 'n' ORDER BY 1;
SELECT polname, polrelid::regclass FROM pg_policy
WHERE polrelid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass) ORDER BY 2;
SELECT relname, relrowsecurity FROM pg_class WHERE oid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass) ORDER BY 1;
SELECT obj_description('followup.interaction'::regclass, 'pg_class');
SELECT col_description('followup.interaction'::regclass, 4);
-- still the extension's; complete_task returns the new row type
SELECT classid::regclass, objid::regclass FROM pg_depend
WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'followup') AND classid = 'pg_class'::regclass
  AND objid IN ('followup.interaction'::regclass, 'followup.state_change'::regclass) ORDER BY 2;
SELECT p.oid::regprocedure, p.prorettype::regtype FROM pg_proc p
WHERE p.proname = 'complete_task' AND p.pronamespace = 'followup'::regnamespace ORDER BY p.pronargs;
SELECT pg_get_serial_sequence('followup.interaction', 'interaction_id') AS seq;
-- twice is refused
SELECT * FROM followup.partition_history();

-- the roles keep what they had, through the parent only: an operator
-- records interactions (tenant 163) and reads its own, not the
-- partitions, and cannot rewrite the state history or partition
SELECT has_table_privilege('regress_part_operator', 'followup.interaction', 'INSERT') AS ins,
       has_sequence_privilege('regress_part_operator', 'followup.interaction_interaction_id_seq', 'USAGE') AS seq,
       has_table_privilege('regress_part_operator', 'followup.interaction_p20251001', 'SELECT') AS partition_read,
       has_function_privilege('regress_part_operator', 'followup.complete_task(bigint, text, text, timestamptz)', 'EXECUTE') AS complete_task;
SET followup.tenant_id = 163;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('o1', '2025-11-03 08:00+00', 'warm');
SET ROLE regress_part_operator;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2025-11-04 09:00+00', 'think_about_it' FROM followup.lead WHERE external_ref = 'o1';
SELECT count(*) AS own_rows, count(DISTINCT tenant_id) AS tenants FROM followup.interaction;
SELECT count(*) FROM followup.interaction_p20251101;
DELETE FROM followup.state_change;
SELECT * FROM followup.drop_history_before('2025-09-01');
SELECT * FROM followup.partition_history();
RESET ROLE;
SET followup.tenant_id = 160;

-- tenant 162 makes the same writes after it: they land in their months,
-- in order or not, and the trigger path stamps them as it did for 161
SET followup.tenant_id = 162;
SELECT pg_temp.new_writes();
SET followup.tenant_id = 160;
SELECT count(*) AS written, count(*) FILTER (WHERE w IS NULL) AS nulls FROM pg_temp.written(161);
SELECT count(*) AS differing_writes
FROM ((SELECT * FROM pg_temp.written(161) EXCEPT ALL SELECT * FROM pg_temp.written(162))
      UNION ALL (SELECT * FROM pg_temp.written(162) EXCEPT ALL SELECT * FROM pg_temp.written(161))) x;
SELECT * FROM pg_temp.written(162) ORDER BY 1;
SELECT i.occurred_at, i.tableoid::regclass AS partition FROM followup.interaction i
WHERE i.tenant_id = 162 ORDER BY 1;
SELECT c.changed_at, c.to_state, c.tableoid::regclass AS partition FROM followup.state_change c
WHERE c.tenant_id = 162 ORDER BY 1;

-- a CRM's retried write (idempotency_key) is still recorded once, though
-- the unique index now includes occurred_at: the key is looked up first
SET followup.tenant_id = 162;
SELECT recorded FROM followup.record_interaction('n1', 'reply', '2025-12-05 09:00+00', 'crm-msg-1');
SELECT recorded FROM followup.record_interaction('n1', 'reply', '2025-12-06 09:00+00', 'crm-msg-1');
SELECT count(*) AS recorded_once FROM followup.interaction WHERE external_ref = 'crm-msg-1';
SET followup.tenant_id = 160;

-- a row no partition holds is refused with what to do; maintain_partitions
-- makes partitions for a later time when asked
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2099-01-01 00:00+00', 'reply' FROM followup.lead WHERE external_ref = 'l1';
SELECT followup.maintain_partitions() AS made_by_run_due;
SELECT followup.maintain_partitions(now() + interval '6 months') AS made;
SELECT followup.maintain_partitions(now() + interval '6 months') AS made_again;

-- retention: refused while a month's days are not all rolled up and final
SELECT * FROM followup.drop_history_before('2025-11-01');
-- a late write to August marks its day: refused until roll_up re-rolls it
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
SELECT lead_id, '2025-08-06 17:00+00', 'message', 'dan' FROM followup.lead WHERE external_ref = 'l12';
SELECT * FROM followup.drop_history_before('2025-09-01');
SELECT followup.roll_up('2025-10-15 12:00+00') > 0 AS rerolled;
CREATE TEMP TABLE answers_kept AS SELECT * FROM pg_temp.answers();
-- August and September go: one detached, the other dropped
SELECT partition, lo, hi, rows, dropped FROM followup.drop_history_before('2025-09-01', detach_only => true);
SELECT partition, lo, hi, rows, dropped FROM followup.drop_history_before('2025-10-01');
SELECT kept_from FROM followup.rollup_state;
SELECT count(*) AS detached_rows FROM followup.detached_interaction_p20250801;
SELECT min(occurred_at)::date AS first_kept FROM followup.interaction;
-- the rolled-up reports answer as before; stall_diagnostic reads the rows
-- of its window: over 30 days before 12 October (September's rows are
-- gone) it counts what is left, over 10 days (all kept) it answers as before
SELECT report, count(*) AS differing_answers
FROM ((TABLE answers_kept EXCEPT ALL SELECT * FROM pg_temp.answers())
      UNION ALL (SELECT * FROM pg_temp.answers() EXCEPT ALL TABLE answers_kept)) x
GROUP BY 1 ORDER BY 1;
SELECT 'before' AS "when", answer FROM answers_kept WHERE report = 'stall_diagnostic'
UNION ALL SELECT 'after', answer FROM pg_temp.answers() WHERE report = 'stall_diagnostic';
-- a write for a dropped month is refused; no partition is made again for it
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2025-08-10 09:00+00', 'reply' FROM followup.lead WHERE external_ref = 'l1';
SELECT followup.maintain_partitions('2025-08-10 09:00+00');
-- a change of the shipped defaults starts the rollups over, from kept_from
UPDATE followup.policy SET escalate_after = escalate_after WHERE tenant_id = 0 AND state = 'thinking';
SELECT rolled_until = kept_from AS restarted_at_kept_from FROM followup.rollup_state;
SELECT followup.roll_up('2025-10-15 12:00+00') > 0 AS rolled;
SELECT report, count(*) AS differing_answers
FROM ((TABLE answers_kept EXCEPT ALL SELECT * FROM pg_temp.answers())
      UNION ALL (SELECT * FROM pg_temp.answers() EXCEPT ALL TABLE answers_kept)) x
GROUP BY 1 ORDER BY 1;
-- roll_up in another zone would lose them: skipped
SET timezone = 'Europe/Berlin';
SELECT followup.roll_up() AS written;
SET timezone = 'UTC';

\c :regress_db :regress_user
DROP DATABASE followup_partitioning;
DROP ROLE regress_part_operator;
