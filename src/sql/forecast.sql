-- followup: the workload forecast (docs/concepts.md, "Workload forecast").
-- The touches the current plans and cadences will bring if every touch is
-- made when due, by day, hour, team and state, against the team's capacity.

CREATE FUNCTION followup.planned_touches(from_time timestamptz, until_time timestamptz)
    RETURNS TABLE (lead_id bigint, owner text, state followup.lead_state, kind followup.next_action,
                   step_no int, due_at timestamptz)
    AS 'MODULE_PATHNAME', 'followup_planned_touches' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION followup.planned_touches(timestamptz, timestamptz) IS
    'the tasks the current tenant''s leads will bring from from_time until until_time if every touch is made when due (as preview assumes) and spent cadences close as close_exhausted does; reads only the leads planned before until_time';

CREATE FUNCTION followup.workload_forecast(days int DEFAULT 7, as_of timestamptz DEFAULT now())
    RETURNS TABLE (day date, hour int, team text, state followup.lead_state, touches bigint,
                   team_capacity bigint)
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF days < 1 OR days > 366 THEN
        RAISE EXCEPTION 'days must be between 1 and 366, not %', days USING ERRCODE = '22023';
    END IF;
    -- a lead's team: its owner's in followup.capacity, else the owner alone
    RETURN QUERY
    WITH t AS (
        SELECT f.due_at, f.state, coalesce(c.team, f.owner) AS team
        FROM followup.planned_touches(as_of, as_of + days * interval '1 day') f
        LEFT JOIN followup.capacity c ON c.tenant_id = followup.current_tenant() AND c.operator = f.owner)
    SELECT t.due_at::date, extract(hour FROM t.due_at)::int, t.team, t.state, count(*),
           (SELECT sum(c.daily_tasks) FROM followup.capacity c
            WHERE c.tenant_id = followup.current_tenant() AND coalesce(c.team, c.operator) = t.team)::bigint
    FROM t
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3 NULLS LAST, 4;
END $$;
COMMENT ON FUNCTION followup.workload_forecast(int, timestamptz) IS
    'touches per day and hour (session time zone), team and state that the current tenant''s plans and cadences bring in the next days if every touch is made when due, with the team''s daily capacity (NULL: none set); cost grows with the leads planned in the window';

REVOKE ALL ON FUNCTION followup.planned_touches(timestamptz, timestamptz),
    followup.workload_forecast(int, timestamptz) FROM PUBLIC;
