
-- followup: the rollups behind the reports that would otherwise read all of
-- a tenant's history on every query: operator_compliance, response_times,
-- step_funnel and plan_b_recovery (src/sql/reports.sql).
--
-- Each report's rows are attributed to a day: the day a task was due, a
-- touch was made, a customer wrote.  roll_up (called by run_due) writes the
-- days that ended two days and every escalate_after ago into the *_day
-- tables; the reports read those and compute the later days from the
-- tables.  Days are in one time zone, the one the job runs in (the server's
-- TimeZone under pg_cron); a session in another zone computes everything
-- from the tables, with the same answers.
--
-- What can still change a rolled day leaves a mark naming the times whose
-- days changed: a write for a time more than a day old (caught by the
-- triggers below), a message answering or following an old touch, a win or
-- a Plan B refusal after old touches (src/rollup_marks.c).  The reports
-- compute marked days from the tables until the next roll_up re-rolls them,
-- so they always give the tables' answer.  A change of configuration or a
-- TRUNCATE starts the rollups over.

CREATE TABLE followup.rollup_state (
    zone         text,
    rolled_until timestamptz NOT NULL,
    rolled_at    timestamptz,
    one_row      boolean PRIMARY KEY DEFAULT true CHECK (one_row),
    kept_from    timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO followup.rollup_state (zone, rolled_until) VALUES (NULL, '-infinity');
COMMENT ON TABLE followup.rollup_state IS 'How far the rollups go: the days before rolled_until, in zone, are in the *_day tables';
COMMENT ON COLUMN followup.rollup_state.zone IS 'the time zone of the days (the TimeZone roll_up ran in)';
COMMENT ON COLUMN followup.rollup_state.rolled_until IS 'the start of the first day not rolled up';
COMMENT ON COLUMN followup.rollup_state.rolled_at IS 'when roll_up last ran';
COMMENT ON COLUMN followup.rollup_state.one_row IS 'there is one row';
COMMENT ON COLUMN followup.rollup_state.kept_from IS 'the history before it was dropped (drop_history_before): the rolled days that start before it are final and never rolled again';

CREATE TABLE followup.rollup_mark (
    tenant_id bigint NOT NULL,
    since     timestamptz NOT NULL,
    until     timestamptz NOT NULL,
    CHECK (since <= until AND isfinite(since) AND isfinite(until))
);
COMMENT ON TABLE followup.rollup_mark IS 'Rolled days that changed: the reports compute the days from since to until from the tables until roll_up re-rolls them';
COMMENT ON COLUMN followup.rollup_mark.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.rollup_mark.since IS 'the first time whose day changed';
COMMENT ON COLUMN followup.rollup_mark.until IS 'the last time whose day changed';

CREATE FUNCTION followup.rolled_until() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN s.zone = pg_catalog.current_setting('TimeZone') THEN s.rolled_until ELSE '-infinity' END
    FROM followup.rollup_state s
$$;
COMMENT ON FUNCTION followup.rolled_until() IS
    'the start of the first day not rolled up, in the session''s time zone: -infinity when the rollups are in another';

-- the starts of the days from since's to until's; a mark spans a day or two,
-- and saying so (ROWS, which inlining would lose) keeps the planner from
-- sizing hash tables for a thousand days per mark
CREATE FUNCTION followup.day_starts(since timestamptz, until timestamptz) RETURNS SETOF timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 2 SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.generate_series(pg_catalog.date_trunc('day', since), until, interval '1 day')
$$;
COMMENT ON FUNCTION followup.day_starts(timestamptz, timestamptz) IS
    'the first instants of the days from since''s to until''s, in the session''s time zone';

CREATE VIEW followup.rollup_marked_day AS
SELECT DISTINCT m.tenant_id, d::date AS day, d AS day_start, d + interval '1 day' AS day_end
FROM followup.rollup_mark m
CROSS JOIN LATERAL followup.day_starts(m.since, m.until) d
WHERE d < (SELECT followup.rolled_until())
  -- a day whose history was dropped keeps its rolled answer
  AND d >= (SELECT s.kept_from FROM followup.rollup_state s);
COMMENT ON VIEW followup.rollup_marked_day IS 'The rolled days that changed since they were rolled, in the session''s time zone';
COMMENT ON COLUMN followup.rollup_marked_day.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.rollup_marked_day.day IS 'the day';
COMMENT ON COLUMN followup.rollup_marked_day.day_start IS 'its first instant';
COMMENT ON COLUMN followup.rollup_marked_day.day_end IS 'the first instant of the next day';

-- Marks.  Writers need no privilege on the rollups: src/rollup_marks.c
-- writes marks as the owner.
-- the days of a lead's touches older than a day: what a win or a refusal
-- changes (what the touches before it achieved)
CREATE FUNCTION followup.rollup_mark_lead(tenant_id bigint, lead_id bigint) RETURNS void
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO followup.rollup_mark (tenant_id, since, until)
    SELECT i.tenant_id, i.occurred_at, i.occurred_at FROM followup.interaction i
    WHERE i.tenant_id = $1 AND i.lead_id = $2 AND i.by_rule IS NOT NULL
      AND i.occurred_at < now() - interval '1 day'
$$;
COMMENT ON FUNCTION followup.rollup_mark_lead(bigint, bigint) IS
    'marks the days of a lead''s touches older than a day as changed since they were rolled up';

-- The WHEN clauses keep these triggers off the hot path: a write for a time
-- less than a day old cannot reach a rolled day (see roll_up).  They are
-- kept small, since they are prepared again for every statement; an
-- update's further arguments name the columns the reports read, and the
-- function ignores an update that changes none of them.
CREATE FUNCTION followup.rollup_mark_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'followup_rollup_mark_row' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION followup.rollup_mark_row() IS
    'trigger: marks the days a late write changes (the argument names the row''s time column), or a win''s touches; as the owner, once per transaction';

CREATE TRIGGER rollup_mark_insert AFTER INSERT ON followup.task
    FOR EACH ROW WHEN (NEW.due_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('due_at');
CREATE TRIGGER rollup_mark_update AFTER UPDATE ON followup.task
    FOR EACH ROW WHEN (OLD.due_at < now() - interval '1 day' OR NEW.due_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('due_at', 'status', 'claimed_by', 'assignee', 'done_at', 'due_at',
                                              'state', 'tenant_id');
CREATE TRIGGER rollup_mark_delete AFTER DELETE ON followup.task
    FOR EACH ROW WHEN (OLD.due_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('due_at');
CREATE TRIGGER rollup_mark_insert AFTER INSERT ON followup.interaction
    FOR EACH ROW WHEN (NEW.occurred_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at');
CREATE TRIGGER rollup_mark_update AFTER UPDATE ON followup.interaction
    FOR EACH ROW WHEN (OLD.occurred_at < now() - interval '1 day' OR NEW.occurred_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at', 'occurred_at', 'kind', 'operator', 'by_rule', 'applied',
                                              'rule_id', 'state_at', 'touches_at', 'plan_b_step_at', 'lead_id',
                                              'tenant_id');
CREATE TRIGGER rollup_mark_delete AFTER DELETE ON followup.interaction
    FOR EACH ROW WHEN (OLD.occurred_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at');
CREATE TRIGGER rollup_mark_insert AFTER INSERT ON followup.state_change
    FOR EACH ROW WHEN (NEW.to_state = 'won')
    EXECUTE FUNCTION followup.rollup_mark_row('changed_at');
CREATE TRIGGER rollup_mark_delete AFTER DELETE ON followup.state_change
    FOR EACH ROW WHEN (OLD.to_state = 'won')
    EXECUTE FUNCTION followup.rollup_mark_row('changed_at');

-- Configuration decides what was on time, what a reply or an offer is: a
-- change of a tenant's rows marks all of that tenant's rolled days; a change
-- of tenant 0's (the shipped defaults) or a TRUNCATE (which fires no row
-- trigger) starts every rollup over.  All are rare.
CREATE FUNCTION followup.rollup_reset() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tenants bigint[];
    distributed boolean := false;
BEGIN
    -- distributed (docs/scaling.md): this fires on each node's copy of the
    -- configuration, where the rollups of every tenant cannot be read (a
    -- distributed query from a shard); roll_up does not run there and
    -- distribute() emptied the rollups, so there is nothing to reset
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p'
                ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''followup.lead''::pg_catalog.regclass)'
        INTO distributed;
        IF distributed THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        tenants := ARRAY[0];
    ELSE
        SELECT array_agg(DISTINCT c.tenant_id) INTO tenants FROM changed c;
        IF TG_OP = 'UPDATE' THEN
            SELECT tenants || array_agg(DISTINCT c.tenant_id) INTO tenants FROM changed_before c;
        END IF;
    END IF;
    IF 0 = ANY (tenants) THEN
        -- the days whose history was dropped keep their rollups
        UPDATE followup.rollup_state SET rolled_until = kept_from;
        PERFORM followup.rollup_drop('-infinity');
        DELETE FROM followup.rollup_mark;
    ELSE
        -- a day early: the first day's start in any zone
        INSERT INTO followup.rollup_mark (tenant_id, since, until)
        SELECT d.tenant_id, min(d.day)::timestamptz - interval '1 day', s.rolled_until
        FROM (SELECT tenant_id, day FROM followup.compliance_day UNION ALL
              SELECT tenant_id, day FROM followup.response_day UNION ALL
              SELECT tenant_id, day FROM followup.funnel_day UNION ALL
              SELECT tenant_id, day FROM followup.plan_b_day) d
        CROSS JOIN followup.rollup_state s
        WHERE d.tenant_id = ANY (tenants) AND isfinite(s.rolled_until)
        GROUP BY d.tenant_id, s.rolled_until;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.rollup_reset() IS
    'trigger: after a configuration change marks the tenant''s rolled days, or (tenant 0''s, or a TRUNCATE) empties the rollups; the next roll_up rebuilds them';
DO $$
DECLARE
    t text;
BEGIN
    -- transition tables need one trigger per event
    FOREACH t IN ARRAY ARRAY['policy', 'step', 'signal', 'rule'] LOOP
        EXECUTE format('CREATE TRIGGER rollup_reset_insert AFTER INSERT ON followup.%I'
                       ' REFERENCING NEW TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset()', t);
        EXECUTE format('CREATE TRIGGER rollup_reset_update AFTER UPDATE ON followup.%I'
                       ' REFERENCING NEW TABLE AS changed OLD TABLE AS changed_before'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset()', t);
        EXECUTE format('CREATE TRIGGER rollup_reset_delete AFTER DELETE ON followup.%I'
                       ' REFERENCING OLD TABLE AS changed'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset()', t);
    END LOOP;
END $$;
CREATE TRIGGER rollup_reset AFTER TRUNCATE ON followup.task
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();
CREATE TRIGGER rollup_reset AFTER TRUNCATE ON followup.interaction
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();
CREATE TRIGGER rollup_reset AFTER TRUNCATE ON followup.state_change
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();

-- The rolled days.  Columns as in the reports (src/sql/reports.sql).
CREATE TABLE followup.compliance_day (
    tenant_id     bigint NOT NULL,
    operator      text,
    day           date NOT NULL,
    due           bigint NOT NULL,
    on_time       bigint NOT NULL,
    late          bigint NOT NULL,
    still_overdue bigint NOT NULL,
    by_rule       bigint NOT NULL,
    by_chance     bigint NOT NULL,
    median_delay  interval
);
CREATE INDEX compliance_day_idx ON followup.compliance_day (tenant_id, day);
COMMENT ON TABLE followup.compliance_day IS 'operator_compliance of the rolled days, kept by roll_up';
COMMENT ON INDEX followup.compliance_day_idx IS 'rolled days by tenant and day';

CREATE TABLE followup.response_day (
    tenant_id        bigint NOT NULL,
    operator         text,
    day              date NOT NULL,
    replies_answered bigint NOT NULL,
    median           interval,
    p90              interval,
    max              interval,
    stddev_seconds   double precision
);
CREATE INDEX response_day_idx ON followup.response_day (tenant_id, day);
COMMENT ON TABLE followup.response_day IS 'response_times of the rolled days, kept by roll_up';
COMMENT ON INDEX followup.response_day_idx IS 'rolled days by tenant and day';

CREATE TABLE followup.funnel_day (
    tenant_id bigint NOT NULL,
    day       date NOT NULL,
    state     followup.lead_state,
    step_no   int,
    touches   bigint NOT NULL,
    replies   bigint NOT NULL,
    wins      bigint NOT NULL
);
CREATE INDEX funnel_day_idx ON followup.funnel_day (tenant_id, day);
COMMENT ON TABLE followup.funnel_day IS 'step_funnel per day of the touch, for the rolled days, kept by roll_up';
COMMENT ON INDEX followup.funnel_day_idx IS 'rolled days by tenant and day';

CREATE TABLE followup.plan_b_day (
    tenant_id   bigint NOT NULL,
    day         date NOT NULL,
    plan_b_step int,
    action_code text,
    offered     bigint NOT NULL,
    declined    bigint NOT NULL,
    won_after   bigint NOT NULL
);
CREATE INDEX plan_b_day_idx ON followup.plan_b_day (tenant_id, day);
COMMENT ON TABLE followup.plan_b_day IS 'plan_b_recovery per day of the offer, for the rolled days, kept by roll_up';
COMMENT ON INDEX followup.plan_b_day_idx IS 'rolled days by tenant and day';

DO $$
DECLARE
    t text;
    c record;
BEGIN
    -- the columns mean what the report's columns of the same name mean
    FOREACH t IN ARRAY ARRAY['compliance_day', 'response_day', 'funnel_day', 'plan_b_day'] LOOP
        FOR c IN SELECT a.attname FROM pg_attribute a
                 WHERE a.attrelid = ('followup.' || t)::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
            EXECUTE format('COMMENT ON COLUMN followup.%I.%I IS %L', t, c.attname,
                           CASE c.attname WHEN 'day' THEN 'the day, in rollup_state.zone'
                                          ELSE 'as in the report' END);
        END LOOP;
    END LOOP;
END $$;

-- drops the rolled days from since on (all of them: -infinity)
CREATE FUNCTION followup.rollup_drop(since timestamptz) RETURNS void
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    -- the days before kept_from have no history to roll them again from
    DELETE FROM followup.compliance_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.response_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.funnel_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.plan_b_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
$$;
COMMENT ON FUNCTION followup.rollup_drop(timestamptz) IS
    'deletes the rolled days from since on (not before rollup_state.kept_from), in every rollup table';

CREATE FUNCTION followup.roll_up(as_of timestamptz DEFAULT now(), min_interval interval DEFAULT '0')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
-- its statement reads a few days through indexes, but is costed high enough
-- to be JIT-compiled, which took longer than the rest of run_due
SET jit = off AS $$
DECLARE
    st followup.rollup_state;
    target timestamptz;
    written bigint;
BEGIN
    -- one roll_up at a time; a concurrent run_due skips it
    SELECT * INTO st FROM followup.rollup_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    -- the reports are right meanwhile (they compute what is not rolled),
    -- so the periodic job does this only every min_interval
    IF st.rolled_at > now() - min_interval AND st.zone = current_setting('TimeZone') THEN
        RETURN 0;
    END IF;
    -- a day is final once it ended two days and every escalate_after ago:
    -- its open tasks are all overdue, and a write for it is at least a day
    -- late, so it leaves a mark (unless its transaction ran for a day)
    target := date_trunc('day', least(as_of, now())
                         - greatest(interval '2 days', (SELECT max(p.escalate_after) FROM followup.policy p)));
    -- another zone, or an escalate_after grew: drop what is no longer right
    IF st.zone IS DISTINCT FROM current_setting('TimeZone') AND isfinite(st.kept_from) THEN
        -- the rollups hold the only answers for the days of dropped
        -- history: they stay in their zone
        RAISE WARNING 'roll_up skipped: the rollups are in time zone %, and the history before % was dropped', st.zone, st.kept_from
            USING HINT = format('Run roll_up (and run_due) with TimeZone = %L.', st.zone);
        RETURN 0;
    END IF;
    IF st.zone IS DISTINCT FROM current_setting('TimeZone') OR target < st.rolled_until THEN
        st.rolled_until := CASE WHEN st.zone IS DISTINCT FROM current_setting('TimeZone')
                                THEN '-infinity' ELSE greatest(target, st.kept_from) END;
        PERFORM followup.rollup_drop(st.rolled_until);
        UPDATE followup.rollup_state SET zone = current_setting('TimeZone'), rolled_until = st.rolled_until;
    END IF;

    -- one statement, so that the marks consumed are exactly the ones whose
    -- days are re-rolled (marks committed later stay for the next run); the
    -- *_rows functions read [rolled_until, target) and the marked days
    WITH marks AS (DELETE FROM followup.rollup_mark),
    d1 AS (DELETE FROM followup.compliance_day r USING followup.rollup_marked_day m
           WHERE r.tenant_id = m.tenant_id AND r.day = m.day),
    d2 AS (DELETE FROM followup.response_day r USING followup.rollup_marked_day m
           WHERE r.tenant_id = m.tenant_id AND r.day = m.day),
    d3 AS (DELETE FROM followup.funnel_day r USING followup.rollup_marked_day m
           WHERE r.tenant_id = m.tenant_id AND r.day = m.day),
    d4 AS (DELETE FROM followup.plan_b_day r USING followup.rollup_marked_day m
           WHERE r.tenant_id = m.tenant_id AND r.day = m.day),
    i1 AS (INSERT INTO followup.compliance_day
           SELECT * FROM followup.compliance_rows(st.rolled_until, target, as_of) RETURNING 1),
    i2 AS (INSERT INTO followup.response_day
           SELECT * FROM followup.response_rows(st.rolled_until, target) RETURNING 1),
    i3 AS (INSERT INTO followup.funnel_day
           SELECT * FROM followup.funnel_rows(st.rolled_until, target) RETURNING 1),
    i4 AS (INSERT INTO followup.plan_b_day
           SELECT * FROM followup.plan_b_rows(st.rolled_until, target) RETURNING 1)
    SELECT (SELECT count(*) FROM i1) + (SELECT count(*) FROM i2) + (SELECT count(*) FROM i3)
           + (SELECT count(*) FROM i4)
    INTO written;

    UPDATE followup.rollup_state
    SET zone = current_setting('TimeZone'), rolled_until = greatest(st.rolled_until, target), rolled_at = now();
    RETURN written;
END $$;
COMMENT ON FUNCTION followup.roll_up(timestamptz, interval) IS
    'rolls up the reports for the days that can no longer change and re-rolls the marked ones, in the session''s time zone (unless it ran less than min_interval ago); run_due calls it with 10 minutes; returns the rows written';
