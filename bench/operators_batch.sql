-- an operator's worker claims 50 tasks and reports their 50 touches in one
-- call (each a real follow-up touch: the interaction recorded by rule, the
-- task done, the lead re-planned)
\set op random(1, 4)
SELECT count(*) FROM followup.complete_tasks(
    ARRAY(SELECT task_id FROM followup.claim_tasks((ARRAY['ana', 'beka', 'carl', 'dato'])[:op], 50)),
    NULL, NULL, now())
WHERE result = 'completed';
