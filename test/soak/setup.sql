-- test/soak/setup.sql - data and helpers for the load soak (scripts/soak).
SET timezone = 'UTC';
CREATE EXTENSION followup;
CREATE EXTENSION amcheck;
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state, owner, attrs)
SELECT 1 + i % 3, 'soak' || i, now() - interval '30 days',
       (ARRAY['new', 'warm', 'thinking', 'hot', 'installment_rejected'])[1 + i % 5]::followup.lead_state,
       (ARRAY['ana', 'beka', 'carl'])[1 + i % 3], jsonb_build_object('name', 'N' || i)
FROM generate_series(1, 3000) i;

-- one operator step: claim a task of a tenant and do it; the errors a race
-- can produce (the lead moved on: FU001, FU002) are documented and counted
CREATE TABLE soak_outcome (outcome text, at timestamptz DEFAULT clock_timestamp());
CREATE FUNCTION soak_operator(tenant int, operator text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t followup.task;
BEGIN
    PERFORM set_config('followup.tenant_id', tenant::text, true);
    SELECT * INTO t FROM followup.claim_tasks(operator, 1);
    IF t.task_id IS NULL THEN
        RETURN 'nothing';
    END IF;
    BEGIN
        PERFORM followup.complete_task(t.task_id, operator, 'soak', greatest(now(), t.due_at));
        RETURN 'done';
    EXCEPTION WHEN SQLSTATE 'FU001' OR SQLSTATE 'FU002' OR SQLSTATE '22023' THEN
        INSERT INTO soak_outcome VALUES (SQLSTATE);
        RETURN SQLSTATE;
    END;
END $$;
