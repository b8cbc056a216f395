--
-- The write API keyed by the CRM's ids (upsert_lead, record_interaction with
-- an idempotency key) and tenant onboarding (create_tenant).
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- onboarding: tenant 0's policies in the shop's zone and hours
SELECT followup.create_tenant(180, timezone => 'Europe/Berlin', work_days => '{1,2,3,4,5}',
                              work_start => '08:00', work_end => '18:00');
SELECT state, cadence, timezone, work_days, work_start, work_end
FROM followup.policy WHERE tenant_id = 180 ORDER BY state;
SELECT pg_temp.sqlstate_of($$SELECT followup.create_tenant(180)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.create_tenant(0)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.create_tenant(181, timezone => 'Mars/Olympus')$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.create_tenant(181, work_start => '18:00', work_end => '08:00')$$);
SELECT count(*) AS policies_181 FROM followup.policy WHERE tenant_id = 181;

-- leads by the CRM's key: inserted, unchanged, updated
SELECT action, lead_id IS NOT NULL AS has_id
FROM followup.upsert_lead('D-1', owner => 'ann', attrs => '{"name": "Dana"}',
                                   created_at => '2026-11-02 09:00+00', tenant_id => 180);
SELECT action FROM followup.upsert_lead('D-1', owner => 'ann', attrs => '{"name": "Dana"}', tenant_id => 180);
SELECT action FROM followup.upsert_lead('D-1', attrs => '{"product": "phone X"}', tenant_id => 180);
-- planned in the tenant's own zone and hours: 09:00 UTC is 10:00 in Berlin, +5m
SELECT external_ref, state, owner, attrs, next_action, next_followup_at
FROM followup.lead WHERE tenant_id = 180;
SELECT pg_temp.sqlstate_of($$SELECT followup.upsert_lead(NULL, tenant_id => 180)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.upsert_lead('D-2', attrs => '[1]', tenant_id => 180)$$);

-- interactions with an idempotency key: a retried call is recorded once
SELECT recorded FROM followup.record_interaction('D-1', 'reply', '2026-11-02 09:02+00',
                                                 idempotency_key => 'msg-1', body => 'hi', tenant_id => 180);
SELECT recorded FROM followup.record_interaction('D-1', 'reply', '2026-11-02 09:02+00',
                                                 idempotency_key => 'msg-1', body => 'hi', tenant_id => 180);
SELECT recorded FROM followup.record_interaction('D-1', 'message', '2026-11-02 09:04+00',
                                                 idempotency_key => 'msg-2', operator => 'ann', tenant_id => 180);
SELECT external_ref, kind, occurred_at, operator, body FROM followup.interaction WHERE tenant_id = 180 ORDER BY interaction_id;
SELECT state, next_action, next_followup_at FROM followup.lead WHERE tenant_id = 180;
SELECT pg_temp.sqlstate_of($$SELECT followup.record_interaction('D-404', 'reply', tenant_id => 180)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.record_interaction('D-1', 'smoke_signal', tenant_id => 180)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.record_interaction('D-1', NULL, tenant_id => 180)$$);

DELETE FROM followup.lead WHERE tenant_id = 180;
DELETE FROM followup.policy WHERE tenant_id = 180;
