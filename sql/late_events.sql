--
-- Interactions older than the lead's last event are recorded and reported,
-- but change nothing.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 106;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, next_action, next_followup_at AS due,
           last_inbound_at, last_outbound_at, last_event_at, momentum
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(at timestamptz, kind text)
RETURNS TABLE (state_at followup.lead_state, by_rule boolean, applied boolean, rule_matched boolean) AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead WHERE tenant_id = followup.current_tenant()
    RETURNING state_at, by_rule, applied, rule_id IS NOT NULL
$$ LANGUAGE sql;

INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('a', '2026-11-23 10:00+00', 'warm');
SELECT * FROM pg_temp.ev('2026-11-24 10:00+00', 'think_about_it');
SELECT * FROM l;
-- a reply that happened earlier, synced late: recorded, not applied
SELECT * FROM pg_temp.ev('2026-11-23 15:00+00', 'reply');
SELECT * FROM l;
-- a late touch is recorded as by chance and fulfils nothing
SELECT * FROM pg_temp.ev('2026-11-23 16:00+00', 'message');
SELECT * FROM l;
-- the same instant as the last event is not late
SELECT * FROM pg_temp.ev('2026-11-24 10:00+00', 'reply');
SELECT * FROM l;
SELECT kind, occurred_at, applied FROM followup.interaction WHERE tenant_id = 106 ORDER BY interaction_id;
