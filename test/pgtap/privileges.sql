-- test/pgtap/privileges.sql - what each kind of role gets from
-- followup.grant_reader, grant_operator and grant_admin, and nothing more:
-- every table, view, sequence and function of the schema, for each kind.
-- The expectations are the three lists below (one row per kind and object
-- that the kind may use); an object not listed must give the kind nothing.
-- To change what a kind gets, change its row here and the grant function.
BEGIN;
CREATE ROLE regress_pgtap_reader;
CREATE ROLE regress_pgtap_operator;
CREATE ROLE regress_pgtap_admin;
SELECT followup.grant_reader('regress_pgtap_reader');
SELECT followup.grant_operator('regress_pgtap_operator');
SELECT followup.grant_admin('regress_pgtap_admin');

CREATE TEMP TABLE kinds (kind text PRIMARY KEY, includes text[]);
INSERT INTO kinds VALUES ('reader', '{reader}'), ('operator', '{reader,operator}'), ('admin', '{reader,admin}');

-- tables and views: (granted by, relation, privileges)
CREATE TEMP TABLE rel_grant (kind text, rel name, privs text[]);
INSERT INTO rel_grant
SELECT 'reader', r, '{SELECT}' FROM unnest(ARRAY[
    'lead', 'interaction', 'task', 'state_change', 'policy', 'step', 'signal', 'rule',
    'rollup_state', 'rollup_mark', 'rollup_marked_day', 'compliance_day', 'response_day', 'funnel_day',
    'plan_b_day', 'compliance_source', 'response_source', 'funnel_source', 'plan_b_source',
    'pipeline', 'touch_log', 'operator_compliance', 'response_times', 'silence_by_stage',
    'step_funnel', 'plan_b_recovery', 'due_tasks', 'job_lag',
    -- issue 18
    'calendar', 'public_holiday', 'contact_cap', 'quiet_hours', 'pressure_move', 'pressure',
    'capacity', 'capacity_used',
    'experiment', 'experiment_arm', 'experiment_stays', 'experiment_interactions', 'experiment_results']::name[]) r;

INSERT INTO rel_grant VALUES
    -- the CRM writes leads and interactions; the triggers keep the rest
    ('operator', 'lead', '{INSERT,UPDATE}'),
    ('operator', 'interaction', '{INSERT}'),
    ('operator', 'task', '{UPDATE}'),
    -- a lenient attachment's trigger quarantines as the CRM's writer
    ('operator', 'quarantine', '{INSERT,SELECT}'),
    ('admin', 'policy', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'step', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'signal', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'rule', '{INSERT,UPDATE,DELETE}'),
    -- after the sale, and the reasons why
    ('reader', 'reason', '{SELECT}'),
    ('reader', 'reasons', '{SELECT}'),
    ('reader', 'repeat_purchases', '{SELECT}'),
    ('admin', 'reason', '{INSERT,UPDATE,DELETE}'),
    -- issue 18: a calendar change queues its re-planning
    ('admin', 'calendar', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'calendar_replan', '{INSERT}'),
    ('admin', 'contact_cap', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'quiet_hours', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'capacity', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'experiment', '{INSERT,UPDATE,DELETE}'),
    ('admin', 'experiment_arm', '{INSERT,UPDATE,DELETE}');

CREATE TEMP TABLE seq_grant (kind text, seq name, privs text[]);
INSERT INTO seq_grant VALUES
    ('operator', 'lead_lead_id_seq', '{USAGE}'),
    ('operator', 'interaction_interaction_id_seq', '{USAGE}'),
    ('admin', 'rule_rule_id_seq', '{USAGE}'),
    ('admin', 'experiment_experiment_id_seq', '{USAGE}');

CREATE TEMP TABLE fn_grant (kind text, fn text);
INSERT INTO fn_grant
SELECT 'reader', f FROM unnest(ARRAY[
    'current_tenant()', 'tenant_hint(text,text)', 'due_channel()',
    'policy_for(bigint,followup.lead_state)', 'rolled_until()', 'day_starts(timestamptz,timestamptz)',
    'compliance_rows(timestamptz,timestamptz,timestamptz)', 'response_rows(timestamptz,timestamptz)',
    'funnel_rows(timestamptz,timestamptz)', 'plan_b_rows(timestamptz,timestamptz)',
    'stall_diagnostic(interval,timestamptz)', 'steps(followup.cadence)',
    'stall_diagnostic_by_operator(interval,timestamptz)', 'stall_leads(interval,timestamptz)',
    'stall_rows(bigint,interval,timestamptz)',
    -- stall_diagnostic plans a never-touched lead's first touch
    'plan_next_touch(followup.lead_state,timestamptz,integer,integer,timestamptz,timestamptz,text)',
    'offset_at(followup.cadence,integer)', 'offsets(followup.cadence)',
    -- issue 18
    'workload_forecast(integer,timestamptz)', 'planned_touches(timestamptz,timestamptz)',
    'sequential_diff(bigint,bigint,bigint,bigint,double precision,double precision)',
    'experiment_arm_of(bigint,bigint,bigint)', 'cadence_advice(followup.lead_state,interval,timestamptz)',
    'cadence(interval[])']) f
