--
-- DROP EXTENSION and CREATE EXTENSION again in the same session: the
-- backend's kept plans and caches follow the new objects (new type and
-- table OIDs); nothing needs a reconnect.
--
\set SHOW_CONTEXT never
CREATE DATABASE followup_reinstall;
\c followup_reinstall
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION followup;
SET followup.tenant_id = 141;
-- every path with a kept plan, once: lead and interactions (and a statement
-- whose rows arrive out of order), the sweep, claim, complete, release, a
-- win and late writes (the rollup marks)
\set exercise 'INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES (141, 1, ''a'', ''2026-11-23 10:00+00'', ''warm''), (141, 2, ''b'', ''2026-11-23 10:00+00'', ''warm''); INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (141, 1, ''2026-11-23 12:00+00'', ''think_about_it''), (141, 1, ''2026-11-23 11:00+00'', ''reply''); SELECT materialized, closed FROM followup.run_due(''2026-11-30 00:00+00''); SELECT task_id > 0 AS claimed, lead_id FROM followup.claim_tasks(''ana'', 2) ORDER BY lead_id; SELECT kind, by_rule FROM followup.complete_task((SELECT task_id FROM followup.task WHERE lead_id = 1 AND status = ''claimed''), ''ana'', ''hi'', ''2026-11-30 01:00+00''); SELECT status FROM followup.release_task((SELECT task_id FROM followup.task WHERE lead_id = 2 AND status = ''claimed'')); INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (141, 2, ''2026-11-30 02:00+00'', ''order''); SELECT count(*) > 0 AS marked FROM followup.rollup_mark; SELECT lead_id, state, next_action, touches FROM followup.lead ORDER BY lead_id; SELECT lead_id, from_state, to_state FROM followup.state_change ORDER BY lead_id, changed_at;'
:exercise
DROP EXTENSION followup;
CREATE EXTENSION followup;
:exercise
-- and once more, within one transaction
BEGIN;
DROP EXTENSION followup;
CREATE EXTENSION followup;
:exercise
COMMIT;
\c contrib_regression
DROP DATABASE followup_reinstall;
