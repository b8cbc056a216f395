--
-- The shipped rules: each signal does what docs/reference.md's table of shipped rules says.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 101;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action,
           next_followup_at AS due, closed_reason, do_not_contact AS dnc
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text)
RETURNS TABLE (state_at followup.lead_state, applied boolean, effect text) AS $$
    WITH i AS (
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT lead_id, at, kind FROM followup.lead
        WHERE tenant_id = followup.current_tenant() AND external_ref = ref
        RETURNING state_at, applied, rule_id)
    SELECT i.state_at, i.applied, r.effect FROM i LEFT JOIN followup.rule r
        ON r.rule_id = i.rule_id AND r.tenant_id = 0
$$ LANGUAGE sql;

INSERT INTO followup.lead (external_ref, created_at, state)
SELECT r, '2026-11-23 10:00+00', s::followup.lead_state
FROM (VALUES ('a_new', 'new'), ('b_warm', 'warm'), ('c_thinking', 'thinking'),
             ('d_recycle', 'recycle'), ('e_hot', 'hot'), ('f_won', 'won')) v(r, s);
SELECT * FROM l;

-- reply: we owe an answer (respond); from recycle it also reactivates to warm
SELECT * FROM pg_temp.ev('b_warm', '2026-11-23 11:00+00', 'reply');
SELECT * FROM pg_temp.ev('d_recycle', '2026-11-23 11:00+00', 'reply');
SELECT * FROM l WHERE ref IN ('b_warm', 'd_recycle');

-- think_about_it: thinking, cadence from now
SELECT * FROM pg_temp.ev('a_new', '2026-11-23 11:00+00', 'think_about_it');
SELECT * FROM l WHERE ref = 'a_new';

-- one proposal view is momentum only; a second within the half-life makes the lead hot
SELECT * FROM pg_temp.ev('c_thinking', '2026-11-23 12:00+00', 'proposal_viewed');
SELECT * FROM l WHERE ref = 'c_thinking';
SELECT * FROM pg_temp.ev('c_thinking', '2026-11-24 12:00+00', 'proposal_viewed');
SELECT * FROM l WHERE ref = 'c_thinking';
-- already hot: momentum only
SELECT * FROM pg_temp.ev('e_hot', '2026-11-23 12:00+00', 'proposal_viewed');
SELECT * FROM pg_temp.ev('e_hot', '2026-11-23 12:05+00', 'link_clicked');
SELECT * FROM l WHERE ref = 'e_hot';

-- meeting booked: hot; missed: a follow-up in 2 hours, not the cadence's first offset
SELECT * FROM pg_temp.ev('b_warm', '2026-11-23 13:00+00', 'meeting_booked');
SELECT * FROM pg_temp.ev('b_warm', '2026-11-25 14:00+00', 'meeting_missed');
SELECT * FROM l WHERE ref = 'b_warm';

-- the bank refuses: not lost, Plan B option 1 at once
SELECT * FROM pg_temp.ev('b_warm', '2026-11-25 15:00+00', 'installment_rejected');
SELECT * FROM l WHERE ref = 'b_warm';
-- approved after all: won
SELECT * FROM pg_temp.ev('b_warm', '2026-11-25 16:00+00', 'installment_approved');
SELECT * FROM l WHERE ref = 'b_warm';

-- not interested: lost; opt out: lost and never contacted again
SELECT * FROM pg_temp.ev('a_new', '2026-11-24 09:00+00', 'not_interested');
SELECT * FROM pg_temp.ev('d_recycle', '2026-11-24 09:00+00', 'opt_out');
SELECT * FROM l WHERE ref IN ('a_new', 'd_recycle');

-- an order wins the lead
SELECT * FROM pg_temp.ev('e_hot', '2026-11-24 09:00+00', 'order');
SELECT * FROM l WHERE ref = 'e_hot';

-- a reply to a won lead is recorded; the lead stays won with no next action
SELECT * FROM pg_temp.ev('f_won', '2026-11-24 09:00+00', 'reply');
SELECT * FROM l WHERE ref = 'f_won';

-- plan_b_declined outside installment_rejected matches no rule: recorded, nothing changes
SELECT * FROM pg_temp.ev('c_thinking', '2026-11-25 09:00+00', 'plan_b_declined');
SELECT * FROM l WHERE ref = 'c_thinking';

-- a tenant's rule with a due_in in days reaches a won lead (no policy, so
-- no zone of its own): recorded, the lead stays won (this crashed the server)
INSERT INTO followup.rule (kind, effect, due_in) VALUES ('meeting_missed', 'restart', '1 day');
SELECT * FROM pg_temp.ev('f_won', '2026-11-25 10:00+00', 'meeting_missed');
SELECT * FROM l WHERE ref = 'f_won';
DELETE FROM followup.rule WHERE tenant_id = 101;
