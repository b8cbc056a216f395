
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
    tenant_id bigint DEFAULT followup.current_tenant())
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
    INSERT INTO followup.interaction AS i (tenant_id, lead_id, occurred_at, kind, channel, operator, body, payload, external_ref)
    VALUES (tenant_id, lid, occurred_at, kind, channel, operator, body, payload, idempotency_key)
    RETURNING i.interaction_id INTO iid;
    RETURN QUERY SELECT iid, lid, true;
END $$;
COMMENT ON FUNCTION followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint) IS
    'records a signal for the lead with this CRM key; with an idempotency_key a retried call (same key and kind) is recorded once: recorded is false and the first interaction_id is returned';

CREATE FUNCTION followup.create_tenant(
    tenant_id bigint,
    timezone text DEFAULT NULL,
    work_days int[] DEFAULT NULL,
    work_start time DEFAULT NULL,
    work_end time DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    n int;
BEGIN
    IF tenant_id IS NULL OR tenant_id OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('tenant_id must be positive, not %s', COALESCE(tenant_id::pg_catalog.text, 'NULL')),
            HINT = 'Tenant 0 holds the shipped defaults; a shop is tenant 1 or above.';
    END IF;
    IF timezone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name OPERATOR(pg_catalog.=) timezone) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('time zone %L is not known', timezone),
            HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin.';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.policy p WHERE p.tenant_id OPERATOR(pg_catalog.=) tenant_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('tenant %s already has policies', tenant_id),
            HINT = 'Change its rows in followup.policy instead.';
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
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.create_tenant(bigint, text, int[], time, time) IS
    'onboards a tenant: copies tenant 0''s policies with the tenant''s time zone and working days and hours (NULL keeps the shipped value); returns the number of policies made';

REVOKE ALL ON FUNCTION followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),
    followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint),
    followup.create_tenant(bigint, text, int[], time, time) FROM PUBLIC;
