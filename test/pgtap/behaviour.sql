-- test/pgtap/behaviour.sql - what a CRM relies on: bad input is refused with
-- the SQLSTATE docs/reference.md gives, and the reports say what happened on
-- a small fixed history (tenant 41, in one transaction that is rolled back).
BEGIN;
SELECT plan(22);
SET LOCAL timezone = 'UTC';
SET LOCAL followup.tenant_id = 41;

-- bad input
SELECT throws_ok($$SELECT followup.cadence(ARRAY['1 mon']::interval[])$$, '22023', NULL,
                 'a cadence offset in months: 22023');
SELECT throws_ok($$SELECT followup.offset_at('24h, 3d, 7d', 4)$$, '2202E', NULL,
                 'a cadence step out of range: 2202E');
SELECT throws_ok($$SELECT 'soon'::followup.cadence$$, '22P02', NULL,
                 'a cadence that does not parse: 22P02');
SELECT throws_ok($$SELECT followup.render('Hi {{name}}', '{}')$$, '22023', NULL,
                 'a template field with neither a value nor a default: 22023');
SELECT throws_ok($$SET followup.tenant_id = 'acme'$$, '22023',
                 'invalid value for parameter "followup.tenant_id": "acme"', 'a tenant that is not a number: 22023');
SELECT throws_ok($$SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', -1)$$, '22023',
                 'touches must not be negative: -1', 'negative touches: 22023');
SELECT throws_ok($$INSERT INTO followup.lead (external_ref, timezone) VALUES ('x', 'Mars/Olympus')$$, '22023', NULL,
                 'a lead in an unknown time zone: 22023');
SELECT throws_ok($$INSERT INTO followup.lead (external_ref, attrs) VALUES ('x', '[1]')$$, '23514', NULL,
                 'lead attrs that are not an object: 23514');
SELECT throws_ok($$INSERT INTO followup.rule (kind, effect) VALUES ('carrier_pigeon', 'respond')$$, '23503', NULL,
                 'a rule for an unknown interaction kind: 23503');
SELECT throws_ok($$SELECT followup.materialize_due('2026-11-03 12:00+00', 0)$$, '22023',
                 'max_leads must be at least 1, not 0', 'max_leads 0: 22023');
SELECT throws_ok($$SELECT * FROM followup.claim_tasks(NULL)$$, '22004', 'operator must be named',
                 'claiming for nobody: 22004');
SELECT throws_ok($$SELECT * FROM followup.complete_task(-1)$$, '42704', 'task -1 does not exist in tenant 41',
                 'completing an unknown task: 42704');

-- the planner alone, as docs/reference.md shows it
SELECT results_eq($$SELECT * FROM followup.plan_next_touch('thinking', '2026-11-23 10:00+00', 0)$$,
                  $$VALUES ('followup'::followup.next_action, '2026-11-24 10:00+00'::timestamptz, 1)$$,
                  'plan_next_touch: a thinking lead is followed up 24h after it went quiet');

-- a fixed history: two thinking leads of ana, one hot lead of beka
INSERT INTO followup.lead (external_ref, created_at, state, owner, attrs) VALUES
    ('a', '2026-11-02 09:00+00', 'thinking', 'ana', '{"name": "A"}'),
    ('b', '2026-11-02 09:00+00', 'thinking', 'ana', '{"name": "B"}'),
    ('c', '2026-11-02 09:00+00', 'hot', 'beka', '{"name": "C"}');
SELECT results_eq($$SELECT external_ref, next_action::text, next_followup_at FROM followup.lead ORDER BY external_ref$$,
                  $$VALUES ('a', 'followup', '2026-11-03 09:00+00'::timestamptz), ('b', 'followup', '2026-11-03 09:00+00'),
                           ('c', 'followup', '2026-11-02 11:00+00')$$,
                  'each new lead is planned by its state''s cadence (thinking 24h, hot 2h)');
SELECT results_eq($$SELECT * FROM followup.run_due('2026-11-03 12:00+00')$$,
                  $$VALUES (3::bigint, 0::bigint, 3::bigint)$$,
                  'run_due at noon: three tasks made, none closed, three escalated (past escalate_after)');
SELECT results_eq($$SELECT l.external_ref, t.step_no, t.assignee, t.status::text FROM followup.task t
                    JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY l.external_ref$$,
                  $$VALUES ('a', 1, 'ana', 'open'), ('b', 1, 'ana', 'open'), ('c', 1, 'beka', 'open')$$,
                  'one open task per lead, assigned to its owner');
-- ana claims one task (her oldest: a's), does it at 12:30, and a replies at 14:00
SELECT results_eq($$SELECT l.external_ref FROM followup.claim_tasks('ana', 1) t JOIN followup.lead l USING (tenant_id, lead_id)$$,
                  $$VALUES ('a')$$, 'claim_tasks gives ana the task of lead a');
SELECT lives_ok($$SELECT followup.complete_task(task_id, 'ana', 'Still thinking?', '2026-11-03 12:30+00')
                  FROM followup.task WHERE status = 'claimed'$$, 'ana completes it');
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-03 14:00+00', 'reply' FROM followup.lead WHERE external_ref = 'a';

SELECT results_eq($$SELECT operator, day, due, on_time, late, still_overdue, by_rule, by_chance, median_delay
                    FROM followup.operator_compliance ORDER BY operator, day$$,
                  $$VALUES ('ana', '2026-11-03'::date, 2::bigint, 0::bigint, 1::bigint, 1::bigint, 1::bigint, 0::bigint, '03:30'::interval),
                           ('beka', '2026-11-02', 1, 0, 0, 1, 0, 0, NULL)$$,
                  'operator_compliance: ana did one of two tasks 3h30 late (past 30 minutes), beka none');
SELECT results_eq($$SELECT state::text, step_no, touches, replies, wins FROM followup.step_funnel ORDER BY 1, 2$$,
                  $$VALUES ('thinking', 1, 1::bigint, 1::bigint, 0::bigint)$$,
                  'step_funnel: one first touch in thinking, answered, not won');
SELECT results_eq($$SELECT state::text, leads, awaiting_reply FROM followup.pipeline ORDER BY 1$$,
                  $$VALUES ('hot', 1::bigint, 0::bigint), ('thinking', 2, 1)$$,
                  'pipeline: the lead that replied awaits our reply');

-- a dashboard's role needs no setting: what PostgreSQL would JIT-compile for
-- longer than it runs sets jit = off itself (docs/performance.md)
SELECT is((SELECT count(*)::int FROM pg_catalog.pg_proc p
            WHERE p.oid IN ('followup.compliance_rows(timestamptz, timestamptz, timestamptz)'::regprocedure,
                            'followup.response_rows(timestamptz, timestamptz)'::regprocedure,
                            'followup.funnel_rows(timestamptz, timestamptz)'::regprocedure,
                            'followup.plan_b_rows(timestamptz, timestamptz)'::regprocedure)
              AND p.proconfig = '{jit=off}'::text[]),
          4, 'the reports'' *_rows functions run with jit = off');

SELECT * FROM finish();
ROLLBACK;
