--
-- What a CRM expects (docs/concepts.md, "Decisions a CRM can rely on"):
-- won and lost stay final unless a rule is written for them; our answer to
-- a new lead ends the greeting; only the Plan B offer moves Plan B; zone
-- names mean one thing; escalation without escalate_to; and how an
-- out-of-order bulk load credits touches.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 172;
-- a tenant's own signal and its rule written for lost leads
INSERT INTO followup.signal (kind, direction, weight) VALUES ('win_back', 'inbound', 1);
INSERT INTO followup.rule (kind, from_state, to_state, effect) VALUES ('win_back', 'lost', 'warm', 'restart');

CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, k text)
RETURNS TABLE (state_at followup.lead_state, touches_at int, plan_b_step_at int, by_rule boolean, applied boolean)
LANGUAGE sql AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, k FROM followup.lead WHERE tenant_id = 172 AND external_ref = ref
    RETURNING state_at, touches_at, plan_b_step_at, by_rule, applied
$$;
CREATE TEMP VIEW l AS
SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action, next_followup_at AS due,
       closed_reason, do_not_contact AS dnc
FROM followup.lead WHERE tenant_id = 172 ORDER BY external_ref;

-- final_states_stay_final
INSERT INTO followup.lead (external_ref, state, created_at) VALUES
    ('won', 'warm', '2026-11-23 10:00+00'),
    ('lost', 'warm', '2026-11-23 10:00+00');
SELECT * FROM pg_temp.ev('won', '2026-11-23 11:00+00', 'order');
SELECT * FROM pg_temp.ev('lost', '2026-11-23 11:00+00', 'not_interested');
-- rules for any state match, their state change does not apply
SELECT * FROM pg_temp.ev('won', '2026-11-24 09:00+00', 'meeting_booked');
SELECT * FROM pg_temp.ev('won', '2026-11-24 09:10+00', 'think_about_it');
SELECT * FROM pg_temp.ev('won', '2026-11-24 09:20+00', 'not_interested');
SELECT * FROM pg_temp.ev('lost', '2026-11-24 09:00+00', 'installment_approved');
SELECT * FROM pg_temp.ev('lost', '2026-11-24 09:10+00', 'installment_rejected');
-- an opt-out is still respected, and the sale still stands
SELECT * FROM pg_temp.ev('won', '2026-11-24 09:30+00', 'opt_out');
SELECT * FROM l WHERE ref IN ('won', 'lost');
SELECT l.external_ref, c.changed_at, c.from_state, c.to_state
FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id)
WHERE c.tenant_id = 172 AND l.external_ref IN ('won', 'lost') ORDER BY 1, 2;
-- a rule written for lost leads reopens one; it does nothing to a won one
SELECT * FROM pg_temp.ev('lost', '2026-11-25 09:00+00', 'win_back');
SELECT * FROM pg_temp.ev('won', '2026-11-25 09:00+00', 'win_back');
SELECT * FROM l WHERE ref IN ('won', 'lost');
-- the CRM can still move a final lead itself
UPDATE followup.lead SET state = 'hot', state_since = '2026-11-26 09:00+00'
WHERE tenant_id = 172 AND external_ref = 'won';
SELECT * FROM l WHERE ref = 'won';

-- answered_reply_ends_the_greeting: a new lead writes, new's short
-- reply_within applies; our answer moves it to warm, whose cadence follows
INSERT INTO followup.lead (external_ref, created_at) VALUES ('nino', '2026-11-23 10:00+00');
SELECT * FROM pg_temp.ev('nino', '2026-11-23 10:02+00', 'reply');
SELECT * FROM l WHERE ref = 'nino';
SELECT * FROM pg_temp.ev('nino', '2026-11-23 10:04+00', 'message');
SELECT * FROM l WHERE ref = 'nino';
SELECT c.changed_at, c.from_state, c.to_state, i.kind AS by_interaction
FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id)
LEFT JOIN followup.interaction i ON i.tenant_id = c.tenant_id AND i.interaction_id = c.interaction_id
WHERE c.tenant_id = 172 AND l.external_ref = 'nino' ORDER BY 1;
-- a new lead's greeting itself (no reply owed) still follows new's cadence
INSERT INTO followup.lead (external_ref, created_at) VALUES ('quiet', '2026-11-23 10:00+00');
SELECT * FROM pg_temp.ev('quiet', '2026-11-23 10:05+00', 'message');
SELECT * FROM l WHERE ref = 'quiet';

-- only_the_plan_b_offer_moves_plan_b: the bank says no on Monday at 10:00
INSERT INTO followup.lead (external_ref, state, created_at) VALUES ('bank', 'warm', '2026-11-23 09:00+00');
SELECT * FROM pg_temp.ev('bank', '2026-11-23 10:00+00', 'installment_rejected');
SELECT * FROM l WHERE ref = 'bank';
-- option 1 is offered when due: Plan B moves to option 2, due a day later
SELECT * FROM pg_temp.ev('bank', '2026-11-23 10:01+00', 'message');
SELECT * FROM l WHERE ref = 'bank';
-- an answer to a question two hours later is not an offer: nothing moves
SELECT * FROM pg_temp.ev('bank', '2026-11-23 12:00+00', 'message');
SELECT * FROM pg_temp.ev('bank', '2026-11-23 12:30+00', 'call');
SELECT * FROM l WHERE ref = 'bank';
-- a minute before option 2 is due is still not its offer; once due it is
SELECT * FROM pg_temp.ev('bank', '2026-11-24 10:00+00', 'message');
SELECT * FROM pg_temp.ev('bank', '2026-11-24 10:05+00', 'message');
SELECT * FROM l WHERE ref = 'bank';
-- the task for option 3 is done by the offer, as a task always is
SELECT followup.materialize_due('2026-11-25 10:05+00') > 0 AS made_tasks;
SELECT * FROM pg_temp.ev('bank', '2026-11-25 10:20+00', 'message');
SELECT t.plan_b_step, t.status, t.done_at FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 172 AND l.external_ref = 'bank';
SELECT * FROM l WHERE ref = 'bank';

