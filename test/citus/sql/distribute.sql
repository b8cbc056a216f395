-- followup.distribute() on a coordinator and two workers: what it
-- distributes, the policies Citus takes, and a grant_operator role kept to
-- its tenant on the distributed tables.
SET client_min_messages = warning;
CREATE EXTENSION followup;
-- what followup does not apply on Citus yet is refused, by name
INSERT INTO followup.capacity (tenant_id, operator, daily_tasks) VALUES (5, 'ann', 20);
\set VERBOSITY terse
SELECT followup.distribute();
\set VERBOSITY default
DELETE FROM followup.capacity;
SELECT followup.distribute();
RESET client_min_messages;

-- the data by tenant_id, all colocated with the leads; configuration everywhere
SELECT p.logicalrelid::regclass AS relation, p.partmethod,
       CASE p.partmethod WHEN 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS distributed_by,
       p.colocationid = (SELECT colocationid FROM pg_dist_partition
                         WHERE logicalrelid = 'followup.lead'::regclass) AS with_leads
FROM pg_dist_partition p
WHERE p.logicalrelid::regclass::text LIKE 'followup.%'
ORDER BY p.partmethod, p.logicalrelid::regclass::text;
-- the leads' shards on both workers, and every tenant's rows on one node
SELECT count(DISTINCT sp.nodename) AS nodes_with_lead_shards
FROM pg_dist_shard s JOIN pg_dist_shard_placement sp USING (shardid)
WHERE s.logicalrelid = 'followup.lead'::regclass;
-- tenant 0's shipped configuration reached every node
SELECT nodename LIKE '%worker%' AS worker, result AS policies
FROM run_command_on_workers('SELECT count(*) FROM followup.policy WHERE tenant_id = 0') ORDER BY nodename;

-- policies without subqueries, on the shell tables and on the shards
SELECT tablename, policyname, qual FROM pg_policies
WHERE schemaname = 'followup' AND tablename IN ('lead', 'policy') ORDER BY 1, 2;
SELECT DISTINCT result FROM run_command_on_shards('followup.lead',
    $$SELECT qual FROM pg_policies WHERE schemaname || '.' || tablename = '%s'$$);

-- once only
\set VERBOSITY verbose
SELECT followup.distribute();
\set VERBOSITY terse

-- a grant_operator role, tenant 1: its rows only, on every node
INSERT INTO followup.lead (tenant_id, external_ref) VALUES (1, 'one-a'), (1, 'one-b'), (2, 'two-a'), (3, 'three-a');
-- Citus connects to the workers as the session's role: it logs in
CREATE ROLE regress_citus_op1 LOGIN;
SELECT followup.grant_operator('regress_citus_op1');
SELECT nodename LIKE '%worker%' AS worker, result AS may_execute
FROM run_command_on_workers($$SELECT has_function_privilege('regress_citus_op1', 'followup.current_tenant()', 'EXECUTE')$$)
ORDER BY nodename;
SET ROLE regress_citus_op1;
-- a session-level SET stays on the coordinator: the workers see tenant 0,
-- and the role sees nothing (docs/scaling.md: SET LOCAL, propagated)
SET followup.tenant_id = 1;
SELECT tenant_id, external_ref FROM followup.lead ORDER BY 2;
SET citus.propagate_set_commands = 'local';
BEGIN;
SET LOCAL followup.tenant_id = 1;
SELECT tenant_id, external_ref FROM followup.lead ORDER BY 2;
SELECT tenant_id, external_ref FROM followup.lead WHERE tenant_id = 2;
SELECT count(*) FROM followup.lead WHERE tenant_id IN (2, 3);
UPDATE followup.lead SET owner = 'mallory' WHERE tenant_id = 2;
-- tenant 0's defaults and nothing of another tenant in the configuration
SELECT DISTINCT tenant_id FROM followup.policy ORDER BY 1;
COMMIT;
-- writing another tenant's row is refused on the worker (42501)
BEGIN;
SET LOCAL followup.tenant_id = 1;
DO $$
BEGIN
    INSERT INTO followup.lead (tenant_id, external_ref) VALUES (2, 'planted');
    RAISE NOTICE 'inserted';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;
ROLLBACK;
BEGIN;
SET LOCAL followup.tenant_id = 2;
SELECT tenant_id, external_ref FROM followup.lead ORDER BY 2;
COMMIT;
RESET ROLE;
RESET followup.tenant_id;
SELECT tenant_id, external_ref, owner FROM followup.lead ORDER BY 2;
-- a tenant pinned to the role reaches the workers with the role
ALTER ROLE regress_citus_op1 SET followup.tenant_id = '3';
\c - regress_citus_op1
SELECT tenant_id, external_ref FROM followup.lead ORDER BY 2;
\c - postgres

-- the role writes its tenant's lead and interaction through the
-- coordinator; the triggers plan them on the worker, as the role
\c - regress_citus_op1
SET timezone = 'UTC';
SET citus.propagate_set_commands = 'local';
BEGIN;
SET LOCAL followup.tenant_id = 1;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('one-c', '2026-11-25 10:00+00');
-- (not INSERT ... SELECT: Citus copies its rows, and takes no COPY under
-- row level security)
SELECT lead_id AS one_c FROM followup.lead WHERE external_ref = 'one-c' \gset
INSERT INTO followup.interaction (lead_id, kind, occurred_at) VALUES (:one_c, 'reply', '2026-11-25 11:00+00');
SELECT l.tenant_id, l.external_ref, l.state, l.next_action, l.next_followup_at, l.last_inbound_at,
       i.state_at, i.applied, (SELECT count(*) FROM followup.state_change s
                               WHERE s.tenant_id = l.tenant_id AND s.lead_id = l.lead_id) AS state_changes
FROM followup.lead l JOIN followup.interaction i USING (tenant_id, lead_id)
WHERE l.external_ref = 'one-c';
COMMIT;
\c - postgres
DROP OWNED BY regress_citus_op1;
DROP ROLE regress_citus_op1;
