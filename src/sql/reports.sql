
-- followup: reporting views for Metabase, Grafana and psql.  Each answers
-- one question; times are timestamptz, durations interval plus *_seconds for
-- charts, and every view carries tenant_id (row level security, where set
-- up, limits what a role sees).

-- the effective policy of a state for a tenant: its own row, else tenant 0's
CREATE FUNCTION followup.policy_for(tenant_id bigint, state followup.lead_state)
    RETURNS followup.policy
    LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT p.* FROM followup.policy p
    WHERE p.tenant_id IN (policy_for.tenant_id, 0) AND p.state = policy_for.state
    ORDER BY p.tenant_id DESC LIMIT 1
$$;
COMMENT ON FUNCTION followup.policy_for(bigint, followup.lead_state) IS
    'the policy that governs a state for a tenant: the tenant''s own row, else tenant 0''s';

-- only touches: what touch_log, the compliance reports and the funnels read
CREATE INDEX interaction_touch_idx ON followup.interaction (tenant_id, occurred_at)
    WHERE by_rule IS NOT NULL;
COMMENT ON INDEX followup.interaction_touch_idx IS 'outbound touches by time, for the reports';
CREATE INDEX task_due_idx ON followup.task (tenant_id, due_at);
COMMENT ON INDEX followup.task_due_idx IS 'tasks by due time, for operator_compliance';

CREATE VIEW followup.pipeline AS
SELECT l.tenant_id, l.state,
       count(*) AS leads,
       count(*) FILTER (WHERE l.next_action IS NOT NULL AND l.next_followup_at < now()) AS overdue,
       count(*) FILTER (WHERE l.next_action = 'reply') AS awaiting_reply,
       avg(now() - l.state_since) AS avg_age,
       extract(epoch FROM avg(now() - l.state_since))::bigint AS avg_age_seconds,
       max(now() - l.state_since) AS max_age,
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

-- operator_compliance's rows for the tasks due and touches made in [lo, hi),
-- as of as_of; the view reads it for the days not rolled up, roll_up for the
-- days it rolls.  Plain SQL, so that it is inlined and filters reach the
-- indexes; (SELECT lo) makes the bounds, often function calls, one-time
-- InitPlans rather than per-row filters.  One UNION ALL of task rows and
-- touch rows grouped once.
CREATE FUNCTION followup.compliance_rows(lo timestamptz, hi timestamptz, as_of timestamptz)
    RETURNS TABLE (tenant_id bigint, operator text, day date, due bigint, on_time bigint, late bigint,
                   still_overdue bigint, by_rule bigint, by_chance bigint, median_delay interval)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT x.tenant_id, x.operator, x.day,
       count(*) FILTER (WHERE x.is_task),
       count(*) FILTER (WHERE x.done AND x.delay <= x.escalate_after),
       count(*) FILTER (WHERE x.done AND x.delay > x.escalate_after),
       count(*) FILTER (WHERE x.is_task AND NOT x.done AND as_of - x.due_at > x.escalate_after),
       count(*) FILTER (WHERE x.by_rule),
       count(*) FILTER (WHERE NOT x.by_rule),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.delay) FILTER (WHERE x.done)
FROM (
    SELECT t.tenant_id, coalesce(t.claimed_by, t.assignee) AS operator, t.due_at::date AS day,
           true AS is_task, t.status = 'done' AS done, t.due_at, t.done_at - t.due_at AS delay,
           coalesce(own.escalate_after, def.escalate_after) AS escalate_after, NULL::boolean AS by_rule
    FROM followup.task t
    -- policy_for as joins (escalate_after is never NULL): a call per task
    -- would cost more than all the rest
    LEFT JOIN followup.policy own ON own.tenant_id = t.tenant_id AND own.state = t.state
    LEFT JOIN followup.policy def ON def.tenant_id = 0 AND def.state = t.state
    WHERE t.status <> 'superseded' AND t.due_at >= (SELECT lo) AND t.due_at < (SELECT hi)
    UNION ALL
    SELECT i.tenant_id, i.operator, i.occurred_at::date, false, false, NULL, NULL, NULL, i.by_rule
    FROM followup.interaction i
    WHERE i.by_rule IS NOT NULL AND i.occurred_at >= (SELECT lo) AND i.occurred_at < (SELECT hi)) x
GROUP BY x.tenant_id, x.operator, x.day
$$;
COMMENT ON FUNCTION followup.compliance_rows(timestamptz, timestamptz, timestamptz) IS
    'operator_compliance computed from the tables for the tasks due and touches made in [lo, hi), as of as_of';

CREATE VIEW followup.operator_compliance AS
WITH day AS (
    SELECT c.tenant_id, c.operator, c.day, c.due, c.on_time, c.late, c.still_overdue,
           c.by_rule, c.by_chance, c.median_delay
    FROM followup.compliance_day c
    WHERE c.day::timestamptz < (SELECT followup.rollup_cut())
    UNION ALL
    SELECT * FROM followup.compliance_rows(followup.rollup_cut(), 'infinity', now()))
