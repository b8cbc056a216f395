
-- followup: reporting views for Metabase, Grafana and psql.  Each answers
-- one question; times are timestamptz, durations interval plus *_seconds for
-- charts, and every view carries tenant_id (row level security, where set
-- up, limits what a role sees).

-- the effective policy of a state for a tenant: its own row, else tenant 0's
CREATE FUNCTION followup.policy_for(tenant_id bigint, state followup.lead_state)
    RETURNS followup.policy
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.* FROM followup.policy p
    WHERE p.tenant_id IN (policy_for.tenant_id, 0) AND p.state = policy_for.state
    ORDER BY p.tenant_id DESC LIMIT 1
$$;
COMMENT ON FUNCTION followup.policy_for(bigint, followup.lead_state) IS
    'the policy that governs a state for a tenant: the tenant''s own row, else tenant 0''s';

-- only touches: what touch_log, the compliance reports and the funnels read
CREATE INDEX interaction_touch_idx ON followup.interaction (tenant_id, occurred_at)
    WHERE by_rule IS NOT NULL;
-- the rest (customers' messages, views, a bank's answers): what response_times reads
CREATE INDEX interaction_event_idx ON followup.interaction (tenant_id, occurred_at)
    WHERE by_rule IS NULL;
COMMENT ON INDEX followup.interaction_event_idx IS 'interactions that are not touches, by time, for the reports';
COMMENT ON INDEX followup.interaction_touch_idx IS 'outbound touches by time, for the reports';
CREATE INDEX task_due_idx ON followup.task (tenant_id, due_at);
COMMENT ON INDEX followup.task_due_idx IS 'tasks by due time, for operator_compliance';

CREATE VIEW followup.pipeline AS
SELECT l.tenant_id, l.state,
       count(*) AS leads,
       count(*) FILTER (WHERE l.next_action IS NOT NULL AND l.next_followup_at < now()) AS overdue,
       count(*) FILTER (WHERE l.next_action = 'reply') AS awaiting_reply,
       pg_catalog.justify_hours(avg(now() - l.state_since)) AS avg_age,
       extract(epoch FROM avg(now() - l.state_since))::bigint AS avg_age_seconds,
       pg_catalog.justify_hours(max(now() - l.state_since)) AS max_age,
       min(l.next_followup_at) AS next_due_at
FROM followup.lead l
GROUP BY l.tenant_id, l.state;
COMMENT ON VIEW followup.pipeline IS 'How many leads are in each state, how many are overdue, and how long they have been there';
COMMENT ON COLUMN followup.pipeline.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.pipeline.state IS 'lead state';
COMMENT ON COLUMN followup.pipeline.leads IS 'leads in the state';
COMMENT ON COLUMN followup.pipeline.overdue IS 'leads whose next action was due before now';
COMMENT ON COLUMN followup.pipeline.awaiting_reply IS 'leads waiting for our answer';
COMMENT ON COLUMN followup.pipeline.avg_age IS 'average time in the state';
COMMENT ON COLUMN followup.pipeline.avg_age_seconds IS 'avg_age in seconds';
COMMENT ON COLUMN followup.pipeline.max_age IS 'longest time in the state';
COMMENT ON COLUMN followup.pipeline.next_due_at IS 'the earliest planned action';

CREATE VIEW followup.touch_log AS
SELECT i.tenant_id, i.interaction_id, i.lead_id, i.occurred_at, i.kind, i.channel, i.operator,
       i.state_at AS state,
       i.touches_at + 1 AS step_no,
       i.plan_b_step_at AS plan_b_step,
       i.by_rule,
       t.task_id,
       t.kind AS task_kind,
       t.due_at,
       i.occurred_at - t.due_at AS delay,
       extract(epoch FROM i.occurred_at - t.due_at)::bigint AS delay_seconds,
       i.occurred_at - t.due_at <= coalesce(own.escalate_after, def.escalate_after) AS on_time,
       i.applied
FROM followup.interaction i
LEFT JOIN followup.task t ON i.by_rule AND t.tenant_id = i.tenant_id AND t.task_id = i.task_id
-- policy_for, as joins (see compliance_rows)
LEFT JOIN followup.policy own ON own.tenant_id = t.tenant_id AND own.state = t.state
LEFT JOIN followup.policy def ON def.tenant_id = 0 AND def.state = t.state
WHERE i.by_rule IS NOT NULL;
COMMENT ON VIEW followup.touch_log IS 'Every outbound touch: by rule (it did a task) or by chance, and how late against the task''s due time';
COMMENT ON COLUMN followup.touch_log.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.touch_log.interaction_id IS 'the touch';
COMMENT ON COLUMN followup.touch_log.lead_id IS 'the lead';
COMMENT ON COLUMN followup.touch_log.occurred_at IS 'when the touch was made';
COMMENT ON COLUMN followup.touch_log.kind IS 'message, call, ...';
COMMENT ON COLUMN followup.touch_log.channel IS 'where';
COMMENT ON COLUMN followup.touch_log.operator IS 'who made it';
COMMENT ON COLUMN followup.touch_log.state IS 'the lead''s state when it was made';
COMMENT ON COLUMN followup.touch_log.step_no IS 'the cadence step it counts as (touches before it + 1)';
COMMENT ON COLUMN followup.touch_log.plan_b_step IS 'in installment_rejected: the Plan B option it offered';
COMMENT ON COLUMN followup.touch_log.by_rule IS 'true: it did the lead''s task; false: the lead had no task (by chance)';
COMMENT ON COLUMN followup.touch_log.task_id IS 'the task it did';
COMMENT ON COLUMN followup.touch_log.task_kind IS 'reply, followup, plan_b or reactivate';
COMMENT ON COLUMN followup.touch_log.due_at IS 'when the task was due';
COMMENT ON COLUMN followup.touch_log.delay IS 'occurred_at - due_at (negative: early)';
COMMENT ON COLUMN followup.touch_log.delay_seconds IS 'delay in seconds';
COMMENT ON COLUMN followup.touch_log.on_time IS 'made within the policy''s escalate_after of the due time; NULL for a touch by chance';
COMMENT ON COLUMN followup.touch_log.applied IS 'false when it was recorded after a later event and changed nothing';

