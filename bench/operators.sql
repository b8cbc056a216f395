-- an operator claims one task and completes it
\set op random(1, 4)
SELECT count(followup.complete_task(t.task_id, t.claimed_by, NULL, greatest(now(), t.due_at)))
FROM followup.claim_tasks((ARRAY['ana', 'beka', 'carl', 'dato'])[:op], 1) t;
