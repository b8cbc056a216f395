-- scripts/demo.d/report.sql - what the simulated store's manager sees, on
-- the terminal.  Every number comes from followup's views and functions.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET followup.tenant_id = 1;
\pset footer off
\pset null ''

-- a duration as a person says it
CREATE FUNCTION pg_temp.human(d interval) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d IS NULL THEN ''
                WHEN abs(extract(epoch FROM d)) < 5400 THEN round(extract(epoch FROM d) / 60) || ' min'
                WHEN abs(extract(epoch FROM d)) < 2 * 86400 THEN round(extract(epoch FROM d) / 3600, 1) || ' h'
                ELSE round(extract(epoch FROM d) / 86400, 1) || ' days' END
$$;
-- a paragraph wrapped at 78 columns, each line after the first indented
CREATE FUNCTION pg_temp.wrap(t text, indent text DEFAULT '') RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(regexp_replace(t, '(.{1,' || (78 - length(indent)) || '})(\s+|$)', E'\\1\n' || indent, 'g'), E'\n ')
$$;

\pset format unaligned
\pset tuples_only on
SELECT pg_temp.wrap(format(
    'An online electronics store that sells through a messenger, simulated for the '
    '60 days up to now through followup''s own triggers and jobs: %s leads arrived '
    '(%s of them said "I''ll think about it" at least once, %s had an installment '
    'refused by the bank); customers and operators wrote %s interactions '
    '(%s customer signals, %s outbound touches); followup.run_due, called every two '
    'simulated hours, made %s tasks, of which %s were done and %s superseded because '
    'the customer moved first. Three operators own a third of the leads each: nino '
    'does every task within minutes of its due time, giorgi does his hours late, and '
    'luka never opens his task list: he answers the chats that blink and writes to '
    'whoever he remembers.',
    to_char(count(*), 'FM999G999'),
    to_char((SELECT count(DISTINCT lead_id) FROM followup.state_change WHERE to_state = 'thinking'), 'FM999G999'),
    to_char((SELECT count(DISTINCT lead_id) FROM followup.state_change WHERE to_state = 'installment_rejected'), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.interaction), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.interaction WHERE by_rule IS NULL), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.interaction WHERE by_rule IS NOT NULL), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.task), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.task WHERE status = 'done'), 'FM999G999'),
    to_char((SELECT count(*) FROM followup.task WHERE status = 'superseded'), 'FM999G999')))
FROM followup.lead;
\pset tuples_only off
\pset format aligned

\echo
\echo '== The pipeline now (followup.pipeline) =='
SELECT p.state,
       CASE WHEN p.state IN ('won', 'lost') THEN 'closed' WHEN p.state = 'recycle' THEN 'parked'
            ELSE 'active' END AS "kind",
       p.leads, round(100.0 * p.leads / sum(p.leads) OVER ()) || '%' AS share,
       p.overdue, p.awaiting_reply AS "owed a reply", pg_temp.human(p.avg_age) AS "avg time in state"
FROM followup.pipeline p WHERE p.tenant_id = 1 ORDER BY p.state;

\echo
\echo '== Next week''s workload against capacity (followup.workload_forecast) =='
SELECT to_char(f.day, 'Dy Mon DD') AS day, coalesce(f.team, '(nobody)') AS team, sum(f.touches) AS tasks,
       max(f.team_capacity) AS capacity
FROM followup.workload_forecast(7) f GROUP BY f.day, f.team ORDER BY f.day, f.team;

\pset format unaligned
\pset tuples_only on
SELECT E'\n== luka''s task list now (followup.due_tasks) ==\n'
       || pg_temp.wrap(format('He has %s open tasks, %s of them more than a day late. The latest of each '
                              'kind, with the message followup rendered for the customer:',
                              to_char(count(*), 'FM999G999'),
                              to_char(count(*) FILTER (WHERE overdue_by > interval '1 day'), 'FM999G999')))
FROM followup.due_tasks WHERE assignee = 'luka';
SELECT format(E'\n%s, %s: %s\n  due %s (%s ago), lead %s',
              t.attrs ->> 'name', t.state,
              CASE t.kind WHEN 'reply' THEN 'reply owed'
                          WHEN 'plan_b' THEN 'Plan B option ' || t.plan_b_step || ', ' || t.action_code
                          ELSE t.kind || ' ' || t.step_no || ', ' || t.action_code END,
              to_char(t.due_at, 'Mon DD HH24:MI'), pg_temp.human(t.overdue_by), t.external_ref)
       || E'\n    ' || pg_temp.wrap(coalesce('"' || t.message || '"',
                                    '(no template: the customer''s ' || t.last_in
                                    || ' is waiting for an answer written by hand)'), '    ')
FROM (SELECT DISTINCT ON (d.state, d.kind, d.step_no) d.*, l.attrs,
             (SELECT replace(i.kind, '_', ' ') || ' of ' || to_char(i.occurred_at, 'Mon DD HH24:MI')
              FROM followup.interaction i
              WHERE i.tenant_id = d.tenant_id AND i.lead_id = d.lead_id AND i.by_rule IS NULL
              ORDER BY i.occurred_at DESC LIMIT 1) AS last_in
      FROM followup.due_tasks d JOIN followup.lead l USING (tenant_id, lead_id)
      WHERE d.assignee = 'luka'
      ORDER BY d.state, d.kind, d.step_no, d.due_at DESC) t
