--
-- Hostile and broken input to every public function, type and table: each
-- gets its exact SQLSTATE, and no data changes.
--
\set SHOW_CONTEXT never
\set VERBOSITY terse
SET timezone = 'UTC';
SET followup.tenant_id = 160;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (160, 160001, 'h', '2026-11-23 10:00+00', 'warm'),
    (161, 161001, 'other', '2026-11-23 10:00+00', 'warm');
CREATE TEMP VIEW data_hash AS
SELECT 'lead' AS t, md5(string_agg(row_to_json(l)::text, '' ORDER BY lead_id)) AS h FROM followup.lead l WHERE tenant_id IN (160, 161)
UNION ALL SELECT 'config', md5((SELECT string_agg(row_to_json(p)::text, '' ORDER BY tenant_id, state) FROM followup.policy p)
                           || (SELECT string_agg(row_to_json(r)::text, '' ORDER BY rule_id) FROM followup.rule r)
                           || (SELECT string_agg(row_to_json(s)::text, '' ORDER BY tenant_id, kind) FROM followup.signal s)
                           || (SELECT string_agg(row_to_json(s)::text, '' ORDER BY tenant_id, state, step_no) FROM followup.step s))
UNION ALL SELECT 'interactions', count(*)::text FROM followup.interaction WHERE tenant_id IN (160, 161)
UNION ALL SELECT 'tasks', count(*)::text FROM followup.task WHERE tenant_id IN (160, 161);
CREATE TEMP TABLE snapshot AS SELECT * FROM data_hash;

-- cadence: huge, absurd, non-ASCII
SELECT length(repeat('1d,', 100000)::followup.cadence::text);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT (repeat('9', 5000) || 'd')::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE';
SELECT '１d'::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE';
SELECT E'1d\t,\n2d'::followup.cadence;
SELECT 'ｄ'::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.offset_at('1d', 2147483647);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.offset_at('1d', -2147483648);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT ARRAY['178000000 years']::interval[]::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE';
SELECT ARRAY['1 day', '-1 day 48 hours']::interval[]::followup.cadence;
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.steps(NULL), followup.offsets(NULL);

-- render: huge templates and values, malformed JSON, deep nesting
SELECT length(followup.render(repeat('{{a}}', 200000), '{"a": "xy"}'));
SELECT length(followup.render('{{a}}', jsonb_build_object('a', repeat('z', 1000000))));
SELECT followup.render('{{a}}', '{"a": ');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.render('{{' || repeat('a', 100000) || '}}', '{}');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.render('{{a.b.c.d}}', '{"a": {"b": {"c": {"d": 1}}}}');
SELECT followup.render('{{a.b}}', '{"a": "not an object"}');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.render(E'\\x00 {{a|\u263a}}', '{}');
SELECT followup.render('{{a}}', '"scalar"');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.check_template(NULL), followup.check_timezone(NULL);
SELECT followup.check_timezone(repeat('A', 300));
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.check_timezone('../../../../etc/passwd');
SELECT :'LAST_ERROR_SQLSTATE';

-- the planner with absurd arguments
SELECT * FROM followup.plan_next_touch('warm', 'infinity', 0);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM followup.plan_next_touch('warm', '294276-12-31 00:00+00', 0);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM followup.plan_next_touch('warm', '2026-11-23 10:00+00', 2147483647);
SELECT * FROM followup.plan_next_touch('installment_rejected', '2026-11-23 10:00+00', 0, -5);
SELECT * FROM followup.plan_next_touch('warm', '2026-11-23 10:00+00', 0, NULL, NULL, NULL, '');
SELECT :'LAST_ERROR_SQLSTATE';

-- leads, interactions and tasks of other tenants, or that do not exist
SELECT followup.momentum(161001);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM followup.preview(161001);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM followup.preview(NULL);
SELECT followup.complete_task(9223372036854775807);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.release_task(-9223372036854775808);
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM followup.claim_tasks(repeat('x', 100000), 1);
SELECT * FROM followup.claim_tasks('ana', NULL);
SELECT :'LAST_ERROR_SQLSTATE';

-- data written badly
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (160001, '2026-11-24 10:00+00', NULL);
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (160001, '2026-11-24 10:00+00', repeat('k', 100));
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (160001, '-infinity', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (160001, NULL, 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (NULL, '2026-11-24 10:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (lead_id, occurred_at, kind, task_id) VALUES (160001, '2026-11-24 10:00+00', 'message', 999999);
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.lead (external_ref, state, created_at) VALUES ('far', 'warm', '294276-12-31 22:00+00');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.lead (external_ref, attrs) VALUES ('arr', '[1,2]');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.lead (tenant_id, external_ref) VALUES (-1, 'neg');
SELECT :'LAST_ERROR_SQLSTATE';
UPDATE followup.lead SET state = NULL WHERE lead_id = 160001;
SELECT :'LAST_ERROR_SQLSTATE';
UPDATE followup.lead SET plan_b_step = 0 WHERE lead_id = 160001;
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.task (lead_id, kind, state, due_at, status) VALUES (160001, 'followup', 'warm', now(), 'claimed');
SELECT :'LAST_ERROR_SQLSTATE';

-- configuration written badly
INSERT INTO followup.policy (state, cadence, close_after) VALUES ('warm', '1d', '-1 day');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.policy (state, cadence, escalate_after) VALUES ('warm', '1d', '0');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.policy (state, cadence, close_after) VALUES ('warm', '1d', '100000 years');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.rule (kind, effect, due_in) VALUES ('reply', 'restart', '5000 years');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.policy (state, cadence, work_days) VALUES ('warm', '1d', '{1,NULL}');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.policy (state, cadence, work_days) VALUES ('warm', '1d', '{{1,2},{3,4}}');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.policy (state, cadence, timezone) VALUES ('warm', '1d', NULL);
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.step (state, step_no, purpose, action_code, template) VALUES ('warm', 33, 'advance', 'x', 'hi');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.step (state, step_no, purpose, action_code, template) VALUES ('warm', 1, 'advance', 'X Y', 'hi');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.step (state, step_no, purpose, action_code, template) VALUES ('warm', 1, 'advance', 'x', '{{}}');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.rule (kind, effect, min_momentum) VALUES ('reply', 'none', -1);
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.rule (kind, effect, close_reason) VALUES ('reply', 'respond', 'why');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.rule (kind, to_state, effect) VALUES ('reply', 'lost', 'none');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.signal (kind, direction, weight) VALUES ('x', 'inbound', 'Infinity');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.signal (kind, direction, weight) VALUES ('x', 'inbound', -0.5);
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.signal (kind, direction) VALUES (repeat('k', 64), 'inbound');
SELECT :'LAST_ERROR_SQLSTATE';

-- settings
SET followup.tenant_id = '99999999999999999999';
SELECT :'LAST_ERROR_SQLSTATE';
SET followup.tenant_id = '';
SELECT :'LAST_ERROR_SQLSTATE';
SET followup.half_life = '1 month -40 days';
SELECT :'LAST_ERROR_SQLSTATE';
SET followup.half_life = '';
SELECT :'LAST_ERROR_SQLSTATE';

-- nothing changed
SELECT s.t, s.h = n.h AS unchanged FROM snapshot s JOIN data_hash n USING (t) ORDER BY 1;
DELETE FROM followup.lead WHERE tenant_id IN (160, 161);
