--
-- followup.distribute() (docs/scaling.md) needs a Citus coordinator: on a
-- server without Citus it says so and changes nothing, and the grant
-- functions' repetition on Citus workers does nothing.
--
\set SHOW_CONTEXT never
SELECT followup.distribute();
\echo :LAST_ERROR_SQLSTATE
-- the single-node policies keep their InitPlan form
SELECT tablename, policyname, qual FROM pg_policies
WHERE schemaname = 'followup' AND tablename IN ('lead', 'policy') ORDER BY 1, 2;
SELECT conname, confdeltype FROM pg_constraint
WHERE conrelid = 'followup.interaction'::regclass AND confrelid = 'followup.task'::regclass;
-- the owner's alone
SELECT has_function_privilege('public', 'followup.distribute(int)', 'EXECUTE') AS public_may,
       has_function_privilege('public', 'followup.grant_on_workers(regrole)', 'EXECUTE') AS public_may_repeat;
CREATE ROLE regress_fu_distribute_op;
SELECT followup.grant_operator('regress_fu_distribute_op');
SELECT followup.grant_on_workers('regress_fu_distribute_op');
DROP OWNED BY regress_fu_distribute_op;
DROP ROLE regress_fu_distribute_op;
