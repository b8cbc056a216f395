-- bench/load.sql - :leads leads in tenant 1 for followup, the floor and plbase:
-- copies of followup's, plan included.
SET timezone = 'UTC';
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state, owner)
SELECT 1, 'b' || i, now() - interval '20 days' + (i % 1440) * interval '1 minute',
       (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + i % 4]::followup.lead_state,
       (ARRAY['ana', 'beka', 'carl', 'dato'])[1 + i % 4]
FROM generate_series(1, :leads) i;
INSERT INTO floor.lead OVERRIDING SYSTEM VALUE SELECT * FROM followup.lead WHERE tenant_id = 1;
-- a row with an earlier updated_at is a copy: plbase's trigger keeps its plan
INSERT INTO plbase.lead OVERRIDING SYSTEM VALUE SELECT * FROM followup.lead WHERE tenant_id = 1;
ANALYZE;
