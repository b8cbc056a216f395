-- test/soak/invariants.sql - what must hold after any load: prints one row
-- per broken invariant (none when all is well) and the amcheck count.
SELECT 'lead plan does not match its state' AS broken, count(*) FROM followup.lead
-- (won and lost: at most an after-sale or win-back touch or an owed reply,
-- none for a lead that opted out)
WHERE CASE WHEN state IN ('won', 'lost')
           THEN next_action IN ('plan_b', 'close') OR (do_not_contact AND next_action IS NOT NULL)
           ELSE next_action IS NULL END HAVING count(*) > 0
UNION ALL
SELECT 'more than one live task for a lead', count(*) FROM (
    SELECT 1 FROM followup.task WHERE status IN ('open', 'claimed')
    GROUP BY tenant_id, lead_id HAVING count(*) > 1) d HAVING count(*) > 0
UNION ALL
SELECT 'live task of an old plan', count(*) FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.status IN ('open', 'claimed') AND t.kind IS DISTINCT FROM l.next_action HAVING count(*) > 0
UNION ALL
SELECT 'last event is not the latest applied interaction', count(*) FROM followup.lead l
WHERE l.last_event_at IS DISTINCT FROM (SELECT max(i.occurred_at) FROM followup.interaction i
      WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.lead_id AND i.applied) HAVING count(*) > 0
UNION ALL
SELECT 'done task without its touch', count(*) FROM followup.task t
WHERE t.status = 'done' AND NOT EXISTS (SELECT 1 FROM followup.interaction i
      WHERE i.tenant_id = t.tenant_id AND i.task_id = t.task_id AND i.by_rule) HAVING count(*) > 0
UNION ALL
SELECT 'operator_compliance is not what the tables say', count(*) FROM (
    WITH v AS (SELECT tenant_id, operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
               FROM followup.operator_compliance),
         t AS (SELECT * FROM followup.compliance_rows('-infinity', 'infinity', now()))
    (TABLE v EXCEPT ALL TABLE t) UNION ALL (TABLE t EXCEPT ALL TABLE v)) d HAVING count(*) > 0;
SELECT count(bt_index_check(c.oid, true)) AS indexes_verified
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'followup'::regnamespace AND am.amname = 'btree';
