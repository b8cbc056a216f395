
-- followup: a plain write API keyed by the CRM's own ids, and tenant
-- onboarding (docs/integration.md).  For CRMs that prefer calling functions
-- to attaching their tables; both paths meet in followup.lead.external_ref
-- and followup.interaction.external_ref.

CREATE FUNCTION followup.upsert_lead(
    external_ref text,
    state followup.lead_state DEFAULT NULL,
    owner text DEFAULT NULL,
    attrs jsonb DEFAULT NULL,
    created_at timestamptz DEFAULT NULL,
    tenant_id bigint DEFAULT followup.current_tenant())
RETURNS TABLE (lead_id bigint, action text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    l record;
BEGIN
    IF external_ref IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'external_ref and tenant_id must not be null',
            HINT = 'external_ref is the CRM''s key of the lead.';
    END IF;
    IF attrs IS NOT NULL AND pg_catalog.jsonb_typeof(attrs) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('attrs must be a JSON object, not %s', pg_catalog.jsonb_typeof(attrs));
    END IF;
    SELECT x.lead_id, x.state, x.owner, x.attrs INTO l FROM followup.lead x
     WHERE x.tenant_id OPERATOR(pg_catalog.=) upsert_lead.tenant_id
       AND x.external_ref OPERATOR(pg_catalog.=) upsert_lead.external_ref
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        INSERT INTO followup.lead AS x (tenant_id, external_ref, state, owner, attrs, created_at)
        VALUES (tenant_id, external_ref, COALESCE(state, 'new'), owner, COALESCE(attrs, '{}'::pg_catalog.jsonb),
                COALESCE(created_at, pg_catalog.now()))
        RETURNING x.lead_id INTO l;
        RETURN QUERY SELECT l.lead_id, 'inserted'::pg_catalog.text;
        RETURN;
    END IF;
    -- only what is given changes; a state equal to the lead's keeps its plan
    IF (state IS NULL OR state OPERATOR(pg_catalog.=) l.state)
       AND (owner IS NULL OR owner OPERATOR(pg_catalog.=) l.owner)
       AND (attrs IS NULL OR l.attrs OPERATOR(pg_catalog.@>) attrs) THEN
        RETURN QUERY SELECT l.lead_id, 'unchanged'::pg_catalog.text;
        RETURN;
    END IF;
    UPDATE followup.lead x
       SET state = COALESCE(upsert_lead.state, x.state),
           owner = COALESCE(upsert_lead.owner, x.owner),
           attrs = x.attrs OPERATOR(pg_catalog.||) COALESCE(upsert_lead.attrs, '{}'::pg_catalog.jsonb)
     WHERE x.tenant_id OPERATOR(pg_catalog.=) upsert_lead.tenant_id AND x.lead_id OPERATOR(pg_catalog.=) l.lead_id;
    RETURN QUERY SELECT l.lead_id, 'updated'::pg_catalog.text;
END $$;
COMMENT ON FUNCTION followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint) IS
    'creates the lead with this CRM key (external_ref) or changes what is given of it (state, owner, attrs merged); returns its lead_id and inserted, updated or unchanged';

CREATE FUNCTION followup.record_interaction(
    external_ref text,
    kind text,
    occurred_at timestamptz DEFAULT now(),
    idempotency_key text DEFAULT NULL,
    operator text DEFAULT NULL,
    body text DEFAULT NULL,
    channel text DEFAULT NULL,
    payload jsonb DEFAULT NULL,
    tenant_id bigint DEFAULT followup.current_tenant(),
    reason text DEFAULT NULL)
RETURNS TABLE (interaction_id bigint, lead_id bigint, recorded boolean)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    lid bigint;
    iid bigint;
