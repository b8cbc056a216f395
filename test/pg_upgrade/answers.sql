-- test/pg_upgrade/answers.sql - what pg_upgrade must keep: every row of
-- followup's tables, as digests, and the reports' answers as of :'as_of'
-- (the first simulated day) and its next 20 days.
\pset footer off
SET timezone = 'UTC';
SET followup.tenant_id = 1;
SELECT 'lead', count(*), md5(string_agg(to_jsonb(l)::text, '' ORDER BY tenant_id, lead_id)) FROM followup.lead l;
SELECT 'task', count(*), md5(string_agg(to_jsonb(t)::text, '' ORDER BY tenant_id, task_id)) FROM followup.task t;
SELECT 'interaction', count(*), md5(string_agg(to_jsonb(i)::text, '' ORDER BY tenant_id, interaction_id)) FROM followup.interaction i;
SELECT 'state_change', count(*), md5(string_agg(to_jsonb(c)::text, '' ORDER BY to_jsonb(c)::text)) FROM followup.state_change c;
SELECT 'configuration', md5(string_agg(x::text, '' ORDER BY x::text))
FROM (SELECT to_jsonb(p) x FROM followup.policy p UNION ALL SELECT to_jsonb(s) FROM followup.step s
      UNION ALL SELECT to_jsonb(g) FROM followup.signal g UNION ALL SELECT to_jsonb(r) FROM followup.rule r) c;
SELECT * FROM followup.compliance_rows(:'as_of'::timestamptz, :'as_of'::timestamptz + interval '20 days',
                                       :'as_of'::timestamptz + interval '20 days') ORDER BY 1, 2, 3;
SELECT * FROM followup.response_times ORDER BY 1, 2, 3;
SELECT * FROM followup.step_funnel ORDER BY 1, 2, 3, 4;
SELECT * FROM followup.plan_b_recovery ORDER BY 1, 2, 3, 4;
SELECT * FROM followup.stall_diagnostic('30 days', :'as_of'::timestamptz + interval '20 days');
