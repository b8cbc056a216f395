
-- followup: attaching a CRM's own tables (docs/integration.md).
--
-- attach_leads and attach_interactions generate, for one CRM table, a
-- PL/pgSQL trigger function and its trigger that keep followup.lead and
-- followup.interaction in step inside the CRM's own transaction; with
-- write-back, a trigger on followup.lead keeps named columns of the CRM's
-- lead table current.  The generated code is plain text built with
-- format('%I') / format('%L') from the catalog's names: every identifier is
-- quoted, every name qualified, search_path pinned.  followup.attachment
-- records what was generated so that detach removes every trace.

-- the CRM's key of an interaction: a retried write of the same CRM row is
-- recorded once per signal kind (a financing application may be refused,
-- then approved: two signals of one row)
ALTER TABLE followup.interaction ADD COLUMN external_ref text;
COMMENT ON COLUMN followup.interaction.external_ref IS
    'the CRM''s key of the row this interaction came from (an attached table''s key, or record_interaction''s idempotency_key): unique per tenant and kind';
CREATE UNIQUE INDEX interaction_external_ref_key ON followup.interaction (tenant_id, external_ref, kind)
    WHERE external_ref IS NOT NULL;
COMMENT ON INDEX followup.interaction_external_ref_key IS
    'an interaction with an external_ref is recorded once per tenant and kind: a retried CRM write is not a second signal';

CREATE TABLE followup.attachment (
    relid          oid NOT NULL,
    kind           text NOT NULL,
    table_name     text NOT NULL,
    key_column     name NOT NULL,
    tenant_column  name,
    tenant_id      bigint,
    options        jsonb NOT NULL DEFAULT '{}',
    functions      text[] NOT NULL,
    triggers       text[] NOT NULL,
    attached_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (relid, kind),
    CONSTRAINT attachment_kind_check CHECK (kind IN ('leads', 'interactions')),
    CONSTRAINT attachment_tenant_check CHECK (tenant_column IS NULL OR tenant_id IS NULL)
);
COMMENT ON TABLE followup.attachment IS
    'what attach_leads and attach_interactions generated for each CRM table; read followup.attached, change it with attach_* and detach only';
COMMENT ON COLUMN followup.attachment.relid IS 'the CRM table''s oid';
COMMENT ON COLUMN followup.attachment.kind IS 'leads or interactions';
COMMENT ON COLUMN followup.attachment.table_name IS 'the CRM table''s qualified name when it was attached';
COMMENT ON COLUMN followup.attachment.key_column IS 'the CRM''s key column: followup''s external_ref';
COMMENT ON COLUMN followup.attachment.tenant_column IS 'the column holding the tenant, or NULL';
COMMENT ON COLUMN followup.attachment.tenant_id IS 'the fixed tenant when there is no tenant column; both NULL = the writing session''s followup.tenant_id';
COMMENT ON COLUMN followup.attachment.options IS 'the other arguments of the attach call';
COMMENT ON COLUMN followup.attachment.functions IS 'the generated functions (qualified, quoted)';
COMMENT ON COLUMN followup.attachment.triggers IS 'the generated triggers, as "trigger ON table" (quoted)';
COMMENT ON COLUMN followup.attachment.attached_at IS 'when it was attached';

CREATE VIEW followup.attached AS
SELECT a.relid::regclass AS table_name, a.kind, a.key_column, a.tenant_column, a.tenant_id,
       a.options, a.functions, a.triggers, a.attached_at
FROM followup.attachment a;
COMMENT ON VIEW followup.attached IS
    'the CRM tables attached to followup: which kind, key and tenant, the options, and the functions and triggers generated';
ALTER VIEW followup.attached SET (security_invoker = true);
COMMENT ON COLUMN followup.attached.table_name IS 'the attached CRM table';
COMMENT ON COLUMN followup.attached.kind IS 'leads or interactions';
COMMENT ON COLUMN followup.attached.key_column IS 'the CRM''s key column (followup''s external_ref)';
COMMENT ON COLUMN followup.attached.tenant_column IS 'the CRM column holding each row''s tenant, or NULL';
COMMENT ON COLUMN followup.attached.tenant_id IS 'the fixed tenant; NULL with tenant_column NULL = the writing session''s tenant';
COMMENT ON COLUMN followup.attached.options IS 'the other arguments of the attach call (maps, columns, write-back)';
COMMENT ON COLUMN followup.attached.functions IS 'the generated trigger functions';
COMMENT ON COLUMN followup.attached.triggers IS 'the generated triggers, as "trigger ON table"';
COMMENT ON COLUMN followup.attached.attached_at IS 'when it was attached';

-- one column of rel, checked: its quoted name and its type
CREATE FUNCTION followup.attach_column(rel regclass, col name, role text)
RETURNS TABLE (quoted text, type_name text, type_oid oid)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT pg_catalog.quote_ident(a.attname::pg_catalog.text),
           pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) rel AND a.attname OPERATOR(pg_catalog.=) col
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_column',
            MESSAGE = pg_catalog.format('column %I of relation %s does not exist', col, rel),
            DETAIL = pg_catalog.format('It was named as the %s.', role),
            HINT = 'Name a column of the CRM''s table, as spelled in the catalog (case and quotes included).';
    END IF;
END $$;
COMMENT ON FUNCTION followup.attach_column(regclass, name, text) IS
    'internal to attach_*: a CRM column''s quoted name and type, or 42703 naming it and its role';