BEGIN
    IF external_ref IS NULL OR kind IS NULL OR occurred_at IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'external_ref, kind, occurred_at and tenant_id must not be null';
    END IF;
    -- the lead is locked first: a retry waits for the first call, then finds it
    SELECT x.lead_id INTO lid FROM followup.lead x
     WHERE x.tenant_id OPERATOR(pg_catalog.=) tenant_id AND x.external_ref OPERATOR(pg_catalog.=) external_ref
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('no lead of tenant %s has external_ref %L', tenant_id, external_ref),
            HINT = 'Create it first with followup.upsert_lead.';
    END IF;
    IF idempotency_key IS NOT NULL THEN
        SELECT i.interaction_id INTO iid FROM followup.interaction i
         WHERE i.tenant_id OPERATOR(pg_catalog.=) tenant_id AND i.external_ref OPERATOR(pg_catalog.=) idempotency_key
           AND i.kind OPERATOR(pg_catalog.=) kind;
        IF FOUND THEN
            RETURN QUERY SELECT iid, lid, false;
            RETURN;
        END IF;
    END IF;
    INSERT INTO followup.interaction AS i (tenant_id, lead_id, occurred_at, kind, channel, operator, body, payload, external_ref, reason)
    VALUES (tenant_id, lid, occurred_at, kind, channel, operator, body, payload, idempotency_key, reason)
    RETURNING i.interaction_id INTO iid;
    RETURN QUERY SELECT iid, lid, true;
END $$;
COMMENT ON FUNCTION followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint, text) IS
    'records a signal for the lead with this CRM key; with an idempotency_key a retried call (same key and kind) is recorded once: recorded is false and the first interaction_id is returned; reason is the customer''s (followup.reason)';

-- a tenant's own defaults: the shipped policies it was given use them
-- unless a policy of the tenant says otherwise
CREATE TABLE followup.tenant_defaults (
    tenant_id   bigint PRIMARY KEY,
    timezone    text,
    work_days   int[],
    work_start  time,
    work_end    time,
    calendar_id bigint,
    roles       text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_defaults_tenant_check CHECK (tenant_id > 0),
    CONSTRAINT tenant_defaults_timezone_check CHECK (followup.check_timezone(timezone))
);
COMMENT ON TABLE followup.tenant_defaults IS
    'Each onboarded tenant''s defaults (create_tenant, set_tenant_defaults): the zone, working days and hours its policies use unless a policy says otherwise; NULL = the shipped value';
COMMENT ON COLUMN followup.tenant_defaults.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.tenant_defaults.timezone IS 'the tenant''s time zone; NULL = each shipped policy''s';
COMMENT ON COLUMN followup.tenant_defaults.work_days IS 'the tenant''s working days (ISO, 1 = Monday); NULL = the shipped policies'' days';
COMMENT ON COLUMN followup.tenant_defaults.work_start IS 'start of the tenant''s working hours; NULL = the shipped policies'' start';
COMMENT ON COLUMN followup.tenant_defaults.work_end IS 'end of the tenant''s working hours; NULL = the shipped policies'' end';
COMMENT ON COLUMN followup.tenant_defaults.calendar_id IS 'the tenant''s holiday calendar, for the planners that read one; NULL = none';
COMMENT ON COLUMN followup.tenant_defaults.roles IS 'the roles create_tenant made for the tenant (reader, operator, admin), pinned to it';
COMMENT ON COLUMN followup.tenant_defaults.created_at IS 'when the tenant was onboarded';
ALTER TABLE followup.tenant_defaults ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.tenant_defaults
    USING (tenant_id = followup.current_tenant()) WITH CHECK (tenant_id = followup.current_tenant());

CREATE FUNCTION followup.tenant_defaults_check(timezone text, work_start time, work_end time) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF timezone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name OPERATOR(pg_catalog.=) timezone) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('time zone %L is not known', timezone),
            HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin.';
    END IF;
    IF work_start IS NOT NULL AND work_end IS NOT NULL AND work_start OPERATOR(pg_catalog.>=) work_end THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = pg_catalog.format('work_start %s is not before work_end %s', work_start, work_end),
            HINT = 'Working hours are one span within a day, as in 08:00 to 18:00.';
    END IF;