-- The reports that would read all history (operator_compliance,
-- response_times, step_funnel, plan_b_recovery) are built in three layers:
-- a *_source view, one row per task, touch or message with the time "at"
-- its day is taken from; a *_rows function grouping the source rows of
-- [lo, hi) and of the marked days before lo (src/sql/rollups.sql) by day; and
-- the report, which reads the rolled days from the *_day table and the rest
-- from *_rows.  roll_up writes *_rows into *_day, so both see one definition.
-- (SELECT lo) makes a bound a one-time InitPlan, not a per-row call, and
-- OFFSET 0 keeps a marked day an index range rather than a join over the
-- whole table.
--
-- The *_rows functions SET jit = off, so they are not inlined: each is
-- planned on its own, with JIT off, whatever the caller's settings.  Their
-- plans are many index probes (the touch after a touch, the answer to a
-- message), costed from the size of the history rather than of the days they
-- read: on a year of a shop's history the inlined plans crossed
-- jit_above_cost, and sometimes jit_inline_above_cost, and compiling took
-- longer than running them (docs/performance.md).  A report's filters on
-- tenant_id and day still reach its *_day table; its days since the last
-- roll_up (about three) are computed for every tenant the role can see and
-- then filtered.

CREATE VIEW followup.compliance_source AS
SELECT t.tenant_id, t.due_at AS at, coalesce(t.claimed_by, t.assignee) AS operator,
       true AS is_task, t.status = 'done' AS done, t.due_at, t.done_at - t.due_at AS delay,
       -- policy_for as joins (escalate_after is never NULL): a call per task
       -- would cost more than all the rest
       coalesce(own.escalate_after, def.escalate_after) AS escalate_after, NULL::boolean AS by_rule
FROM followup.task t
LEFT JOIN followup.policy own ON own.tenant_id = t.tenant_id AND own.state = t.state
LEFT JOIN followup.policy def ON def.tenant_id = 0 AND def.state = t.state
WHERE t.status <> 'superseded'
UNION ALL
SELECT i.tenant_id, i.occurred_at, i.operator, false, false, NULL, NULL, NULL, i.by_rule
FROM followup.interaction i
WHERE i.by_rule IS NOT NULL;
COMMENT ON VIEW followup.compliance_source IS 'operator_compliance''s rows before grouping: tasks by due time, touches by time';
COMMENT ON COLUMN followup.compliance_source.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.compliance_source.at IS 'the time whose day the row counts for: due_at of a task, occurred_at of a touch';
COMMENT ON COLUMN followup.compliance_source.operator IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_source.is_task IS 'a task (else a touch)';
COMMENT ON COLUMN followup.compliance_source.done IS 'a done task';
COMMENT ON COLUMN followup.compliance_source.due_at IS 'the task''s due time';
COMMENT ON COLUMN followup.compliance_source.delay IS 'done_at - due_at';
COMMENT ON COLUMN followup.compliance_source.escalate_after IS 'the task''s policy''s escalate_after';
COMMENT ON COLUMN followup.compliance_source.by_rule IS 'a touch''s by_rule';

CREATE FUNCTION followup.compliance_rows(lo timestamptz, hi timestamptz, as_of timestamptz)
    RETURNS TABLE (tenant_id bigint, operator text, day date, due bigint, on_time bigint, late bigint,
                   still_overdue bigint, by_rule bigint, by_chance bigint, median_delay interval)
    LANGUAGE sql STABLE PARALLEL SAFE
-- its own plan, never JIT-compiled: see the note above compliance_source
SET jit = off
-- BEGIN ATOMIC: bound at creation, so no caller's search_path applies
BEGIN ATOMIC
SELECT x.tenant_id, x.operator, x.at::date,
       count(*) FILTER (WHERE x.is_task),
       count(*) FILTER (WHERE x.done AND x.delay <= x.escalate_after),
       count(*) FILTER (WHERE x.done AND x.delay > x.escalate_after),
       count(*) FILTER (WHERE x.is_task AND NOT x.done AND as_of - x.due_at > x.escalate_after),
       count(*) FILTER (WHERE x.by_rule),
       count(*) FILTER (WHERE NOT x.by_rule),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.delay) FILTER (WHERE x.done)