SELECT d.tenant_id, d.operator, d.day, d.due, d.on_time, d.late, d.still_overdue, d.by_rule, d.by_chance,
       d.median_delay, extract(epoch FROM d.median_delay)::bigint AS median_delay_seconds
FROM day d;
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

CREATE VIEW followup.response_times AS
SELECT r.tenant_id, a.operator, r.occurred_at::date AS day,
       count(*) AS replies_answered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.occurred_at - r.occurred_at) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY a.occurred_at - r.occurred_at) AS p90,
       max(a.occurred_at - r.occurred_at) AS max,
       extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY a.occurred_at - r.occurred_at))::bigint AS median_seconds,
       extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY a.occurred_at - r.occurred_at))::bigint AS p90_seconds,
       extract(epoch FROM max(a.occurred_at - r.occurred_at))::bigint AS max_seconds,
       stddev_samp(extract(epoch FROM a.occurred_at - r.occurred_at)) AS stddev_seconds
FROM followup.interaction r
JOIN followup.rule ru ON ru.rule_id = r.rule_id AND ru.effect = 'respond'
CROSS JOIN LATERAL (
    SELECT i.operator, i.occurred_at FROM followup.interaction i
    WHERE i.tenant_id = r.tenant_id AND i.lead_id = r.lead_id AND i.by_rule IS NOT NULL
      AND (i.occurred_at, i.interaction_id) > (r.occurred_at, r.interaction_id)
    ORDER BY i.occurred_at, i.interaction_id LIMIT 1) a
WHERE r.applied
GROUP BY r.tenant_id, a.operator, r.occurred_at::date;
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
       avg(now() - coalesce(l.last_inbound_at, l.created_at)) AS avg_silence,
       extract(epoch FROM avg(now() - coalesce(l.last_inbound_at, l.created_at)))::bigint AS avg_silence_seconds,
       max(now() - coalesce(l.last_inbound_at, l.created_at)) AS max_silence
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

CREATE VIEW followup.step_funnel AS
WITH touch AS (
    SELECT i.tenant_id, i.lead_id, i.interaction_id, i.occurred_at, i.state_at AS state,
           CASE WHEN i.state_at = 'installment_rejected' THEN i.plan_b_step_at ELSE i.touches_at + 1 END AS step_no,
           lead(i.occurred_at) OVER (PARTITION BY i.tenant_id, i.lead_id
                                     ORDER BY i.occurred_at, i.interaction_id) AS next_touch_at
    FROM followup.interaction i
    WHERE i.by_rule IS NOT NULL AND i.applied)
SELECT t.tenant_id, t.state, t.step_no,
       count(*) AS touches,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM followup.interaction r
           CROSS JOIN LATERAL (SELECT s.direction FROM followup.signal s
                               WHERE s.tenant_id IN (r.tenant_id, 0) AND s.kind = r.kind
                               ORDER BY s.tenant_id DESC LIMIT 1) s
           WHERE r.tenant_id = t.tenant_id AND r.lead_id = t.lead_id AND s.direction = 'inbound'
             AND r.occurred_at > t.occurred_at
             AND (t.next_touch_at IS NULL OR r.occurred_at < t.next_touch_at))) AS replies,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM followup.state_change c
           WHERE c.tenant_id = t.tenant_id AND c.lead_id = t.lead_id AND c.to_state = 'won'
             AND c.changed_at >= t.occurred_at)) AS wins
FROM touch t
GROUP BY t.tenant_id, t.state, t.step_no;
COMMENT ON VIEW followup.step_funnel IS 'Per state and step: touches made, how many got an answer before the next touch, how many leads were won afterwards';
COMMENT ON COLUMN followup.step_funnel.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.step_funnel.state IS 'the state the touch was made in';
COMMENT ON COLUMN followup.step_funnel.step_no IS 'cadence step (in installment_rejected: the Plan B option)';
COMMENT ON COLUMN followup.step_funnel.touches IS 'touches made at this step';
COMMENT ON COLUMN followup.step_funnel.replies IS 'of those, followed by an inbound message before the next touch';
COMMENT ON COLUMN followup.step_funnel.wins IS 'of those, on leads won afterwards';

CREATE VIEW followup.plan_b_recovery AS
WITH offer AS (
    SELECT i.tenant_id, i.lead_id, i.occurred_at, i.plan_b_step_at AS plan_b_step,
           lead(i.occurred_at) OVER (PARTITION BY i.tenant_id, i.lead_id
                                     ORDER BY i.occurred_at, i.interaction_id) AS next_offer_at
    FROM followup.interaction i
    WHERE i.by_rule IS NOT NULL AND i.applied AND i.state_at = 'installment_rejected'
      AND i.plan_b_step_at IS NOT NULL)
