--
-- complete_tasks: complete_task for many tasks in one call, each with
-- complete_task's guarantees; a task complete_task would refuse is reported
-- in its row and the others are completed.  A database of its own (the jobs
-- serve every tenant of a database).
--
\set regress_db :DBNAME
CREATE DATABASE followup_complete_tasks;
\c followup_complete_tasks
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 140;
INSERT INTO followup.lead (lead_id, external_ref, created_at, state, owner) VALUES
    (140001, 'w1', '2026-11-23 09:00+00', 'warm', NULL),
    (140002, 'w2', '2026-11-23 08:00+00', 'warm', NULL),
    (140003, 'h1', '2026-11-24 06:00+00', 'hot', NULL),
    (140004, 'r1', '2026-11-23 10:00+00', 'thinking', NULL),
    (140005, 't5', '2026-11-23 10:00+00', 'thinking', NULL);
SELECT followup.materialize_due('2026-11-24 10:00+00');
SELECT count(*) AS claimed FROM followup.claim_tasks('ana', 10);
CREATE TEMP TABLE ids AS SELECT lead_id, task_id FROM followup.task;
-- the customer of h1 replied before ana wrote: its task is superseded
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (140003, '2026-11-24 10:20+00', 'reply');
-- w2's touch is already recorded
SELECT kind FROM followup.complete_task((SELECT task_id FROM ids WHERE lead_id = 140002), 'ana', NULL, '2026-11-24 10:21+00');
-- t5's customer replied at 11:00, and t5 has a new task: a touch given at
-- 10:30 is older than the lead's last event
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (140005, '2026-11-24 11:00+00', 'reply');
SELECT followup.materialize_due('2026-11-24 13:00+00');
SELECT task_id AS t5_task FROM followup.task WHERE lead_id = 140005 AND status = 'open' \gset

-- one call: in the order given, a row per task, the refused ones reported
-- with complete_task's SQLSTATE and message, the others completed
SELECT c.task_id = i.task_id AS same_task, c.lead_id, c.result, c.sqlstate, c.message,
       c.interaction_id IS NOT NULL AS recorded
FROM followup.complete_tasks(ARRAY[(SELECT task_id FROM ids WHERE lead_id = 140001),
                                   (SELECT task_id FROM ids WHERE lead_id = 140003),
                                   (SELECT task_id FROM ids WHERE lead_id = 140002),
                                   -1,
                                   :t5_task,
                                   (SELECT task_id FROM ids WHERE lead_id = 140004),
                                   (SELECT task_id FROM ids WHERE lead_id = 140004)],
                             'ana', ARRAY['hello w1', 'hello h1', NULL, NULL, NULL, 'hello r1', 'again'],
                             '2026-11-24 10:30+00',
                             ARRAY['m-1', NULL, NULL, NULL, NULL, 'm-4', 'm-4b']) WITH ORDINALITY c
LEFT JOIN (SELECT * FROM ids WHERE lead_id <> 140005 UNION ALL SELECT 140005, :t5_task) i ON i.lead_id = c.lead_id
ORDER BY c.ordinality;
-- what complete_task would have recorded: the touch by rule, the task done,
-- the lead re-planned; nothing for the refused ones
SELECT l.external_ref, i.kind, i.operator, i.body, i.external_ref AS message_ref, i.by_rule, i.applied
FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id)
WHERE i.task_id IS NOT NULL ORDER BY l.external_ref, i.occurred_at;
SELECT l.external_ref, t.status, t.claimed_by, t.done_at
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY l.external_ref, t.task_id;
-- one live task per lead when the next touches fall due
SELECT followup.materialize_due('2026-12-31 00:00+00');
SELECT lead_id, count(*) AS live FROM followup.task WHERE status IN ('open', 'claimed')
GROUP BY lead_id HAVING count(*) > 1;

-- an operator sees its own tenant's tasks only, with its privileges
CREATE ROLE regress_fu_batch_operator;
CREATE ROLE regress_fu_batch_nobody;
SELECT followup.grant_operator('regress_fu_batch_operator');
SELECT task_id AS w1_task FROM followup.task WHERE lead_id = 140001 AND status = 'open' \gset
SET ROLE regress_fu_batch_operator;
SET followup.tenant_id = 141;
SELECT result, sqlstate, replace(message, :'w1_task', '<w1>') AS message
FROM followup.complete_tasks(ARRAY[:w1_task]::bigint[], 'eve', NULL, '2026-12-31 01:00+00');
SET followup.tenant_id = 140;
SELECT result, sqlstate FROM followup.complete_tasks(ARRAY[:w1_task]::bigint[], 'ana', NULL, '2026-12-31 01:00+00');
RESET ROLE;
SET ROLE regress_fu_batch_nobody;
SELECT * FROM followup.complete_tasks(ARRAY[1::bigint]);
RESET ROLE;

-- bad arguments: nothing is done
SELECT * FROM followup.complete_tasks(NULL);
SELECT * FROM followup.complete_tasks(ARRAY[1, NULL]::bigint[]);
SELECT * FROM followup.complete_tasks(ARRAY[1, 2]::bigint[], 'ana', ARRAY['only one']);
SELECT * FROM followup.complete_tasks(ARRAY[[1], [2]]::bigint[]);
SELECT * FROM followup.complete_tasks(ARRAY(SELECT generate_series(1, 1001))::bigint[]);
SELECT * FROM followup.complete_tasks('{}');

\c :regress_db
DROP DATABASE followup_complete_tasks;
DROP ROLE regress_fu_batch_operator, regress_fu_batch_nobody;
