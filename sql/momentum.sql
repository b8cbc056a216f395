--
-- Momentum: inbound weights that halve every followup.half_life, updated in
-- O(1) per signal.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 110;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('m', '2026-11-23 10:00+00', 'warm');
CREATE FUNCTION pg_temp.ev(at timestamptz, kind text) RETURNS void AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead WHERE tenant_id = followup.current_tenant()
$$ LANGUAGE sql;
CREATE TEMP VIEW m AS
    SELECT momentum, momentum_at, state FROM followup.lead WHERE tenant_id = followup.current_tenant();

SELECT followup.momentum(lead_id, '2026-11-23 10:00+00') FROM followup.lead WHERE tenant_id = 110;
SHOW followup.half_life;
SELECT pg_temp.ev('2026-11-23 10:00+00', 'email_opened');	-- +0.25
SELECT * FROM m;
-- three days later it has halved
SELECT round(followup.momentum(lead_id, '2026-11-26 10:00+00')::numeric, 4) AS after_half_life,
       round(followup.momentum(lead_id, '2026-11-29 10:00+00')::numeric, 4) AS after_two
FROM followup.lead WHERE tenant_id = 110;
-- outbound and system signals add nothing
SELECT pg_temp.ev('2026-11-24 10:00+00', 'message');
SELECT pg_temp.ev('2026-11-24 10:00+00', 'meeting_missed');
SELECT * FROM m;
-- a new signal decays the stored value to its own time, then adds its weight
SELECT pg_temp.ev('2026-11-26 10:00+00', 'link_clicked');	-- 0.125 + 0.75
SELECT round(momentum::numeric, 4), momentum_at, state FROM m;
-- a proposal view now crosses 1.5: warm becomes hot
SELECT pg_temp.ev('2026-11-26 11:00+00', 'proposal_viewed');
SELECT round(momentum::numeric, 4), state FROM m;

-- a shorter half-life for this session
SET followup.half_life = '1 hour';
SELECT round(followup.momentum(lead_id, '2026-11-26 12:00+00')::numeric, 4) AS one_hour_later
FROM followup.lead WHERE tenant_id = 110;
SET followup.half_life = '30 seconds';
SET followup.half_life = 'soon';
RESET followup.half_life;

-- unknown leads and tenants
SELECT followup.momentum(-1);
SET followup.tenant_id = -5;
SET followup.tenant_id = 'acme';
SHOW followup.tenant_id;