END $$;
COMMENT ON FUNCTION followup.tenant_defaults_check(text, time, time) IS
    'internal to create_tenant and set_tenant_defaults: refuses an unknown zone (22023) and hours out of order (23514)';

CREATE FUNCTION followup.create_tenant(
    tenant_id bigint,
    timezone text DEFAULT NULL,
    work_days int[] DEFAULT NULL,
    work_start time DEFAULT NULL,
    work_end time DEFAULT NULL,
    role_prefix text DEFAULT NULL,
    calendar_id bigint DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    n int;
    made text[] := '{}';
    r text;
    kind text;
BEGIN
    IF tenant_id IS NULL OR tenant_id OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('tenant_id must be positive, not %s', COALESCE(tenant_id::pg_catalog.text, 'NULL')),
            HINT = 'Tenant 0 holds the shipped defaults; a shop is tenant 1 or above.';
    END IF;
    PERFORM followup.tenant_defaults_check(timezone, work_start, work_end);
    IF EXISTS (SELECT 1 FROM followup.policy p WHERE p.tenant_id OPERATOR(pg_catalog.=) tenant_id)
       OR EXISTS (SELECT 1 FROM followup.tenant_defaults d WHERE d.tenant_id OPERATOR(pg_catalog.=) tenant_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('tenant %s already has policies', tenant_id),
            HINT = 'Change its defaults with followup.set_tenant_defaults, or its rows in followup.policy.';
    END IF;
    IF role_prefix IS NOT NULL AND (pg_catalog.length(role_prefix) OPERATOR(pg_catalog.<) 1
                                    OR pg_catalog.length(role_prefix) OPERATOR(pg_catalog.>) 50) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('role_prefix %L must be 1 to 50 characters', role_prefix),
            HINT = 'The roles are named role_prefix followed by _reader, _operator and _admin.';
    END IF;
    -- the shipped policies, in the tenant's zone and hours; steps, signals
    -- and rules stay tenant 0's until the tenant writes its own
    INSERT INTO followup.policy (tenant_id, state, cadence, reply_within, close_after, on_exhausted,
                                 escalate_after, escalate_to, work_days, work_start, work_end, timezone)
    SELECT tenant_id, p.state, p.cadence, p.reply_within, p.close_after, p.on_exhausted,
           p.escalate_after, p.escalate_to, COALESCE(work_days, p.work_days),
           COALESCE(work_start, p.work_start), COALESCE(work_end, p.work_end), COALESCE(timezone, p.timezone)
    FROM followup.policy p WHERE p.tenant_id OPERATOR(pg_catalog.=) 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- its roles, pinned to it: <prefix>_reader, _operator, _admin
    IF role_prefix IS NOT NULL THEN
        FOREACH kind IN ARRAY ARRAY['reader', 'operator', 'admin'] LOOP
            r := role_prefix OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) kind;
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname OPERATOR(pg_catalog.=) r) THEN
                RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
                    MESSAGE = pg_catalog.format('role %I already exists', r),
                    HINT = 'Choose another role_prefix, or grant the existing role with followup.grant_reader, grant_operator or grant_admin.';
            END IF;
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXECUTE pg_catalog.format('SELECT followup.grant_%s(%L)', kind, r);
            EXECUTE pg_catalog.format('ALTER ROLE %I SET followup.tenant_id = %L', r, tenant_id::pg_catalog.text);
            EXECUTE pg_catalog.format('ALTER ROLE %I SET followup.lock_tenant = on', r);
            EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r,
                pg_catalog.format('followup %s of tenant %s (made by followup.create_tenant)', kind, tenant_id));
            made := made OPERATOR(pg_catalog.||) r;
        END LOOP;
    END IF;
    INSERT INTO followup.tenant_defaults (tenant_id, timezone, work_days, work_start, work_end, calendar_id, roles)
    VALUES (tenant_id, timezone, work_days, work_start, work_end, calendar_id, made);
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.create_tenant(bigint, text, int[], time, time, text, bigint) IS
    'onboards a tenant: its defaults (zone, working days and hours, calendar; NULL keeps the shipped value) in followup.tenant_defaults, tenant 0''s policies copied with them, and with role_prefix the roles <prefix>_reader, _operator and _admin (NOLOGIN, granted as grant_* do, pinned to the tenant); returns the number of policies made';

