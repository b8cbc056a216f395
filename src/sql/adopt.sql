
-- followup: adopting a CRM's existing history (docs/integration.md#adopting-existing-history).
--
-- A CRM that connects followup has months of deals and messages.  Adopting
-- them loads that history (the attached tables' rows followup does not know
-- yet, or leads the write API made), lets the engine replay it in time
-- order to find where each lead stands (its state, touches, silence), and
-- then plans the lead either from now or from its real history, without a
-- wall of overdue work.  The history is kept but is not followup's record:
-- its interactions are stamped as copied history (applied false, by_rule
-- NULL) and its state moves are not logged, so no report counts a
-- follow-up followup never had the chance to make as missed or late.

CREATE TABLE followup.adoption (
    tenant_id      bigint NOT NULL,
    lead_id        bigint NOT NULL,
    adopted_at     timestamptz NOT NULL,
    plan_from      text NOT NULL,
    interactions   int NOT NULL,
    history_action followup.next_action,
    history_due    timestamptz,
    -- no foreign key to followup.lead: distribute() (Citus) distributes the
    -- lead table, which a local table may not reference
    PRIMARY KEY (tenant_id, lead_id),
    CONSTRAINT adoption_plan_from_check CHECK (plan_from IN ('now', 'history'))
);
COMMENT ON TABLE followup.adoption IS
    'Leads whose history was adopted (adopt_leads, adopt_attached): when, how they were planned, and the plan their history alone gave';
COMMENT ON COLUMN followup.adoption.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.adoption.lead_id IS 'the adopted lead (the row stays if the lead is deleted)';
COMMENT ON COLUMN followup.adoption.adopted_at IS 'the adoption''s as_of: the history is what happened up to it';
COMMENT ON COLUMN followup.adoption.plan_from IS 'now (the silence restarted at adopted_at) or history (the plan the history gives); either way what fell due before adopted_at + spread was spread over it';
COMMENT ON COLUMN followup.adoption.interactions IS 'the interactions of its history (kept, stamped as copied history: applied false, by_rule NULL)';
COMMENT ON COLUMN followup.adoption.history_action IS 'the next action its history alone gave';
COMMENT ON COLUMN followup.adoption.history_due IS 'when its history alone made that action due (often long past)';

ALTER TABLE followup.adoption ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.adoption
    USING (tenant_id = followup.current_tenant()) WITH CHECK (tenant_id = followup.current_tenant());

-- the arguments every adoption checks first
CREATE FUNCTION followup.adopt_check(plan_from text, as_of timestamptz, spread interval) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF plan_from IS NULL OR plan_from NOT IN ('now', 'history') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('plan_from must be now or history, not %s', COALESCE(pg_catalog.quote_literal(plan_from), 'NULL')),
            HINT = 'now restarts each lead''s silence at as_of; history keeps the plan its history gives.';
    END IF;
    IF as_of IS NULL OR NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'as_of must be a finite time';
    END IF;
    IF spread IS NULL OR spread < interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('spread must not be negative or NULL, not %s', COALESCE(spread::text, 'NULL')),
            HINT = 'spread is how long after as_of the touches due by then are spread over, as in ''2 days''; 0 moves only the overdue ones, to as_of.';
    END IF;
END $$;
COMMENT ON FUNCTION followup.adopt_check(text, timestamptz, interval) IS
    'internal to adopt_*: refuses a plan_from other than now or history (22023), an infinite as_of (22007), a negative spread (22023)';

-- the heart of both: re-stamp, drop the logged moves, plan
CREATE FUNCTION followup.adopt_plan(tenant bigint, lead_ids bigint[], plan_from text, as_of timestamptz,
                                    spread interval)