-- the relation, checked: a table the caller may attach, not followup's own
CREATE FUNCTION followup.attach_relation(rel regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    SELECT n.nspname, c.relname, c.relkind INTO r
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE c.oid OPERATOR(pg_catalog.=) rel;
    IF r.relkind IS NULL OR r.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'wrong_object_type',
            MESSAGE = pg_catalog.format('%s is not a table', rel),
            HINT = 'Attach the CRM''s table itself, not a view or another kind of relation.';
    END IF;
    IF r.nspname OPERATOR(pg_catalog.=) 'followup' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('%s is one of followup''s own tables', rel),
            HINT = 'Attach the CRM''s tables; followup''s own are kept by its triggers.';
    END IF;
    RETURN pg_catalog.format('%I.%I', r.nspname, r.relname);
END $$;
COMMENT ON FUNCTION followup.attach_relation(regclass) IS
    'internal to attach_*: the CRM table''s qualified, quoted name, or an error when it cannot be attached';

-- the tenant expression of a row (NEW or OLD) of an attached table
CREATE FUNCTION followup.attach_tenant_expr(rel regclass, tenant_column name, tenant_id bigint, rowvar text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
BEGIN
    IF tenant_column IS NOT NULL AND tenant_id IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'tenant_column and tenant_id are both given',
            DETAIL = pg_catalog.format('tenant_column is %I, tenant_id is %s.', tenant_column, tenant_id),
            HINT = 'Name the column that holds each row''s tenant, or fix one tenant for the whole table, not both.';
    END IF;
    IF tenant_id IS NOT NULL AND tenant_id OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('tenant_id %s is negative', tenant_id),
            HINT = 'Tenants are numbered from 0.';
    END IF;
    IF tenant_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(rel, tenant_column, 'tenant column');
        RETURN pg_catalog.format('(%s.%s)::pg_catalog.int8', rowvar, c.quoted);
    ELSIF tenant_id IS NOT NULL THEN
        RETURN pg_catalog.format('%s::pg_catalog.int8', tenant_id);
    END IF;
    RETURN 'followup.current_tenant()';
END $$;
COMMENT ON FUNCTION followup.attach_tenant_expr(regclass, name, bigint, text) IS
    'internal to attach_*: the expression giving a row''s tenant (its column, a fixed tenant, or the session''s)';

-- The trigger function of an attachment: it hands the row to the generated
-- apply function.  Strict, followup's error is the CRM's; lenient, the row
-- followup cannot apply is recorded in followup.quarantine with the reason
-- and the CRM's write goes on (errors of the transaction itself, such as a
-- serialization failure or a deadlock, are raised still).
CREATE FUNCTION followup.attach_trigger_function(fn text, fn_apply text, rel regclass, kind text, mode text,
                                                 key_quoted text, tenant_new text, tenant_old text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qrel text := followup.attach_relation(rel);
    call text := pg_catalog.format($c$%2$s
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        PERFORM %1$s(TG_OP, TG_RELID, NEW, NEW);
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        PERFORM %1$s(TG_OP, TG_RELID, OLD, OLD);
    ELSE
        PERFORM %1$s(TG_OP, TG_RELID, NEW, OLD);
    END IF;$c$, fn_apply,
        -- followup's own write-back of a lead's row: nothing to mirror (and
        -- the table's owner, who runs it, may have no right to followup)
        CASE WHEN kind OPERATOR(pg_catalog.=) 'leads' THEN $w$
    IF pg_catalog.current_setting('followup_attach.writing_back', true) OPERATOR(pg_catalog.=) 'on' THEN
        RETURN NULL;
    END IF;$w$ ELSE '' END);
    src text;
BEGIN
    IF mode IS NULL OR mode NOT IN ('strict', 'lenient') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('mode must be strict or lenient, not %s', COALESCE(pg_catalog.quote_literal(mode), 'NULL')),
            HINT = 'strict: followup''s error fails the CRM''s write; lenient: the row is quarantined (followup.quarantine) and the write commits.';
    END IF;
    IF mode OPERATOR(pg_catalog.=) 'strict' THEN
        src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
BEGIN%2$s
    RETURN NULL;
END $body$
$f$, fn, call);
    ELSE
        src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    st pg_catalog.text; msg pg_catalog.text; det pg_catalog.text; hin pg_catalog.text;
    t pg_catalog.int8;
    k pg_catalog.text;
BEGIN
    BEGIN%2$s
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                                hin = PG_EXCEPTION_HINT;
        -- the transaction's own troubles are not the row's
        IF pg_catalog.left(st, 2) OPERATOR(pg_catalog.=) ANY ('{40,53,57,58}'::pg_catalog.text[])
           OR st OPERATOR(pg_catalog.=) '55P03' THEN
            RAISE;
        END IF;
        BEGIN
            IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
                k := (OLD.%3$s)::pg_catalog.text;
                t := %5$s;
            ELSE
                k := (NEW.%3$s)::pg_catalog.text;
                t := %4$s;
            END IF;
        EXCEPTION WHEN data_exception THEN
            NULL;   -- the tenant or key is what is wrong: recorded without it
        END;
        INSERT INTO followup.quarantine (tenant_id, relid, table_name, kind, op, row_key, sqlstate, message, detail, hint, row_data)
        VALUES (t, TG_RELID, %6$L, %7$L, TG_OP, k, st, msg, NULLIF(det, ''), NULLIF(hin, ''),
                pg_catalog.to_jsonb(CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END));
    END;
    RETURN NULL;
END $body$
$f$, fn, call, key_quoted, tenant_new, COALESCE(tenant_old, 'NULL'), qrel, kind);
    END IF;
    EXECUTE src;
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', fn,
        pg_catalog.format('trigger generated by followup.attach_%s (%s): keeps followup in step with %s', kind, mode, qrel));
