--
-- The seed's scenario: "I'll think about it" -> back after 24h -> day 3 ->
-- day 7 -> close, with the plan visible after every write.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 100;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action,
           next_followup_at AS due, closed_reason
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text, op text DEFAULT NULL)
RETURNS TABLE (state_at followup.lead_state, touches_at int, by_rule boolean, applied boolean) AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
    SELECT lead_id, at, kind, op FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
    RETURNING state_at, touches_at, by_rule, applied
$$ LANGUAGE sql;

-- a lead arrives on Monday 10:00: speed to lead, the first touch in 5 minutes
INSERT INTO followup.lead (external_ref, created_at, attrs)
VALUES ('nino', '2026-11-23 10:00+00', '{"name": "Nino", "product": "Galaxy A55"}');
SELECT * FROM l;

-- she asks a question: we owe a reply within 5 minutes
SELECT * FROM pg_temp.ev('nino', '2026-11-23 10:02+00', 'reply');
SELECT * FROM l;

-- the operator answers: that touch is the reply, the silence starts now
SELECT * FROM pg_temp.ev('nino', '2026-11-23 10:04+00', 'message', 'ana');
SELECT * FROM l;

-- "I'll think about it": thinking, back after 24h
SELECT * FROM pg_temp.ev('nino', '2026-11-23 10:10+00', 'think_about_it');
SELECT * FROM l;
SELECT step_no, next_action, due_at, purpose, action_code, message FROM followup.preview(
    (SELECT lead_id FROM followup.lead WHERE tenant_id = 100 AND external_ref = 'nino'));

-- Tuesday: the first return, 20 minutes late; day 3 keeps its gap
SELECT * FROM pg_temp.ev('nino', '2026-11-24 10:30+00', 'message', 'ana');
SELECT * FROM l;
-- Thursday: the second; day 7 next
SELECT * FROM pg_temp.ev('nino', '2026-11-26 10:30+00', 'message', 'ana');
SELECT * FROM l;
-- Monday: the third; the cadence is spent, close three days later
SELECT * FROM pg_temp.ev('nino', '2026-11-30 10:30+00', 'message', 'ana');
SELECT * FROM l;

-- the interactions carry the lead as it was before each of them
SELECT kind, occurred_at, state_at, touches_at, by_rule, applied
FROM followup.interaction WHERE tenant_id = 100 ORDER BY occurred_at;
