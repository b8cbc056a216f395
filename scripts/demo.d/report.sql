-- scripts/demo.d/report.sql - what the simulated store's manager sees.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET followup.tenant_id = 1;
\pset footer off
\pset null ''

\pset tuples_only on
SELECT format(E'An online electronics store that sells through a messenger, simulated for 60 days\n'
              'through followup''s triggers and jobs: %s leads, %s interactions, %s tasks made\n'
              '(%s done, %s superseded by the customer moving first), %s state changes.\n'
              'nino does every task within minutes; giorgi does his hours late; luka ignores\n'
              'tasks and writes by instinct.',
              (SELECT count(*) FROM followup.lead), (SELECT count(*) FROM followup.interaction),
              (SELECT count(*) FROM followup.task),
              (SELECT count(*) FROM followup.task WHERE status = 'done'),
              (SELECT count(*) FROM followup.task WHERE status = 'superseded'),
              (SELECT count(*) FROM followup.state_change WHERE from_state IS NOT NULL));
\pset tuples_only off

\echo
\echo '== The pipeline now =='
SELECT state, leads, overdue, awaiting_reply, justify_hours(date_trunc('hour', avg_age)) AS avg_time_in_state
FROM followup.pipeline WHERE tenant_id = 1 ORDER BY state;

\echo
\echo '== luka''s due tasks right now: what he has not looked at, with the message to send =='
SELECT external_ref AS lead, kind, state, to_char(due_at, 'Mon DD HH24:MI') AS due,
       justify_hours(date_trunc('minute', overdue_by)) AS late_by,
       coalesce(message, '(' || kind || ': answer the customer)') AS message
FROM followup.due_tasks WHERE assignee = 'luka'
ORDER BY message IS NULL, urgent DESC, due_at LIMIT 8;

\echo
\echo '== Plan B: which option saves the sale after a bank refusal =='
SELECT plan_b_step AS option, action_code, offered, declined, won_after,
       round(100.0 * won_after / nullif(offered, 0), 1) AS won_pct
FROM followup.plan_b_recovery WHERE tenant_id = 1 ORDER BY plan_b_step;

\echo
\echo '== Operator compliance, last 60 days =='
SELECT operator, sum(due) AS tasks_due, sum(on_time) AS on_time, sum(late) AS late,
       sum(still_overdue) AS still_overdue, sum(by_rule) AS touches_by_rule, sum(by_chance) AS by_chance,
       round(100.0 * sum(on_time) / nullif(sum(due), 0), 1) AS on_time_pct
FROM followup.operator_compliance WHERE tenant_id = 1 AND operator IS NOT NULL
GROUP BY operator ORDER BY operator;

\echo
\echo '== The seed''s question =='
\pset tuples_only on
SELECT format('Of the %s leads that said they would think about it in the last 30 days, %s got a '
              'second message: %s by rule, %s by chance (%s never heard from us again; %s were won).',
              stalled, followed_up, by_rule, by_chance, never, won)
FROM followup.stall_diagnostic('30 days');