END $$;
COMMENT ON FUNCTION followup.attach_trigger_function(text, text, regclass, text, text, text, text, text) IS
    'internal to attach_*: makes the trigger function of an attachment, strict (followup''s error fails the CRM''s write) or lenient (the row is quarantined, the write commits)';

CREATE FUNCTION followup.detach(rel regclass) RETURNS int
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    t text;
    f text;
    n int := 0;
BEGIN
    FOR a IN SELECT * FROM followup.attachment WHERE relid OPERATOR(pg_catalog.=) rel::pg_catalog.oid FOR UPDATE LOOP
        FOREACH t IN ARRAY a.triggers LOOP
            -- the CRM's table may have been dropped already (its triggers with it)
            IF t NOT LIKE '% ON followup.lead' AND pg_catalog.to_regclass(a.table_name) IS NULL THEN
                CONTINUE;
            END IF;
            EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
        END LOOP;
        FOREACH f IN ARRAY a.functions LOOP
            EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f
                OPERATOR(pg_catalog.||) CASE WHEN f LIKE '%)' THEN '' ELSE '()' END;
        END LOOP;
        DELETE FROM followup.attachment WHERE relid OPERATOR(pg_catalog.=) a.relid AND kind OPERATOR(pg_catalog.=) a.kind;
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.detach(regclass) IS
    'removes every trace of attach_leads / attach_interactions on a CRM table (its triggers, the write-back trigger on followup.lead, the generated functions, the registry rows); followup''s leads and interactions stay; returns how many attachments were removed';

