
-- followup: the rollup behind operator_compliance.  Without it the view
-- groups all of a tenant's tasks and touches on every query.
--
-- Days are rolled up in one time zone, the one the job runs in (the
-- server's TimeZone under pg_cron); a session in another zone gets the same
-- answers computed from the tables.  A day is rolled once it ended more than
-- two days and every policy's escalate_after ago, so that nothing the
-- extension does by itself can change it any more.  Anything that later
-- changes a rolled day (a touch or task written for it, a task of it
-- completed or reassigned, a policy changed, a table truncated) leaves a
-- mark; from the earliest mark on, the view computes from the tables until
-- the next run_due re-rolls those days.

CREATE TABLE followup.rollup_state (
    zone         text,
    rolled_until timestamptz NOT NULL,
    rolled_at    timestamptz,
    one_row      boolean PRIMARY KEY DEFAULT true CHECK (one_row)
);
INSERT INTO followup.rollup_state (zone, rolled_until) VALUES (NULL, '-infinity');
COMMENT ON TABLE followup.rollup_state IS 'How far the rollups go: the days before rolled_until, in zone, are in compliance_day';
COMMENT ON COLUMN followup.rollup_state.zone IS 'the time zone the days are in (the job''s TimeZone)';
COMMENT ON COLUMN followup.rollup_state.rolled_until IS 'the start of the first day not rolled up';
COMMENT ON COLUMN followup.rollup_state.rolled_at IS 'when roll_up last ran';
COMMENT ON COLUMN followup.rollup_state.one_row IS 'there is one row';

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
CREATE UNIQUE INDEX compliance_day_key ON followup.compliance_day (tenant_id, day, operator) NULLS NOT DISTINCT;
COMMENT ON TABLE followup.compliance_day IS 'operator_compliance of the days before rollup_state.rolled_until, kept by roll_up';
COMMENT ON INDEX followup.compliance_day_key IS 'one row per tenant, day and operator (NULL: nobody)';
COMMENT ON COLUMN followup.compliance_day.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.compliance_day.operator IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.day IS 'as in operator_compliance, in rollup_state.zone';
COMMENT ON COLUMN followup.compliance_day.due IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.on_time IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.late IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.still_overdue IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.by_rule IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.by_chance IS 'as in operator_compliance';
COMMENT ON COLUMN followup.compliance_day.median_delay IS 'as in operator_compliance';

CREATE TABLE followup.rollup_mark (
    tenant_id bigint NOT NULL,
    since     timestamptz NOT NULL
);
COMMENT ON TABLE followup.rollup_mark IS 'A rolled day changed: from the day of since on, the reports read the tables until roll_up re-rolls';
COMMENT ON COLUMN followup.rollup_mark.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.rollup_mark.since IS 'the earliest time whose day changed';

-- where the view stops reading compliance_day: the start of the earliest
-- marked day, else rolled_until; -infinity in another zone than the rollup's
CREATE FUNCTION followup.rollup_cut() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s.zone = pg_catalog.current_setting('TimeZone')
                THEN LEAST(s.rolled_until,
                                      (SELECT pg_catalog.date_trunc('day', pg_catalog.min(m.since))
                                       FROM followup.rollup_mark m))
                ELSE '-infinity' END
    FROM followup.rollup_state s
$$;
COMMENT ON FUNCTION followup.rollup_cut() IS
    'the start of the first day the reports compute from the tables rather than read from the rollup, in the session''s time zone';

-- Marks.  The WHEN clauses keep the triggers off the hot path: a write for a
-- time less than a day old cannot reach a rolled day (see roll_up).
CREATE FUNCTION followup.rollup_mark_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- TG_ARGV[0] names the time the row counts at: due_at, occurred_at
    old_at timestamptz := (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz;
    new_at timestamptz := (to_jsonb(NEW) ->> TG_ARGV[0])::timestamptz;
BEGIN
    INSERT INTO followup.rollup_mark (tenant_id, since)
    VALUES (coalesce(NEW.tenant_id, OLD.tenant_id), least(old_at, new_at));
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.rollup_mark_row() IS
    'trigger: marks the day of a late task or touch write for re-rolling (the argument names the row''s time column)';

CREATE TRIGGER rollup_mark_insert AFTER INSERT ON followup.task
    FOR EACH ROW WHEN (NEW.due_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('due_at');
CREATE TRIGGER rollup_mark_update AFTER UPDATE ON followup.task
    FOR EACH ROW WHEN ((OLD.due_at < now() - interval '1 day' OR NEW.due_at < now() - interval '1 day')
                       AND (OLD.status, OLD.claimed_by, OLD.assignee, OLD.done_at, OLD.due_at, OLD.state,
                            OLD.tenant_id)
                           IS DISTINCT FROM (NEW.status, NEW.claimed_by, NEW.assignee, NEW.done_at,
                                             NEW.due_at, NEW.state, NEW.tenant_id))
    EXECUTE FUNCTION followup.rollup_mark_row('due_at');
CREATE TRIGGER rollup_mark_delete AFTER DELETE ON followup.task
    FOR EACH ROW WHEN (OLD.due_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('due_at');
CREATE TRIGGER rollup_mark_insert AFTER INSERT ON followup.interaction
    FOR EACH ROW WHEN (NEW.by_rule IS NOT NULL AND NEW.occurred_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at');
CREATE TRIGGER rollup_mark_update AFTER UPDATE ON followup.interaction
    FOR EACH ROW WHEN ((OLD.by_rule IS NOT NULL AND OLD.occurred_at < now() - interval '1 day'
                        OR NEW.by_rule IS NOT NULL AND NEW.occurred_at < now() - interval '1 day')
                       AND (OLD.by_rule, OLD.operator, OLD.occurred_at, OLD.tenant_id)
                           IS DISTINCT FROM (NEW.by_rule, NEW.operator, NEW.occurred_at, NEW.tenant_id))
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at');
CREATE TRIGGER rollup_mark_delete AFTER DELETE ON followup.interaction
    FOR EACH ROW WHEN (OLD.by_rule IS NOT NULL AND OLD.occurred_at < now() - interval '1 day')
    EXECUTE FUNCTION followup.rollup_mark_row('occurred_at');

-- a policy decides on_time, late and still_overdue of every day; TRUNCATE
-- fires no row trigger.  Both are rare: start the rollup over.
CREATE FUNCTION followup.rollup_reset() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE followup.rollup_state SET rolled_until = '-infinity';
    DELETE FROM followup.compliance_day;
    DELETE FROM followup.rollup_mark;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.rollup_reset() IS
    'trigger: empties the rollup after a policy change or a TRUNCATE; the next roll_up rebuilds it';
CREATE TRIGGER rollup_reset AFTER INSERT OR UPDATE OR DELETE ON followup.policy
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();
CREATE TRIGGER rollup_reset AFTER TRUNCATE ON followup.task
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();
CREATE TRIGGER rollup_reset AFTER TRUNCATE ON followup.interaction
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_reset();

CREATE FUNCTION followup.roll_up(as_of timestamptz DEFAULT now()) RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st followup.rollup_state;
    target timestamptz;
    redo_from timestamptz;
    n bigint;
BEGIN
    -- one roll_up at a time; a concurrent run_due skips it
    SELECT * INTO st FROM followup.rollup_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF st.zone IS DISTINCT FROM current_setting('TimeZone') THEN
        DELETE FROM followup.compliance_day;
        st.rolled_until := '-infinity';
    END IF;

    -- a day is final once it ended two days and every escalate_after ago:
    -- its open tasks are all overdue, and a write for it is at least a day
    -- late, so it leaves a mark (unless its transaction ran for a day)
    target := date_trunc('day', least(as_of, now())
                         - greatest(interval '2 days', (SELECT max(p.escalate_after) FROM followup.policy p)));
    IF target < st.rolled_until THEN	-- an escalate_after grew
        DELETE FROM followup.compliance_day WHERE day::timestamptz >= target;
        st.rolled_until := target;
    END IF;

    -- marked days are re-rolled from the earliest; marks made after this
    -- statement's snapshot stay for the next run
    WITH gone AS (DELETE FROM followup.rollup_mark RETURNING since)
    SELECT date_trunc('day', min(since)) INTO redo_from FROM gone;
    redo_from := least(coalesce(redo_from, 'infinity'), st.rolled_until);
    IF redo_from < st.rolled_until THEN
        DELETE FROM followup.compliance_day WHERE day::timestamptz >= redo_from;
    END IF;

    IF target > redo_from THEN
        INSERT INTO followup.compliance_day
        SELECT * FROM followup.compliance_rows(redo_from, target, as_of);
        GET DIAGNOSTICS n = ROW_COUNT;
    END IF;
    UPDATE followup.rollup_state
    SET zone = current_setting('TimeZone'), rolled_until = greatest(target, redo_from), rolled_at = now();
    RETURN coalesce(n, 0);
END $$;
COMMENT ON FUNCTION followup.roll_up(timestamptz) IS
    'rolls up operator_compliance for the days that can no longer change and re-rolls the marked ones, in the session''s time zone; run_due calls it; returns the rows written';
