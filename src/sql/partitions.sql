
-- followup: the history partitioned by time, and its retention
-- (docs/operations.md#retention).  partition_history() turns
-- followup.interaction and followup.state_change into tables partitioned by
-- range of occurred_at and changed_at; maintain_partitions() (run_due
-- calls it) makes the partitions ahead; drop_history_before() detaches or
-- drops whole old partitions once the reports' rollups hold their days.
-- Without a call nothing changes.

CREATE TABLE followup.history_partitioning (
    period      interval NOT NULL,
    premake     int NOT NULL,
    zone        text NOT NULL,
    made_at     timestamptz NOT NULL DEFAULT now(),
    one_row     boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    CONSTRAINT history_partitioning_period_check CHECK (period > interval '0' AND period >= interval '1 day'),
    CONSTRAINT history_partitioning_premake_check CHECK (premake BETWEEN 1 AND 120)
);
COMMENT ON TABLE followup.history_partitioning IS
    'How followup.interaction and followup.state_change are partitioned (one row once partition_history ran): maintain_partitions reads it';
COMMENT ON COLUMN followup.history_partitioning.period IS 'the width of a partition (from the start of a month in zone)';
COMMENT ON COLUMN followup.history_partitioning.premake IS 'how many periods ahead of now the partitions are made';
COMMENT ON COLUMN followup.history_partitioning.zone IS 'the time zone whose calendar the partition bounds follow';
COMMENT ON COLUMN followup.history_partitioning.made_at IS 'when partition_history ran';
COMMENT ON COLUMN followup.history_partitioning.one_row IS 'there is one row';
SELECT pg_catalog.pg_extension_config_dump('followup.history_partitioning', '');

-- a row for a time no partition holds lands in the table's default
-- partition, whose trigger refuses it with what to do
CREATE FUNCTION followup.refuse_outside_partitions() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col text := TG_ARGV[0];
    at timestamptz;
    kept timestamptz;
BEGIN
    EXECUTE pg_catalog.format('SELECT ($1).%I', col) INTO at USING NEW;
    SELECT s.kept_from INTO kept FROM followup.rollup_state s;
    IF at < kept THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            MESSAGE = pg_catalog.format('the history of followup.%s before %s was dropped: no partition holds %s %s',
                                        TG_ARGV[1], kept, col, at),
            DETAIL = 'followup.drop_history_before removed the partitions of that time; the reports answer for it from their rollups.',
            HINT = 'The rollups hold those days: record the row with a later time.';
    END IF;
    RAISE EXCEPTION USING
        ERRCODE = 'check_violation',
        MESSAGE = pg_catalog.format('no partition of followup.%s holds %s %s', TG_ARGV[1], col, at),
        DETAIL = pg_catalog.format('The partitions are made %s periods ahead by followup.maintain_partitions(), which followup.run_due calls.',
                                   (SELECT p.premake FROM followup.history_partitioning p)),
        HINT = pg_catalog.format('Run SELECT followup.maintain_partitions(%L); as the owner of followup''s tables, or check the time.', at);
END $$;
COMMENT ON FUNCTION followup.refuse_outside_partitions() IS
    'trigger on the default partitions of the history: refuses a row whose time no partition holds, naming the time and what to do';

-- the bounds of the partition holding at: from the start of at's month in
-- the partitioning's zone, in steps of period
CREATE FUNCTION followup.partition_bounds(at timestamptz, period interval, zone text,
                                          OUT lo timestamptz, OUT hi timestamptz)
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    start timestamp := pg_catalog.date_trunc('month', at AT TIME ZONE zone);
BEGIN
    -- months by months; a period in days steps from the month's start
    WHILE (start + period) AT TIME ZONE zone <= at LOOP
        start := start + period;
    END LOOP;
    lo := start AT TIME ZONE zone;
    hi := (start + period) AT TIME ZONE zone;
END $$;
COMMENT ON FUNCTION followup.partition_bounds(timestamptz, interval, text) IS
    'the [lo, hi) of the partition that holds at: periods counted from the start of at''s month in zone';

-- makes the partitions of followup.<tbl> for [lo, hi) that are missing;
-- returns how many it made
CREATE FUNCTION followup.make_partitions(tbl text, lo timestamptz, hi timestamptz) RETURNS int
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p followup.history_partitioning;
    b record;
    at timestamptz := lo;
    name text;
    made int := 0;
BEGIN
    SELECT * INTO STRICT p FROM followup.history_partitioning;
    WHILE at < hi LOOP
        b := followup.partition_bounds(at, p.period, p.zone);
        name := tbl || '_p' || pg_catalog.to_char(b.lo AT TIME ZONE p.zone, 'YYYYMMDD');
        IF pg_catalog.to_regclass(pg_catalog.format('followup.%I', name)) IS NULL THEN
            EXECUTE pg_catalog.format('CREATE TABLE followup.%I PARTITION OF followup.%I FOR VALUES FROM (%L) TO (%L)',
                                      name, tbl, b.lo, b.hi);
            made := made + 1;
        END IF;
        at := b.hi;
    END LOOP;
    RETURN made;
END $$;
COMMENT ON FUNCTION followup.make_partitions(text, timestamptz, timestamptz) IS
    'makes the missing partitions of followup.tbl (interaction or state_change) that cover [lo, hi); returns how many';

CREATE FUNCTION followup.maintain_partitions(upto timestamptz DEFAULT now()) RETURNS int
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p followup.history_partitioning;
    made int := 0;
    until timestamptz;
    kept timestamptz;
    last text;
BEGIN
    SELECT * INTO p FROM followup.history_partitioning;
    -- not partitioned, or a restored dump that partition_history has not
    -- taken in yet
    IF NOT FOUND OR (SELECT c.relkind FROM pg_catalog.pg_class c
                     WHERE c.oid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass) OPERATOR(pg_catalog.<>) 'p' THEN
        RETURN 0;
    END IF;
    -- the history dropped before kept_from stays dropped
    kept := (SELECT s.kept_from FROM followup.rollup_state s);
    IF upto < kept THEN
        RAISE EXCEPTION 'the history before % was dropped', kept
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('maintain_partitions(%L) would make partitions for it again.', upto),
                  HINT = 'The reports answer for those days from their rollups; record later rows only.';
    END IF;
    -- premake periods past both now and upto (a row for a later time asks)
    until := (greatest(now(), upto) AT TIME ZONE p.zone + p.period * p.premake) AT TIME ZONE p.zone;
    -- the partitions already made reach until most of the time: one look
    last := pg_catalog.to_char((followup.partition_bounds(until, p.period, p.zone)).lo AT TIME ZONE p.zone, 'YYYYMMDD');
    IF pg_catalog.to_regclass('followup.interaction_p' || last) IS NOT NULL
       AND pg_catalog.to_regclass('followup.state_change_p' || last) IS NOT NULL THEN
        RETURN 0;
    END IF;
    -- one maker at a time (run_due may run concurrently): the second waits
    -- here, and then sees and skips what the first made
    LOCK TABLE followup.history_partitioning IN SHARE ROW EXCLUSIVE MODE;
    made := followup.make_partitions('interaction', least(upto, now()), until + interval '1 microsecond')
            + followup.make_partitions('state_change', least(upto, now()), until + interval '1 microsecond');
    RETURN made;
END $$;
COMMENT ON FUNCTION followup.maintain_partitions(timestamptz) IS
    'once partition_history ran: makes the partitions of the history from now (or upto, if earlier) to premake periods past the later of now and upto; run_due calls it; returns the partitions made';

CREATE FUNCTION followup.partition_history(period interval DEFAULT '1 month', premake int DEFAULT 3)
    RETURNS TABLE (relation regclass, partitions int, rows_moved bigint)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tbl text;
    col text;
    old text;
    r record;
    def text;
    views text[] := '{}';
    funcs jsonb := '[]';
    f jsonb;
    until timestamptz;
    oldest timestamptz;
    n bigint;
    made int;
    seq text;
    newseq text;
    zone text := pg_catalog.current_setting('TimeZone');
    n_distributed boolean;
    restoring boolean;
    restored text[];
    cols text;
    m bigint;
BEGIN
    IF (SELECT c.relkind FROM pg_catalog.pg_class c
        WHERE c.oid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass) OPERATOR(pg_catalog.=) 'p' THEN
        RAISE EXCEPTION 'followup''s history is already partitioned'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Its partitions are %s each, made %s ahead (followup.history_partitioning).',
                                             (SELECT p.period FROM followup.history_partitioning p),
                                             (SELECT p.premake FROM followup.history_partitioning p));
    END IF;
    -- a restored dump of a partitioned history (docs/operations.md#retention)
    -- brings back the partitioning's row: its period, premake and zone apply
    restoring := EXISTS (SELECT 1 FROM followup.history_partitioning);
    IF restoring THEN
        SELECT p.period, p.premake, p.zone INTO period, premake, zone FROM followup.history_partitioning p;
    END IF;
    IF period IS NULL OR period < interval '1 day' OR pg_catalog.date_part('hour', period) <> 0
       OR pg_catalog.date_part('minute', period) <> 0 OR pg_catalog.date_part('second', period) <> 0 THEN
        RAISE EXCEPTION 'period % is not a whole number of days or months', period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use interval ''1 month'' (the default), ''1 week'' or ''1 day''.';
    END IF;
    IF premake < 1 OR premake > 120 THEN
        RAISE EXCEPTION 'premake % is out of range', premake
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Make 1 to 120 periods ahead (3 by default).';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p'
                ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''followup.lead''::pg_catalog.regclass)'
        INTO STRICT n_distributed;
        IF n_distributed THEN
            RAISE EXCEPTION 'followup''s tables are distributed by Citus, which partition_history does not convert'
                USING ERRCODE = 'feature_not_supported';
        END IF;
    END IF;
    IF NOT pg_catalog.pg_has_role(current_user,
            (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass),
            'USAGE') THEN
        RAISE EXCEPTION 'only the owner of followup''s tables may partition them'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Run followup.partition_history() as the role that created the extension.';
    END IF;
    LOCK TABLE followup.interaction, followup.state_change IN ACCESS EXCLUSIVE MODE;
    IF NOT restoring THEN
        INSERT INTO followup.history_partitioning (period, premake, zone) VALUES (period, premake, zone);
    END IF;

    -- what refers to the tables by their row type or their columns is made
    -- again on the new tables: the views (CREATE OR REPLACE keeps their
    -- privileges and comments) and the functions that return a row
    FOR r IN SELECT DISTINCT w.ev_class AS v
             FROM pg_catalog.pg_depend d
             JOIN pg_catalog.pg_rewrite w ON w.oid OPERATOR(pg_catalog.=) d.objid
             WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
               AND d.refobjid IN ('followup.interaction'::pg_catalog.regclass, 'followup.state_change'::pg_catalog.regclass)
               AND w.ev_class NOT IN ('followup.interaction'::pg_catalog.regclass, 'followup.state_change'::pg_catalog.regclass)
    LOOP
        views := views || pg_catalog.format('CREATE OR REPLACE VIEW %s%s AS %s', r.v::pg_catalog.regclass,
                    coalesce(' WITH (' || (SELECT pg_catalog.array_to_string(c.reloptions, ', ')
                                          FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) r.v) || ')', ''),
                    pg_catalog.pg_get_viewdef(r.v));
    END LOOP;
    FOR r IN SELECT p.oid::pg_catalog.regprocedure::pg_catalog.text AS sig, pg_catalog.pg_get_functiondef(p.oid) AS def,
                    p.proacl::pg_catalog.text AS acl, pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
                    EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                              AND e.objid OPERATOR(pg_catalog.=) p.oid AND e.deptype OPERATOR(pg_catalog.=) 'e') AS member
             FROM pg_catalog.pg_proc p
             WHERE p.prorettype IN ('followup.interaction'::pg_catalog.regtype, 'followup.state_change'::pg_catalog.regtype)
    LOOP
        funcs := funcs || pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(r));
        IF r.member THEN
            EXECUTE pg_catalog.format('ALTER EXTENSION followup DROP FUNCTION %s', r.sig);
        END IF;
        EXECUTE pg_catalog.format('DROP FUNCTION %s', r.sig);
    END LOOP;

    FOREACH tbl IN ARRAY ARRAY['interaction', 'state_change'] LOOP
        col := CASE WHEN tbl OPERATOR(pg_catalog.=) 'interaction' THEN 'occurred_at' ELSE 'changed_at' END;
        old := tbl || '_unpartitioned';
        -- the old table and the names of its indexes and sequence make way
        EXECUTE pg_catalog.format('ALTER TABLE followup.%I RENAME TO %I', tbl, old);
        FOR r IN SELECT i.indexrelid::pg_catalog.regclass AS idx, c.relname
                 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid
                 WHERE i.indrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
        LOOP
            EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', r.idx, 'old_' || r.relname);
        END LOOP;
        seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('followup.%I', old), 'interaction_id');
        IF seq IS NOT NULL THEN
            EXECUTE pg_catalog.format('ALTER SEQUENCE %s RENAME TO %I', seq, 'old_' || tbl || '_interaction_id_seq');
            seq := pg_catalog.format('followup.%I', 'old_' || tbl || '_interaction_id_seq');
        END IF;

        EXECUTE pg_catalog.format('CREATE TABLE followup.%I (LIKE followup.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                                  ' INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS'
                                  ' INCLUDING COMPRESSION INCLUDING STATISTICS) PARTITION BY RANGE (%I)', tbl, old, col);
        EXECUTE pg_catalog.format('ALTER TABLE followup.%I OWNER TO %I', tbl,
                                  (SELECT c.relowner::pg_catalog.regrole FROM pg_catalog.pg_class c
                                   WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass));
        EXECUTE pg_catalog.format('COMMENT ON TABLE followup.%I IS %L', tbl,
                                  pg_catalog.obj_description(pg_catalog.format('followup.%I', old)::pg_catalog.regclass, 'pg_class'));
        -- a restored dump: the partitions came back as tables of their own
        -- (their ATTACH failed on the unpartitioned table the extension
        -- script makes); their rows are taken in below and they make way
        restored := '{}';
        FOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relname FROM pg_catalog.pg_class c
                 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'followup'::pg_catalog.regnamespace
                   AND c.relkind OPERATOR(pg_catalog.=) 'r' AND NOT c.relispartition
                   AND (c.relname OPERATOR(pg_catalog.~) ('^' || tbl || '_p[0-9]{8}$')
                        OR c.relname OPERATOR(pg_catalog.=) (tbl || '_outside'))
        LOOP
            EXECUTE pg_catalog.format('ALTER TABLE %s RENAME TO %I', r.t, 'restored_' || r.relname);
            restored := restored || pg_catalog.format('followup.%I', 'restored_' || r.relname);
        END LOOP;
        EXECUTE pg_catalog.format('SELECT min(%1$I), max(%1$I) FROM followup.%2$I', col, old) INTO oldest, until;
        FOREACH def IN ARRAY restored LOOP
            EXECUTE pg_catalog.format('SELECT least(%3$L, min(%1$I)), greatest(%4$L, max(%1$I)) FROM %2$s',
                                      col, def, oldest, until) INTO oldest, until;
        END LOOP;
        -- the partitions: from the month of the oldest row to premake
        -- periods past the newest and now, and a default one that refuses
        -- what they miss
        until := (greatest(now(), until) AT TIME ZONE zone + period * premake) AT TIME ZONE zone;
        made := followup.make_partitions(tbl, coalesce(oldest, now()), until);
        EXECUTE pg_catalog.format('CREATE TABLE followup.%I PARTITION OF followup.%I DEFAULT', tbl || '_outside', tbl);
        EXECUTE pg_catalog.format('CREATE TRIGGER a_refuse_outside_partitions BEFORE INSERT ON followup.%I'
                                  ' FOR EACH ROW EXECUTE FUNCTION followup.refuse_outside_partitions(%L, %L)',
                                  tbl || '_outside', col, tbl);

        -- the rows, before the indexes (built once) and the triggers (they were
        -- applied and stamped) exist
        EXECUTE pg_catalog.format('INSERT INTO followup.%I SELECT * FROM followup.%I', tbl, old);
        GET DIAGNOSTICS n = ROW_COUNT;
        cols := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', tbl)::pg_catalog.regclass
                   AND a.attnum > 0 AND NOT a.attisdropped);
        FOREACH def IN ARRAY restored LOOP
            EXECUTE pg_catalog.format('INSERT INTO followup.%I (%s) SELECT %s FROM %s', tbl, cols, cols, def);
            GET DIAGNOSTICS m = ROW_COUNT;
            n := n + m;
            EXECUTE pg_catalog.format('DROP TABLE %s', def);
        END LOOP;
        IF seq IS NOT NULL THEN
            newseq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('followup.%I', tbl), 'interaction_id');
            -- (a restored dump's sequence was not dumped: the rows say where it is)
            EXECUTE pg_catalog.format('SELECT pg_catalog.setval(%L, greatest(s.last_value, (SELECT max(i.interaction_id) FROM followup.interaction i)),'
                                      ' s.is_called OR EXISTS (SELECT 1 FROM followup.interaction)) FROM %s s', newseq, seq);
            -- the sequence's privileges (grant_operator's USAGE)
            FOR r IN SELECT a.privilege_type, a.grantee, a.is_grantable
                     FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
                     WHERE c.oid OPERATOR(pg_catalog.=) seq::pg_catalog.regclass
                       AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
            LOOP
                EXECUTE pg_catalog.format('GRANT %s ON SEQUENCE %s TO %s%s', r.privilege_type, newseq,
                    CASE WHEN r.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.grantee::pg_catalog.regrole::pg_catalog.text) END,
                    CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            END LOOP;
        END IF;

        -- keys and indexes: a unique one gains the partition column
        FOR r IN SELECT i.indexrelid, i.indisunique, i.indisprimary, i.indnkeyatts, i.indnatts, c.relname, a.amname,
                        pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS pred,
                        pg_catalog.pg_get_indexdef(i.indexrelid) AS def,
                        pg_catalog.obj_description(i.indexrelid, 'pg_class') AS comment,
                        EXISTS (SELECT 1 FROM pg_catalog.pg_attribute t WHERE t.attrelid OPERATOR(pg_catalog.=) i.indrelid
                                  AND t.attname OPERATOR(pg_catalog.=) col
                                  AND t.attnum OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[])) AS has_col
                 FROM pg_catalog.pg_index i
                 JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid
                 JOIN pg_catalog.pg_am a ON a.oid OPERATOR(pg_catalog.=) c.relam
                 WHERE i.indrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
                 ORDER BY c.relname
        LOOP
            IF r.indisprimary THEN
                def := pg_catalog.format('ALTER TABLE followup.%I ADD PRIMARY KEY (%s%s)', tbl,
                          (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(r.indexrelid, k, false), ', ' ORDER BY k)
                           FROM pg_catalog.generate_series(1, r.indnkeyatts) k),
                          CASE WHEN r.has_col THEN '' ELSE ', ' || pg_catalog.quote_ident(col) END);
            ELSIF r.indisunique AND NOT r.has_col THEN
                def := pg_catalog.format('CREATE UNIQUE INDEX %I ON followup.%I USING %s (%s, %I)%s%s',
                          pg_catalog.substr(r.relname, 5), tbl, r.amname,
                          (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(r.indexrelid, k, false), ', ' ORDER BY k)
                           FROM pg_catalog.generate_series(1, r.indnkeyatts) k),
                          col,
                          CASE WHEN r.indnatts > r.indnkeyatts THEN
                              ' INCLUDE (' || (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(r.indexrelid, k, false), ', ' ORDER BY k)
                                              FROM pg_catalog.generate_series(r.indnkeyatts + 1, r.indnatts) k) || ')'
                          ELSE '' END,
                          coalesce(' WHERE ' || r.pred, ''));
            ELSE
                def := pg_catalog.replace(pg_catalog.replace(r.def,
                          pg_catalog.format(' ON followup.%s USING ', old), pg_catalog.format(' ON followup.%s USING ', tbl)),
                          'INDEX ' || pg_catalog.quote_ident(r.relname) || ' ', 'INDEX ' || pg_catalog.quote_ident(pg_catalog.substr(r.relname, 5)) || ' ');
            END IF;
            EXECUTE def;
            IF r.comment IS NOT NULL THEN
                EXECUTE pg_catalog.format('COMMENT ON INDEX followup.%I IS %L',
                    CASE WHEN r.indisprimary THEN tbl || '_pkey' ELSE pg_catalog.substr(r.relname, 5) END, r.comment);
            END IF;
        END LOOP;

        -- foreign keys, triggers, row security, privileges
        FOR r IN SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
                 FROM pg_catalog.pg_constraint c
                 WHERE c.conrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
                   AND c.contype OPERATOR(pg_catalog.=) 'f'
        LOOP
            EXECUTE pg_catalog.format('ALTER TABLE followup.%I ADD CONSTRAINT %I %s', tbl, r.conname, r.def);
        END LOOP;
        FOR r IN SELECT t.tgname, t.tgenabled, pg_catalog.pg_get_triggerdef(t.oid) AS def,
                        pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
                 FROM pg_catalog.pg_trigger t
                 WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
                   AND NOT t.tgisinternal
                 ORDER BY t.tgname
        LOOP
            EXECUTE pg_catalog.replace(r.def, pg_catalog.format(' ON followup.%s ', old), pg_catalog.format(' ON followup.%s ', tbl));
            IF r.tgenabled OPERATOR(pg_catalog.<>) 'O' THEN
                EXECUTE pg_catalog.format('ALTER TABLE followup.%I %s TRIGGER %I', tbl,
                    CASE r.tgenabled::pg_catalog.text WHEN 'D' THEN 'DISABLE' WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE REPLICA' END,
                    r.tgname);
            END IF;
            IF r.comment IS NOT NULL THEN
                EXECUTE pg_catalog.format('COMMENT ON TRIGGER %I ON followup.%I IS %L', r.tgname, tbl, r.comment);
            END IF;
        END LOOP;
        FOR r IN SELECT p.polname, p.polpermissive, p.polcmd,
                        pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
                        pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS chk,
                        (SELECT pg_catalog.string_agg(CASE WHEN x OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                                           ELSE pg_catalog.quote_ident(x::pg_catalog.regrole::pg_catalog.text) END, ', ')
                         FROM pg_catalog.unnest(p.polroles) x) AS roles
                 FROM pg_catalog.pg_policy p
                 WHERE p.polrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
        LOOP
            EXECUTE pg_catalog.format('CREATE POLICY %I ON followup.%I AS %s FOR %s TO %s%s%s', r.polname, tbl,
                CASE WHEN r.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                CASE r.polcmd::pg_catalog.text WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                               WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                r.roles, coalesce(' USING (' || r.qual || ')', ''), coalesce(' WITH CHECK (' || r.chk || ')', ''));
        END LOOP;
        IF (SELECT c.relrowsecurity FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass) THEN
            EXECUTE pg_catalog.format('ALTER TABLE followup.%I ENABLE ROW LEVEL SECURITY', tbl);
        END IF;
        IF (SELECT c.relforcerowsecurity FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass) THEN
            EXECUTE pg_catalog.format('ALTER TABLE followup.%I FORCE ROW LEVEL SECURITY', tbl);
        END IF;
        -- the table's and its columns' privileges; the partitions have none
        -- but the owner's: every other role reaches the rows through the
        -- parent, its privileges, row security and statement triggers
        FOR r IN SELECT a.privilege_type, a.grantee, a.is_grantable, NULL::name AS attname
                 FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
                 WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
                   AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
                 UNION ALL
                 SELECT a.privilege_type, a.grantee, a.is_grantable, t.attname
                 FROM pg_catalog.pg_attribute t, pg_catalog.aclexplode(t.attacl) a
                 WHERE t.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('followup.%I', old)::pg_catalog.regclass
                   AND t.attacl IS NOT NULL
        LOOP
            EXECUTE pg_catalog.format('GRANT %s%s ON followup.%I TO %s%s', r.privilege_type,
                coalesce(' (' || pg_catalog.quote_ident(r.attname) || ')', ''), tbl,
                CASE WHEN r.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.grantee::pg_catalog.regrole::pg_catalog.text) END,
                CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;

        relation := pg_catalog.format('followup.%I', tbl)::pg_catalog.regclass;
        partitions := made;
        rows_moved := n;
        RETURN NEXT;
    END LOOP;

    -- what referred to the old tables now refers to the new ones
    FOREACH def IN ARRAY views LOOP
        EXECUTE def;
    END LOOP;
    FOR f IN SELECT * FROM pg_catalog.jsonb_array_elements(funcs) LOOP
        EXECUTE f->>'def';
        IF (f->>'member')::boolean THEN
            EXECUTE pg_catalog.format('ALTER EXTENSION followup ADD FUNCTION %s', f->>'sig');
        END IF;
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f->>'sig');
        FOR r IN SELECT a.privilege_type, a.grantee, a.is_grantable
                 FROM pg_catalog.aclexplode((f->>'acl')::pg_catalog.aclitem[]) a
        LOOP
            EXECUTE pg_catalog.format('GRANT %s ON FUNCTION %s TO %s%s', r.privilege_type, f->>'sig',
                CASE WHEN r.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.grantee::pg_catalog.regrole::pg_catalog.text) END,
                CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
        IF f->>'comment' IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', f->>'sig', f->>'comment');
        END IF;
    END LOOP;

    -- the new tables are the extension's, as the old ones were
    FOREACH tbl IN ARRAY ARRAY['interaction', 'state_change'] LOOP
        old := tbl || '_unpartitioned';
        EXECUTE pg_catalog.format('ALTER EXTENSION followup DROP TABLE followup.%I', old);
        IF tbl OPERATOR(pg_catalog.=) 'interaction' THEN
            EXECUTE 'ALTER EXTENSION followup DROP SEQUENCE followup.old_interaction_interaction_id_seq';
        END IF;
        EXECUTE pg_catalog.format('DROP TABLE followup.%I', old);
        EXECUTE pg_catalog.format('ALTER EXTENSION followup ADD TABLE followup.%I', tbl);
    END LOOP;
    newseq := pg_catalog.pg_get_serial_sequence('followup.interaction', 'interaction_id');
    IF newseq OPERATOR(pg_catalog.<>) 'followup.interaction_interaction_id_seq' THEN
        EXECUTE pg_catalog.format('ALTER SEQUENCE %s RENAME TO interaction_interaction_id_seq', newseq);
    END IF;
