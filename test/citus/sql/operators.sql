-- The operators through the coordinator on distributed tables: claim,
-- complete and release a tenant's tasks, and stall_diagnostic, as the
-- owner (tenant set for the session) and as a grant_operator role (tenant
-- set per transaction and propagated to the workers, docs/scaling.md).
SET client_min_messages = warning;
CREATE EXTENSION followup;
SELECT followup.distribute();
RESET client_min_messages;
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at, owner) VALUES
    (81, 'p1', '2026-11-02 10:00+00', 'ann'), (81, 'p2', '2026-11-02 11:00+00', NULL),
    (81, 'p3', '2026-11-02 12:00+00', NULL), (82, 'q1', '2026-11-02 11:00+00', NULL);
INSERT INTO followup.interaction (tenant_id, lead_id, kind, occurred_at) VALUES
    (81, 3, 'think_about_it', '2026-11-02 13:00+00');
SELECT * FROM followup.run_due('2026-11-05 00:00+00');

-- the owner, tenant 81 for the session (the functions run on the
-- coordinator and pass the tenant to the workers in their statements)
SET followup.tenant_id = 81;
-- each call one statement on the tenant's shard: no two-phase commit (a
-- claim that updates every task shard commits with PREPARE TRANSACTION on
-- both workers, recorded in pg_dist_transaction)
SELECT count(*) AS prepared_before FROM pg_catalog.pg_dist_transaction \gset
SELECT task_id, lead_id, status, claimed_by FROM followup.claim_tasks('ann', 2);
SELECT interaction_id, tenant_id, lead_id, task_id, kind, occurred_at, operator
FROM followup.complete_task(1, 'ann', 'hi', '2026-11-05 01:00+00');
SELECT task_id, status, claimed_by FROM followup.release_task(2);
-- errors as on one node
\set VERBOSITY default
SELECT task_id FROM followup.release_task(2);
SELECT followup.complete_task(1, 'ann', 'again', '2026-11-05 02:00+00');
SELECT followup.release_task(4);
\set VERBOSITY terse
SELECT task_id, lead_id, status, claimed_by FROM followup.claim_tasks('bob', 5, ARRAY['bob']);
SELECT count(*) <= :prepared_before AS one_phase FROM pg_catalog.pg_dist_transaction;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-06 00:00+00');
RESET followup.tenant_id;
SELECT tenant_id, task_id, lead_id, status, claimed_by FROM followup.task ORDER BY tenant_id, task_id;

-- a grant_operator role: the tenant per transaction, propagated
CREATE ROLE regress_citus_op2 LOGIN;
SELECT followup.grant_operator('regress_citus_op2');
\c - regress_citus_op2
SET timezone = 'UTC';
SET citus.propagate_set_commands = 'local';
BEGIN;
SET LOCAL followup.tenant_id = 82;
SELECT task_id, lead_id, status, claimed_by FROM followup.claim_tasks('cy', 5);
SELECT task_id, status FROM followup.release_task(4);
SELECT task_id, lead_id, status, claimed_by FROM followup.claim_tasks('cy', 5);
SELECT interaction_id, tenant_id, lead_id, task_id, kind, occurred_at, operator
FROM followup.complete_task(4, 'cy', 'hello', '2026-11-05 03:00+00');
COMMIT;
-- another tenant's task is not found (42704)
BEGIN;
SET LOCAL followup.tenant_id = 82;
SELECT followup.release_task(2);
ROLLBACK;
BEGIN;
SET LOCAL followup.tenant_id = 81;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-06 00:00+00');
SELECT task_id, lead_id, status FROM followup.due_tasks ORDER BY task_id;
COMMIT;
\c - postgres
SELECT tenant_id, task_id, lead_id, status, claimed_by FROM followup.task ORDER BY tenant_id, task_id;
DROP OWNED BY regress_citus_op2;
DROP ROLE regress_citus_op2;
