-- test/upgrade/rows.sql - writes, for each of followup's tables, a query
-- giving its row count and a digest of its rows over the columns it has
-- now.  Written before an update and run before and after it: an update
-- may add columns, and shipped configuration rows (the extension's own,
-- shipped = true), never change what is there.
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) FROM (SELECT %s FROM followup.%I%s) r;',
              c.relname, E'\n', '',
              string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), c.relname,
              CASE WHEN bool_or(a.attname = 'shipped') THEN ' WHERE NOT shipped' ELSE '' END)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'followup'::regnamespace AND c.relkind = 'r'
GROUP BY c.relname
ORDER BY c.relname;
