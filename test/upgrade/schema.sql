-- test/upgrade/schema.sql - the extension's objects, one line each, in a
-- stable order: what must be identical after an upgrade and a fresh install.
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'followup'),
member AS (
    SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
rel AS (
    SELECT c.oid, c.relname, c.relkind FROM pg_class c
    WHERE c.relnamespace = 'followup'::regnamespace)
SELECT line FROM (
    SELECT 'object ' || pg_describe_object(classid, objid, objsubid) FROM member
    UNION ALL
    SELECT 'comment ' || pg_describe_object(classid, objid, objsubid) || ': ' || obj_description(objid)
    FROM member WHERE obj_description(objid) IS NOT NULL
    UNION ALL
    -- with its place among the live columns: a column an upgrade adds comes
    -- last, so src/sql must add it last too (SELECT *, COPY and INSERT
    -- without a column list see the order)
    SELECT format('column %s.%s #%s %s%s%s: %s', r.relname, a.attname,
                  row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                  coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
                  coalesce(col_description(r.oid, a.attnum), ''))
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('options %s: %s', c.relname, c.reloptions) FROM pg_class c
    WHERE c.relnamespace = 'followup'::regnamespace AND c.reloptions IS NOT NULL
    UNION ALL
    SELECT format('constraint %s %s: %s', r.relname, co.conname, pg_get_constraintdef(co.oid))
    FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM rel r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT format('policy %s %s %s %s: %s / %s', tablename, policyname, cmd, roles, qual, with_check)
    FROM pg_policies WHERE schemaname = 'followup'
    UNION ALL
    SELECT format('view %s: %s %s', r.relname, pg_get_viewdef(r.oid), (SELECT reloptions FROM pg_class WHERE oid = r.oid))
    FROM rel r WHERE r.relkind = 'v'
    UNION ALL
    SELECT format('rls %s: %s', r.relname, c.relrowsecurity) FROM rel r JOIN pg_class c ON c.oid = r.oid WHERE r.relkind = 'r'
    UNION ALL
    SELECT 'function ' || pg_get_functiondef(p.oid) FROM pg_proc p
    WHERE p.pronamespace = 'followup'::regnamespace AND p.prokind = 'f'
    UNION ALL
    SELECT format('acl %s: %s', p.oid::regprocedure, p.proacl) FROM pg_proc p WHERE p.pronamespace = 'followup'::regnamespace
    UNION ALL
    -- the privileges the extension is created with: pg_dump dumps only what
    -- differs from them, so a grant recorded here is lost by a restore
    SELECT format('initial privileges %s: %s', pg_describe_object(i.classoid, i.objoid, i.objsubid), i.initprivs)
    FROM member m JOIN pg_init_privs i ON (i.classoid, i.objoid, i.objsubid) = (m.classid, m.objid, m.objsubid)
    UNION ALL
    SELECT format('dumped %s: %s', x.oid::regclass, x.cond)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(oid, cond) WHERE e.extname = 'followup'
    UNION ALL
    SELECT format('enum %s: %s', t.typname, (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid))
    FROM pg_type t WHERE t.typnamespace = 'followup'::regnamespace AND t.typtype = 'e'
) s(line)
ORDER BY line;