FROM (-- each tenant's days of [lo, hi), a range of its index: one descent of
      -- lead_pkey finds each tenant (the rows of a tenant without leads
      -- would fail their foreign keys)
      SELECT s.* FROM (WITH RECURSIVE t(id) AS (
                           SELECT min(l.tenant_id) FROM followup.lead l
                           UNION ALL
                           SELECT (SELECT min(l.tenant_id) FROM followup.lead l WHERE l.tenant_id > t.id)
                           FROM t WHERE t.id IS NOT NULL)
                       SELECT t.id FROM t WHERE t.id IS NOT NULL) t
      CROSS JOIN LATERAL (SELECT * FROM followup.compliance_source s
                          WHERE s.tenant_id = t.id AND s.at >= (SELECT lo) AND s.at < (SELECT hi)
                          OFFSET 0) s
      UNION ALL
      SELECT s.* FROM followup.rollup_marked_day m
      CROSS JOIN LATERAL (SELECT * FROM followup.compliance_source s
                          WHERE s.tenant_id = m.tenant_id AND s.at >= m.day_start AND s.at < m.day_end
                          OFFSET 0) s
      WHERE m.day_start < (SELECT lo)) x
GROUP BY x.tenant_id, x.operator, x.at::date;
END;
COMMENT ON FUNCTION followup.compliance_rows(timestamptz, timestamptz, timestamptz) IS
    'operator_compliance computed from the tables for the days of [lo, hi) and the marked days before lo, as of as_of';

CREATE VIEW followup.operator_compliance AS
WITH d AS (
    SELECT r.tenant_id, r.operator, r.day, r.due, r.on_time, r.late, r.still_overdue, r.by_rule, r.by_chance,
           r.median_delay
    FROM followup.compliance_day r
    WHERE r.day::timestamptz < (SELECT followup.rolled_until())
      AND NOT EXISTS (SELECT 1 FROM followup.rollup_marked_day m WHERE m.tenant_id = r.tenant_id AND m.day = r.day)
    UNION ALL
    SELECT * FROM followup.compliance_rows(followup.rolled_until(), 'infinity', now()))
SELECT d.tenant_id, d.operator, d.day, d.due, d.on_time, d.late, d.still_overdue, d.by_rule, d.by_chance,
       pg_catalog.justify_hours(d.median_delay) AS median_delay,
       extract(epoch FROM d.median_delay)::bigint AS median_delay_seconds
FROM d;
COMMENT ON VIEW followup.operator_compliance IS 'Per operator and day: tasks due, done on time or late, still overdue; touches by rule and by chance';
COMMENT ON COLUMN followup.operator_compliance.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.operator_compliance.operator IS 'the operator (who claimed or was assigned the task, who made the touch); NULL = nobody yet';
COMMENT ON COLUMN followup.operator_compliance.day IS 'the day tasks were due and touches were made (session time zone)';
COMMENT ON COLUMN followup.operator_compliance.due IS 'tasks due that day (superseded ones excluded)';
COMMENT ON COLUMN followup.operator_compliance.on_time IS 'of those, done within the policy''s escalate_after';
COMMENT ON COLUMN followup.operator_compliance.late IS 'of those, done later';
COMMENT ON COLUMN followup.operator_compliance.still_overdue IS 'of those, not done and already later than escalate_after';
COMMENT ON COLUMN followup.operator_compliance.by_rule IS 'touches made that day that did a task';
COMMENT ON COLUMN followup.operator_compliance.by_chance IS 'touches made that day on a lead without a task';
COMMENT ON COLUMN followup.operator_compliance.median_delay IS 'median of done_at - due_at over the done tasks';
COMMENT ON COLUMN followup.operator_compliance.median_delay_seconds IS 'median_delay in seconds';

CREATE VIEW followup.response_source AS
SELECT r.tenant_id, r.occurred_at AS at, a.operator, a.occurred_at - r.occurred_at AS wait
FROM followup.interaction r
JOIN followup.rule ru ON ru.rule_id = r.rule_id AND ru.effect = 'respond'
CROSS JOIN LATERAL (
    SELECT i.operator, i.occurred_at FROM followup.interaction i
    WHERE i.tenant_id = r.tenant_id AND i.lead_id = r.lead_id AND i.by_rule IS NOT NULL
      AND i.occurred_at >= r.occurred_at
      AND (i.occurred_at, i.interaction_id) > (r.occurred_at, r.interaction_id)
    ORDER BY i.occurred_at, i.interaction_id LIMIT 1) a
WHERE r.applied AND r.by_rule IS NULL;
COMMENT ON VIEW followup.response_source IS 'response_times''s rows before grouping: each answered customer message by its time';
COMMENT ON COLUMN followup.response_source.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.response_source.at IS 'when the customer wrote';
COMMENT ON COLUMN followup.response_source.operator IS 'who answered';
COMMENT ON COLUMN followup.response_source.wait IS 'how long the customer waited';

CREATE FUNCTION followup.response_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, operator text, day date, replies_answered bigint, median interval,
                   p90 interval, max interval, stddev_seconds double precision)
    LANGUAGE sql STABLE PARALLEL SAFE
-- its own plan, never JIT-compiled: see the note above compliance_source
SET jit = off
-- BEGIN ATOMIC: bound at creation, so no caller's search_path applies
BEGIN ATOMIC
SELECT x.tenant_id, x.operator, x.at::date, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.wait),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY x.wait),
       max(x.wait),
       stddev_samp(extract(epoch FROM x.wait))
FROM (-- each tenant's days of [lo, hi), a range of its index: one descent of
      -- lead_pkey finds each tenant (the rows of a tenant without leads
      -- would fail their foreign keys)
      SELECT s.* FROM (WITH RECURSIVE t(id) AS (
                           SELECT min(l.tenant_id) FROM followup.lead l
                           UNION ALL
                           SELECT (SELECT min(l.tenant_id) FROM followup.lead l WHERE l.tenant_id > t.id)
                           FROM t WHERE t.id IS NOT NULL)
                       SELECT t.id FROM t WHERE t.id IS NOT NULL) t
      CROSS JOIN LATERAL (SELECT * FROM followup.response_source s
                          WHERE s.tenant_id = t.id AND s.at >= (SELECT lo) AND s.at < (SELECT hi)
                          OFFSET 0) s
      UNION ALL
      SELECT s.* FROM followup.rollup_marked_day m
      CROSS JOIN LATERAL (SELECT * FROM followup.response_source s
                          WHERE s.tenant_id = m.tenant_id AND s.at >= m.day_start AND s.at < m.day_end
                          OFFSET 0) s
      WHERE m.day_start < (SELECT lo)) x
