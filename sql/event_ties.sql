--
-- Events that share an instant (minute-precision imports) are ordered by
-- (occurred_at, interaction_id) everywhere: in plan_b_recovery, step_funnel,
-- stall_diagnostic and their rollups, and when the engine applies the rows
-- of one statement.  roll_up serves every tenant of a database, so this
-- suite has its own.
--
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_event_ties;
\c followup_event_ties
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 160;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text)
RETURNS TABLE (kind text, state_at followup.lead_state, plan_b_step_at int, applied boolean) AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
    RETURNING kind, state_at, plan_b_step_at, applied
$$ LANGUAGE sql;

-- Plan B: each decline comes in the same minute as the next offer, just
-- before it.  Options 1 and 2 were declined, option 3 was not (1/1/0); by
-- time alone each decline would be credited to the next option (0/1/1).
INSERT INTO followup.lead (external_ref, created_at, state)
VALUES ('planb', '2026-10-05 09:00+00', 'installment_rejected');
SELECT * FROM pg_temp.ev('planb', '2026-10-05 10:00+00', 'message');
SELECT * FROM pg_temp.ev('planb', '2026-10-05 10:30+00', 'plan_b_declined');
SELECT * FROM pg_temp.ev('planb', '2026-10-05 10:30+00', 'message');
SELECT * FROM pg_temp.ev('planb', '2026-10-05 11:00+00', 'plan_b_declined');
SELECT * FROM pg_temp.ev('planb', '2026-10-05 11:00+00', 'message');
-- and the customer answers option 3 in that same minute, after it
SELECT * FROM pg_temp.ev('planb', '2026-10-05 11:00+00', 'reply');
SELECT plan_b_step, offered, declined, won_after FROM followup.plan_b_recovery
WHERE tenant_id = 160 ORDER BY plan_b_step;
-- step_funnel: the reply in the touch's minute is an answer to it
SELECT state, step_no, touches, replies FROM followup.step_funnel
WHERE tenant_id = 160 ORDER BY state, step_no;

-- stall_diagnostic: a touch in the same minute as the think_about_it that
-- stalled the lead, after it, is a follow-up
INSERT INTO followup.lead (external_ref, created_at, state)
VALUES ('stall', '2026-10-05 09:00+00', 'warm');
SELECT * FROM pg_temp.ev('stall', '2026-10-05 12:00+00', 'think_about_it');
SELECT * FROM pg_temp.ev('stall', '2026-10-05 12:00+00', 'message');
SELECT * FROM followup.stall_diagnostic('30 days', '2026-10-06 00:00+00');

-- the rollups keep the same answer once the day is rolled up
SELECT followup.roll_up('2026-10-22 12:00+00') > 0 AS rolled;
SELECT count(*) AS rolled_plan_b_rows FROM followup.plan_b_day WHERE tenant_id = 160;
SELECT plan_b_step, offered, declined, won_after FROM followup.plan_b_recovery
WHERE tenant_id = 160 ORDER BY plan_b_step;
SELECT state, step_no, touches, replies FROM followup.step_funnel
WHERE tenant_id = 160 ORDER BY state, step_no;

-- the engine: rows of one statement at one instant, whose ids (given by a
-- migration) say meeting_booked came before think_about_it, are applied in
-- that order whatever order they arrive in: the lead ends in thinking
INSERT INTO followup.lead (external_ref, created_at, state)
VALUES ('import', '2026-10-05 09:00+00', 'warm');
INSERT INTO followup.interaction (interaction_id, lead_id, occurred_at, kind)
SELECT v.id, l.lead_id, '2026-10-05 13:00+00', v.kind
FROM followup.lead l, (VALUES (900002, 'think_about_it'), (900001, 'meeting_booked')) v(id, kind)
WHERE l.external_ref = 'import';
SELECT state, state_since FROM followup.lead WHERE external_ref = 'import';
SELECT i.interaction_id, i.kind, i.state_at, i.applied FROM followup.interaction i
JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.external_ref = 'import' ORDER BY i.interaction_id;
SELECT c.from_state, c.to_state, c.interaction_id FROM followup.state_change c
JOIN followup.lead l USING (tenant_id, lead_id) WHERE l.external_ref = 'import'
ORDER BY c.changed_at, c.interaction_id NULLS FIRST;
-- in id order already: nothing to replay, the same end
INSERT INTO followup.lead (external_ref, created_at, state)
VALUES ('in_order', '2026-10-05 09:00+00', 'warm');
INSERT INTO followup.interaction (interaction_id, lead_id, occurred_at, kind)
SELECT v.id, l.lead_id, '2026-10-05 13:00+00', v.kind
FROM followup.lead l, (VALUES (900003, 'meeting_booked'), (900004, 'think_about_it')) v(id, kind)
WHERE l.external_ref = 'in_order';
SELECT state FROM followup.lead WHERE external_ref = 'in_order';

\c :regress_db
DROP DATABASE followup_event_ties;