ORDER BY t.due_at DESC LIMIT 8;
\pset tuples_only off
\pset format aligned

\echo
\echo '== Plan B after a bank refusal: what each option brings back (followup.plan_b_recovery) =='
SELECT plan_b_step AS "option", action_code, offered, declined,
       won_after AS "won after it", round(100.0 * won_after / nullif(offered, 0), 1) || '%' AS "won %"
FROM followup.plan_b_recovery WHERE tenant_id = 1 ORDER BY plan_b_step;

\echo
\echo '== Why they paused: the reasons customers gave, and what followed (followup.reasons) =='
SELECT reason, sum(occurrences) AS "given", sum(won) AS won, sum(replied) AS replied,
       sum(declined) AS declined, sum(silence) AS silence, sum(lost) AS lost,
       round(100.0 * sum(won) / nullif(sum(occurrences), 0)) || '%' AS "won %"
FROM followup.reasons WHERE tenant_id = 1 GROUP BY reason ORDER BY 2 DESC, 1;

\echo
\echo '== After the sale: the after-sale touches, and repeat purchases (followup.repeat_purchases) =='
SELECT t.step_no AS step, t.action_code, count(*) AS "tasks made", count(*) FILTER (WHERE t.status = 'done') AS done,
       (SELECT count(*) FROM followup.repeat_purchases r
        WHERE r.tenant_id = 1 AND r.after_sale_action_code = t.action_code) AS "repeat purchases after it"
FROM followup.task t WHERE t.tenant_id = 1 AND t.state = 'won' AND t.kind = 'followup'
GROUP BY t.step_no, t.action_code ORDER BY t.step_no;

\echo
\echo '== Operator compliance over the 60 days (followup.operator_compliance) =='
\echo 'tasks due, done on time or late, still overdue; touches by rule (they did a task) or'
\echo 'by chance (the lead had none); median delay of the tasks done (followup.touch_log)'
SELECT c.operator, c.due AS "tasks due", c.on_time AS "on time", c.late,
       c.still_overdue AS "overdue", c.by_rule AS "by rule", c.by_chance AS "by chance",
       round(100.0 * c.on_time / nullif(c.due, 0)) || '%' AS "on time %",
       pg_temp.human(d.median) AS "median delay"
FROM (SELECT operator, sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late,
             sum(still_overdue) AS still_overdue, sum(by_rule) AS by_rule, sum(by_chance) AS by_chance
      FROM followup.operator_compliance WHERE tenant_id = 1 AND operator IS NOT NULL
      GROUP BY operator) c
LEFT JOIN (SELECT operator, percentile_cont(0.5) WITHIN GROUP (ORDER BY delay) AS median
           FROM followup.touch_log WHERE tenant_id = 1 AND by_rule GROUP BY operator) d USING (operator)
ORDER BY c.operator;

\echo
\echo '== The seed''s question (followup.stall_diagnostic(''30 days'')) =='
\pset format unaligned
\pset tuples_only on
SELECT pg_temp.wrap(format(
    'Of the %s leads that said they would think about it in the last 30 days, %s got a '
    'second message: %s by rule, %s by chance. %s never heard from us again; %s were won.',
    to_char(stalled, 'FM999G999'), to_char(followed_up, 'FM999G999'), to_char(by_rule, 'FM999G999'),
    to_char(by_chance, 'FM999G999'), to_char(never, 'FM999G999'), to_char(won, 'FM999G999')))
FROM followup.stall_diagnostic('30 days');

\pset format aligned
\pset tuples_only off
\echo
\echo '== The experiment (followup.experiment_results) =='
\echo 'leads that entered thinking in each arm; win and opt-out rates of those whose 14-day'
\echo 'horizon has passed, against the seed arm with always-valid 95% intervals'
SELECT arm, arm_name AS "arm name", leads, matured, touches, replies, wins, opt_outs AS "opt-outs",
       round(100 * win_rate, 1) || '%' AS "win rate", round(100 * opt_out_rate, 1) || '%' AS "opt-out rate",
       CASE WHEN arm > 1 THEN format('%s [%s, %s]', round(100 * win_rate_diff, 1), round(100 * win_rate_diff_lower, 1),
                                     round(100 * win_rate_diff_upper, 1)) END AS "win diff, points",
       CASE WHEN arm > 1 THEN format('%s [%s, %s]', round(100 * opt_out_rate_diff, 1), round(100 * opt_out_rate_diff_lower, 1),
                                     round(100 * opt_out_rate_diff_upper, 1)) END AS "opt-out diff, points",
       verdict
FROM followup.experiment_results WHERE tenant_id = 1 AND experiment_id = 1 ORDER BY arm;

\echo
\echo '== Cadence advice for thinking, from the shop''s own 60 days (followup.cadence_advice) =='
SELECT touch, planned_offset AS planned, touches, replies, round(100 * reply_rate, 1) || '%' AS "reply %",
       median_reply_after AS "median reply after", wins, opt_outs AS "opt-outs", suggested_offset AS suggested
FROM followup.cadence_advice('thinking');
\pset format unaligned
\pset tuples_only on
SELECT 'touch ' || touch || ': ' || advice FROM followup.cadence_advice('thinking');
SELECT 'Suggested cadence: ' || coalesce(min(suggested_cadence::text), 'none') || ' (advice to test in an experiment, not a change)'
FROM followup.cadence_advice('thinking');