GROUP BY x.tenant_id, x.operator, x.at::date;
END;
COMMENT ON FUNCTION followup.response_rows(timestamptz, timestamptz) IS
    'response_times computed from the tables for the days of [lo, hi) and the marked days before lo';

CREATE VIEW followup.response_times AS
WITH d AS (
    SELECT r.tenant_id, r.operator, r.day, r.replies_answered, r.median, r.p90, r.max, r.stddev_seconds
    FROM followup.response_day r
    WHERE r.day::timestamptz < (SELECT followup.rolled_until())
      AND NOT EXISTS (SELECT 1 FROM followup.rollup_marked_day m WHERE m.tenant_id = r.tenant_id AND m.day = r.day)
    UNION ALL
    SELECT * FROM followup.response_rows(followup.rolled_until(), 'infinity'))
SELECT d.tenant_id, d.operator, d.day, d.replies_answered,
       pg_catalog.justify_hours(d.median) AS median, pg_catalog.justify_hours(d.p90) AS p90,
       pg_catalog.justify_hours(d.max) AS max,
       extract(epoch FROM d.median)::bigint AS median_seconds,
       extract(epoch FROM d.p90)::bigint AS p90_seconds,
       extract(epoch FROM d.max)::bigint AS max_seconds,
       d.stddev_seconds
FROM d;
COMMENT ON VIEW followup.response_times IS 'Per operator and day: how long customers waited for an answer to their messages';
COMMENT ON COLUMN followup.response_times.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.response_times.operator IS 'who answered (the first outbound touch after the customer''s message)';
COMMENT ON COLUMN followup.response_times.day IS 'the day the customer wrote (session time zone)';
COMMENT ON COLUMN followup.response_times.replies_answered IS 'customer messages that owed a reply and got one';
COMMENT ON COLUMN followup.response_times.median IS 'median wait';
COMMENT ON COLUMN followup.response_times.p90 IS '90th percentile wait';
COMMENT ON COLUMN followup.response_times.max IS 'longest wait';
COMMENT ON COLUMN followup.response_times.median_seconds IS 'median in seconds';
COMMENT ON COLUMN followup.response_times.p90_seconds IS 'p90 in seconds';
COMMENT ON COLUMN followup.response_times.max_seconds IS 'max in seconds';
COMMENT ON COLUMN followup.response_times.stddev_seconds IS 'standard deviation of the wait, in seconds (NULL for a single reply)';

CREATE VIEW followup.silence_by_stage AS
SELECT l.tenant_id, l.state, l.touches,
       count(*) AS leads,
       count(*) FILTER (WHERE l.last_inbound_at IS NULL OR l.last_inbound_at <= l.anchor_at) AS silent_leads,
       pg_catalog.justify_hours(avg(now() - coalesce(l.last_inbound_at, l.created_at))) AS avg_silence,
       extract(epoch FROM avg(now() - coalesce(l.last_inbound_at, l.created_at)))::bigint AS avg_silence_seconds,
       pg_catalog.justify_hours(max(now() - coalesce(l.last_inbound_at, l.created_at))) AS max_silence
FROM followup.lead l
WHERE l.state NOT IN ('won', 'lost')
GROUP BY l.tenant_id, l.state, l.touches;
COMMENT ON VIEW followup.silence_by_stage IS 'Where leads go quiet: open leads by state and touches made, with how many have not answered since the silence began';
COMMENT ON COLUMN followup.silence_by_stage.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.silence_by_stage.state IS 'lead state (won and lost left out)';
COMMENT ON COLUMN followup.silence_by_stage.touches IS 'touches made since the silence began';
COMMENT ON COLUMN followup.silence_by_stage.leads IS 'leads at this state and touch count';
COMMENT ON COLUMN followup.silence_by_stage.silent_leads IS 'of those, no message from the customer since the silence began';
COMMENT ON COLUMN followup.silence_by_stage.avg_silence IS 'average time since the customer''s last message (or since the lead arrived)';
COMMENT ON COLUMN followup.silence_by_stage.avg_silence_seconds IS 'avg_silence in seconds';
COMMENT ON COLUMN followup.silence_by_stage.max_silence IS 'longest such time';

