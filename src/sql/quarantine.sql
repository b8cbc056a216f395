
-- followup: the quarantine of a lenient attachment (docs/integration.md#lenient-attachments).
--
-- A table attached with mode => 'lenient' never fails the CRM's write for
-- followup's sake: a row followup cannot apply (an unknown signal kind, a
-- value out of range, a lead it does not know) is recorded here with the
-- reason, and the CRM's write commits.  quarantine_retry applies the rows
-- again, as the CRM's table holds them now (after the configuration or the
-- data was fixed); quarantine_discard closes them.

CREATE TABLE followup.quarantine (
    quarantine_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint,
    relid         oid NOT NULL,
    table_name    text NOT NULL,
    kind          text NOT NULL,
    op            text NOT NULL,
    row_key       text,
    sqlstate      text NOT NULL,
    message       text NOT NULL,
    detail        text,
    hint          text,
    row_data      jsonb,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   name NOT NULL DEFAULT current_user,
    attempts      int NOT NULL DEFAULT 1,
    status        text NOT NULL DEFAULT 'open',
    resolved_at   timestamptz,
    CONSTRAINT quarantine_kind_check CHECK (kind IN ('leads', 'interactions')),
    CONSTRAINT quarantine_status_check CHECK (status IN ('open', 'applied', 'discarded', 'gone'))
);
CREATE INDEX quarantine_open_idx ON followup.quarantine (tenant_id, recorded_at) WHERE status = 'open';
COMMENT ON INDEX followup.quarantine_open_idx IS 'the rows still to review, by tenant and time';
COMMENT ON TABLE followup.quarantine IS
    'Rows of leniently attached CRM tables that followup could not apply, with the reason; the CRM''s write committed without them';
COMMENT ON COLUMN followup.quarantine.quarantine_id IS 'identifier';
COMMENT ON COLUMN followup.quarantine.tenant_id IS 'the row''s tenant (NULL when that is what could not be read)';
COMMENT ON COLUMN followup.quarantine.relid IS 'the CRM table''s oid';
COMMENT ON COLUMN followup.quarantine.table_name IS 'the CRM table''s qualified name';
COMMENT ON COLUMN followup.quarantine.kind IS 'the attachment: leads or interactions';
COMMENT ON COLUMN followup.quarantine.op IS 'the CRM''s statement: INSERT, UPDATE or DELETE; ADOPT for a row adopt_attached could not load';
COMMENT ON COLUMN followup.quarantine.row_key IS 'the row''s key (the attachment''s key column), to find it in the CRM''s table';
COMMENT ON COLUMN followup.quarantine.sqlstate IS 'followup''s error: SQLSTATE';
COMMENT ON COLUMN followup.quarantine.message IS 'followup''s error: message';
COMMENT ON COLUMN followup.quarantine.detail IS 'followup''s error: detail';
COMMENT ON COLUMN followup.quarantine.hint IS 'followup''s error: hint';
COMMENT ON COLUMN followup.quarantine.row_data IS 'the row as the CRM wrote it (OLD for a DELETE)';
COMMENT ON COLUMN followup.quarantine.recorded_at IS 'when the CRM wrote it';
COMMENT ON COLUMN followup.quarantine.recorded_by IS 'the role that wrote it';
COMMENT ON COLUMN followup.quarantine.attempts IS 'how often it was tried (the write, then each retry)';
COMMENT ON COLUMN followup.quarantine.status IS 'open, applied (a retry succeeded), discarded, or gone (the CRM''s row no longer exists)';
COMMENT ON COLUMN followup.quarantine.resolved_at IS 'when it stopped being open';

ALTER TABLE followup.quarantine ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.quarantine
    USING (tenant_id = followup.current_tenant()) WITH CHECK (tenant_id = followup.current_tenant());

