-- scripts/demo.d/html.sql - the same views as one self-contained HTML page
-- (inline CSS and SVG, no scripts, no network), printed to stdout: run with
-- psql -At -o report.html.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET followup.tenant_id = 1;

CREATE FUNCTION pg_temp.esc(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(replace(t, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')
$$;
CREATE FUNCTION pg_temp.num(n numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN n = trunc(n) THEN to_char(n, 'FM999G999G999') ELSE to_char(n, 'FM999G999G990.0') END
$$;
CREATE FUNCTION pg_temp.human(d interval) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d IS NULL THEN ''
                WHEN abs(extract(epoch FROM d)) < 5400 THEN round(extract(epoch FROM d) / 60) || ' min'
                WHEN abs(extract(epoch FROM d)) < 2 * 86400 THEN round(extract(epoch FROM d) / 3600, 1) || ' h'
                ELSE round(extract(epoch FROM d) / 86400, 1) || ' days' END
$$;

-- horizontal bars: one per label, each its own colour, value printed after it
CREATE FUNCTION pg_temp.bars(title text, labels text[], vals numeric[], unit text, colours text[])
RETURNS text LANGUAGE sql AS $$
    SELECT format('<figure><figcaption>%s</figcaption>'
                  '<svg xmlns="http://www.w3.org/2000/svg" width="680" height="%s" role="img" aria-label="%s">',
                  pg_temp.esc(title), 26 * cardinality(labels) + 6, pg_temp.esc(title))
        || string_agg(format('<text x="196" y="%s" text-anchor="end" class="l">%s</text>'
                             '<rect x="202" y="%s" width="%s" height="18" rx="2" fill="%s"/>'
                             '<text x="%s" y="%s" class="v">%s%s</text>',
                             26 * (i - 1) + 17, pg_temp.esc(labels[i]),
                             26 * (i - 1) + 4, w, colours[1 + (i - 1) % cardinality(colours)],
                             208 + w, 26 * (i - 1) + 17, pg_temp.num(vals[i]), unit), '' ORDER BY i)
        || '</svg></figure>'
    FROM (SELECT i, greatest(round(380 * coalesce(vals[i], 0) / nullif(m, 0)), CASE WHEN vals[i] > 0 THEN 1 ELSE 0 END) AS w
          FROM generate_subscripts(labels, 1) i,
               (SELECT max(v) AS m FROM unnest(vals) v) mx) b
$$;

-- stacked horizontal bars: one bar per label, one segment per series
-- (vals[label][series]), with a legend
CREATE FUNCTION pg_temp.stacked(title text, labels text[], series text[], vals numeric[], colours text[])
RETURNS text LANGUAGE sql AS $$
    WITH cell AS (
        SELECT i, j, vals[i][j] AS v,
               coalesce(sum(vals[i][j]) OVER (PARTITION BY i ORDER BY j ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
               sum(vals[i][j]) OVER (PARTITION BY i) AS total
        FROM generate_subscripts(labels, 1) i, generate_subscripts(series, 1) j),
    scale AS (SELECT 400.0 / nullif(max(total), 0) AS k FROM cell)
    SELECT format('<figure><figcaption>%s</figcaption>'
                  '<svg xmlns="http://www.w3.org/2000/svg" width="680" height="%s" role="img" aria-label="%s">',
                  pg_temp.esc(title), 30 * cardinality(labels) + 30, pg_temp.esc(title))
        || (SELECT string_agg(format('<rect x="%s" y="4" width="12" height="12" fill="%s"/><text x="%s" y="14" class="l">%s</text>',
                                     202 + 118 * (j - 1), colours[j], 218 + 118 * (j - 1), pg_temp.esc(series[j])), '' ORDER BY j)
            FROM generate_subscripts(series, 1) j)
        || (SELECT string_agg(format('<text x="196" y="%s" text-anchor="end" class="l">%s</text>',
                                     30 * i + 15, pg_temp.esc(labels[i]))
                              || format('<text x="%s" y="%s" class="v">%s</text>',
                                        208 + round(total * k), 30 * i + 15, pg_temp.num(total)), '' ORDER BY i)
            FROM (SELECT DISTINCT i, total FROM cell) t, scale)
        || (SELECT string_agg(format('<rect x="%s" y="%s" width="%s" height="20" fill="%s"><title>%s: %s</title></rect>',
                                     202 + round(before * k), 30 * i, round(v * k), colours[j],
                                     pg_temp.esc(series[j]), pg_temp.num(v)), '' ORDER BY i, j)
            FROM cell, scale WHERE v > 0)
        || '</svg></figure>'
$$;

-- a query's result as a table; numbers right-aligned
CREATE FUNCTION pg_temp.tbl(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r record; h text := ''; cols text[]; first boolean := true; k text;
BEGIN
    FOR r IN EXECUTE 'SELECT to_json(t) AS j FROM (' || q || ') t' LOOP
        IF first THEN
            SELECT array_agg(key ORDER BY ord) INTO cols FROM json_each(r.j) WITH ORDINALITY e(key, value, ord);
            h := '<table><tr>' || (SELECT string_agg('<th>' || pg_temp.esc(c) || '</th>', '') FROM unnest(cols) c) || '</tr>';
            first := false;
        END IF;
        h := h || '<tr>';
        FOREACH k IN ARRAY cols LOOP
            h := h || CASE WHEN json_typeof(r.j -> k) = 'number'
                           THEN '<td class="n">' || pg_temp.num((r.j ->> k)::numeric)
                           ELSE '<td>' || coalesce(pg_temp.esc(r.j ->> k), '') END || '</td>';
        END LOOP;
        h := h || '</tr>';
    END LOOP;
    RETURN h || '</table>';
END $$;

CREATE TEMP TABLE ops AS
SELECT c.operator, c.due, c.on_time, c.late, c.still_overdue, c.by_rule, c.by_chance,
       c.due - c.on_time - c.late - c.still_overdue AS not_yet_late, d.median
FROM (SELECT operator, sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late,
             sum(still_overdue) AS still_overdue, sum(by_rule) AS by_rule, sum(by_chance) AS by_chance
      FROM followup.operator_compliance WHERE tenant_id = 1 AND operator IS NOT NULL
      GROUP BY operator) c
LEFT JOIN (SELECT operator, percentile_cont(0.5) WITHIN GROUP (ORDER BY delay) AS median
           FROM followup.touch_log WHERE tenant_id = 1 AND by_rule GROUP BY operator) d USING (operator);

SELECT '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    || '<meta name="viewport" content="width=device-width, initial-scale=1">'
    || '<title>followup: 60 days of follow-up in a messenger electronics store</title><style>'
    || 'body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#1d2733}'
    || 'h1{font-size:1.6em;margin-bottom:0.2em}h2{margin-top:2em;border-bottom:2px solid #dde4ec;padding-bottom:0.2em}'
    || '.sub{color:#5b6b7c;margin-top:0}p.note{color:#5b6b7c;font-size:0.9em}'
    || 'table{border-collapse:collapse;margin:0.5em 0 1.2em}td,th{border:1px solid #d4dbe3;padding:4px 9px;font-size:13px;text-align:left;vertical-align:top}'
    || 'th{background:#eef3f8}td.n{text-align:right;font-variant-numeric:tabular-nums}'
    || '.seed{font-size:1.2em;background:#fff7e0;padding:0.9em 1.1em;border-left:5px solid #e0a800;margin:1.5em 0}'
    || '.seed small{display:block;font-size:0.7em;color:#6b5a1e;margin-top:0.4em}'
    || 'figure{margin:0.5em 0 1em}figcaption{font-weight:600;margin-bottom:4px}'
    || 'svg text{font-size:12px;fill:#1d2733}svg text.v{fill:#44515f}'
    || 'td{white-space:nowrap}td:last-child{white-space:normal;max-width:460px}'
    || '</style></head><body>'
    || '<h1>Follow-up report</h1>'
    || format('<p class="sub">An online electronics store that sells through a messenger, simulated with '
              '<code>make demo</code> for the 60 days up to %s. Every number below is read from followup''s views.</p>',
              to_char(now(), 'YYYY-MM-DD HH24:MI TZ'))
    || (SELECT format('<p>%s leads arrived; %s said &ldquo;I''ll think about it&rdquo; at least once and %s had an installment '
                      'refused by the bank. Customers and operators wrote %s interactions (%s customer signals, %s outbound '
                      'touches); the job <code>followup.run_due</code>, called every two simulated hours, made %s tasks: '
                      '%s done, %s superseded because the customer moved first. Three operators own a third of the leads each: '
                      '<b>nino</b> does every task within minutes of its due time, <b>giorgi</b> does his hours late, and '
                      '<b>luka</b> never opens his task list: he answers the chats that blink and writes to whoever he remembers.</p>',
                      pg_temp.num(count(*)),
                      pg_temp.num((SELECT count(DISTINCT lead_id) FROM followup.state_change WHERE to_state = 'thinking')),
                      pg_temp.num((SELECT count(DISTINCT lead_id) FROM followup.state_change WHERE to_state = 'installment_rejected')),
                      pg_temp.num((SELECT count(*) FROM followup.interaction)),
                      pg_temp.num((SELECT count(*) FROM followup.interaction WHERE by_rule IS NULL)),
                      pg_temp.num((SELECT count(*) FROM followup.interaction WHERE by_rule IS NOT NULL)),
                      pg_temp.num((SELECT count(*) FROM followup.task)),
                      pg_temp.num((SELECT count(*) FROM followup.task WHERE status = 'done')),
                      pg_temp.num((SELECT count(*) FROM followup.task WHERE status = 'superseded')))
        FROM followup.lead)
    || (SELECT format('<div class="seed">Of the <b>%s</b> leads that said they would think about it in the last 30 days, '
                      '<b>%s</b> got a second message: <b>%s by rule</b>, %s by chance. %s never heard from us again; %s were won.'
                      '<small>followup.stall_diagnostic(''30 days'')</small></div>',
                      pg_temp.num(stalled), pg_temp.num(followed_up), pg_temp.num(by_rule), pg_temp.num(by_chance),
                      pg_temp.num(never), pg_temp.num(won))
        FROM followup.stall_diagnostic('30 days'))

    || '<h2>Pipeline</h2>'
    || (SELECT pg_temp.bars('Leads by state now', array_agg(state::text ORDER BY state), array_agg(leads::numeric ORDER BY state), '',
                            array_agg(CASE WHEN state = 'won' THEN '#2e9d5b' WHEN state = 'lost' THEN '#c8553d'
                                           WHEN state = 'recycle' THEN '#9aa7b4' ELSE '#2f6fab' END ORDER BY state))
        FROM followup.pipeline WHERE tenant_id = 1)
    || pg_temp.tbl('SELECT state, leads, overdue AS "next action overdue", awaiting_reply AS "awaiting our reply",
                           pg_temp.human(avg_age) AS "average time in state", pg_temp.human(max_age) AS "longest"
                    FROM followup.pipeline WHERE tenant_id = 1 ORDER BY state')
    || '<p class="note">followup.pipeline. Active leads always have a next action and its time; '
    || '&ldquo;overdue&rdquo; means that time has passed.</p>'

    || '<h2>Next week''s workload</h2>'
    || (WITH f AS (SELECT day, coalesce(team, '(nobody)') AS team, sum(touches) AS touches
                   FROM followup.workload_forecast(7) GROUP BY 1, 2),
             teams AS (SELECT array_agg(DISTINCT team ORDER BY team) AS t FROM f),
             days AS (SELECT d.day, array_agg(coalesce(f.touches, 0) ORDER BY x.i) AS v
                      FROM (SELECT DISTINCT day FROM f) d
                      CROSS JOIN teams CROSS JOIN LATERAL unnest(teams.t) WITH ORDINALITY x(team, i)
                      LEFT JOIN f ON f.day = d.day AND f.team = x.team
                      GROUP BY d.day)
        SELECT pg_temp.stacked('Tasks the plans bring each day if every touch is made when due, by team',
                               array_agg(to_char(day, 'Dy Mon DD') ORDER BY day), (SELECT t FROM teams),
                               array_agg(v ORDER BY day), ARRAY['#2f6fab', '#e0a800', '#2e9d5b', '#8a6fb5', '#9aa7b4'])
        FROM days)
    || pg_temp.tbl('SELECT day, coalesce(team, ''(nobody)'') AS team, sum(touches) AS tasks, max(team_capacity) AS capacity,
                           CASE WHEN sum(touches) > max(team_capacity) THEN sum(touches) - max(team_capacity) END AS "over by"
                    FROM followup.workload_forecast(7) GROUP BY 1, 2 ORDER BY 1, 2')
    || '<p class="note">followup.workload_forecast(7): per day and team, against the daily capacity in followup.capacity.</p>'

    || '<h2>Operators: by rule or by chance</h2>'
    || (SELECT pg_temp.stacked('What became of each operator''s follow-ups, 60 days',
                               array_agg(operator ORDER BY operator),
                               ARRAY['done on time', 'done late', 'still overdue', 'by chance'],
                               array_agg(ARRAY[on_time, late, still_overdue, by_chance] ORDER BY operator),
                               ARRAY['#2e9d5b', '#e0a800', '#c8553d', '#8a6fb5'])
        FROM ops)
    || pg_temp.tbl('SELECT operator, due AS "tasks due", on_time AS "on time", late, still_overdue AS "still overdue",
                           round(100.0 * on_time / nullif(due, 0), 1) AS "on time %", by_rule AS "touches by rule",
                           by_chance AS "touches by chance", pg_temp.human(median) AS "median delay"
                    FROM ops ORDER BY operator')
    || '<p class="note">followup.operator_compliance summed over the days, median delay from followup.touch_log. '
    || 'A task is on time when it is done within its policy''s <code>escalate_after</code> of its due time; '
    || 'a touch is by chance when the lead had no task.</p>'
    || (SELECT pg_temp.bars('How long customers waited for an answer: median of the daily medians, minutes',
                            array_agg(operator ORDER BY operator), array_agg(m ORDER BY operator), ' min',
                            ARRAY['#2f6fab'])
        FROM (SELECT operator, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY median_seconds) / 60)::numeric) AS m
              FROM followup.response_times WHERE tenant_id = 1 AND operator IS NOT NULL GROUP BY operator) r)
    || pg_temp.tbl('SELECT operator, sum(replies_answered) AS "customer messages answered",
                           pg_temp.human(percentile_cont(0.5) WITHIN GROUP (ORDER BY median)) AS "median of daily medians",
                           pg_temp.human(percentile_cont(0.5) WITHIN GROUP (ORDER BY p90)) AS "median of daily p90",
                           pg_temp.human(max(max)) AS "longest wait"
                    FROM followup.response_times WHERE tenant_id = 1 AND operator IS NOT NULL
                    GROUP BY operator ORDER BY operator')

    || (SELECT format('<h2>luka''s task list now</h2><p>%s open tasks, %s of them more than a day late. '
                      'The latest of each kind, with the message followup rendered for the customer:</p>',
                      pg_temp.num(count(*)), pg_temp.num(count(*) FILTER (WHERE overdue_by > interval '1 day')))
        FROM followup.due_tasks WHERE assignee = 'luka')
    || pg_temp.tbl($q$
        SELECT external_ref AS lead, attrs ->> 'name' AS customer, state,
               CASE kind WHEN 'reply' THEN 'reply owed'
                         WHEN 'plan_b' THEN 'Plan B ' || plan_b_step || ': ' || action_code
                         ELSE kind || ' ' || step_no || ': ' || action_code END AS task,
               to_char(due_at, 'Mon DD HH24:MI') AS due, pg_temp.human(overdue_by) AS late,
               coalesce(message, '(no template: answer the customer by hand)') AS message
        FROM (SELECT DISTINCT ON (d.state, d.kind, d.step_no) d.*, l.attrs
              FROM followup.due_tasks d JOIN followup.lead l USING (tenant_id, lead_id)
              WHERE d.assignee = 'luka'
              ORDER BY d.state, d.kind, d.step_no, d.due_at DESC) t
        ORDER BY due_at DESC LIMIT 10 $q$)
    || '<p class="note">followup.due_tasks.</p>'

    || '<h2>Plan B after a bank refusal</h2>'
    || (SELECT pg_temp.bars('Won after the option was offered (before the next one), % of offers',
                            array_agg(plan_b_step || '. ' || action_code ORDER BY plan_b_step),
                            array_agg(round(100.0 * won_after / nullif(offered, 0), 1) ORDER BY plan_b_step), '%',
                            ARRAY['#2e9d5b'])
        FROM followup.plan_b_recovery WHERE tenant_id = 1)
    || pg_temp.tbl('SELECT plan_b_step AS option, action_code, offered, declined, won_after AS "won after it",
                           round(100.0 * won_after / nullif(offered, 0), 1) AS "won %"
                    FROM followup.plan_b_recovery WHERE tenant_id = 1 ORDER BY plan_b_step')
    || '<p class="note">followup.plan_b_recovery.</p>'

    || '<h2>Why they paused</h2>'
    || (SELECT pg_temp.stacked('Reasons customers gave, and what followed',
                               array_agg(reason ORDER BY n DESC, reason),
                               ARRAY['won', 'replied', 'declined', 'silence', 'lost'],
                               array_agg(ARRAY[won, replied, declined, silence, lost] ORDER BY n DESC, reason),
                               ARRAY['#2e9d5b', '#2f6fab', '#e0a800', '#9aa7b4', '#c8553d'])
        FROM (SELECT reason, sum(occurrences) AS n, sum(won) AS won, sum(replied) AS replied, sum(declined) AS declined,
                     sum(silence) AS silence, sum(lost) AS lost
              FROM followup.reasons WHERE tenant_id = 1 GROUP BY reason) r)
    || pg_temp.tbl('SELECT state, step, reason, occurrences AS "given", won, replied, declined, silence, lost,
                           round(100.0 * won / nullif(occurrences, 0)) AS "won %"
                    FROM followup.reasons WHERE tenant_id = 1 AND occurrences >= 5
                    ORDER BY occurrences DESC, state, step, reason LIMIT 15')
    || '<p class="note">followup.reasons: per state and step (the touches made in the state before the reason was given; '
    || 'in installment_rejected the Plan B option offered last), each reason once, by what followed it: '
    || 'won or lost afterwards, else the customer''s next message (another objection counts as declined), else silence. '
    || 'The shop''s Plan B is ordered by reason: a financing objection skips to the options that need no loan.</p>'

    || '<h2>After the sale</h2>'
    || (SELECT format('<p>%s leads were won. Each one stays won and gets the shop''s after-sale cadence: a delivery check '
                      'after two days, a review request after a week, an accessory offer after a month (the upgrade reminder '
                      'after a year is beyond these 60 days). %s customers bought again (%s repeat purchases); %s of those purchases '
                      'followed an after-sale touch.</p>',
                      pg_temp.num((SELECT count(*) FROM followup.lead WHERE tenant_id = 1 AND state = 'won')),
                      pg_temp.num(count(DISTINCT lead_id)), pg_temp.num(count(*)),
                      pg_temp.num(count(*) FILTER (WHERE after_sale_task_id IS NOT NULL)))
        FROM followup.repeat_purchases WHERE tenant_id = 1)
    || pg_temp.tbl($q$
        SELECT t.step_no AS step, t.action_code, count(*) AS "tasks made", count(*) FILTER (WHERE t.status = 'done') AS done,
               count(*) FILTER (WHERE t.status IN ('open', 'claimed')) AS "still open",
               (SELECT count(*) FROM followup.repeat_purchases r
                WHERE r.tenant_id = 1 AND r.after_sale_action_code = t.action_code) AS "repeat purchases after it"
        FROM followup.task t WHERE t.tenant_id = 1 AND t.state = 'won' AND t.kind = 'followup'
        GROUP BY t.step_no, t.action_code ORDER BY t.step_no $q$)
    || pg_temp.tbl($q$
        SELECT l.external_ref AS lead, l.attrs ->> 'name' AS customer, to_char(r.previous_sale_at, 'Mon DD') AS "first sale",
               to_char(r.purchased_at, 'Mon DD') AS "bought again", coalesce(r.after_sale_action_code, '(none)') AS "after the touch"
        FROM followup.repeat_purchases r JOIN followup.lead l USING (tenant_id, lead_id)
        WHERE r.tenant_id = 1 ORDER BY r.purchased_at DESC LIMIT 8 $q$)
    || '<p class="note">followup.repeat_purchases; the after-sale tasks are followup.task rows in state won. '
    || 'Customers'' questions after the sale are answered as owed replies: the lead stays won.</p>'

    || '<h2>Where leads go quiet</h2>'
    || pg_temp.tbl('SELECT state, sum(leads) AS "open leads", sum(silent_leads) AS "silent",
                           sum(leads) FILTER (WHERE touches = 0) AS "no touch yet", sum(leads) FILTER (WHERE touches = 1) AS "1 touch",
                           sum(leads) FILTER (WHERE touches = 2) AS "2 touches", sum(leads) FILTER (WHERE touches >= 3) AS "3 or more"
                    FROM followup.silence_by_stage WHERE tenant_id = 1 GROUP BY state ORDER BY state')
    || '<p class="note">followup.silence_by_stage: open leads by the touches made since their silence began; silent: no word from the customer since.</p>'
    || '<h2>Which touch works</h2>'
    || pg_temp.tbl('SELECT state, step_no AS step, touches, replies, round(100.0 * replies / nullif(touches, 0)) AS "reply %", wins
                    FROM followup.step_funnel WHERE tenant_id = 1 AND touches >= 10 ORDER BY state, step_no')
    || '<p class="note">followup.step_funnel. In installment_rejected the step is the Plan B option; '
    || 'steps beyond a cadence are touches made by chance after it was spent; steps with fewer than 10 touches are left out. '
    || 'Replies: an answer from the customer before the next touch; wins: the lead was won later.</p>'
    || '<h2>The experiment: which thinking cadence wins</h2>'
    || (SELECT string_agg(pg_temp.bars(format('Arm %s, %s: %s leads, %s matured; verdict: %s', arm, arm_name, leads, matured, verdict),
                                       ARRAY['replied', 'won within 14 days', 'opted out'],
                                       ARRAY[100 * reply_rate, 100 * win_rate, 100 * opt_out_rate], '%',
                                       ARRAY['#3b7dd8', '#2e9d5b', '#c0392b']), '' ORDER BY arm)
        FROM followup.experiment_results WHERE tenant_id = 1 AND experiment_id = 1)
    || pg_temp.tbl('SELECT arm, arm_name, leads, matured, touches, replies, wins, opt_outs, win_rate, opt_out_rate,
                           win_rate_diff, win_rate_diff_lower, win_rate_diff_upper, win_p_value,
                           opt_out_rate_diff, opt_out_rate_diff_lower, opt_out_rate_diff_upper, verdict
                    FROM followup.experiment_results WHERE tenant_id = 1 AND experiment_id = 1 ORDER BY arm')
    || '<p class="note">followup.experiment_results: rates of the leads whose 14-day horizon has passed; '
    || 'differences against arm 1 with always-valid 95% intervals (valid however often they are looked at).</p>'
    || '<h2>Cadence advice for thinking</h2>'
    || pg_temp.tbl('SELECT touch, planned_offset, touches, replies, reply_rate, median_reply_after, wins, opt_outs,
                           suggested_offset, advice FROM followup.cadence_advice(''thinking'')')
    || '<p class="note">followup.cadence_advice(''thinking''): advice to test in an experiment, not a change.</p>'
    || '<p class="note">Generated by <code>make demo</code>. Self-contained: no scripts, no network.</p>'
    || '</body></html>';