-- the touch after a touch, for step_funnel ("before the next touch")
CREATE VIEW followup.funnel_source AS
SELECT t.tenant_id, t.occurred_at AS at, t.state_at AS state,
       CASE WHEN t.state_at = 'installment_rejected' THEN t.plan_b_step_at ELSE t.touches_at + 1 END AS step_no,
       EXISTS (
           SELECT 1 FROM followup.interaction r
           CROSS JOIN LATERAL (SELECT s.direction FROM followup.signal s
                               WHERE s.tenant_id IN (r.tenant_id, 0) AND s.kind = r.kind
                               ORDER BY s.tenant_id DESC LIMIT 1) s
           WHERE r.tenant_id = t.tenant_id AND r.lead_id = t.lead_id AND s.direction = 'inbound'
             AND r.occurred_at >= t.occurred_at
             AND (r.occurred_at, r.interaction_id) > (t.occurred_at, t.interaction_id)
             AND (n.occurred_at IS NULL
                  OR (r.occurred_at, r.interaction_id) < (n.occurred_at, n.interaction_id))) AS replied,
       EXISTS (
           SELECT 1 FROM followup.state_change c
           WHERE c.tenant_id = t.tenant_id AND c.lead_id = t.lead_id AND c.to_state = 'won'
             AND c.changed_at >= t.occurred_at
             -- a CRM's move (no interaction) at the touch's instant counts as after it
             AND (c.changed_at, coalesce(c.interaction_id, t.interaction_id))
                 >= (t.occurred_at, t.interaction_id)) AS won
FROM followup.interaction t
LEFT JOIN LATERAL (
    SELECT n.occurred_at, n.interaction_id FROM followup.interaction n
    WHERE n.tenant_id = t.tenant_id AND n.lead_id = t.lead_id AND n.by_rule IS NOT NULL AND n.applied
      AND n.occurred_at >= t.occurred_at
      AND (n.occurred_at, n.interaction_id) > (t.occurred_at, t.interaction_id)
    ORDER BY n.occurred_at, n.interaction_id LIMIT 1) n ON true
WHERE t.by_rule IS NOT NULL AND t.applied;
COMMENT ON VIEW followup.funnel_source IS 'step_funnel''s rows before grouping: each touch by its time, answered before the next touch or not, the lead won afterwards or not';
COMMENT ON COLUMN followup.funnel_source.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.funnel_source.at IS 'when the touch was made';
COMMENT ON COLUMN followup.funnel_source.state IS 'as in step_funnel';
COMMENT ON COLUMN followup.funnel_source.step_no IS 'as in step_funnel';
COMMENT ON COLUMN followup.funnel_source.replied IS 'an inbound message came before the next touch';
COMMENT ON COLUMN followup.funnel_source.won IS 'the lead was won afterwards';

CREATE FUNCTION followup.funnel_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, day date, state followup.lead_state, step_no int,
                   touches bigint, replies bigint, wins bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
-- its own plan, never JIT-compiled: see the note above compliance_source
SET jit = off
-- BEGIN ATOMIC: bound at creation, so no caller's search_path applies
BEGIN ATOMIC
SELECT x.tenant_id, x.at::date, x.state, x.step_no, count(*),
       count(*) FILTER (WHERE x.replied), count(*) FILTER (WHERE x.won)
FROM (-- each tenant's days of [lo, hi), a range of its index: one descent of
      -- lead_pkey finds each tenant (the rows of a tenant without leads
      -- would fail their foreign keys)
      SELECT s.* FROM (WITH RECURSIVE t(id) AS (
                           SELECT min(l.tenant_id) FROM followup.lead l
                           UNION ALL
                           SELECT (SELECT min(l.tenant_id) FROM followup.lead l WHERE l.tenant_id > t.id)
                           FROM t WHERE t.id IS NOT NULL)
                       SELECT t.id FROM t WHERE t.id IS NOT NULL) t
      CROSS JOIN LATERAL (SELECT * FROM followup.funnel_source s
                          WHERE s.tenant_id = t.id AND s.at >= (SELECT lo) AND s.at < (SELECT hi)
                          OFFSET 0) s
      UNION ALL
      SELECT s.* FROM followup.rollup_marked_day m
      CROSS JOIN LATERAL (SELECT * FROM followup.funnel_source s
                          WHERE s.tenant_id = m.tenant_id AND s.at >= m.day_start AND s.at < m.day_end
                          OFFSET 0) s
      WHERE m.day_start < (SELECT lo)) x
GROUP BY x.tenant_id, x.at::date, x.state, x.step_no;
END;
COMMENT ON FUNCTION followup.funnel_rows(timestamptz, timestamptz) IS
    'step_funnel per day computed from the tables for the days of [lo, hi) and the marked days before lo';

CREATE VIEW followup.step_funnel AS
WITH d AS (
    SELECT r.tenant_id, r.state, r.step_no, r.touches, r.replies, r.wins
    FROM followup.funnel_day r
    WHERE r.day::timestamptz < (SELECT followup.rolled_until())
      AND NOT EXISTS (SELECT 1 FROM followup.rollup_marked_day m WHERE m.tenant_id = r.tenant_id AND m.day = r.day)
    UNION ALL
    SELECT f.tenant_id, f.state, f.step_no, f.touches, f.replies, f.wins
    FROM followup.funnel_rows(followup.rolled_until(), 'infinity') f)
SELECT d.tenant_id, d.state, d.step_no,
       sum(d.touches)::bigint AS touches, sum(d.replies)::bigint AS replies, sum(d.wins)::bigint AS wins
FROM d
GROUP BY d.tenant_id, d.state, d.step_no;
COMMENT ON VIEW followup.step_funnel IS 'Per state and step: touches made, how many got an answer before the next touch, how many leads were won afterwards';
COMMENT ON COLUMN followup.step_funnel.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.step_funnel.state IS 'the state the touch was made in';
COMMENT ON COLUMN followup.step_funnel.step_no IS 'cadence step (in installment_rejected: the Plan B option)';
COMMENT ON COLUMN followup.step_funnel.touches IS 'touches made at this step';
COMMENT ON COLUMN followup.step_funnel.replies IS 'of those, followed by an inbound message before the next touch';
COMMENT ON COLUMN followup.step_funnel.wins IS 'of those, on leads won afterwards';

