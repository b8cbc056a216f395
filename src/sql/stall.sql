
-- followup: stall_diagnostic splits never into not_yet_due and missed
-- (DESIGN.md section 6).  The 0.1.0 definition in reports.sql is replaced
-- here, its columns and their values kept, the two new ones last.

DROP FUNCTION followup.stall_diagnostic(interval, timestamptz);
CREATE FUNCTION followup.stall_diagnostic(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (stalled bigint, followed_up bigint, by_rule bigint, by_chance bigint, never bigint, won bigint,
                   not_yet_due bigint, missed bigint)
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
    RETURN QUERY
    WITH stalled AS (
        -- each lead that entered thinking in the window, at its first entry
        SELECT c.tenant_id, c.lead_id, min(c.changed_at) AS entered_at,
               -- the interaction that moved it then, if any: a touch at the
               -- same instant is after it when it came after that interaction
               (array_agg(c.interaction_id ORDER BY c.changed_at, c.interaction_id))[1] AS entered_by
        FROM followup.state_change c
        -- the subselect: evaluated once, not per index entry
        WHERE c.tenant_id = (SELECT followup.current_tenant()) AND c.to_state = 'thinking'
          AND c.changed_at > stall_diagnostic.as_of - stall_diagnostic.since
          AND c.changed_at <= stall_diagnostic.as_of
        GROUP BY c.tenant_id, c.lead_id
        -- probing in lead order walks interaction_lead_idx's leaves in order
        ORDER BY c.lead_id),
    -- wins in the window, read once rather than probed per lead: a win
    -- after a lead stalled in the window is in the window too
    last_win AS (
        SELECT w.lead_id, max(w.changed_at) AS won_at
        FROM followup.state_change w
        WHERE w.tenant_id = (SELECT followup.current_tenant()) AND w.to_state = 'won'
          AND w.changed_at > stall_diagnostic.as_of - stall_diagnostic.since
          AND w.changed_at <= stall_diagnostic.as_of
        GROUP BY w.lead_id),
    first_touch AS (
        SELECT s.*, t.by_rule, t.occurred_at AS touched_at, coalesce(lw.won_at >= s.entered_at, false) AS won
        FROM stalled s
        LEFT JOIN last_win lw ON lw.lead_id = s.lead_id
        LEFT JOIN LATERAL (
            SELECT i.by_rule, i.occurred_at FROM followup.interaction i
            WHERE i.tenant_id = s.tenant_id AND i.lead_id = s.lead_id AND i.by_rule IS NOT NULL
              AND i.occurred_at >= s.entered_at AND i.occurred_at <= stall_diagnostic.as_of
              AND (i.occurred_at, i.interaction_id) > (s.entered_at, coalesce(s.entered_by, 9223372036854775807))
            ORDER BY i.occurred_at, i.interaction_id LIMIT 1) t ON true),
    -- a lead never touched: was its first touch due yet?  The thinking
    -- cadence's first touch from when it entered, in its working window
    -- (planned only for these leads)
    never_due AS (
        SELECT f.*, d.due_at AS first_due
        FROM first_touch f
        LEFT JOIN followup.lead l ON f.touched_at IS NULL AND l.tenant_id = f.tenant_id AND l.lead_id = f.lead_id
        LEFT JOIN LATERAL followup.plan_next_touch('thinking', f.entered_at, 0, NULL, NULL, NULL, l.timezone) d
               ON f.touched_at IS NULL)
    SELECT count(*),
           count(f.touched_at),
           count(*) FILTER (WHERE f.by_rule),
           count(*) FILTER (WHERE NOT f.by_rule),
           count(*) FILTER (WHERE f.touched_at IS NULL),
           count(*) FILTER (WHERE f.won),
           count(*) FILTER (WHERE f.touched_at IS NULL AND (f.first_due > stall_diagnostic.as_of) IS TRUE),
           count(*) FILTER (WHERE f.touched_at IS NULL AND (f.first_due > stall_diagnostic.as_of) IS NOT TRUE)
    FROM never_due f;
END $$;
COMMENT ON FUNCTION followup.stall_diagnostic(interval, timestamptz) IS
    'the seed''s question for the current tenant: of the leads that entered thinking in the window (since, ending at as_of), how many got a follow-up touch afterwards, whether the first came by rule or by chance, how many never (split into not_yet_due: the first touch is not due by as_of, and missed: it was), how many were won';
REVOKE ALL ON FUNCTION followup.stall_diagnostic(interval, timestamptz) FROM PUBLIC;