RETURNS TABLE (lead_id bigint, external_ref text, interactions int, next_action followup.next_action,
               history_due timestamptz, next_followup_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    bad record;
BEGIN
    PERFORM followup.adopt_check(plan_from, as_of, spread);
    -- followup's own record is not history to adopt
    SELECT l.external_ref, l.lead_id,
           EXISTS (SELECT 1 FROM followup.adoption a WHERE a.tenant_id = l.tenant_id AND a.lead_id = l.lead_id) AS adopted,
           (SELECT max(i.occurred_at) FROM followup.interaction i
             WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.lead_id) AS last_at
      INTO bad
      FROM followup.lead l
     WHERE l.tenant_id = tenant AND l.lead_id = ANY (lead_ids)
       AND (EXISTS (SELECT 1 FROM followup.task t WHERE t.tenant_id = l.tenant_id AND t.lead_id = l.lead_id)
            OR EXISTS (SELECT 1 FROM followup.adoption a WHERE a.tenant_id = l.tenant_id AND a.lead_id = l.lead_id)
            OR EXISTS (SELECT 1 FROM followup.interaction i
                        WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.lead_id AND i.occurred_at > as_of))
     ORDER BY l.lead_id LIMIT 1;
    IF FOUND THEN
        IF bad.adopted THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = pg_catalog.format('the lead with external_ref %L of tenant %s was adopted already', bad.external_ref, tenant),
                HINT = 'followup.adoption lists the adopted leads; a lead is adopted once.';
        ELSIF bad.last_at > as_of THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('the lead with external_ref %L of tenant %s has an interaction at %s, after as_of %s',
                                            bad.external_ref, tenant, bad.last_at, as_of),
                HINT = 'The history adopted is what happened up to as_of: adopt as of a later time.';
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = pg_catalog.format('the lead with external_ref %L of tenant %s has tasks: its history is followup''s own', bad.external_ref, tenant),
            HINT = 'Adopt leads before followup plans work for them (before run_due makes their tasks).';
    END IF;

    -- the history stays, as copied history: no report reads it as a
    -- signal answered or a touch made by rule or by chance
    UPDATE followup.interaction i SET applied = false, by_rule = NULL
     WHERE i.tenant_id = tenant AND i.lead_id = ANY (lead_ids)
       AND (i.applied OR i.by_rule IS NOT NULL);
    DELETE FROM followup.state_change c WHERE c.tenant_id = tenant AND c.lead_id = ANY (lead_ids);

    INSERT INTO followup.adoption (tenant_id, lead_id, adopted_at, plan_from, interactions, history_action, history_due)
    SELECT l.tenant_id, l.lead_id, as_of, plan_from,
           (SELECT count(*) FROM followup.interaction i WHERE i.tenant_id = l.tenant_id AND i.lead_id = l.lead_id),
           l.next_action, l.next_followup_at
    FROM followup.lead l
    WHERE l.tenant_id = tenant AND l.lead_id = ANY (lead_ids);

    IF plan_from = 'now' THEN
        -- the silence restarts at as_of: the next step of the lead's cadence
        -- counts from now (an owed reply stays owed, from the customer's
        -- message); next_followup_at named so that a write-back trigger
        -- (UPDATE OF next_followup_at) sees the new plan
        UPDATE followup.lead l SET anchor_at = as_of, next_followup_at = l.next_followup_at
         WHERE l.tenant_id = tenant AND l.lead_id = ANY (lead_ids) AND l.next_action IS NOT NULL
           AND l.anchor_at IS DISTINCT FROM as_of;
    END IF;
    -- no wall: what is due before as_of + spread (the overdue of plan_from
    -- history, an owed reply, the many first touches of plan_from now) is
    -- spread evenly over [as_of, as_of + spread) in the order it fell due,
    -- never earlier than planned; what is overdue is due from as_of
    UPDATE followup.lead l
       SET next_followup_at = GREATEST(l.next_followup_at, as_of + spread * ((o.n - 1)::float8 / o.total))
      FROM (SELECT x.lead_id, pg_catalog.row_number() OVER w AS n, pg_catalog.count(*) OVER () AS total
              FROM followup.lead x
             WHERE x.tenant_id = tenant AND x.lead_id = ANY (lead_ids) AND x.next_action IS NOT NULL
               AND (x.next_followup_at < as_of OR x.next_followup_at < as_of + spread)
            WINDOW w AS (ORDER BY x.next_followup_at, x.lead_id)) o
     WHERE l.tenant_id = tenant AND l.lead_id = o.lead_id
       AND l.next_followup_at IS DISTINCT FROM GREATEST(l.next_followup_at, as_of + spread * ((o.n - 1)::float8 / o.total));

    RETURN QUERY
    SELECT l.lead_id, l.external_ref, a.interactions, l.next_action, a.history_due, l.next_followup_at
    FROM followup.lead l
    JOIN followup.adoption a ON a.tenant_id = l.tenant_id AND a.lead_id = l.lead_id
    WHERE l.tenant_id = tenant AND l.lead_id = ANY (lead_ids)
    ORDER BY l.lead_id;
END $$;
COMMENT ON FUNCTION followup.adopt_plan(bigint, bigint[], text, timestamptz, interval) IS
    'internal to adopt_leads and adopt_attached: stamps the leads'' interactions as copied history, removes their logged state moves, and plans them from now or from their history';

CREATE FUNCTION followup.adopt_leads(
    external_refs text[],
    plan_from text DEFAULT 'now',
    as_of timestamptz DEFAULT now(),
    spread interval DEFAULT '0',
    tenant_id bigint DEFAULT followup.current_tenant())
RETURNS TABLE (lead_id bigint, external_ref text, interactions int, next_action followup.next_action,
               history_due timestamptz, next_followup_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    ids bigint[];
    missing text;
BEGIN
    IF external_refs IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'external_refs and tenant_id must not be null';
    END IF;
    SELECT r INTO missing FROM pg_catalog.unnest(external_refs) r
     WHERE NOT EXISTS (SELECT 1 FROM followup.lead l WHERE l.tenant_id = tenant_id AND l.external_ref = r)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('no lead of tenant %s has external_ref %s', tenant_id, COALESCE(pg_catalog.quote_literal(missing), 'NULL')),
            HINT = 'Load the lead and its history first (followup.upsert_lead with created_at, followup.record_interaction with occurred_at).';
    END IF;
    -- the leads locked in one order, as every writer locks them
    SELECT pg_catalog.array_agg(x.lead_id ORDER BY x.lead_id) INTO ids
      FROM (SELECT l.lead_id FROM followup.lead l
             WHERE l.tenant_id = tenant_id AND l.external_ref = ANY (external_refs)
             ORDER BY l.lead_id FOR NO KEY UPDATE) x;
    RETURN QUERY SELECT * FROM followup.adopt_plan(tenant_id, COALESCE(ids, '{}'), plan_from, as_of, spread);
END $$;
COMMENT ON FUNCTION followup.adopt_leads(text[], text, timestamptz, interval, bigint) IS
    'adopts the history of leads loaded with the write API (by their CRM keys): their interactions become copied history that no report counts, and each lead is planned from now (plan_from now) or from its history (history); what is due before as_of + spread is spread evenly over it, never earlier than planned';

-- the expressions of an attachment, over a row c of its table
CREATE FUNCTION followup.adopt_exprs(a followup.attachment, as_of timestamptz)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o jsonb := a.options;
    attrs text := '''{}''::pg_catalog.jsonb';
    pairs text[] := '{}';
    c text;
    col text;
BEGIN
    IF o ? 'attrs_columns' AND pg_catalog.jsonb_array_length(o -> 'attrs_columns') > 0 THEN
        FOR col IN SELECT pg_catalog.jsonb_array_elements_text(o -> 'attrs_columns') LOOP
            pairs := pairs || pg_catalog.format('%L::pg_catalog.text, c.%I', col, col);
        END LOOP;
        attrs := pg_catalog.format('pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(%s))',
                                   pg_catalog.array_to_string(pairs, ', '));
    END IF;
    RETURN pg_catalog.jsonb_build_object(
        'tenant', CASE WHEN a.tenant_column IS NOT NULL THEN pg_catalog.format('(c.%I)::pg_catalog.int8', a.tenant_column)
                       WHEN a.tenant_id IS NOT NULL THEN pg_catalog.format('%s::pg_catalog.int8', a.tenant_id)
                       ELSE 'followup.current_tenant()' END,
        'key', pg_catalog.format('(c.%I)::pg_catalog.text', a.key_column),
        'owner', CASE WHEN o ? 'owner_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'owner_column') ELSE 'NULL::pg_catalog.text' END,
        'attrs', attrs,
        'state', CASE WHEN o ? 'stage_column'
                      THEN pg_catalog.format('COALESCE((%L::pg_catalog.jsonb ->> (c.%I)::pg_catalog.text)::followup.lead_state, ''new'')',
                                             o -> 'stage_map', o ->> 'stage_column')
                      ELSE '''new''::followup.lead_state' END,
        'created_at', CASE WHEN o ? 'created_at_column'
                           THEN pg_catalog.format('COALESCE((c.%I)::pg_catalog.timestamptz, %L::pg_catalog.timestamptz)', o ->> 'created_at_column', as_of)
                           ELSE pg_catalog.format('%L::pg_catalog.timestamptz', as_of) END,
        'lead_key', CASE WHEN o ? 'lead_key_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'lead_key_column') END,
        'kind', CASE WHEN o ? 'kind_map'
                     THEN pg_catalog.format('(%L::pg_catalog.jsonb ->> (c.%I)::pg_catalog.text)', o -> 'kind_map', o ->> 'kind_column')
                     WHEN o ? 'kind_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'kind_column') END,
        'occurred_at', CASE WHEN o ? 'occurred_at_column'
                            THEN pg_catalog.format('COALESCE((c.%I)::pg_catalog.timestamptz, %L::pg_catalog.timestamptz)', o ->> 'occurred_at_column', as_of)
                            ELSE pg_catalog.format('%L::pg_catalog.timestamptz', as_of) END,
        'operator', CASE WHEN o ? 'operator_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'operator_column') ELSE 'NULL::pg_catalog.text' END,
        'body', CASE WHEN o ? 'body_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'body_column') ELSE 'NULL::pg_catalog.text' END,
        'channel', CASE WHEN o ? 'channel_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'channel_column') ELSE 'NULL::pg_catalog.text' END,
        'reason', CASE WHEN o ? 'reason_column' THEN pg_catalog.format('(c.%I)::pg_catalog.text', o ->> 'reason_column') ELSE 'NULL::pg_catalog.text' END);
END $$;
COMMENT ON FUNCTION followup.adopt_exprs(followup.attachment, timestamptz) IS
    'internal to adopt_attached: the SQL expressions that read an attached table''s row c as the attachment''s triggers do';

CREATE FUNCTION followup.adopt_attached(
    plan_from text DEFAULT 'now',
    as_of timestamptz DEFAULT now(),
    spread interval DEFAULT '0')
RETURNS TABLE (tenant_id bigint, leads bigint, interactions bigint, due_at_once bigint)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    a followup.attachment;
    e jsonb;
    parts text[] := '{}';
    t bigint;
    ids bigint[];
BEGIN
    PERFORM followup.adopt_check(plan_from, as_of, spread);
    IF NOT EXISTS (SELECT 1 FROM followup.attachment x WHERE x.kind = 'leads') THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'no lead table is attached',
            HINT = 'Attach the CRM''s tables first (followup.attach_leads, followup.attach_interactions).';
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS followup_adopting (tenant_id bigint, lead_id bigint) ON COMMIT DROP;
    TRUNCATE followup_adopting;
    -- the CRM's writes wait until the adoption commits: nothing is missed
    -- or loaded twice
    FOR a IN SELECT * FROM followup.attachment x ORDER BY x.kind, x.table_name LOOP
        EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', a.relid::regclass);
    END LOOP;
    -- the deals followup does not know yet, at the stage the CRM gives them
    FOR a IN SELECT * FROM followup.attachment x WHERE x.kind = 'leads' ORDER BY x.table_name LOOP
        e := followup.adopt_exprs(a, as_of);
        EXECUTE pg_catalog.format($q$
            WITH made AS (
                INSERT INTO followup.lead (tenant_id, external_ref, state, owner, attrs, created_at)
                SELECT s.t, s.k, s.st, s.o, s.at, s.ca
                FROM (SELECT %1$s AS t, %2$s AS k, %3$s AS st, %4$s AS o, %5$s AS at, %6$s AS ca
                      FROM %7$s c) s
                WHERE s.k IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM followup.lead l WHERE l.tenant_id = s.t AND l.external_ref = s.k)
                ORDER BY s.ca, s.k
                RETURNING tenant_id, lead_id)
            INSERT INTO followup_adopting SELECT * FROM made$q$,
            e ->> 'tenant', e ->> 'key', e ->> 'state', e ->> 'owner', e ->> 'attrs', e ->> 'created_at',
            a.relid::regclass);
    END LOOP;
    -- their messages and events, all tables in one statement so that they
    -- are applied in time order
    FOR a IN SELECT * FROM followup.attachment x WHERE x.kind = 'interactions' ORDER BY x.table_name LOOP
        e := followup.adopt_exprs(a, as_of);
        parts := parts || pg_catalog.format(
            'SELECT %1$s AS t, %2$s AS lk, %3$s AS k, %4$s AS kd, %5$s AS oc, %6$s AS ch, %7$s AS op, %8$s AS bd,'
            ' %9$s::pg_catalog.oid AS rel, %10$L::pg_catalog.text AS qrel, %11$L::pg_catalog.bool AS lenient,'
            ' pg_catalog.to_jsonb(c) AS rd, %13$s AS rs FROM %12$s c',
            e ->> 'tenant', e ->> 'lead_key', e ->> 'key', e ->> 'kind', e ->> 'occurred_at',
            e ->> 'channel', e ->> 'operator', e ->> 'body', a.relid, a.table_name,
            a.options ->> 'mode' = 'lenient', a.relid::regclass, e ->> 'reason');
    END LOOP;
    IF pg_catalog.cardinality(parts) > 0 THEN
        EXECUTE pg_catalog.format($q$
            CREATE TEMP TABLE followup_adopting_rows ON COMMIT DROP AS
            SELECT l.tenant_id, l.lead_id, s.*,
                   s.lenient AND NOT EXISTS (SELECT 1 FROM followup.signal g
                                             WHERE g.tenant_id = ANY (ARRAY[s.t, 0]) AND g.kind = s.kd) AS unknown
            FROM (%s) s
            JOIN followup.lead l ON l.tenant_id = s.t AND l.external_ref = s.lk
            JOIN followup_adopting n ON n.tenant_id = l.tenant_id AND n.lead_id = l.lead_id
            WHERE s.kd IS NOT NULL AND s.oc <= $1
              AND NOT EXISTS (SELECT 1 FROM followup.interaction i
                              WHERE i.tenant_id = s.t AND i.external_ref = s.k AND i.kind = s.kd)$q$,
            pg_catalog.array_to_string(parts, ' UNION ALL '))
        USING as_of;
        -- a lenient table's row of a kind followup does not know is
        -- quarantined, as its trigger would have done
        INSERT INTO followup.quarantine (tenant_id, relid, table_name, kind, op, row_key, sqlstate, message, hint, row_data)
        SELECT r.tenant_id, r.rel, r.qrel, 'interactions', 'ADOPT', r.k, '23503',
               pg_catalog.format('unknown interaction kind "%s"', r.kd),
               'Add it to followup.signal first, or use a known kind such as reply or message.', r.rd
        FROM followup_adopting_rows r WHERE r.unknown
        ORDER BY r.oc, r.k;
        INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, channel, operator, body, external_ref, reason)
        SELECT r.tenant_id, r.lead_id, r.oc, r.kd, r.ch, r.op, r.bd, r.k, r.rs
        FROM followup_adopting_rows r WHERE NOT r.unknown
        ORDER BY r.oc, r.k;
        DROP TABLE followup_adopting_rows;
    END IF;
    FOR t IN SELECT DISTINCT n.tenant_id FROM followup_adopting n ORDER BY 1 LOOP
        SELECT pg_catalog.array_agg(n.lead_id ORDER BY n.lead_id) INTO ids
          FROM followup_adopting n WHERE n.tenant_id = t;
        RETURN QUERY
        SELECT t, count(*), COALESCE(sum(p.interactions), 0)::bigint,
               count(*) FILTER (WHERE p.next_followup_at = as_of)
        FROM followup.adopt_plan(t, ids, plan_from, as_of, spread) p;
    END LOOP;
    DROP TABLE followup_adopting;
END $$;
COMMENT ON FUNCTION followup.adopt_attached(text, timestamptz, interval) IS
    'adopts the attached tables'' existing rows: the deals followup does not know become leads (at their mapped stage), their messages and events up to as_of are replayed in time order, and each lead is planned as adopt_leads does; returns per tenant the leads and interactions adopted and how many are due at as_of';

REVOKE ALL ON FUNCTION followup.adopt_check(text, timestamptz, interval),
    followup.adopt_plan(bigint, bigint[], text, timestamptz, interval),
    followup.adopt_leads(text[], text, timestamptz, interval, bigint),
    followup.adopt_exprs(followup.attachment, timestamptz),
    followup.adopt_attached(text, timestamptz, interval) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('followup.adoption', '');