CREATE VIEW followup.plan_b_source AS
SELECT o.tenant_id, o.occurred_at AS at, o.plan_b_step_at AS plan_b_step, s.action_code,
       -- declined: the customer said no before another option was offered
       EXISTS (
           SELECT 1 FROM followup.interaction d
           JOIN followup.rule r ON r.rule_id = d.rule_id AND r.effect = 'next_plan_b'
           WHERE d.tenant_id = o.tenant_id AND d.lead_id = o.lead_id AND d.applied
             AND d.occurred_at >= o.occurred_at
             AND (d.occurred_at, d.interaction_id) > (o.occurred_at, o.interaction_id)
             AND (n.occurred_at IS NULL
                  OR (d.occurred_at, d.interaction_id) < (n.occurred_at, n.interaction_id))) AS declined,
       -- a CRM's move (no interaction) at an offer's instant counts as after it
       EXISTS (
           SELECT 1 FROM followup.state_change c
           WHERE c.tenant_id = o.tenant_id AND c.lead_id = o.lead_id AND c.to_state = 'won'
             AND c.changed_at >= o.occurred_at
             AND (c.changed_at, coalesce(c.interaction_id, o.interaction_id)) >= (o.occurred_at, o.interaction_id)
             AND (n.occurred_at IS NULL
                  OR (c.changed_at, coalesce(c.interaction_id, n.interaction_id))
                     < (n.occurred_at, n.interaction_id))) AS won_after
FROM followup.interaction o
LEFT JOIN LATERAL (
    SELECT n.occurred_at, n.interaction_id FROM followup.interaction n
    WHERE n.tenant_id = o.tenant_id AND n.lead_id = o.lead_id AND n.by_rule IS NOT NULL AND n.applied
      AND n.state_at = 'installment_rejected' AND n.plan_b_step_at IS NOT NULL
      AND n.occurred_at >= o.occurred_at
      AND (n.occurred_at, n.interaction_id) > (o.occurred_at, o.interaction_id)
    ORDER BY n.occurred_at, n.interaction_id LIMIT 1) n ON true
-- only real options: a touch made after the matrix ran out offers none
JOIN LATERAL (
    SELECT s.action_code FROM followup.step s
    WHERE s.state = 'installment_rejected' AND s.step_no = o.plan_b_step_at
      AND (s.tenant_id = o.tenant_id OR (s.tenant_id = 0 AND NOT EXISTS (
           SELECT 1 FROM followup.step x WHERE x.tenant_id = o.tenant_id AND x.state = 'installment_rejected')))) s
    ON true
WHERE o.by_rule IS NOT NULL AND o.applied AND o.state_at = 'installment_rejected'
  AND o.plan_b_step_at IS NOT NULL;
COMMENT ON VIEW followup.plan_b_source IS 'plan_b_recovery''s rows before grouping: each offer by its time, declined or not, won after or not';
COMMENT ON COLUMN followup.plan_b_source.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.plan_b_source.at IS 'when the option was offered';
COMMENT ON COLUMN followup.plan_b_source.plan_b_step IS 'as in plan_b_recovery';
COMMENT ON COLUMN followup.plan_b_source.action_code IS 'as in plan_b_recovery';
COMMENT ON COLUMN followup.plan_b_source.declined IS 'declined before another option was offered';
COMMENT ON COLUMN followup.plan_b_source.won_after IS 'won before another option was offered';

CREATE FUNCTION followup.plan_b_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, day date, plan_b_step int, action_code text,
                   offered bigint, declined bigint, won_after bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
-- its own plan, never JIT-compiled: see the note above compliance_source
SET jit = off
-- BEGIN ATOMIC: bound at creation, so no caller's search_path applies
BEGIN ATOMIC
SELECT x.tenant_id, x.at::date, x.plan_b_step, x.action_code, count(*),
       count(*) FILTER (WHERE x.declined), count(*) FILTER (WHERE x.won_after)
FROM (-- each tenant's days of [lo, hi), a range of its index: one descent of
      -- lead_pkey finds each tenant (the rows of a tenant without leads
      -- would fail their foreign keys)
      SELECT s.* FROM (WITH RECURSIVE t(id) AS (
                           SELECT min(l.tenant_id) FROM followup.lead l
                           UNION ALL
                           SELECT (SELECT min(l.tenant_id) FROM followup.lead l WHERE l.tenant_id > t.id)
                           FROM t WHERE t.id IS NOT NULL)
                       SELECT t.id FROM t WHERE t.id IS NOT NULL) t
      CROSS JOIN LATERAL (SELECT * FROM followup.plan_b_source s
                          WHERE s.tenant_id = t.id AND s.at >= (SELECT lo) AND s.at < (SELECT hi)
                          OFFSET 0) s
      UNION ALL
      SELECT s.* FROM followup.rollup_marked_day m
      CROSS JOIN LATERAL (SELECT * FROM followup.plan_b_source s
                          WHERE s.tenant_id = m.tenant_id AND s.at >= m.day_start AND s.at < m.day_end
                          OFFSET 0) s
      WHERE m.day_start < (SELECT lo)) x
GROUP BY x.tenant_id, x.at::date, x.plan_b_step, x.action_code;
END;
COMMENT ON FUNCTION followup.plan_b_rows(timestamptz, timestamptz) IS
    'plan_b_recovery per day computed from the tables for the days of [lo, hi) and the marked days before lo';