CREATE FUNCTION followup.attach_leads(
    lead_table regclass,
    key_column name,
    tenant_column name DEFAULT NULL,
    tenant_id bigint DEFAULT NULL,
    owner_column name DEFAULT NULL,
    attrs_columns name[] DEFAULT '{}',
    stage_column name DEFAULT NULL,
    stage_map jsonb DEFAULT NULL,
    stage_map_back jsonb DEFAULT NULL,
    write_back boolean DEFAULT false,
    next_action_column name DEFAULT NULL,
    next_followup_column name DEFAULT NULL,
    created_at_column name DEFAULT NULL,
    mode text DEFAULT 'strict')
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qrel text := followup.attach_relation(lead_table);
    k record; c record; s record; na record; nf record; ca record;
    fn_sync text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_leads');
    fn_apply text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_leads_apply');
    sig_apply text := fn_apply OPERATOR(pg_catalog.||) '(pg_catalog.text, pg_catalog.oid, record, record)';
    fn_back text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_write_back');
    trg_sync text := pg_catalog.format('%I', 'followup_leads');
    trg_back text := pg_catalog.format('%I', 'followup_write_back_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid);
    tenant_new text; tenant_old text;
    attrs_new text := '''{}''::pg_catalog.jsonb';
    pairs text[] := '{}';
    watched text[] := '{}';
    owner_new text := 'l.owner';
    owner_ins text := 'NULL';
    stage_new text := 'NULL::followup.lead_state';
    stage_changed text := 'false';
    created_ins text := 'pg_catalog.now()';
    back_sets text[] := '{}';
    back_cur text[] := '{}';
    back_val text[] := '{}';
    key_is_text boolean;
    key_assign text;
    back_when text := '';
    v text; kk text;
    src text;
BEGIN
    IF key_column IS NULL OR lead_table IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'lead_table and key_column must be given';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.attachment a
               WHERE a.kind OPERATOR(pg_catalog.=) 'leads' AND a.relid OPERATOR(pg_catalog.<>) lead_table::pg_catalog.oid
                 AND (a.tenant_id IS NULL OR attach_leads.tenant_id IS NULL
                      OR a.tenant_id OPERATOR(pg_catalog.=) attach_leads.tenant_id)) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('another lead table is attached for the tenants of %s', lead_table),
            DETAIL = 'followup.lead keeps one external_ref per tenant: two lead tables of one tenant would share it.',
            HINT = 'Detach the other table (followup.detach), or give each table its own fixed tenant_id.';
    END IF;
    -- attaching again replaces the previous attachment of this table
    PERFORM 1 FROM followup.attachment a
     WHERE a.relid OPERATOR(pg_catalog.=) lead_table::pg_catalog.oid AND a.kind OPERATOR(pg_catalog.=) 'leads';
    IF FOUND THEN
        PERFORM followup.detach_kind(lead_table, 'leads');
    END IF;

    SELECT * INTO k FROM followup.attach_column(lead_table, key_column, 'key column');
    watched := watched OPERATOR(pg_catalog.||) k.quoted;
    tenant_new := followup.attach_tenant_expr(lead_table, tenant_column, tenant_id, 'NEW');
    tenant_old := followup.attach_tenant_expr(lead_table, tenant_column, tenant_id, 'OLD');
    IF tenant_column IS NOT NULL THEN
        watched := watched OPERATOR(pg_catalog.||) pg_catalog.quote_ident(tenant_column::pg_catalog.text);
    END IF;
    IF owner_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(lead_table, owner_column, 'owner column');
        owner_new := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
        owner_ins := owner_new;
        watched := watched OPERATOR(pg_catalog.||) c.quoted;
    END IF;
    IF attrs_columns IS NOT NULL AND pg_catalog.cardinality(attrs_columns) OPERATOR(pg_catalog.>) 0 THEN
        IF pg_catalog.cardinality(attrs_columns) OPERATOR(pg_catalog.>) 50 THEN
            RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                MESSAGE = pg_catalog.format('%s attrs columns are too many', pg_catalog.cardinality(attrs_columns)),
                HINT = 'Name at most 50 columns.';
        END IF;
        FOR i IN 1 .. pg_catalog.cardinality(attrs_columns) LOOP
            SELECT * INTO c FROM followup.attach_column(lead_table, attrs_columns[i], 'attrs column');
            pairs := pairs OPERATOR(pg_catalog.||) pg_catalog.format('%L::pg_catalog.text, NEW.%s', attrs_columns[i], c.quoted);
            watched := watched OPERATOR(pg_catalog.||) c.quoted;
        END LOOP;
        attrs_new := pg_catalog.format('pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(%s))',
                                       pg_catalog.array_to_string(pairs, ', '));
    END IF;
    IF stage_column IS NOT NULL THEN
        SELECT * INTO s FROM followup.attach_column(lead_table, stage_column, 'stage column');
        IF stage_map IS NULL OR pg_catalog.jsonb_typeof(stage_map) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'stage_map must be a JSON object when stage_column is given',
                HINT = 'Map each CRM stage to a followup.lead_state, e.g. ''{"negotiation": "hot", "thinking": "thinking"}''.';
        END IF;
        FOR kk, v IN SELECT e.key, e.value FROM pg_catalog.jsonb_each_text(stage_map) e LOOP
            IF v IS NULL OR NOT v OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::followup.lead_state)::pg_catalog.text[]) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('stage %L maps to %L, which is not a lead state', kk, v),
                    HINT = pg_catalog.format('Lead states are %s.', pg_catalog.enum_range(NULL::followup.lead_state));
            END IF;
        END LOOP;
        IF stage_map_back IS NULL THEN
            -- the inverse where a state has exactly one CRM stage
            SELECT pg_catalog.jsonb_object_agg(st, stages[1]) INTO stage_map_back
            FROM (SELECT e.value AS st, pg_catalog.array_agg(e.key ORDER BY e.key) AS stages
                  FROM pg_catalog.jsonb_each_text(stage_map) e GROUP BY e.value) g
            WHERE pg_catalog.cardinality(stages) OPERATOR(pg_catalog.=) 1;
            stage_map_back := COALESCE(stage_map_back, '{}'::pg_catalog.jsonb);
        ELSIF pg_catalog.jsonb_typeof(stage_map_back) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'stage_map_back must be a JSON object',
                HINT = 'Map lead states to CRM stages, e.g. ''{"recycle": "parked"}''.';
        ELSE
            FOR kk IN SELECT e.key FROM pg_catalog.jsonb_each_text(stage_map_back) e LOOP
                IF NOT kk OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::followup.lead_state)::pg_catalog.text[]) THEN
                    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                        MESSAGE = pg_catalog.format('stage_map_back key %L is not a lead state', kk),
                        HINT = pg_catalog.format('Lead states are %s.', pg_catalog.enum_range(NULL::followup.lead_state));
                END IF;
            END LOOP;
        END IF;
        stage_new := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.%s)::pg_catalog.text)::followup.lead_state',
                                       stage_map, s.quoted);
        -- a retried row (quarantine_retry) applies its stage as a change
        stage_changed := pg_catalog.format('(TG_OP OPERATOR(pg_catalog.=) ''RETRY'' OR (TG_OP OPERATOR(pg_catalog.=) ''UPDATE'' AND (OLD.%s)::pg_catalog.text IS DISTINCT FROM (NEW.%s)::pg_catalog.text))',
                                           s.quoted, s.quoted);
        watched := watched OPERATOR(pg_catalog.||) s.quoted;
    ELSIF stage_map IS NOT NULL OR stage_map_back IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'stage_map needs stage_column',
            HINT = 'Name the CRM column that holds the stage.';
    END IF;
    IF created_at_column IS NOT NULL THEN
        SELECT * INTO ca FROM followup.attach_column(lead_table, created_at_column, 'created_at column');
        created_ins := pg_catalog.format('COALESCE((NEW.%s)::pg_catalog.timestamptz, pg_catalog.now())', ca.quoted);
    END IF;

    -- write-back: the CRM's columns that mirror followup's plan
    IF write_back THEN
        IF stage_column IS NOT NULL THEN
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format(
                '%s = COALESCE((%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.state)::pg_catalog.text)::%s, c.%s)',
                s.quoted, stage_map_back, s.type_name, s.quoted);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', s.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format(
                'COALESCE((%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.state)::pg_catalog.text)::%s, c.%s)',
                stage_map_back, s.type_name, s.quoted);
        END IF;
        IF next_action_column IS NOT NULL THEN
            SELECT * INTO na FROM followup.attach_column(lead_table, next_action_column, 'next_action column');
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format('%s = ((NEW.next_action)::pg_catalog.text)::%s', na.quoted, na.type_name);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', na.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format('((NEW.next_action)::pg_catalog.text)::%s', na.type_name);
        END IF;
        IF next_followup_column IS NOT NULL THEN
            SELECT * INTO nf FROM followup.attach_column(lead_table, next_followup_column, 'next_followup column');
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format('%s = (NEW.next_followup_at)::%s', nf.quoted, nf.type_name);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', nf.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format('(NEW.next_followup_at)::%s', nf.type_name);
        END IF;
        IF pg_catalog.cardinality(back_sets) OPERATOR(pg_catalog.=) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'write_back needs a column to write',
                HINT = 'Give stage_column, next_action_column or next_followup_column.';
        END IF;
        -- the key is compared with the CRM's own type, so its index serves
        IF pg_catalog.to_regoperator(pg_catalog.format('pg_catalog.=(%s,%s)', k.type_name, k.type_name)) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_function',
                MESSAGE = pg_catalog.format('key column %I of type %s has no equality operator in pg_catalog', key_column, k.type_name),
                HINT = 'Write-back needs a key of a built-in type (text, integer, uuid, ...).';
        END IF;
        key_is_text := k.type_oid OPERATOR(pg_catalog.=) ANY ('{text,varchar}'::pg_catalog.regtype[]::pg_catalog.oid[]);
        IF key_is_text THEN
            key_assign := pg_catalog.format('k := (NEW.external_ref)::%s;', k.type_name);
        ELSE
            -- a lead whose external_ref is not a key of this table (made by
            -- the write API, say) has no CRM row to write
            key_assign := pg_catalog.format(
                'BEGIN k := (NEW.external_ref)::%s; EXCEPTION WHEN data_exception THEN RETURN NULL; END;', k.type_name);
        END IF;
        IF tenant_id IS NOT NULL THEN
            back_when := pg_catalog.format(' WHEN (NEW.tenant_id OPERATOR(pg_catalog.=) %s::pg_catalog.int8)', tenant_id);
        END IF;
    ELSIF next_action_column IS NOT NULL OR next_followup_column IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'next_action_column and next_followup_column need write_back => true';
    END IF;

    src := pg_catalog.format($f$
CREATE FUNCTION %1$s(tg_op pg_catalog.text, tg_relid pg_catalog.oid, new record, old record) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    t pg_catalog.int8;
    k pg_catalog.text;
    st followup.lead_state;
BEGIN
    -- followup's own write-back of this row: nothing to mirror
    IF pg_catalog.current_setting('followup_attach.writing_back', true) OPERATOR(pg_catalog.=) 'on' THEN
        RETURN;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        DELETE FROM followup.lead l
         WHERE l.tenant_id OPERATOR(pg_catalog.=) %3$s
           AND l.external_ref OPERATOR(pg_catalog.=) (OLD.%4$s)::pg_catalog.text;
        RETURN;
    END IF;
    t := %2$s;
    k := (NEW.%4$s)::pg_catalog.text;
    IF k IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
            MESSAGE = pg_catalog.format('the key of a row of %%s is NULL', TG_RELID::pg_catalog.regclass),
            HINT = 'followup keys a lead by the CRM''s key column (its external_ref).';
    END IF;
    st := %5$s;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' OR TG_OP OPERATOR(pg_catalog.=) 'RETRY' THEN
        IF t IS DISTINCT FROM %3$s THEN
            RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
                MESSAGE = pg_catalog.format('a row of %%s may not move from tenant %%s to tenant %%s', TG_RELID::pg_catalog.regclass, %3$s, t),
                HINT = 'Delete the row and insert it for the other tenant.';
        END IF;
        UPDATE followup.lead l
           SET external_ref = k,
               owner = %6$s,
               attrs = l.attrs OPERATOR(pg_catalog.||) %7$s,
               -- a stage the CRM moved to, mapped; never back to new
               state = CASE WHEN %8$s AND st IS NOT NULL AND st OPERATOR(pg_catalog.<>) 'new'
                            THEN st ELSE l.state END
         WHERE l.tenant_id OPERATOR(pg_catalog.=) t
           AND l.external_ref OPERATOR(pg_catalog.=) (OLD.%4$s)::pg_catalog.text;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    -- a lead the write API made before the CRM's row: adopt it
    UPDATE followup.lead l
       SET owner = %6$s, attrs = l.attrs OPERATOR(pg_catalog.||) %7$s
     WHERE l.tenant_id OPERATOR(pg_catalog.=) t AND l.external_ref OPERATOR(pg_catalog.=) k;
    IF NOT FOUND THEN
        INSERT INTO followup.lead (tenant_id, external_ref, state, owner, attrs, created_at)
        VALUES (t, k, COALESCE(st, 'new'), %9$s, %7$s, %10$s);
    END IF;
    RETURN;
END $body$
$f$, fn_apply, tenant_new, tenant_old, k.quoted, stage_new, owner_new, attrs_new, stage_changed, owner_ins, created_ins, qrel);
    EXECUTE src;
    -- run as the writer of the CRM's row (the trigger's caller), by name: it
    -- can do only what its caller may do anyway
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', sig_apply);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', sig_apply,
        pg_catalog.format('generated by followup.attach_leads: applies a row of %s to followup.lead (its trigger, and quarantine_retry)', qrel));
    PERFORM followup.attach_trigger_function(fn_sync, fn_apply, lead_table, 'leads', mode, k.quoted, tenant_new, tenant_old);
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %s AFTER INSERT OR DELETE OR UPDATE OF %s ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
        trg_sync, pg_catalog.array_to_string(watched, ', '), qrel, fn_sync);

    IF write_back THEN
        src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    k %2$s;
    was pg_catalog.text;
BEGIN
    IF NEW.external_ref IS NULL THEN
        RETURN NULL;
    END IF;
    %3$s
    -- the CRM row's own trigger must not mirror this write back again
    was := pg_catalog.current_setting('followup_attach.writing_back', true);
    PERFORM pg_catalog.set_config('followup_attach.writing_back', 'on', true);
    UPDATE %4$s c SET %5$s
     WHERE c.%6$s OPERATOR(pg_catalog.=) k
       AND %7$s OPERATOR(pg_catalog.=) NEW.tenant_id
       AND (%8$s, NULL::pg_catalog.text) IS DISTINCT FROM (%9$s, NULL::pg_catalog.text);
    PERFORM pg_catalog.set_config('followup_attach.writing_back', COALESCE(was, ''), true);
    RETURN NULL;
END $body$
$f$, fn_back, k.type_name, key_assign, qrel, pg_catalog.array_to_string(back_sets, ', '), k.quoted,
     CASE WHEN tenant_column IS NOT NULL
          THEN pg_catalog.format('(c.%I)::pg_catalog.int8', tenant_column)
          WHEN tenant_id IS NOT NULL THEN pg_catalog.format('%s::pg_catalog.int8', tenant_id)
          ELSE 'COALESCE(NULLIF(pg_catalog.current_setting(''followup.tenant_id'', true), ''''), ''0'')::pg_catalog.int8' END,
     pg_catalog.array_to_string(back_cur, ', '), pg_catalog.array_to_string(back_val, ', '));
        EXECUTE src;
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn_back);
        -- The write-back runs as the owner of the CRM's table, whoever
        -- changed the lead (an operator, the jobs' owner): they need no
        -- privilege on the CRM's table, and the CRM's own triggers on it
        -- run as its owner, never as a more privileged role.
        SELECT pc.relowner::pg_catalog.regrole::pg_catalog.text INTO v
        FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) lead_table;
        BEGIN
            EXECUTE pg_catalog.format('ALTER FUNCTION %s() OWNER TO %s', fn_back, v);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = pg_catalog.format('cannot make role %s the owner of the write-back function of %s', v, lead_table),
                DETAIL = 'The write-back runs as the owner of the CRM''s table.',
                HINT = 'Attach with write_back as a superuser, or as a role that is a member of the table''s owner when that owner may create in schema followup.';
        END;
        EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', fn_back,
            pg_catalog.format('trigger generated by followup.attach_leads: writes followup''s plan back to %s', qrel));
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %s AFTER INSERT OR UPDATE OF state, next_action, next_followup_at ON followup.lead FOR EACH ROW%s EXECUTE FUNCTION %s()',
            trg_back, back_when, fn_back);
    END IF;

    INSERT INTO followup.attachment (relid, kind, table_name, key_column, tenant_column, tenant_id, options, functions, triggers)
    VALUES (lead_table, 'leads', qrel, key_column, tenant_column, tenant_id,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'owner_column', owner_column, 'attrs_columns', attrs_columns,
                'stage_column', stage_column, 'stage_map', stage_map,
                'stage_map_back', CASE WHEN stage_column IS NOT NULL THEN stage_map_back END,
                'write_back', write_back, 'next_action_column', next_action_column,
                'next_followup_column', next_followup_column, 'created_at_column', created_at_column,
                'mode', mode)),
            CASE WHEN write_back THEN ARRAY[fn_sync, sig_apply, fn_back] ELSE ARRAY[fn_sync, sig_apply] END,
            CASE WHEN write_back
                 THEN ARRAY[trg_sync OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel,
                            trg_back OPERATOR(pg_catalog.||) ' ON followup.lead']
                 ELSE ARRAY[trg_sync OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel] END);
