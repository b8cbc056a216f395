-- The equivalence replay, run by test/citus/run on one node and on Citus
-- (distribute = true): both must print the same (no expected file: what a
-- change of the planner changes, it changes on both).  The scenario of
-- bench/equivalence.sql (bench/equivalence_scenario.sql: two tenants, tenant
-- 2 with its own policies, Plan B matrix, signals and rules; five time
-- zones across DST changes; every kind of signal, Plan B declines, CRM state
-- and time zone changes, late interactions), :leads leads (test/citus/run
-- passes CITUS_EQ_LEADS, default 500; bench/equivalence.sql's own default is
-- 3000), one statement per event as a CRM would send them, and every 12
-- hours of the scenario the jobs: run_due, a third of the new tasks claimed,
-- roll_up.  Then every lead, interaction, task and state change, and the
-- reports' answers.
\set ON_ERROR_STOP 1
\if :{?leads}
\else
\set leads 500
\endif
SET client_min_messages = warning;
-- UTC: on Citus the reports' days are computed on the workers, in their
-- TimeZone (docs/scaling.md)
SET timezone = 'UTC';
CREATE EXTENSION followup;
\if :distribute
SELECT followup.distribute() AS distributed \gset
\endif

\ir ../../../bench/equivalence_scenario.sql

INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, timezone, owner)
SELECT tenant_id, lead_id, 'eq' || lead_id, created_at, state, timezone, owner FROM eq_lead ORDER BY lead_id;

-- the replay, one statement (one transaction) per event
SELECT CASE e.op
         WHEN 'i' THEN format('INSERT INTO followup.interaction (tenant_id, interaction_id, lead_id, occurred_at, kind, operator, reason) VALUES (%s, %s, %s, %L, %L, %L, %L)',
                              e.tenant_id, e.seq, e.lead_id, e.occurred_at, e.kind, e.operator, e.reason)
         WHEN 's' THEN format('UPDATE followup.lead SET state = %L, state_since = %L WHERE tenant_id = %s AND lead_id = %s',
                              e.new_state, e.occurred_at, e.tenant_id, e.lead_id)
         WHEN 'z' THEN format('UPDATE followup.lead SET timezone = %L WHERE tenant_id = %s AND lead_id = %s',
                              e.new_timezone, e.tenant_id, e.lead_id)
         -- the jobs; a third of the open tasks claimed (by lead, not by
         -- task id: ids are drawn in the order the tasks are made, due
         -- order on one node, tenant by tenant on Citus)
         WHEN 'j' THEN format('DO $$BEGIN PERFORM followup.run_due(%1$L); '
                              'UPDATE followup.task SET status = ''claimed'', claimed_by = ''carl'', claimed_at = %1$L '
                              'WHERE status = ''open'' AND lead_id %% 3 = 0; '
                              'PERFORM followup.roll_up(%1$L); END$$', e.occurred_at)
       END
FROM eq_stream e ORDER BY e.seq \gexec

SELECT format('scenario: %s leads, %s interactions (%s late), %s state changes, %s tasks (%s done, %s escalated), '
              || '%s interactions in installment_rejected, %s won, %s lost, %s rolled days',
              (SELECT count(*) FROM followup.lead),
              (SELECT count(*) FROM followup.interaction),
              (SELECT count(*) FILTER (WHERE NOT applied) FROM followup.interaction),
              (SELECT count(*) FROM followup.state_change),
              (SELECT count(*) FROM followup.task),
              (SELECT count(*) FILTER (WHERE status = 'done') FROM followup.task),
              (SELECT count(*) FILTER (WHERE escalated_at IS NOT NULL) FROM followup.task),
              (SELECT count(*) FILTER (WHERE state_at = 'installment_rejected') FROM followup.interaction),
              (SELECT count(*) FILTER (WHERE state = 'won') FROM followup.lead),
              (SELECT count(*) FILTER (WHERE state = 'lost') FROM followup.lead),
              (SELECT count(*) FROM followup.compliance_day)) AS scenario;

-- every row (updated_at is when the row was written; task ids as above)
SELECT to_jsonb(l) - 'updated_at' FROM followup.lead l ORDER BY l.tenant_id, l.lead_id;
SELECT to_jsonb(t) - 'task_id' FROM followup.task t ORDER BY t.tenant_id, t.lead_id, t.due_at, t.created_at, t.status;
SELECT to_jsonb(i) - 'task_id' AS interaction, t.due_at AS task_due_at, t.kind AS task_kind
FROM followup.interaction i
LEFT JOIN followup.task t ON t.tenant_id = i.tenant_id AND t.task_id = i.task_id
ORDER BY i.tenant_id, i.interaction_id;
SELECT tenant_id, lead_id, changed_at, from_state, to_state, interaction_id
FROM followup.state_change ORDER BY tenant_id, lead_id, changed_at, interaction_id, to_state;

-- the reports
SELECT * FROM followup.operator_compliance ORDER BY tenant_id, day, operator;
SELECT * FROM followup.response_times ORDER BY tenant_id, day, operator;
SELECT * FROM followup.step_funnel ORDER BY tenant_id, state, step_no;
SELECT * FROM followup.plan_b_recovery ORDER BY tenant_id, plan_b_step, action_code;
SELECT tenant_id, state, leads, overdue, awaiting_reply, next_due_at FROM followup.pipeline ORDER BY 1, 2;
SELECT tenant_id, state, touches, leads, silent_leads FROM followup.silence_by_stage ORDER BY 1, 2, 3;
SELECT tenant_id, interaction_id, lead_id, occurred_at, kind, operator, state, step_no, plan_b_step, by_rule,
       task_kind, due_at, delay, on_time, applied
FROM followup.touch_log ORDER BY tenant_id, interaction_id;
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL followup.tenant_id = 1;
SELECT * FROM followup.stall_diagnostic('40 days', '2026-04-01 00:00+00');
COMMIT;
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL followup.tenant_id = 2;
SELECT * FROM followup.stall_diagnostic('40 days', '2026-04-01 00:00+00');
COMMIT;

-- the invariants: one live task per lead, every active lead planned, no
-- task for a closed lead (an error stops the replay, on either side)
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM followup.task t WHERE t.status IN ('open', 'claimed')
               GROUP BY t.tenant_id, t.lead_id HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'a lead with two live tasks';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.lead l WHERE l.state NOT IN ('won', 'lost') AND NOT l.do_not_contact
                                             AND l.next_action IS NULL) THEN
        RAISE EXCEPTION 'an active lead without a plan';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
               WHERE t.status IN ('open', 'claimed') AND l.next_action IS NULL) THEN
        RAISE EXCEPTION 'a live task for a closed lead';
    END IF;
END $$;