CREATE VIEW followup.plan_b_recovery AS
WITH d AS (
    SELECT r.tenant_id, r.plan_b_step, r.action_code, r.offered, r.declined, r.won_after
    FROM followup.plan_b_day r
    WHERE r.day::timestamptz < (SELECT followup.rolled_until())
      AND NOT EXISTS (SELECT 1 FROM followup.rollup_marked_day m WHERE m.tenant_id = r.tenant_id AND m.day = r.day)
    UNION ALL
    SELECT f.tenant_id, f.plan_b_step, f.action_code, f.offered, f.declined, f.won_after
    FROM followup.plan_b_rows(followup.rolled_until(), 'infinity') f)
SELECT d.tenant_id, d.plan_b_step, d.action_code,
       sum(d.offered)::bigint AS offered, sum(d.declined)::bigint AS declined, sum(d.won_after)::bigint AS won_after
FROM d
GROUP BY d.tenant_id, d.plan_b_step, d.action_code;
COMMENT ON VIEW followup.plan_b_recovery IS 'Per Plan B option: how often it was offered, declined, and was the last one offered before the lead was won';
COMMENT ON COLUMN followup.plan_b_recovery.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.plan_b_recovery.plan_b_step IS 'the option''s number in the matrix';
COMMENT ON COLUMN followup.plan_b_recovery.action_code IS 'the option''s action code (alternative_bank, ...)';
COMMENT ON COLUMN followup.plan_b_recovery.offered IS 'touches that offered it';
COMMENT ON COLUMN followup.plan_b_recovery.declined IS 'offers the customer declined (plan_b_declined) before another option was offered';
COMMENT ON COLUMN followup.plan_b_recovery.won_after IS 'offers after which the lead was won before any other option was offered';

