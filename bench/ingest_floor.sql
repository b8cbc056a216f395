-- the floor: the same interaction and the one UPDATE of the lead an
-- application would write by hand, no triggers.  Both go in one pipeline
-- (one round trip, like the one INSERT of the other scripts) and, ending in
-- one sync, in one transaction.  Needs pgbench -M prepared (or extended).
\set id random(1, :leads)
\startpipeline
INSERT INTO floor.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (1, :id, clock_timestamp(), CASE WHEN :id % 3 = 0 THEN 'message' ELSE 'reply' END);
UPDATE floor.lead SET last_event_at = clock_timestamp(), next_action = 'reply',
       next_followup_at = clock_timestamp() + interval '30 minutes', updated_at = now()
WHERE tenant_id = 1 AND lead_id = :id;
\endpipeline