END $$;
COMMENT ON FUNCTION followup.attach_leads(regclass, name, name, bigint, name, name[], name, jsonb, jsonb, boolean, name, name, name, text) IS
    'attaches a CRM''s lead (deal) table: its inserts, updates and deletes keep followup.lead in step (external_ref = the key, stage mapped to state, owner, attrs); with write_back, followup''s state, next action and time are written back to named columns';

CREATE FUNCTION followup.attach_interactions(
    interaction_table regclass,
    key_column name,
    lead_key_column name,
    kind_column name,
    kind_map jsonb DEFAULT NULL,
    occurred_at_column name DEFAULT NULL,
    tenant_column name DEFAULT NULL,
    tenant_id bigint DEFAULT NULL,
    operator_column name DEFAULT NULL,
    body_column name DEFAULT NULL,
    channel_column name DEFAULT NULL,
    mode text DEFAULT 'strict',
    reason_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qrel text := followup.attach_relation(interaction_table);
    k record; lk record; kc record; c record;
    fn text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) interaction_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_interactions');
    fn_apply text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) interaction_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_interactions_apply');
    sig_apply text := fn_apply OPERATOR(pg_catalog.||) '(pg_catalog.text, pg_catalog.oid, record, record)';
    trg text := pg_catalog.format('%I', 'followup_interactions');
    tenant_new text;
    kind_new text; kind_old text;
    occurred text := 'pg_catalog.now()';
    op text := 'NULL'; body text := 'NULL'; chan text := 'NULL'; rsn text := 'NULL';
    watched text[] := '{}';
    src text;