SELECT o.tenant_id, o.plan_b_step, s.action_code,
       count(*) AS offered,
       -- declined: the customer said no before another option was offered
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM followup.interaction d
           JOIN followup.rule r ON r.rule_id = d.rule_id AND r.effect = 'next_plan_b'
           WHERE d.tenant_id = o.tenant_id AND d.lead_id = o.lead_id AND d.applied
             AND d.occurred_at >= o.occurred_at
             AND (o.next_offer_at IS NULL OR d.occurred_at < o.next_offer_at))) AS declined,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM followup.state_change c
           WHERE c.tenant_id = o.tenant_id AND c.lead_id = o.lead_id AND c.to_state = 'won'
             AND c.changed_at >= o.occurred_at
             AND (o.next_offer_at IS NULL OR c.changed_at < o.next_offer_at))) AS won_after
FROM offer o
-- only real options: a touch made after the matrix ran out offers none
JOIN LATERAL (
    SELECT s.action_code FROM followup.step s
    WHERE s.state = 'installment_rejected' AND s.step_no = o.plan_b_step
      AND (s.tenant_id = o.tenant_id OR (s.tenant_id = 0 AND NOT EXISTS (
           SELECT 1 FROM followup.step x WHERE x.tenant_id = o.tenant_id AND x.state = 'installment_rejected')))) s
    ON true
GROUP BY o.tenant_id, o.plan_b_step, s.action_code;
COMMENT ON VIEW followup.plan_b_recovery IS 'Per Plan B option: how often it was offered, declined, and was the last one offered before the lead was won';
COMMENT ON COLUMN followup.plan_b_recovery.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.plan_b_recovery.plan_b_step IS 'the option''s number in the matrix';
COMMENT ON COLUMN followup.plan_b_recovery.action_code IS 'the option''s action code (alternative_bank, ...)';
COMMENT ON COLUMN followup.plan_b_recovery.offered IS 'touches that offered it';
COMMENT ON COLUMN followup.plan_b_recovery.declined IS 'offers the customer declined (plan_b_declined) before another option was offered';
COMMENT ON COLUMN followup.plan_b_recovery.won_after IS 'offers after which the lead was won before any other option was offered';

CREATE FUNCTION followup.stall_diagnostic(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (stalled bigint, followed_up bigint, by_rule bigint, by_chance bigint, never bigint, won bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF since IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'since and as_of must not be null' USING ERRCODE = '22004';
    ELSIF since < interval '0' THEN
        RAISE EXCEPTION 'since must not be negative: %', since USING ERRCODE = '22023',
            HINT = 'since is how far back from as_of to look, as in ''30 days''.';
    END IF;
    RETURN QUERY
    WITH stalled AS (
        -- each lead that entered thinking in the window, at its first entry
        SELECT c.tenant_id, c.lead_id, min(c.changed_at) AS entered_at
        FROM followup.state_change c
        -- the subselect: evaluated once, not per index entry
        WHERE c.tenant_id = (SELECT followup.current_tenant()) AND c.to_state = 'thinking'
          AND c.changed_at > stall_diagnostic.as_of - stall_diagnostic.since
          AND c.changed_at <= stall_diagnostic.as_of
        GROUP BY c.tenant_id, c.lead_id),
    first_touch AS (
        SELECT s.*, t.by_rule, t.occurred_at AS touched_at,
               EXISTS (SELECT 1 FROM followup.state_change w
                       WHERE w.tenant_id = s.tenant_id AND w.lead_id = s.lead_id AND w.to_state = 'won'
                         AND w.changed_at >= s.entered_at AND w.changed_at <= stall_diagnostic.as_of) AS won
        FROM stalled s
        LEFT JOIN LATERAL (
            SELECT i.by_rule, i.occurred_at FROM followup.interaction i
            WHERE i.tenant_id = s.tenant_id AND i.lead_id = s.lead_id AND i.by_rule IS NOT NULL
              AND i.occurred_at > s.entered_at AND i.occurred_at <= stall_diagnostic.as_of
            ORDER BY i.occurred_at, i.interaction_id LIMIT 1) t ON true)
    SELECT count(*),
           count(f.touched_at),
           count(*) FILTER (WHERE f.by_rule),
           count(*) FILTER (WHERE NOT f.by_rule),
           count(*) FILTER (WHERE f.touched_at IS NULL),
           count(*) FILTER (WHERE f.won)
    FROM first_touch f;
END $$;
COMMENT ON FUNCTION followup.stall_diagnostic(interval, timestamptz) IS
    'the seed''s question for the current tenant: of the leads that entered thinking in the window (since, ending at as_of), how many got a follow-up touch afterwards, whether the first came by rule or by chance, how many never, how many were won';
