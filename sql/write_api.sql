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

-- the tenant's roles in the same call, granted as grant_* do and pinned to it
SELECT followup.create_tenant(182, timezone => 'Asia/Tokyo', role_prefix => 'regress_shop_182', calendar_id => 3);
SELECT rolname, rolcanlogin, rolconfig FROM pg_roles WHERE rolname LIKE 'regress\_shop\_182\_%' ORDER BY 1;
SELECT has_table_privilege('regress_shop_182_reader', 'followup.lead', 'SELECT') AS reader_reads,
       has_table_privilege('regress_shop_182_reader', 'followup.lead', 'INSERT') AS reader_writes,
       has_table_privilege('regress_shop_182_operator', 'followup.interaction', 'INSERT') AS operator_writes,
       has_table_privilege('regress_shop_182_admin', 'followup.policy', 'UPDATE') AS admin_tunes;
SELECT tenant_id, timezone, work_days, work_start, work_end, calendar_id, roles FROM followup.tenant_defaults
WHERE tenant_id IN (180, 182) ORDER BY 1;
SELECT pg_temp.sqlstate_of($$SELECT followup.create_tenant(183, role_prefix => 'regress_shop_182')$$);
SELECT count(*) AS policies_183 FROM followup.policy WHERE tenant_id = 183;
-- a policy of the tenant set on its own keeps its value when the defaults change
UPDATE followup.policy SET work_start = '07:00' WHERE tenant_id = 182 AND state = 'hot';
SELECT followup.set_tenant_defaults(182, timezone => 'Europe/Lisbon', work_start => '10:00', work_end => '19:00');
SELECT state, timezone, work_days, work_start, work_end FROM followup.policy WHERE tenant_id = 182 ORDER BY state;
SELECT pg_temp.sqlstate_of($$SELECT followup.set_tenant_defaults(184)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.set_tenant_defaults(182, work_start => '19:00', work_end => '10:00')$$);

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
-- with the customer's reason; an unknown reason is refused and nothing is recorded
SELECT recorded FROM followup.record_interaction('D-1', 'think_about_it', '2026-11-02 09:10+00',
                                                 idempotency_key => 'msg-3', reason => 'price', tenant_id => 180);
SELECT kind, reason FROM followup.interaction WHERE tenant_id = 180 AND external_ref = 'msg-3';
SELECT state, reason FROM followup.lead WHERE tenant_id = 180;
SELECT pg_temp.sqlstate_of($$SELECT followup.record_interaction('D-1', 'reply', '2026-11-02 09:20+00',
                                                                  idempotency_key => 'msg-4', reason => 'horoscope', tenant_id => 180)$$);
SELECT count(*) FROM followup.interaction WHERE tenant_id = 180 AND external_ref = 'msg-4';

DELETE FROM followup.lead WHERE tenant_id = 180;
DELETE FROM followup.policy WHERE tenant_id IN (180, 182);
DELETE FROM followup.tenant_defaults WHERE tenant_id IN (180, 182);
DROP OWNED BY regress_shop_182_reader, regress_shop_182_operator, regress_shop_182_admin;
DROP ROLE regress_shop_182_reader, regress_shop_182_operator, regress_shop_182_admin;