BEGIN
    IF key_column IS NULL OR lead_key_column IS NULL OR kind_column IS NULL OR interaction_table IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'interaction_table, key_column, lead_key_column and kind_column must be given';
    END IF;
    PERFORM 1 FROM followup.attachment a
     WHERE a.relid OPERATOR(pg_catalog.=) interaction_table::pg_catalog.oid AND a.kind OPERATOR(pg_catalog.=) 'interactions';
    IF FOUND THEN
        PERFORM followup.detach_kind(interaction_table, 'interactions');
    END IF;
    SELECT * INTO k FROM followup.attach_column(interaction_table, key_column, 'key column');
    SELECT * INTO lk FROM followup.attach_column(interaction_table, lead_key_column, 'lead key column');
    SELECT * INTO kc FROM followup.attach_column(interaction_table, kind_column, 'kind column');
    watched := watched OPERATOR(pg_catalog.||) kc.quoted;
    tenant_new := followup.attach_tenant_expr(interaction_table, tenant_column, tenant_id, 'NEW');
    IF kind_map IS NOT NULL THEN
        IF pg_catalog.jsonb_typeof(kind_map) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'kind_map must be a JSON object',
                HINT = 'Map the CRM''s values to followup signal kinds, e.g. ''{"in": "reply", "out": "message"}''; a value not in the map records nothing.';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(kind_map) e WHERE pg_catalog.jsonb_typeof(e.value) OPERATOR(pg_catalog.<>) 'string') THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'every value of kind_map must be a signal kind (a string)';
        END IF;
        kind_new := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.%s)::pg_catalog.text)', kind_map, kc.quoted);
        kind_old := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (OLD.%s)::pg_catalog.text)', kind_map, kc.quoted);
    ELSE
        kind_new := pg_catalog.format('(NEW.%s)::pg_catalog.text', kc.quoted);
        kind_old := pg_catalog.format('(OLD.%s)::pg_catalog.text', kc.quoted);
    END IF;
    IF occurred_at_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, occurred_at_column, 'occurred_at column');
        occurred := pg_catalog.format('COALESCE((NEW.%s)::pg_catalog.timestamptz, pg_catalog.now())', c.quoted);
    END IF;
    IF operator_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, operator_column, 'operator column');
        op := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;
    IF body_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, body_column, 'body column');
        body := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;
    IF channel_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, channel_column, 'channel column');
        chan := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;
    IF reason_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, reason_column, 'reason column');
        rsn := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;

    src := pg_catalog.format($f$
CREATE FUNCTION %1$s(tg_op pg_catalog.text, tg_relid pg_catalog.oid, new record, old record) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    t pg_catalog.int8;
    k pg_catalog.text;
    lk pg_catalog.text;
    kd pg_catalog.text;
    lid pg_catalog.int8;
BEGIN
    kd := %2$s;
    IF kd IS NULL THEN
        RETURN;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND %3$s IS NOT DISTINCT FROM kd THEN
        RETURN;
    END IF;
    t := %4$s;
    k := (NEW.%5$s)::pg_catalog.text;
    lk := (NEW.%6$s)::pg_catalog.text;
    -- the lead is locked first: a retried write waits here for the first,
    -- then finds its interaction
    SELECT l.lead_id INTO lid FROM followup.lead l
     WHERE l.tenant_id OPERATOR(pg_catalog.=) t AND l.external_ref OPERATOR(pg_catalog.=) lk
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('no lead of tenant %%s has external_ref %%L', t, lk),
            DETAIL = pg_catalog.format('A row of %%s with key %%L names it.', TG_RELID::pg_catalog.regclass, k),
            HINT = 'Attach the CRM''s lead table (followup.attach_leads) or create the lead first (followup.upsert_lead).';
    END IF;
    IF k IS NOT NULL AND EXISTS (
            SELECT 1 FROM followup.interaction i
             WHERE i.tenant_id OPERATOR(pg_catalog.=) t AND i.external_ref OPERATOR(pg_catalog.=) k
               AND i.kind OPERATOR(pg_catalog.=) kd) THEN
        RETURN;
    END IF;
    INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, channel, operator, body, external_ref, reason)
    VALUES (t, lid, %7$s, kd, %8$s, %9$s, %10$s, k, %11$s);
    RETURN;
