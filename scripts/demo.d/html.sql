-- scripts/demo.d/html.sql - the same views as one self-contained HTML page
-- (inline CSS and SVG, no network), printed to stdout.
SET client_min_messages = warning;
SET followup.tenant_id = 1;
CREATE FUNCTION pg_temp.bars(title text, labels text[], vals numeric[], unit text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('<figure><figcaption>%s</figcaption><svg width="560" height="%s" role="img">', title,
                  24 * cardinality(labels) + 10)
        || string_agg(format('<text x="0" y="%s" font-size="12">%s</text>'
                             '<rect x="170" y="%s" width="%s" height="16" fill="#2f6fab"/>'
                             '<text x="%s" y="%s" font-size="12">%s%s</text>',
                             24 * (i - 1) + 16, labels[i], 24 * (i - 1) + 4,
                             coalesce(round(300 * vals[i] / nullif((SELECT max(v) FROM unnest(vals) v), 0)), 0),
                             176 + coalesce(round(300 * vals[i] / nullif((SELECT max(v) FROM unnest(vals) v), 0)), 0),
                             24 * (i - 1) + 16, vals[i], unit), '' ORDER BY i)
        || '</svg></figure>'
    FROM generate_subscripts(labels, 1) g(i)
$$;
CREATE FUNCTION pg_temp.tbl(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; h text := ''; cols text[]; first boolean := true; k text;
BEGIN
    FOR r IN EXECUTE 'SELECT to_json(t) AS j FROM (' || q || ') t' LOOP
        IF first THEN
            SELECT array_agg(key ORDER BY ord) INTO cols FROM json_each(r.j) WITH ORDINALITY e(key, value, ord);
            h := '<table><tr>' || (SELECT string_agg('<th>' || c || '</th>', '') FROM unnest(cols) c) || '</tr>';
            first := false;
        END IF;
        h := h || '<tr>';
        FOREACH k IN ARRAY cols LOOP
            h := h || '<td>' || coalesce(replace(replace(r.j ->> k, '&', '&amp;'), '<', '&lt;'), '') || '</td>';
        END LOOP;
        h := h || '</tr>';
    END LOOP;
    RETURN h || '</table>';
END $$;
SELECT '<!DOCTYPE html><html><head><meta charset="utf-8"><title>followup report</title><style>'
    || 'body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}'
    || 'table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}'
    || 'th{background:#eef3f8}.seed{font-size:1.2em;background:#fff7e0;padding:0.8em;border-left:4px solid #e0a800}'
    || 'figure{margin:0 0 1.5em}figcaption{font-weight:bold;margin-bottom:4px}</style></head><body>'
    || '<h1>Follow-up report</h1><p>An online electronics store that sells through a messenger: '
    || (SELECT count(*) FROM followup.lead) || ' leads, ' || (SELECT count(*) FROM followup.interaction)
    || ' interactions and ' || (SELECT count(*) FROM followup.task) || ' tasks over 60 simulated days.</p>'
    || (SELECT format('<p class="seed">Of the %s leads that said they would think about it in the last 30 days, '
                      '%s got a second message: <b>%s by rule</b>, %s by chance. %s never heard from us again.</p>',
                      stalled, followed_up, by_rule, by_chance, never) FROM followup.stall_diagnostic('30 days'))
    || '<h2>Pipeline</h2>'
    || (SELECT pg_temp.bars('Leads by state', array_agg(state::text ORDER BY state), array_agg(leads::numeric ORDER BY state), '')
        FROM followup.pipeline WHERE tenant_id = 1)
    || pg_temp.tbl('SELECT state, leads, overdue, awaiting_reply, justify_hours(date_trunc(''hour'', avg_age))::text AS avg_time_in_state FROM followup.pipeline WHERE tenant_id = 1 ORDER BY state')
    || '<h2>Operator compliance, 60 days</h2>'
    || (SELECT pg_temp.bars('Tasks done on time, %', array_agg(operator ORDER BY operator),
                            array_agg(round(100.0 * on_time / nullif(due, 0), 1) ORDER BY operator), '%')
        FROM (SELECT operator, sum(on_time) AS on_time, sum(due) AS due FROM followup.operator_compliance
              WHERE tenant_id = 1 AND operator IS NOT NULL GROUP BY operator) c)
    || (SELECT pg_temp.bars('Touches by chance (without a task)', array_agg(operator ORDER BY operator),
                            array_agg(by_chance ORDER BY operator), '')
        FROM (SELECT operator, sum(by_chance)::numeric AS by_chance FROM followup.operator_compliance
              WHERE tenant_id = 1 AND operator IS NOT NULL GROUP BY operator) c)
    || pg_temp.tbl('SELECT operator, sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late, sum(still_overdue) AS still_overdue, sum(by_rule) AS by_rule, sum(by_chance) AS by_chance FROM followup.operator_compliance WHERE tenant_id = 1 AND operator IS NOT NULL GROUP BY operator ORDER BY operator')
    || '<h2>Response times</h2>'
    || (SELECT pg_temp.bars('Median minutes to answer a customer', array_agg(operator ORDER BY operator),
                            array_agg(m ORDER BY operator), ' min')
        FROM (SELECT operator, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY median_seconds) / 60)::numeric, 1) AS m
              FROM followup.response_times WHERE tenant_id = 1 AND operator IS NOT NULL GROUP BY operator) r)
    || '<h2>Plan B recovery</h2>'
    || (SELECT pg_temp.bars('Won after the option, %', array_agg(action_code ORDER BY plan_b_step),
                            array_agg(round(100.0 * won_after / nullif(offered, 0), 1) ORDER BY plan_b_step), '%')
        FROM followup.plan_b_recovery WHERE tenant_id = 1)
    || pg_temp.tbl('SELECT plan_b_step, action_code, offered, declined, won_after FROM followup.plan_b_recovery WHERE tenant_id = 1 ORDER BY plan_b_step')
    || '<h2>Where leads go quiet</h2>'
    || pg_temp.tbl('SELECT state, touches, leads, silent_leads FROM followup.silence_by_stage WHERE tenant_id = 1 ORDER BY state, touches')
    || '<h2>Which touch works</h2>'
    || pg_temp.tbl('SELECT state, step_no, touches, replies, wins FROM followup.step_funnel WHERE tenant_id = 1 ORDER BY state, step_no')
    || '<p><small>Generated by <code>make demo</code> from followup''s views.</small></p></body></html>';
