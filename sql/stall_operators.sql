--
-- stall_diagnostic per operator (the lead's owner), with by_rule split into
-- on time and late, and stall_leads: the leads behind each number, with the
-- CRM's key.  The rows add up to stall_diagnostic, and a reader role gets
-- the same answers.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE regress_fu_stall_ops_reader LOGIN;
SELECT followup.grant_reader('regress_fu_stall_ops_reader');

-- tenant 191, thinking: first touch 24h later, escalate_after 2h.
-- a, b (ann), c, d (bob) enter thinking Monday 2026-11-02 10:00; e (no
-- owner) on Tuesday 09:30.  c is written to by bob on Monday 15:00 before
-- any task (by chance); a is touched by rule Tuesday 10:05 (due 10:00: on
-- time), b at 13:00 (3h after: late); d never (due Tuesday 10:00: missed);
-- e's first touch is Wednesday 09:30 (not yet due at Tuesday 13:30).
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, owner, created_at) VALUES
    (191, 191001, 'D-a', 'ann', '2026-11-02 09:00+00'), (191, 191002, 'D-b', 'ann', '2026-11-02 09:00+00'),
    (191, 191003, 'D-c', 'bob', '2026-11-02 09:00+00'), (191, 191004, 'D-d', 'bob', '2026-11-02 09:00+00'),
    (191, 191005, 'D-e', NULL, '2026-11-02 09:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES
    (191, 191001, '2026-11-02 10:00+00', 'think_about_it'),
    (191, 191002, '2026-11-02 10:00+00', 'think_about_it'),
    (191, 191003, '2026-11-02 10:00+00', 'think_about_it'),
    (191, 191004, '2026-11-02 10:00+00', 'think_about_it');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator) VALUES
    (191, 191003, '2026-11-02 15:00+00', 'message', 'bob');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES
    (191, 191005, '2026-11-03 09:30+00', 'think_about_it');
SELECT followup.materialize_due('2026-11-03 10:00+00') >= 0 AS ran;
SELECT lead_id, due_at FROM followup.task WHERE tenant_id = 191 ORDER BY lead_id;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator) VALUES
    (191, 191001, '2026-11-03 10:05+00', 'message', 'ann'),
    (191, 191002, '2026-11-03 13:00+00', 'message', 'ann');

SET followup.tenant_id = 191;
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-03 13:30+00');
SELECT * FROM followup.stall_diagnostic_by_operator('30 days', '2026-11-03 13:30+00');
SELECT lead_id, external_ref, owner, entered_at, outcome, touched_at, touched_by, task_id IS NOT NULL AS has_task,
       on_time, first_due, won
FROM followup.stall_leads('30 days', '2026-11-03 13:30+00');
-- joinable to the CRM's own table by its key
CREATE TEMP TABLE deals (deal_ref text PRIMARY KEY, customer text);
INSERT INTO deals VALUES ('D-a', 'Ana'), ('D-b', 'Beka'), ('D-c', 'Caco'), ('D-d', 'Dato'), ('D-e', 'Eka');
SELECT d.customer, s.outcome
FROM followup.stall_leads('30 days', '2026-11-03 13:30+00') s JOIN deals d ON d.deal_ref = s.external_ref
WHERE s.outcome IN ('missed', 'by_rule') AND NOT coalesce(s.on_time, false)
ORDER BY d.customer;
-- Wednesday 10:00: e's first touch is missed too
SELECT operator, stalled, not_yet_due, missed
FROM followup.stall_diagnostic_by_operator('30 days', '2026-11-04 10:00+00');
-- a window that ends before anyone stalled: no rows
SELECT count(*) FROM followup.stall_diagnostic_by_operator('1 hour', '2026-11-02 09:00+00');
-- the reader: the operators' rows add up to stall_diagnostic, column by column
SET ROLE regress_fu_stall_ops_reader;
SELECT sum(o.stalled) = d.stalled AND sum(o.followed_up) = d.followed_up AND sum(o.by_rule) = d.by_rule
       AND sum(o.by_rule_on_time) + sum(o.by_rule_late) = d.by_rule AND sum(o.by_chance) = d.by_chance
       AND sum(o.never) = d.never AND sum(o.won) = d.won AND sum(o.not_yet_due) = d.not_yet_due
       AND sum(o.missed) = d.missed AS adds_up,
       (SELECT count(*) FROM followup.stall_leads('30 days', '2026-11-03 13:30+00')) AS leads
FROM followup.stall_diagnostic_by_operator('30 days', '2026-11-03 13:30+00') o,
     followup.stall_diagnostic('30 days', '2026-11-03 13:30+00') d
GROUP BY d.stalled, d.followed_up, d.by_rule, d.by_chance, d.never, d.won, d.not_yet_due, d.missed;
RESET ROLE;
-- errors as stall_diagnostic's
\set VERBOSITY sqlstate
SELECT * FROM followup.stall_leads(NULL, '2026-11-03 13:30+00');
SELECT * FROM followup.stall_diagnostic_by_operator('-1 day', '2026-11-03 13:30+00');
\set VERBOSITY default
RESET followup.tenant_id;

DELETE FROM followup.lead WHERE tenant_id = 191;
REVOKE ALL ON ALL TABLES IN SCHEMA followup FROM regress_fu_stall_ops_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA followup FROM regress_fu_stall_ops_reader;
REVOKE ALL ON SCHEMA followup FROM regress_fu_stall_ops_reader;
DROP ROLE regress_fu_stall_ops_reader;