END $body$
$f$, fn_apply, kind_new, kind_old, tenant_new, k.quoted, lk.quoted, occurred, chan, op, body, rsn);
    EXECUTE src;
    -- run as the writer of the CRM's row (the trigger's caller), by name: it
    -- can do only what its caller may do anyway
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', sig_apply);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', sig_apply,
        pg_catalog.format('generated by followup.attach_interactions: records a row of %s as a followup interaction (its trigger, and quarantine_retry)', qrel));
    PERFORM followup.attach_trigger_function(fn, fn_apply, interaction_table, 'interactions', mode, k.quoted, tenant_new, NULL);
    EXECUTE pg_catalog.format('CREATE TRIGGER %s AFTER INSERT OR UPDATE OF %s ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                              trg, pg_catalog.array_to_string(watched, ', '), qrel, fn);

    INSERT INTO followup.attachment (relid, kind, table_name, key_column, tenant_column, tenant_id, options, functions, triggers)
    VALUES (interaction_table, 'interactions', qrel, key_column, tenant_column, tenant_id,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'lead_key_column', lead_key_column, 'kind_column', kind_column, 'kind_map', kind_map,
                'occurred_at_column', occurred_at_column, 'operator_column', operator_column,
                'body_column', body_column, 'channel_column', channel_column, 'mode', mode,
                'reason_column', reason_column)),
            ARRAY[fn, sig_apply], ARRAY[trg OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel]);
END $$;
COMMENT ON FUNCTION followup.attach_interactions(regclass, name, name, name, jsonb, name, name, bigint, name, name, name, text, name) IS
    'attaches a CRM''s message or event table: each row (and each update that changes its mapped kind) is recorded as a followup interaction of the lead whose external_ref is its lead key, once per CRM key and kind';

