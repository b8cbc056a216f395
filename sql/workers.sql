--
-- Worker conveniences: claim any task of the tenant or of a team in one
-- call (claim_tasks(operator, max_tasks, team)), and complete a task with
-- the CRM's message id (complete_task's 5-argument form).  The old forms
-- keep working.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- four leads of tenant 200, owned by ann, bob, cy and nobody, each due
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, owner, created_at) VALUES
    (200, 200001, 'L1', 'ann', '2026-11-02 10:00+00'), (200, 200002, 'L2', 'bob', '2026-11-02 10:01+00'),
    (200, 200003, 'L3', 'cy', '2026-11-02 10:02+00'), (200, 200004, 'L4', NULL, '2026-11-02 10:03+00');
SELECT followup.materialize_due('2026-11-02 11:00+00') >= 0 AS ran;
SET followup.tenant_id = 200;

-- a team: ann's and bob's tasks and the unassigned one, not cy's
SELECT l.external_ref, t.assignee, t.status, t.claimed_by
FROM followup.claim_tasks('worker-1', 10, ARRAY['ann', 'bob']) t
JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY t.due_at;
-- anyone's: what is left (cy's), and nothing twice
SELECT l.external_ref, t.assignee, t.claimed_by
FROM followup.claim_tasks('worker-2', 10, NULL) t JOIN followup.lead l USING (tenant_id, lead_id);
SELECT count(*) AS nothing_left FROM followup.claim_tasks('worker-2', 10, NULL);
-- the two-argument form is unchanged
SELECT count(*) AS old_form FROM followup.claim_tasks('ann');
SELECT pg_temp.sqlstate_of($$SELECT followup.claim_tasks(' ', 1, NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.claim_tasks('w', 0, NULL)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.claim_tasks('w', 1, NULL, 'infinity')$$);
-- as of a time: only the tasks due by then, claimed then
SELECT (followup.release_task(t.task_id)).status AS released FROM followup.task t WHERE t.tenant_id = 200 AND t.lead_id = 200003;
SELECT t.due_at FROM followup.task t WHERE t.tenant_id = 200 AND t.lead_id = 200003;
SELECT count(*) AS before_due FROM followup.claim_tasks('worker-3', 10, NULL, '2026-11-02 10:06+00');
SELECT l.external_ref, t.claimed_by, t.claimed_at
FROM followup.claim_tasks('worker-3', 10, NULL, '2026-11-02 10:07+00') t JOIN followup.lead l USING (tenant_id, lead_id);

-- complete with the CRM's message id; a retry is refused as done (FU001)
SELECT kind, operator, body, external_ref, by_rule
FROM followup.complete_task((SELECT task_id FROM followup.task WHERE tenant_id = 200 AND lead_id = 200001),
                            'ann', 'hello', '2026-11-02 11:05+00', 'crm-msg-17');
SELECT regexp_replace(pg_temp.sqlstate_of($$SELECT followup.complete_task((SELECT task_id FROM followup.task WHERE tenant_id = 200 AND lead_id = 200001),
                            'ann', 'hello', '2026-11-02 11:05+00', 'crm-msg-17')$$), '[0-9]+ is', 'N is') AS retry;
-- the four-argument form still works, and records no external_ref
SELECT kind, operator, external_ref, by_rule
FROM followup.complete_task((SELECT task_id FROM followup.task WHERE tenant_id = 200 AND lead_id = 200002),
                            NULL, 'hi', '2026-11-02 11:06+00');
SELECT l.external_ref, t.status FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 200 ORDER BY 1;

RESET followup.tenant_id;
DELETE FROM followup.lead WHERE tenant_id = 200;