END $$;
COMMENT ON FUNCTION followup.partition_history(interval, int) IS
    'as the owner: turns followup.interaction and followup.state_change into tables partitioned by range of occurred_at and changed_at, one partition per period from the month of the oldest row to premake periods ahead, moving every row (docs/operations.md#retention); returns the partitions made and the rows moved per table';

CREATE FUNCTION followup.drop_history_before(before timestamptz, detach_only boolean DEFAULT false)
    RETURNS TABLE (partition text, lo timestamptz, hi timestamptz, rows bigint, dropped boolean)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
-- the partitions' bounds are read back as text
SET datestyle = 'ISO, YMD' AS $$
DECLARE
    st followup.rollup_state;
    p followup.history_partitioning;
    r record;
    mark record;
    kept timestamptz;
BEGIN
    SELECT * INTO p FROM followup.history_partitioning;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'followup''s history is not partitioned'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run SELECT followup.partition_history(); first (docs/operations.md#retention).';
    END IF;
    -- one retention at a time, and no roll_up meanwhile
    SELECT * INTO STRICT st FROM followup.rollup_state FOR UPDATE;
    kept := st.kept_from;
    FOR r IN SELECT c.oid::pg_catalog.regclass AS part, c.relname,
                    (pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                             'FROM \(''([^'']*)''\) TO \(''([^'']*)''\)')) AS b,
                    i.inhparent::pg_catalog.regclass AS parent
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid
             WHERE i.inhparent IN ('followup.interaction'::pg_catalog.regclass, 'followup.state_change'::pg_catalog.regclass)
             ORDER BY 3, 4
    LOOP
        CONTINUE WHEN r.b IS NULL;      -- the default partition
        lo := r.b[1]::timestamptz;
        hi := r.b[2]::timestamptz;
        CONTINUE WHEN hi > before;
        -- every day of the partition must be rolled up, and final: the
        -- reports answer for it from the rollups once its rows are gone
        IF st.zone IS NULL OR hi > st.rolled_until THEN
            RAISE EXCEPTION 'the reports'' rollups do not yet hold every day of %', r.part
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('%s holds %s to %s; the rollups are final until %s.', r.part,
                                                 pg_catalog.to_char(lo AT TIME ZONE p.zone, 'YYYY-MM-DD'),
                                                 pg_catalog.to_char(hi AT TIME ZONE p.zone, 'YYYY-MM-DD'),
                                                 coalesce(pg_catalog.to_char(st.rolled_until AT TIME ZONE p.zone, 'YYYY-MM-DD'), 'none')),
                      HINT = 'A day is final two days and every policy''s escalate_after after it ends; followup.run_due rolls it up (followup.roll_up()). Drop an earlier month, or wait.';
        END IF;
        IF st.zone OPERATOR(pg_catalog.<>) p.zone THEN
            RAISE EXCEPTION 'the rollups are in time zone %, the partitions in %', st.zone, p.zone
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = pg_catalog.format('Run SELECT followup.roll_up(); with TimeZone = %L, then again.', p.zone);
        END IF;
        SELECT m.tenant_id, m.since INTO mark FROM followup.rollup_mark m
         WHERE m.since < hi AND m.until >= lo LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'a day of % changed since it was rolled up', r.part
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('Tenant %s has a late write at %s, which the next roll_up re-rolls.', mark.tenant_id, mark.since),
                      HINT = 'Run SELECT followup.roll_up(); then again.';
        END IF;
        EXECUTE pg_catalog.format('SELECT count(*) FROM %s', r.part) INTO rows;
        EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', r.parent, r.part);
        IF detach_only THEN
            -- out of followup's way: a table of its own, the owner's alone
            EXECUTE pg_catalog.format('ALTER TABLE %s RENAME TO %I', r.part, 'detached_' || r.relname);
            partition := 'followup.' || pg_catalog.quote_ident('detached_' || r.relname);
        ELSE
            partition := r.part::pg_catalog.text;
            EXECUTE pg_catalog.format('DROP TABLE %s', r.part);
        END IF;
        dropped := NOT detach_only;
        kept := greatest(kept, hi);
        RETURN NEXT;
    END LOOP;
    UPDATE followup.rollup_state SET kept_from = kept;
END $$;
COMMENT ON FUNCTION followup.drop_history_before(timestamptz, boolean) IS
    'as the owner, once partitioned: drops (or, detach_only, detaches and renames detached_*) the partitions of the history that end by before, refusing (55000) while the rollups do not hold all their days final; the reports answer for those days from the rollups';

-- the owner's alone (after security.sql, which revoked the others')
REVOKE ALL ON FUNCTION followup.refuse_outside_partitions(), followup.partition_bounds(timestamptz, interval, text),
    followup.make_partitions(text, timestamptz, timestamptz), followup.maintain_partitions(timestamptz),
    followup.partition_history(interval, int), followup.drop_history_before(timestamptz, boolean) FROM PUBLIC;