CREATE FUNCTION followup.set_tenant_defaults(
    tenant_id bigint,
    timezone text DEFAULT NULL,
    work_days int[] DEFAULT NULL,
    work_start time DEFAULT NULL,
    work_end time DEFAULT NULL,
    calendar_id bigint DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old followup.tenant_defaults;
    n int;
BEGIN
    SELECT * INTO old FROM followup.tenant_defaults d WHERE d.tenant_id OPERATOR(pg_catalog.=) tenant_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = pg_catalog.format('tenant %s was not onboarded with followup.create_tenant', COALESCE(tenant_id::pg_catalog.text, 'NULL')),
            HINT = 'Call followup.create_tenant first.';
    END IF;
    PERFORM followup.tenant_defaults_check(timezone, work_start, work_end);
    -- a policy still at the old default (the tenant's, or the shipped
    -- value) follows the new one; a value set on the policy itself stays
    WITH v AS (
        SELECT p.state,
               CASE WHEN p.timezone IS NOT DISTINCT FROM COALESCE(old.timezone, d.timezone)
                    THEN COALESCE(timezone, d.timezone) ELSE p.timezone END AS tz,
               CASE WHEN p.work_days IS NOT DISTINCT FROM COALESCE(old.work_days, d.work_days)
                    THEN COALESCE(work_days, d.work_days) ELSE p.work_days END AS days,
               CASE WHEN p.work_start IS NOT DISTINCT FROM COALESCE(old.work_start, d.work_start)
                    THEN COALESCE(work_start, d.work_start) ELSE p.work_start END AS ws,
               CASE WHEN p.work_end IS NOT DISTINCT FROM COALESCE(old.work_end, d.work_end)
                    THEN COALESCE(work_end, d.work_end) ELSE p.work_end END AS we
        FROM followup.policy p
        JOIN followup.policy d ON d.tenant_id OPERATOR(pg_catalog.=) 0 AND d.state OPERATOR(pg_catalog.=) p.state
        WHERE p.tenant_id OPERATOR(pg_catalog.=) tenant_id)
    UPDATE followup.policy p
       SET timezone = v.tz, work_days = v.days, work_start = v.ws, work_end = v.we
      FROM v
     WHERE p.tenant_id OPERATOR(pg_catalog.=) tenant_id AND p.state OPERATOR(pg_catalog.=) v.state
       AND (p.timezone, p.work_days, p.work_start, p.work_end) IS DISTINCT FROM (v.tz, v.days, v.ws, v.we);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE followup.tenant_defaults d
       SET timezone = set_tenant_defaults.timezone, work_days = set_tenant_defaults.work_days,
           work_start = set_tenant_defaults.work_start, work_end = set_tenant_defaults.work_end,
           calendar_id = set_tenant_defaults.calendar_id
     WHERE d.tenant_id OPERATOR(pg_catalog.=) set_tenant_defaults.tenant_id;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.set_tenant_defaults(bigint, text, int[], time, time, bigint) IS
    'changes an onboarded tenant''s defaults (NULL = the shipped value): each of its policies still at the old default follows, a value set on the policy itself stays; returns the number of policies changed';

REVOKE ALL ON FUNCTION followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),
    followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint, text),
    followup.create_tenant(bigint, text, int[], time, time, text, bigint),
    followup.set_tenant_defaults(bigint, text, int[], time, time, bigint),
    followup.tenant_defaults_check(text, time, time) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('followup.tenant_defaults', '');