-- detach one kind of attachment of a table (attach_* replacing itself)
CREATE FUNCTION followup.detach_kind(rel regclass, kind text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    t text;
    f text;
BEGIN
    SELECT * INTO a FROM followup.attachment x
     WHERE x.relid OPERATOR(pg_catalog.=) rel::pg_catalog.oid AND x.kind OPERATOR(pg_catalog.=) detach_kind.kind FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY a.triggers LOOP
        EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
    END LOOP;
    FOREACH f IN ARRAY a.functions LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f
                OPERATOR(pg_catalog.||) CASE WHEN f LIKE '%)' THEN '' ELSE '()' END;
    END LOOP;
    DELETE FROM followup.attachment x
     WHERE x.relid OPERATOR(pg_catalog.=) a.relid AND x.kind OPERATOR(pg_catalog.=) a.kind;
END $$;
COMMENT ON FUNCTION followup.detach_kind(regclass, text) IS
    'internal to attach_*: removes one attachment (leads or interactions) of a table before it is attached again';

REVOKE ALL ON FUNCTION followup.attach_column(regclass, name, text), followup.attach_relation(regclass),
    followup.attach_tenant_expr(regclass, name, bigint, text), followup.detach(regclass),
    followup.attach_trigger_function(text, text, regclass, text, text, text, text, text),
    followup.detach_kind(regclass, text),
    followup.attach_leads(regclass, name, name, bigint, name, name[], name, jsonb, jsonb, boolean, name, name, name, text),
    followup.attach_interactions(regclass, name, name, name, jsonb, name, name, bigint, name, name, name, text, name)
    FROM PUBLIC;

-- Attachments again, from the registry: after a dump and restore (pg_dump
-- keeps the registry, the generated functions and the triggers on the CRM's
-- tables, but no trigger on followup.lead, an extension's table, and the
-- tables have new oids), or after renaming an attached table's schema.
CREATE FUNCTION followup.reattach() RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
-- what is already gone is no news (DROP ... IF EXISTS)
SET client_min_messages = warning AS $$
DECLARE
    a record;
    rel regclass;
    o jsonb;
    t text;
    f text;
    n int := 0;
BEGIN
    FOR a IN SELECT * FROM followup.attachment x ORDER BY x.kind OPERATOR(pg_catalog.<>) 'leads', x.table_name FOR UPDATE LOOP
        rel := pg_catalog.to_regclass(a.table_name);
        IF rel IS NULL THEN
            RAISE WARNING USING
                MESSAGE = pg_catalog.format('attached table %s does not exist: not attached again', a.table_name),
                HINT = 'Attach it under its new name with followup.attach_leads or followup.attach_interactions.';
            CONTINUE;
        END IF;
        -- what the previous attachment left, by the names it recorded
        FOREACH t IN ARRAY a.triggers LOOP
            IF t LIKE '% ON followup.lead' THEN
                EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
            END IF;
        END LOOP;
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'followup_' OPERATOR(pg_catalog.||) a.kind, rel);
        FOREACH f IN ARRAY a.functions LOOP
            EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f
                OPERATOR(pg_catalog.||) CASE WHEN f LIKE '%)' THEN '' ELSE '()' END;
        END LOOP;
        DELETE FROM followup.attachment x WHERE x.relid OPERATOR(pg_catalog.=) a.relid AND x.kind OPERATOR(pg_catalog.=) a.kind;
        o := a.options;
        IF a.kind OPERATOR(pg_catalog.=) 'leads' THEN
            PERFORM followup.attach_leads(rel, a.key_column, a.tenant_column, a.tenant_id,
                (o OPERATOR(pg_catalog.->>) 'owner_column')::name,
                COALESCE(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(o OPERATOR(pg_catalog.->) 'attrs_columns'))::name[], '{}'),
                (o OPERATOR(pg_catalog.->>) 'stage_column')::name,
                o OPERATOR(pg_catalog.->) 'stage_map', o OPERATOR(pg_catalog.->) 'stage_map_back',
                COALESCE((o OPERATOR(pg_catalog.->>) 'write_back')::boolean, false),
                (o OPERATOR(pg_catalog.->>) 'next_action_column')::name,
                (o OPERATOR(pg_catalog.->>) 'next_followup_column')::name,
                (o OPERATOR(pg_catalog.->>) 'created_at_column')::name,
                COALESCE(o OPERATOR(pg_catalog.->>) 'mode', 'strict'));
        ELSE
            PERFORM followup.attach_interactions(rel, a.key_column,
                (o OPERATOR(pg_catalog.->>) 'lead_key_column')::name,
                (o OPERATOR(pg_catalog.->>) 'kind_column')::name,
                o OPERATOR(pg_catalog.->) 'kind_map',
                (o OPERATOR(pg_catalog.->>) 'occurred_at_column')::name,
                a.tenant_column, a.tenant_id,
                (o OPERATOR(pg_catalog.->>) 'operator_column')::name,
                (o OPERATOR(pg_catalog.->>) 'body_column')::name,
                (o OPERATOR(pg_catalog.->>) 'channel_column')::name,
                COALESCE(o OPERATOR(pg_catalog.->>) 'mode', 'strict'),
                (o OPERATOR(pg_catalog.->>) 'reason_column')::name);
        END IF;
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.reattach() IS
    'makes every attachment again from followup.attachment (after a dump and restore, which loses the write-back triggers on followup.lead, or a rename); returns how many';
REVOKE ALL ON FUNCTION followup.reattach() FROM PUBLIC;

-- pg_dump keeps the registry, so that reattach() can rebuild after a restore
SELECT pg_catalog.pg_extension_config_dump('followup.attachment', '');