-- The one definition of the leads behind stall_diagnostic's numbers: each
-- lead of the tenant that entered thinking in the window, its first touch
-- afterwards, and whether it was won.  stall_diagnostic counts these rows,
-- stall_leads lists them.
CREATE FUNCTION followup.stall_rows(tenant bigint, since interval, as_of timestamptz)
    RETURNS TABLE (tenant_id bigint, lead_id bigint, external_ref text, owner text, timezone text,
                   entered_at timestamptz, by_rule boolean, touched_at timestamptz, touched_by text,
                   task_id bigint, won boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
-- an index probe per stalled lead is costed high enough to be JIT-compiled,
-- which takes longer than the probes (docs/performance.md)
SET jit = off AS $$
#variable_conflict use_column
BEGIN
    IF since IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'since and as_of must not be null' USING ERRCODE = '22004';
    ELSIF since < interval '0' THEN
        RAISE EXCEPTION 'since must not be negative: %', since USING ERRCODE = '22023',
            HINT = 'since is how far back from as_of to look, as in ''30 days''.';
    END IF;
    -- tenant is a parameter, not a subselect: Citus routes the statement by
    -- its value to the tenant's shards (docs/scaling.md), and a single node
    -- evaluates it once as well
    RETURN QUERY
    WITH stalled AS (
        -- each lead that entered thinking in the window, at its first entry
        SELECT c.tenant_id, c.lead_id, min(c.changed_at) AS entered_at,
               -- the interaction that moved it then, if any: a touch at the
               -- same instant is after it when it came after that interaction
               (array_agg(c.interaction_id ORDER BY c.changed_at, c.interaction_id))[1] AS entered_by
        FROM followup.state_change c
        WHERE c.tenant_id = stall_rows.tenant AND c.to_state = 'thinking'
          AND c.changed_at > stall_rows.as_of - stall_rows.since
          AND c.changed_at <= stall_rows.as_of
        GROUP BY c.tenant_id, c.lead_id
        -- probing in lead order walks interaction_lead_idx's leaves in order
        ORDER BY c.lead_id),
    -- wins in the window, read once rather than probed per lead: a win
    -- after a lead stalled in the window is in the window too
    last_win AS (
        SELECT w.lead_id, max(w.changed_at) AS won_at
        FROM followup.state_change w
        WHERE w.tenant_id = stall_rows.tenant AND w.to_state = 'won'
          AND w.changed_at > stall_rows.as_of - stall_rows.since
          AND w.changed_at <= stall_rows.as_of
        GROUP BY w.lead_id)
    SELECT s.tenant_id, s.lead_id, l.external_ref, l.owner, l.timezone, s.entered_at, t.by_rule, t.occurred_at,
           t.operator, t.task_id, coalesce(lw.won_at >= s.entered_at, false)
    FROM stalled s
    JOIN followup.lead l ON l.tenant_id = s.tenant_id AND l.lead_id = s.lead_id
    LEFT JOIN last_win lw ON lw.lead_id = s.lead_id
    LEFT JOIN LATERAL (
        SELECT i.by_rule, i.occurred_at, i.operator, i.task_id FROM followup.interaction i
        WHERE i.tenant_id = s.tenant_id AND i.lead_id = s.lead_id AND i.by_rule IS NOT NULL
          AND i.occurred_at >= s.entered_at AND i.occurred_at <= stall_rows.as_of
          AND (i.occurred_at, i.interaction_id) > (s.entered_at, coalesce(s.entered_by, 9223372036854775807))
        ORDER BY i.occurred_at, i.interaction_id LIMIT 1) t ON true;
END $$;
COMMENT ON FUNCTION followup.stall_rows(bigint, interval, timestamptz) IS
    'internal to stall_diagnostic and stall_leads (their one definition): the leads of a tenant that entered thinking in the window (since, ending at as_of), each with its first touch afterwards and whether it was won';

CREATE FUNCTION followup.stall_diagnostic(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (stalled bigint, followed_up bigint, by_rule bigint, by_chance bigint, never bigint, won bigint,
                   not_yet_due bigint, missed bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
#variable_conflict use_column
DECLARE
    tot record;
BEGIN
    SELECT count(*) AS stalled,
           count(f.touched_at) AS followed_up,
           count(*) FILTER (WHERE f.by_rule) AS by_rule,
           count(*) FILTER (WHERE NOT f.by_rule) AS by_chance,
           count(*) FILTER (WHERE f.touched_at IS NULL) AS never,
           count(*) FILTER (WHERE f.won) AS won,
           -- the leads never touched, with what planning their first touch needs
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('entered_at', f.entered_at, 'timezone', f.timezone))
               FILTER (WHERE f.touched_at IS NULL) AS untouched
    INTO tot
    FROM followup.stall_rows(followup.current_tenant(), since, as_of) f;
    -- a lead never touched: was its first touch due yet?  The thinking
    -- cadence's first touch from when it entered, in its working window.
    -- Planned here, apart from stall_rows' statement: on Citus that runs on
    -- the tenant's node, where the planner could not read the policies
    RETURN QUERY
    SELECT tot.stalled, tot.followed_up, tot.by_rule, tot.by_chance, tot.never, tot.won,
           count(*) FILTER (WHERE (d.due_at > stall_diagnostic.as_of) IS TRUE),
           count(*) FILTER (WHERE (d.due_at > stall_diagnostic.as_of) IS NOT TRUE)
    FROM pg_catalog.jsonb_to_recordset(coalesce(tot.untouched, '[]')) AS u(entered_at timestamptz, timezone text)
    LEFT JOIN LATERAL followup.plan_next_touch('thinking', u.entered_at, 0, NULL, NULL, NULL, u.timezone) d ON true;
END $$;
COMMENT ON FUNCTION followup.stall_diagnostic(interval, timestamptz) IS
    'the seed''s question for the current tenant: of the leads that entered thinking in the window (since, ending at as_of), how many got a follow-up touch afterwards, whether the first came by rule or by chance, how many never (split into not_yet_due: the first touch is not due by as_of, and missed: it was), how many were won';

CREATE FUNCTION followup.stall_leads(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (tenant_id bigint, lead_id bigint, external_ref text, owner text, entered_at timestamptz,
                   outcome text, touched_at timestamptz, touched_by text, task_id bigint, on_time boolean,
                   first_due timestamptz, won boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT f.tenant_id, f.lead_id, f.external_ref, f.owner, f.entered_at,
           CASE WHEN f.by_rule THEN 'by_rule' WHEN NOT f.by_rule THEN 'by_chance'
                WHEN (d.due_at > stall_leads.as_of) IS TRUE THEN 'not_yet_due' ELSE 'missed' END,
           f.touched_at, f.touched_by, t.task_id,
           -- as touch_log's on_time: within the task's policy's escalate_after
           CASE WHEN f.by_rule THEN f.touched_at - t.due_at <= coalesce(own.escalate_after, def.escalate_after) END,
           d.due_at, f.won
    FROM followup.stall_rows(followup.current_tenant(), since, as_of) f
    -- a lead never touched: was its first touch due yet?  (as stall_diagnostic)
    LEFT JOIN LATERAL followup.plan_next_touch('thinking', f.entered_at, 0, NULL, NULL, NULL, f.timezone) d
           ON f.touched_at IS NULL
    LEFT JOIN followup.task t ON f.by_rule AND t.tenant_id = f.tenant_id AND t.task_id = f.task_id
    LEFT JOIN followup.policy own ON own.tenant_id = t.tenant_id AND own.state = t.state
    LEFT JOIN followup.policy def ON def.tenant_id = 0 AND def.state = t.state
    ORDER BY f.lead_id;
END $$;
COMMENT ON FUNCTION followup.stall_leads(interval, timestamptz) IS
    'the leads behind stall_diagnostic''s numbers, one row per lead that entered thinking in the window, with its external_ref (the CRM''s key), owner, outcome (by_rule, by_chance, not_yet_due or missed), its first touch after it stalled (when, by whom, the task, on time or late), the first touch''s due time when never touched, and whether it was won';

CREATE FUNCTION followup.stall_diagnostic_by_operator(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (operator text, stalled bigint, followed_up bigint, by_rule bigint, by_rule_on_time bigint,
                   by_rule_late bigint, by_chance bigint, never bigint, won bigint, not_yet_due bigint,
                   missed bigint)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp SET jit = off AS $$
    SELECT s.owner,
           count(*),
           count(s.touched_at),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'by_rule'),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'by_rule' AND s.on_time),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'by_rule' AND NOT s.on_time),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'by_chance'),
           count(*) FILTER (WHERE s.touched_at IS NULL),
           count(*) FILTER (WHERE s.won),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'not_yet_due'),
           count(*) FILTER (WHERE s.outcome OPERATOR(pg_catalog.=) 'missed')
    FROM followup.stall_leads(since, as_of) s
    GROUP BY s.owner
    ORDER BY s.owner NULLS LAST
$$;
COMMENT ON FUNCTION followup.stall_diagnostic_by_operator(interval, timestamptz) IS
    'stall_diagnostic per operator (the stalled lead''s owner; NULL: no owner), with by_rule split into by_rule_on_time and by_rule_late (the touch within its task''s escalate_after, or later); the rows add up to stall_diagnostic';