UNION ALL
SELECT 'operator', f FROM unnest(ARRAY[
    'check_timezone(text)', 'check_template(text)', 'render(text,jsonb)',
    'momentum(bigint,timestamptz)', 'preview(bigint)',
    'plan_next_touch(followup.lead_state,timestamptz,integer,integer,timestamptz,timestamptz,text)',
    'claim_tasks(text,integer)', 'complete_task(bigint,text,text,timestamptz)', 'release_task(bigint)',
    'claim_tasks(text,integer,text[],timestamptz)', 'complete_task(bigint,text,text,timestamptz,text)',
    'complete_tasks(bigint[],text,text[],timestamptz,text[])',
    'upsert_lead(text,followup.lead_state,text,jsonb,timestamptz,bigint)',
    'record_interaction(text,text,timestamptz,text,text,text,text,jsonb,bigint,text)']) f
UNION ALL
SELECT 'admin', f FROM unnest(ARRAY[
    'check_timezone(text)', 'check_template(text)', 'render(text,jsonb)', 'cadence(interval[])',
    'plan_next_touch(followup.lead_state,timestamptz,integer,integer,timestamptz,timestamptz,text)',
    -- issue 18
    'load_calendar(text,text,date,date)',
    'conclude_experiment(bigint,integer,timestamptz)']) f;

-- every relation, sequence and function of the schema, for every kind
CREATE TEMP VIEW rel_expect AS
SELECT k.kind, c.relname AS rel, c.relkind,
       coalesce((SELECT array_agg(DISTINCT p ORDER BY p)
                 FROM (SELECT * FROM rel_grant UNION ALL SELECT * FROM seq_grant) g, unnest(g.privs) p
                 WHERE g.rel = c.relname AND g.kind = ANY (k.includes)), '{}') AS privs
FROM kinds k, pg_class c
WHERE c.relnamespace = 'followup'::regnamespace AND c.relkind IN ('r', 'v', 'S');
CREATE TEMP VIEW fn_expect AS
SELECT k.kind, p.proname, p.oid::regprocedure AS fn,
       CASE WHEN EXISTS (SELECT FROM fn_grant g WHERE g.kind = ANY (k.includes)
                         AND ('followup.' || g.fn)::regprocedure = p.oid) THEN '{EXECUTE}' ELSE '{}' END::text[] AS privs
FROM kinds k, pg_proc p WHERE p.pronamespace = 'followup'::regnamespace;

SELECT plan((SELECT count(*)::int FROM rel_expect) + (SELECT count(*)::int FROM fn_expect) + 1);

SELECT table_privs_are('followup', rel, 'regress_pgtap_' || kind, privs,
                       format('%s may %s followup.%s', kind, coalesce(nullif(array_to_string(privs, ', '), ''), 'do nothing on'), rel))
FROM rel_expect WHERE relkind IN ('r', 'v') ORDER BY kind, rel;
SELECT sequence_privs_are('followup', rel, 'regress_pgtap_' || kind, privs,
                          format('%s may %s followup.%s', kind, coalesce(nullif(array_to_string(privs, ', '), ''), 'do nothing on'), rel))
FROM rel_expect WHERE relkind = 'S' ORDER BY kind, rel;
SELECT function_privs_are('followup', proname,
                          (SELECT coalesce(array_agg(format_type(t, NULL) ORDER BY o), '{}')
                           FROM pg_proc x, unnest(x.proargtypes::oid[]) WITH ORDINALITY u(t, o) WHERE x.oid = fn),
                          'regress_pgtap_' || kind, privs,
                          format('%s may %s %s', kind, CASE WHEN privs = '{}' THEN 'not execute' ELSE 'execute' END, fn))
FROM fn_expect ORDER BY kind, fn::text;
-- and PUBLIC nothing (functions are executable by PUBLIC unless revoked)
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p, aclexplode(p.proacl) a
                  WHERE p.pronamespace = 'followup'::regnamespace AND a.grantee = 0$$,
                'no followup function is executable by PUBLIC');

SELECT * FROM finish();
ROLLBACK;