CREATE FUNCTION followup.quarantine_retry(id bigint DEFAULT NULL)
RETURNS TABLE (quarantine_id bigint, status text, error_code text, error_message text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    q followup.quarantine;
    a followup.attachment;
    fn text;
    n bigint;
    st text; msg text; det text; hin text;
BEGIN
    FOR q IN SELECT * FROM followup.quarantine x
              WHERE x.status = 'open'
                AND (quarantine_retry.id IS NULL OR x.quarantine_id = quarantine_retry.id)
              ORDER BY x.quarantine_id FOR UPDATE SKIP LOCKED LOOP
        SELECT * INTO a FROM followup.attachment x WHERE x.relid = q.relid AND x.kind = q.kind;
        IF NOT FOUND THEN
            UPDATE followup.quarantine x SET attempts = x.attempts + 1, sqlstate = '55000',
                   message = pg_catalog.format('%s is no longer attached', q.table_name), detail = NULL,
                   hint = 'Attach the table again, or discard the row (followup.quarantine_discard).'
             WHERE x.quarantine_id = q.quarantine_id
            RETURNING x.quarantine_id, x.status, x.sqlstate, x.message INTO quarantine_id, status, error_code, error_message;
            RETURN NEXT;
            CONTINUE;
        END IF;
        fn := pg_catalog.format('followup.%I', 'attached_' || a.relid || '_' || a.kind || '_apply');
        BEGIN
            -- the row as the CRM's table holds it now, applied as a change
            EXECUTE pg_catalog.format('SELECT %s(''RETRY'', %s::pg_catalog.oid, c, c) FROM %s c WHERE (c.%I)::pg_catalog.text = $1',
                                      fn, a.relid, a.relid::regclass, a.key_column)
            USING q.row_key;
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n = 0 AND q.kind = 'leads' AND q.op = 'DELETE' THEN
                DELETE FROM followup.lead l WHERE l.tenant_id = q.tenant_id AND l.external_ref = q.row_key;
                n := 1;
            END IF;
            UPDATE followup.quarantine x
               SET attempts = x.attempts + 1, status = CASE WHEN n > 0 THEN 'applied' ELSE 'gone' END,
                   resolved_at = pg_catalog.now()
             WHERE x.quarantine_id = q.quarantine_id
            RETURNING x.quarantine_id, x.status, x.sqlstate, x.message INTO quarantine_id, status, error_code, error_message;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                                    hin = PG_EXCEPTION_HINT;
            IF pg_catalog.left(st, 2) = ANY ('{40,53,57,58}'::text[]) OR st = '55P03' THEN
                RAISE;
            END IF;
            UPDATE followup.quarantine x
               SET attempts = x.attempts + 1, sqlstate = st, message = msg, detail = NULLIF(det, ''), hint = NULLIF(hin, '')
             WHERE x.quarantine_id = q.quarantine_id
            RETURNING x.quarantine_id, x.status, x.sqlstate, x.message INTO quarantine_id, status, error_code, error_message;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION followup.quarantine_retry(bigint) IS
    'applies the open quarantined rows again (the one with quarantine_id id, or all with NULL), each as the CRM''s table holds it now: applied, still open with the new reason, or gone when the row no longer exists; returns each row''s status and its last error (SQLSTATE and message)';

CREATE FUNCTION followup.quarantine_discard(id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    WITH d AS (
        UPDATE followup.quarantine x SET status = 'discarded', resolved_at = pg_catalog.now()
         WHERE x.quarantine_id OPERATOR(pg_catalog.=) quarantine_discard.id
           AND x.status OPERATOR(pg_catalog.=) 'open'
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM d)
$$;
COMMENT ON FUNCTION followup.quarantine_discard(bigint) IS
    'closes an open quarantined row without applying it (status discarded); false when there is no such open row';

REVOKE ALL ON FUNCTION followup.quarantine_retry(bigint), followup.quarantine_discard(bigint) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('followup.quarantine', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('followup.quarantine', 'quarantine_id'), '');
