-- Concurrent clients on the coordinator: four operators of two tenants
-- claim at the same time (two per tenant) and no task is handed out twice;
-- then a shard group moves to the other worker while they claim and
-- complete, and the invariants hold afterwards.
SET client_min_messages = warning;
CREATE EXTENSION followup;
SELECT followup.distribute();
RESET client_min_messages;
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at)
SELECT 100 + g % 2, 'l' || g, '2026-11-02 10:00+00' FROM generate_series(1, 200) g;
SELECT * FROM followup.run_due('2026-11-05 00:00+00');
\setenv FU_DB :DBNAME
-- what each client was handed, on the coordinator
CREATE TABLE claim_log (tenant_id bigint, task_id bigint, operator text);
\! for i in 1 2 3 4; do ( for n in $(seq 1 10); do echo "SET followup.tenant_id = $((100 + i % 2)); INSERT INTO claim_log SELECT tenant_id, task_id, 'op$i' FROM followup.claim_tasks('op$i', 2);"; done | psql -X -q -d "$FU_DB" -v ON_ERROR_STOP=1 ) & done; wait
SELECT count(*) AS handed, count(DISTINCT (tenant_id, task_id)) AS distinct_tasks FROM claim_log;
SELECT count(*) AS claimed FROM followup.task WHERE status = 'claimed';
-- each claim went to the claimer's own tenant
SELECT operator, tenant_id, count(*) FROM claim_log GROUP BY 1, 2 ORDER BY 1;

-- tenant 100's shard group moves to the other worker while four clients
-- claim and complete (Citus connects to this node by its socket directory)
SELECT nodename AS coordinator FROM pg_dist_node WHERE groupid = 0 \gset
SELECT get_shard_id_for_distribution_column('followup.lead', 100) AS shard \gset
SELECT n.nodename AS from_node, n.nodeport AS from_port FROM pg_dist_placement p
JOIN pg_dist_node n USING (groupid) WHERE p.shardid = :shard \gset
SELECT nodename AS to_node, nodeport AS to_port FROM pg_dist_node
WHERE groupid <> 0 AND nodename <> :'from_node' \gset
-- (Citus may cancel a client's statement that waits for the move as a
-- distributed deadlock: how many finish varies, what holds does not)
\! rm -f test/citus/output/concurrency.done test/citus/output/concurrency.errors; (for i in 1 2 3 4; do ( for n in $(seq 1 10); do echo "SET followup.tenant_id = $((100 + i % 2)); SELECT followup.complete_task(c.task_id, 'op$i', NULL, '2026-11-05 06:00+00') FROM followup.claim_tasks('op$i', 2) c;"; done | psql -X -q -d "$FU_DB" >/dev/null 2>>test/citus/output/concurrency.errors ) & done; wait; touch test/citus/output/concurrency.done) &
SET citus.local_hostname = :'coordinator';
SELECT citus_move_shard_placement(:shard, :'from_node', :from_port, :'to_node', :to_port,
                                  shard_transfer_mode => 'block_writes');
\! while [ ! -f test/citus/output/concurrency.done ]; do sleep 0.2; done
SELECT n.nodename = :'to_node' AS moved FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
WHERE p.shardid = get_shard_id_for_distribution_column('followup.task', 100);
SELECT tenant_id, count(*) AS tasks, count(*) FILTER (WHERE status = 'done') > 0 AS some_done
FROM followup.task GROUP BY 1 ORDER BY 1;
SELECT count(*) AS done FROM followup.task WHERE status = 'done' \gset
-- each lead whose task was done gets its next one
SELECT materialized = :done AS next_task_per_done, closed FROM followup.run_due('2026-11-20 00:00+00');
-- the invariants: one live task per lead, every active lead planned, no
-- live task for a closed lead
SELECT tenant_id, lead_id FROM followup.task WHERE status IN ('open', 'claimed')
GROUP BY 1, 2 HAVING count(*) > 1;
SELECT tenant_id, lead_id FROM followup.lead WHERE state NOT IN ('won', 'lost') AND next_action IS NULL;
SELECT t.tenant_id, t.task_id FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.status IN ('open', 'claimed') AND l.state IN ('won', 'lost');
SELECT count(*) FILTER (WHERE touches > 0) = :done AS touched_per_done FROM followup.lead;
