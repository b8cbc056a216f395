-- A tenant isolated to a shard of its own (isolate_tenant_to_new_shard)
-- while clients write: two clients of tenant 100 send replies, two claim and
-- complete tasks, one of tenant 101 (in the same shard before) sends
-- replies.  Nothing is lost (every reply a client saw committed is there),
-- and the invariants hold afterwards: one live task per lead,
-- every active lead planned, no live task for a closed lead.
SET client_min_messages = warning;
CREATE EXTENSION followup;
-- four shards: tenants 100 and 101 share one
SELECT followup.distribute(4);
RESET client_min_messages;
SET timezone = 'UTC';
SELECT get_shard_id_for_distribution_column('followup.lead', 100)
     = get_shard_id_for_distribution_column('followup.lead', 101) AS same_shard;
INSERT INTO followup.lead (tenant_id, external_ref, created_at)
SELECT 100 + g % 2, 'l' || g, '2026-11-02 10:00+00' FROM generate_series(1, 200) g;
SELECT * FROM followup.run_due('2026-11-05 00:00+00');
\setenv FU_DB :DBNAME
-- the replies each client saw committed, on the coordinator
CREATE TABLE sent (tenant_id bigint, interaction_id bigint);
SELECT nodename AS coordinator FROM pg_dist_node WHERE groupid = 0 \gset
\! rm -f test/citus/output/isolate.done test/citus/output/isolate.sent test/citus/output/isolate.errors; (for c in 1 2 3 4 5; do ( t=$((c == 5 ? 101 : 100)); for n in $(seq 1 12); do if [ $c -le 2 ]; then echo "SET followup.tenant_id = $t; SELECT followup.complete_task(k.task_id, 'op$c', NULL, '2026-11-05 06:00+00') FROM followup.claim_tasks('op$c', 1) k;"; else echo "INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES ($t, $(( 2 * ((c * 7 + n * 3) % 100) + (t == 100 ? 2 : 1) )), 'reply', '2026-11-05 07:00+00') RETURNING tenant_id, interaction_id;"; fi; done | psql -X -q -At -F ' ' -d "$FU_DB" 2>>test/citus/output/isolate.errors | grep -E '^[0-9]+ [0-9]+$' >>test/citus/output/isolate.sent ) & done; wait; touch test/citus/output/isolate.done) &
SET citus.local_hostname = :'coordinator';
SELECT isolate_tenant_to_new_shard('followup.lead', 100, 'CASCADE', shard_transfer_mode => 'block_writes') > 0
    AS isolated;
\! while [ ! -f test/citus/output/isolate.done ]; do sleep 0.2; done
-- tenant 100 alone in its shard now, tenant 101 not with it
SELECT get_shard_id_for_distribution_column('followup.lead', 100)
     <> get_shard_id_for_distribution_column('followup.lead', 101) AS apart;
SELECT s.shardminvalue = s.shardmaxvalue AS one_hash_value FROM pg_dist_shard s
WHERE s.shardid = get_shard_id_for_distribution_column('followup.interaction', 100);
\copy sent FROM 'test/citus/output/isolate.sent' WITH (DELIMITER ' ')
-- every reply a client saw committed is there
SELECT count(*) > 0 AS some_sent, count(i.interaction_id) = count(*) AS none_lost
FROM sent s LEFT JOIN followup.interaction i
  ON i.tenant_id = s.tenant_id AND i.interaction_id = s.interaction_id AND i.kind = 'reply';
SELECT count(*) AS done FROM followup.task WHERE status = 'done' \gset
SELECT :done > 0 AS some_done;
-- the invariants
SELECT tenant_id, lead_id FROM followup.task WHERE status IN ('open', 'claimed')
GROUP BY 1, 2 HAVING count(*) > 1;
SELECT tenant_id, lead_id FROM followup.lead WHERE state NOT IN ('won', 'lost') AND next_action IS NULL;
SELECT t.tenant_id, t.task_id FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.status IN ('open', 'claimed') AND l.state IN ('won', 'lost');
-- and the jobs still run on the new shard
SELECT materialized > 0 AS planned FROM followup.run_due('2026-11-20 00:00+00');
