--
-- installment_rejected: the Plan B matrix, option by option, to exhaustion.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 102;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action,
           next_followup_at AS due, closed_reason
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text)
RETURNS TABLE (state_at followup.lead_state, touches_at int, plan_b_step_at int) AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
    RETURNING state_at, touches_at, plan_b_step_at
$$ LANGUAGE sql;

-- the default matrix, in the seed's order
SELECT step_no, purpose, action_code FROM followup.step
WHERE tenant_id = 0 AND state = 'installment_rejected' ORDER BY step_no;

INSERT INTO followup.lead (external_ref, created_at, state, attrs)
VALUES ('giorgi', '2026-11-23 10:00+00', 'hot', '{"name": "Giorgi", "product": "MacBook Air", "alt_bank": "Bank of Georgia"}');
SELECT * FROM pg_temp.ev('giorgi', '2026-11-23 11:00+00', 'installment_rejected');
SELECT * FROM l;
SELECT step_no, next_action, due_at, action_code, message
FROM followup.preview((SELECT lead_id FROM followup.lead WHERE tenant_id = 102));

-- option 1 offered; she declines it: option 2 is due at once
SELECT * FROM pg_temp.ev('giorgi', '2026-11-23 11:05+00', 'message');
SELECT * FROM l;
SELECT * FROM pg_temp.ev('giorgi', '2026-11-23 12:00+00', 'plan_b_declined');
SELECT * FROM l;
-- options 2 to 5 offered as the cadence says
SELECT * FROM pg_temp.ev('giorgi', '2026-11-23 12:10+00', 'message');
SELECT * FROM l;
SELECT * FROM pg_temp.ev('giorgi', '2026-11-24 12:10+00', 'message');
SELECT * FROM l;
SELECT * FROM pg_temp.ev('giorgi', '2026-11-25 12:10+00', 'message');
SELECT * FROM l;
SELECT * FROM pg_temp.ev('giorgi', '2026-11-27 12:10+00', 'message');
-- all five options used: close (plan_b_exhausted is the job's reason)
SELECT * FROM l;

-- a CRM moving a lead into installment_rejected starts at option 1
UPDATE followup.lead SET state = 'warm' WHERE tenant_id = 102 AND external_ref = 'giorgi';
UPDATE followup.lead SET state = 'installment_rejected', state_since = '2026-11-28 10:00+00'
WHERE tenant_id = 102 AND external_ref = 'giorgi';
SELECT * FROM l;
-- setting the same state again is not a move: nothing starts over
UPDATE followup.lead SET state = 'installment_rejected' WHERE tenant_id = 102 AND external_ref = 'giorgi';
SELECT * FROM l;
