-- the floor of claim+complete: what an application that kept its own tasks
-- would at least send, with no triggers: the claim (the operator's first
-- open task in claim order, skipping locked ones), then in one pipeline the
-- touch, the lead's new plan and the task done.  Two round trips and two
-- transactions where followup's claim+complete is one.  Needs -M prepared.
\set op random(1, 4)
WITH pick AS (
    SELECT tenant_id, task_id FROM floor.task
    WHERE tenant_id = 1 AND status = 'open' AND assignee = (ARRAY['ana', 'beka', 'carl', 'dato'])[:op]
    ORDER BY kind <> 'reply', state <> 'hot', due_at, task_id
    LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE floor.task t SET status = 'claimed', claimed_by = (ARRAY['ana', 'beka', 'carl', 'dato'])[:op],
       claimed_at = now()
FROM pick WHERE t.tenant_id = pick.tenant_id AND t.task_id = pick.task_id
RETURNING t.task_id AS task, t.lead_id AS lead
\gset
\startpipeline
INSERT INTO floor.interaction (tenant_id, lead_id, occurred_at, kind, channel, operator, task_id, by_rule)
VALUES (1, :lead, now(), 'message', 'whatsapp', (ARRAY['ana', 'beka', 'carl', 'dato'])[:op], :task, true);
UPDATE floor.lead SET touches = touches + 1, last_outbound_at = now(), last_event_at = now(),
       next_action = 'followup', next_followup_at = now() + interval '3 days', updated_at = now()
WHERE tenant_id = 1 AND lead_id = :lead;
UPDATE floor.task SET status = 'done', done_at = now() WHERE tenant_id = 1 AND task_id = :task;
\endpipeline