-- zone_names_mean_one_thing: CET is a fixed +01 to AT TIME ZONE but
-- Central European time, with summer time, as a zone: refused
SELECT timestamptz '2026-07-01 07:00+00' AT TIME ZONE 'CET' AS as_abbreviation,
       timestamptz '2026-07-01 07:00+00' AT TIME ZONE 'Europe/Berlin' AS as_zone;
SELECT followup.check_timezone('CET');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT z, (SELECT followup.check_timezone(z)) FROM (VALUES ('UTC'), ('GMT'), ('Europe/Berlin'), ('Asia/Tbilisi')) v(z);
INSERT INTO followup.lead (external_ref, timezone) VALUES ('cet', 'cet');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, timezone) VALUES ('eet', 'EET');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.policy (state, cadence, timezone) VALUES ('hot', '1h', 'MET');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.policy (state, cadence, timezone) VALUES ('hot', '1h', 'WET');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- escalation: to escalate_to, who may then claim the task; with the
-- shipped NULL the task is marked escalated and stays with its assignee
SET followup.tenant_id = 173;
CREATE OR REPLACE TEMP VIEW l AS
SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action, next_followup_at AS due,
       closed_reason, do_not_contact AS dnc
FROM followup.lead WHERE tenant_id = 173 ORDER BY external_ref;
INSERT INTO followup.policy (state, cadence, escalate_after, escalate_to, work_start, work_end)
VALUES ('hot', '2h', '1 hour', 'team_lead', '00:00', '24:00');
INSERT INTO followup.lead (external_ref, state, owner, created_at) VALUES
    ('esc_hot', 'hot', 'ana', '2026-11-23 10:00+00'),
    ('esc_warm', 'warm', 'ana', '2026-11-23 10:00+00');
SELECT followup.materialize_due('2026-11-24 12:00+00') > 0 AS made_tasks;
SELECT followup.escalate_overdue('2026-11-24 16:00+00') >= 2 AS escalated;
SELECT l.external_ref, t.assignee, t.escalated_at, t.escalated_to
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 173 AND l.external_ref LIKE 'esc%' ORDER BY 1;
SELECT l.external_ref FROM followup.claim_tasks('team_lead', 10) c JOIN followup.lead l USING (tenant_id, lead_id);
SELECT count(*) AS for_bob FROM followup.claim_tasks('bob', 10);

-- the task table is vacuumed early: claimed and finished tasks leave dead
-- entries at the head of the claim indexes
SELECT reloptions FROM pg_class WHERE oid = 'followup.task'::regclass;

-- out_of_order_bulk_load (known, docs/concepts.md): one statement with a
-- touch and an older reply ends in the same lead as inserting them in time
-- order, but the touch keeps the credit it got when it arrived: the task
-- it did is done and the touch by rule, where in time order the reply
-- superseded the task and the touch (the answer) was by chance
SET followup.tenant_id = 174;
INSERT INTO followup.lead (external_ref, state, created_at) VALUES
    ('bulk', 'warm', '2026-11-23 10:00+00'),
    ('one_by_one', 'warm', '2026-11-23 10:00+00');
SELECT followup.materialize_due('2026-11-24 10:00+00') > 0 AS made_tasks;
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, v.at, v.kind FROM followup.lead,
    (VALUES (timestamptz '2026-11-24 12:00+00', 'message'), ('2026-11-24 11:00+00', 'reply')) v(at, kind)
WHERE tenant_id = 174 AND external_ref = 'bulk';
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-24 11:00+00', 'reply' FROM followup.lead WHERE tenant_id = 174 AND external_ref = 'one_by_one';
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-24 12:00+00', 'message' FROM followup.lead WHERE tenant_id = 174 AND external_ref = 'one_by_one';
SELECT l.external_ref, i.occurred_at, i.kind, i.state_at, i.applied, i.by_rule
FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 174 AND l.external_ref IN ('bulk', 'one_by_one') ORDER BY 1, 2;
SELECT l.external_ref, t.status, t.done_at FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 174 AND l.external_ref IN ('bulk', 'one_by_one') ORDER BY 1;
SELECT external_ref, state, touches, next_action, next_followup_at FROM followup.lead
WHERE tenant_id = 174 ORDER BY 1;

-- the cadence operators live in schema followup: without it on the
-- search_path, = is not found; OPERATOR(followup.=) works
SET search_path = public;
SELECT cadence = '24h, 3d, 7d' FROM followup.policy WHERE tenant_id = 0 AND state = 'thinking';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT cadence OPERATOR(followup.=) '24h, 3d, 7d' AS same,
       cadence OPERATOR(followup.<>) '24h, 3d, 7d' AS differs,
       cadence OPERATOR(followup.=) '1d, 3d, 7d' AS same_as_days
FROM followup.policy WHERE tenant_id = 0 AND state = 'thinking';
SELECT count(*) AS cadences FROM (SELECT DISTINCT cadence FROM followup.policy WHERE tenant_id = 0) d;
RESET search_path;

RESET followup.tenant_id;
DELETE FROM followup.lead WHERE tenant_id IN (172, 173, 174);
DELETE FROM followup.rule WHERE tenant_id = 172;
DELETE FROM followup.signal WHERE tenant_id = 172;
DELETE FROM followup.policy WHERE tenant_id IN (172, 173);
