
-- followup: scale-out on Citus (docs/scaling.md).  distribute() turns the
-- tables into Citus tables on a coordinator: the data, distributed by
-- tenant_id and colocated, so that one tenant's leads, interactions, tasks,
-- history and rollups are in shards on one node; the configuration, copied
-- to every node as reference tables.  Without a call nothing changes.

CREATE FUNCTION followup.distribute(shard_count int DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    is_coordinator boolean;
    filled text[] := ARRAY['policy', 'step', 'signal', 'rule', 'reason', 'rollup_state'];
    has_rows boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        RAISE EXCEPTION 'followup.distribute() needs the citus extension in database "%"', pg_catalog.current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Install Citus from its own packages, preload it (shared_preload_libraries = ''citus, pg_cron''), CREATE EXTENSION citus on every node and add the workers; see docs/scaling.md.';
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO is_coordinator;
    IF NOT is_coordinator THEN
        RAISE EXCEPTION 'followup.distribute() must run on the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'citus_is_coordinator() is false: this node is a worker, or no coordinator was set.',
                  HINT = 'On the coordinator: SELECT citus_set_coordinator_host(...); SELECT citus_add_node(...) for each worker.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
               WHERE p.logicalrelid OPERATOR(pg_catalog.=) 'followup.lead'::pg_catalog.regclass) THEN
        RAISE EXCEPTION 'followup''s tables are already distributed'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- what followup does not apply on Citus yet (docs/scaling.md): the
    -- triggers on the workers would not see these rows
    FOREACH t IN ARRAY ARRAY['calendar', 'contact_cap', 'quiet_hours', 'capacity', 'experiment'] LOOP
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM followup.%I)', t) INTO has_rows;
        IF has_rows THEN
            RAISE EXCEPTION 'followup.% has rows, which followup does not apply on Citus yet', t
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'Delete them before followup.distribute(); see docs/scaling.md#not-on-citus-yet.';
        END IF;
    END LOOP;
    -- followup's row triggers read and write only the shards of the row's
    -- tenant, which are colocated, on the node the trigger fires on
    PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
    IF shard_count IS NOT NULL THEN
        PERFORM pg_catalog.set_config('citus.shard_count', shard_count::pg_catalog.text, true);
    END IF;

    -- Citus takes no subquery in a policy.  The tenant's function is
    -- STABLE, so the planner still uses the tenant-leading indexes with it.
    FOREACH t IN ARRAY ARRAY['lead', 'interaction', 'task', 'state_change', 'compliance_day',
                             'response_day', 'funnel_day', 'plan_b_day', 'rollup_mark'] LOOP
        EXECUTE pg_catalog.format('DROP POLICY tenant_rows ON followup.%I', t);
        EXECUTE pg_catalog.format('CREATE POLICY tenant_rows ON followup.%I'
                                  ' USING (tenant_id OPERATOR(pg_catalog.=) followup.current_tenant())', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['policy', 'step', 'signal', 'rule', 'reason'] LOOP
        EXECUTE pg_catalog.format('DROP POLICY tenant_and_defaults_read ON followup.%I', t);
        EXECUTE pg_catalog.format('CREATE POLICY tenant_and_defaults_read ON followup.%I FOR SELECT'
                                  ' USING (tenant_id OPERATOR(pg_catalog.=) ANY (ARRAY[0, followup.current_tenant()]))', t);
        EXECUTE pg_catalog.format('DROP POLICY tenant_rows_write ON followup.%I', t);
        EXECUTE pg_catalog.format('CREATE POLICY tenant_rows_write ON followup.%I'
                                  ' USING (tenant_id OPERATOR(pg_catalog.=) followup.current_tenant())', t);
    END LOOP;

    -- Citus refuses ON DELETE SET NULL on a key that holds the distribution
    -- column: an interaction keeps its task (the task is removed with its
    -- lead, and the interactions with it)
    SELECT c.conname INTO t FROM pg_catalog.pg_constraint c
    WHERE c.conrelid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass
      AND c.confrelid OPERATOR(pg_catalog.=) 'followup.task'::pg_catalog.regclass AND c.contype OPERATOR(pg_catalog.=) 'f';
    EXECUTE pg_catalog.format('ALTER TABLE followup.interaction DROP CONSTRAINT %I', t);
    EXECUTE pg_catalog.format('ALTER TABLE followup.interaction ADD CONSTRAINT %I'
                              ' FOREIGN KEY (tenant_id, task_id) REFERENCES followup.task', t);

    -- Citus computes an INSERT's defaults on the coordinator, before the
    -- worker's transaction starts: a new lead's updated_at would be before
    -- the worker's now(), which marks a copied lead that keeps its plan.
    -- Without the default the lead trigger stamps it where it fires.
    ALTER TABLE followup.lead ALTER COLUMN updated_at DROP DEFAULT;

    -- the rollups start over on Citus, made by its roll_up (below)
    UPDATE followup.rollup_state SET zone = NULL, rolled_until = '-infinity', rolled_at = NULL;
    PERFORM followup.rollup_drop('-infinity');
    DELETE FROM followup.rollup_mark;
    -- the reports' *_rows and the rollups as Citus plans them (below)
    PERFORM followup.distribute_reports();

    -- configuration: on every node, read by the triggers where they fire
    FOREACH t IN ARRAY ARRAY['policy', 'step', 'signal', 'rule', 'reason', 'rollup_state'] LOOP
        PERFORM pg_catalog.create_reference_table(pg_catalog.format('followup.%I', t)::pg_catalog.regclass);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['lead', 'task', 'interaction', 'state_change', 'rollup_mark',
                             'compliance_day', 'response_day', 'funnel_day', 'plan_b_day'] LOOP
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM followup.%I)', t) INTO has_rows;
        IF has_rows THEN
            filled := filled OPERATOR(pg_catalog.||) t;
        END IF;
    END LOOP;
    -- data: by tenant, colocated with the leads; the referenced before the referencing
    FOREACH t IN ARRAY ARRAY['lead', 'task', 'interaction', 'state_change', 'rollup_mark',
                             'compliance_day', 'response_day', 'funnel_day', 'plan_b_day'] LOOP
        PERFORM pg_catalog.create_distributed_table(pg_catalog.format('followup.%I', t)::pg_catalog.regclass,
                                                    'tenant_id',
                                                    colocate_with => CASE t WHEN 'lead' THEN 'default'
                                                                            ELSE 'followup.lead' END);
    END LOOP;
    -- run_due's work for a tenant where the tenant's shards are
    PERFORM pg_catalog.create_distributed_function('followup.run_due_tenant(bigint, timestamptz)'::pg_catalog.regprocedure,
                                                   distribution_arg_name => 'tenant',
                                                   colocate_with => 'followup.lead');
    -- roles given followup's functions before: on the workers too
    PERFORM followup.grant_on_workers(g.grantee::pg_catalog.regrole)
    FROM (SELECT DISTINCT a.grantee FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
          WHERE p.pronamespace OPERATOR(pg_catalog.=) 'followup'::pg_catalog.regnamespace
            AND a.grantee OPERATOR(pg_catalog.<>) 0 AND a.grantee OPERATOR(pg_catalog.<>) p.proowner) g;
    -- the rows were copied into the shards: free the shell tables' copies
    -- (only where there were rows: a TRUNCATE fires the rollups' reset)
    FOREACH t IN ARRAY filled LOOP
        PERFORM pg_catalog.truncate_local_data_after_distributing_table(pg_catalog.format('followup.%I', t)::pg_catalog.regclass);
    END LOOP;
END $$;
COMMENT ON FUNCTION followup.distribute(int) IS
    'on a Citus coordinator: distributes the data tables by tenant_id, colocated, and makes the configuration reference tables (docs/scaling.md)';
REVOKE ALL ON FUNCTION followup.distribute(int) FROM PUBLIC;

-- The reports' *_rows on distributed tables (docs/scaling.md).  Citus plans
-- no statement of an SQL function that has parameters, and no recursive CTE
-- over distributed tables, so distribute() replaces the bodies of the four
-- *_rows functions (same signatures and columns; the reports' views call
-- them by OID) with PL/pgSQL that runs the same *_source views in one
-- statement across every shard: grouped by tenant_id (the distribution
-- column), Citus pushes the whole statement down, each worker grouping its
-- own tenants' rows in parallel.  Its parameters are bound values there
-- (a custom plan), which Citus routes and prunes like constants.  The marked
-- days before lo are computed here, on the coordinator (rollup_marked_day's
-- rolled_until() would be evaluated on a shard, where it cannot read the
-- reference table), and read in one more statement across the shards.
-- PARALLEL UNSAFE there: a parallel worker cannot run Citus's statements.  plan_b_rows reads its offers through
-- plan_b_source's definition with its two correlated subqueries on
-- reference tables (which Citus refuses in a statement across shards) made
-- joins and a parameter.  make test-citus compares every report with one
-- node's.
CREATE FUNCTION followup.distribute_reports() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    -- each function: its arguments and columns as in reports.sql, the
    -- grouped statement (%s: which source rows), and its parameters
    head text := $h$
    LANGUAGE plpgsql STABLE PARALLEL UNSAFE SET jit = off SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
    q text := %L;
    rules bigint[];
    rolled timestamptz := followup.rolled_until();
    mts bigint[];
    mss timestamptz[];
    mus timestamptz[];
    mtenants bigint[];
    mlo timestamptz;
    mhi timestamptz;
    mkeys bigint[];
BEGIN
    -- plan_b_rows: the rules that decline an offer, as a parameter
    SELECT pg_catalog.array_agg(r.rule_id) INTO rules FROM followup.rule r
    WHERE r.effect OPERATOR(pg_catalog.=) 'next_plan_b';
    -- [lo, hi) across every shard, in one statement
    RETURN QUERY EXECUTE pg_catalog.format(q, 's.at >= $1 AND s.at < $2') USING lo, hi, %s, rules;
    -- the marked days before lo, in one statement: their tenants, the span
    -- of their days (an index range), and each (tenant, day) as one number
    -- (the day as the workers see it, as the grouping above)
    SELECT pg_catalog.array_agg(m.tenant_id), pg_catalog.array_agg(m.since), pg_catalog.array_agg(m.until)
    INTO mts, mss, mus FROM followup.rollup_mark m;
    SELECT pg_catalog.array_agg(DISTINCT k.t), min(d), max(d) + interval '1 day',
           pg_catalog.array_agg(DISTINCT k.t * 1000000 + (d::date - date '2000-01-01'))
    INTO mtenants, mlo, mhi, mkeys
    FROM unnest(mts, mss, mus) k(t, since, until)
    CROSS JOIN LATERAL followup.day_starts(k.since, k.until) d
    WHERE d < rolled AND d < lo;
    IF mkeys IS NOT NULL THEN
        RETURN QUERY EXECUTE pg_catalog.format(q, 's.tenant_id = ANY ($5) AND s.at >= $1 AND s.at < $2'
                                               ' AND s.tenant_id * 1000000 + (s.at::date - date ''2000-01-01'') = ANY ($6)')
            USING mlo, mhi, %s, rules, mtenants, mkeys;
    END IF;
END $b$$h$;
BEGIN
    EXECUTE pg_catalog.format($s$CREATE OR REPLACE FUNCTION followup.compliance_rows(lo timestamptz, hi timestamptz, as_of timestamptz)
    RETURNS TABLE (tenant_id bigint, operator text, day date, due bigint, on_time bigint, late bigint,
                   still_overdue bigint, by_rule bigint, by_chance bigint, median_delay interval)$s$
        OPERATOR(pg_catalog.||) head, $q$
SELECT x.tenant_id, x.operator, x.at::date,
       count(*) FILTER (WHERE x.is_task),
       count(*) FILTER (WHERE x.done AND x.delay <= x.escalate_after),
       count(*) FILTER (WHERE x.done AND x.delay > x.escalate_after),
       count(*) FILTER (WHERE x.is_task AND NOT x.done AND $3 - x.due_at > x.escalate_after),
       count(*) FILTER (WHERE x.by_rule),
       count(*) FILTER (WHERE NOT x.by_rule),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.delay) FILTER (WHERE x.done)
FROM (SELECT * FROM followup.compliance_source s WHERE %s) x
GROUP BY x.tenant_id, x.operator, x.at::date$q$, 'as_of', 'as_of');
    EXECUTE pg_catalog.format($s$CREATE OR REPLACE FUNCTION followup.response_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, operator text, day date, replies_answered bigint, median interval,
                   p90 interval, max interval, stddev_seconds double precision)$s$
        OPERATOR(pg_catalog.||) head, $q$
SELECT x.tenant_id, x.operator, x.at::date, count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.wait),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY x.wait),
       max(x.wait),
       stddev_samp(extract(epoch FROM x.wait))::double precision
FROM (SELECT * FROM followup.response_source s WHERE %s) x
GROUP BY x.tenant_id, x.operator, x.at::date$q$, 'NULL::timestamptz', 'NULL::timestamptz');
    EXECUTE pg_catalog.format($s$CREATE OR REPLACE FUNCTION followup.funnel_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, day date, state followup.lead_state, step_no int,
                   touches bigint, replies bigint, wins bigint)$s$
        OPERATOR(pg_catalog.||) head, $q$
SELECT x.tenant_id, x.at::date, x.state, x.step_no, count(*),
       count(*) FILTER (WHERE x.replied), count(*) FILTER (WHERE x.won)
FROM (SELECT * FROM followup.funnel_source s WHERE %s) x
GROUP BY x.tenant_id, x.at::date, x.state, x.step_no$q$, 'NULL::timestamptz', 'NULL::timestamptz');
    -- plan_b_source, with the declining rules a parameter ($4) and the
    -- tenant's Plan B matrix (else tenant 0's) a join
    EXECUTE pg_catalog.format($s$CREATE OR REPLACE FUNCTION followup.plan_b_rows(lo timestamptz, hi timestamptz)
    RETURNS TABLE (tenant_id bigint, day date, plan_b_step int, action_code text,
                   offered bigint, declined bigint, won_after bigint)$s$
        OPERATOR(pg_catalog.||) head, $q$
SELECT x.tenant_id, x.at::date, x.plan_b_step, x.action_code, count(*),
       count(*) FILTER (WHERE x.declined), count(*) FILTER (WHERE x.won_after)
FROM (SELECT * FROM (SELECT o.tenant_id, o.occurred_at AS at, o.plan_b_step_at AS plan_b_step, s.action_code,
             EXISTS (
                 SELECT 1 FROM followup.interaction d
                 WHERE d.tenant_id = o.tenant_id AND d.lead_id = o.lead_id AND d.applied
                   AND d.rule_id = ANY ($4)
                   AND d.occurred_at >= o.occurred_at
                   AND (d.occurred_at, d.interaction_id) > (o.occurred_at, o.interaction_id)
                   AND (n.occurred_at IS NULL
                        OR (d.occurred_at, d.interaction_id) < (n.occurred_at, n.interaction_id))) AS declined,
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
      LEFT JOIN (SELECT DISTINCT x.tenant_id FROM followup.step x WHERE x.state = 'installment_rejected') own
             ON own.tenant_id = o.tenant_id
      JOIN followup.step s ON s.state = 'installment_rejected' AND s.step_no = o.plan_b_step_at
                          AND s.tenant_id = coalesce(own.tenant_id, 0)
      WHERE o.by_rule IS NOT NULL AND o.applied AND o.state_at = 'installment_rejected'
        AND o.plan_b_step_at IS NOT NULL) s
      WHERE %s) x
GROUP BY x.tenant_id, x.at::date, x.plan_b_step, x.action_code$q$, 'NULL::timestamptz', 'NULL::timestamptz');
    -- rollup_reset cannot write the rollups from a reference table's
    -- copy (a distributed statement from a shard): the configuration the
    -- rollups were made with is part of their zone, and a rolled day counts
    -- only while both are the session's.  As the owner, who reads every
    -- tenant's configuration as roll_up does (a reader's rows would make
    -- another digest); it tells only the time the rolled days end.
    EXECUTE $s$CREATE OR REPLACE FUNCTION followup.rolled_until() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $b$
    SELECT CASE WHEN s.zone = pg_catalog.current_setting('TimeZone') || ' ' || followup.distributed_rollup_config()
                THEN s.rolled_until ELSE '-infinity' END
    FROM followup.rollup_state s
$b$$s$;
    EXECUTE $s$CREATE OR REPLACE FUNCTION followup.roll_up(as_of timestamptz DEFAULT now(), min_interval interval DEFAULT '0')
    RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp SET jit = off AS $b$
DECLARE
    st followup.rollup_state;
    made_with text := current_setting('TimeZone') || ' ' || followup.distributed_rollup_config();
    target timestamptz;
    written bigint := 0;
    n bigint;
    mts bigint[];
    mcs tid[];
    mss timestamptz[];
    mus timestamptz[];
    keys bigint[];
    tenant bigint;
    ctids tid[];
BEGIN
    -- one connection per worker: its statements across the shards, after
    -- its own writes there, are refused otherwise ("placements that were
    -- modified over multiple connections")
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- as on one node (src/sql/rollups.sql), with the zone and configuration
    SELECT * INTO st FROM followup.rollup_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    IF st.rolled_at > now() - min_interval AND st.zone = made_with THEN
        RETURN 0;
    END IF;
    target := date_trunc('day', least(as_of, now())
                         - greatest(interval '2 days', (SELECT max(p.escalate_after) FROM followup.policy p)));
    IF st.zone IS DISTINCT FROM made_with OR target < st.rolled_until THEN
        st.rolled_until := CASE WHEN st.zone IS DISTINCT FROM made_with THEN '-infinity' ELSE target END;
        -- rollup_drop's statements (Citus plans no SQL function with parameters)
        DELETE FROM followup.compliance_day WHERE day >= st.rolled_until::date;
        DELETE FROM followup.response_day WHERE day >= st.rolled_until::date;
        DELETE FROM followup.funnel_day WHERE day >= st.rolled_until::date;
        DELETE FROM followup.plan_b_day WHERE day >= st.rolled_until::date;
        UPDATE followup.rollup_state SET zone = made_with, rolled_until = st.rolled_until;
    END IF;

    -- Not one statement as on one node: the marks read now are consumed at
    -- the end, by tenant and ctid (only roll_up deletes marks, and it runs
    -- alone, so a ctid read is still that mark).  A mark written meanwhile
    -- stays; the *_rows below may already have re-rolled its day (twice, at
    -- worst), which is harmless: the reports compute a marked day from the
    -- tables, and the next roll_up deletes every row of the day first.
    SELECT array_agg(m.tenant_id), array_agg(m.ctid), array_agg(m.since), array_agg(m.until)
    INTO mts, mcs, mss, mus FROM followup.rollup_mark m;
    -- the marked days' rows, by (tenant, day) as one number
    SELECT array_agg(DISTINCT k.t * 1000000 + (d::date - date '2000-01-01'))
    INTO keys
    FROM unnest(mts, mss, mus) k(t, since, until)
    CROSS JOIN LATERAL followup.day_starts(k.since, k.until) d
    WHERE d < st.rolled_until;
    IF keys IS NOT NULL THEN
        DELETE FROM followup.compliance_day r WHERE r.tenant_id * 1000000 + (r.day - date '2000-01-01') = ANY (keys);
        DELETE FROM followup.response_day r WHERE r.tenant_id * 1000000 + (r.day - date '2000-01-01') = ANY (keys);
        DELETE FROM followup.funnel_day r WHERE r.tenant_id * 1000000 + (r.day - date '2000-01-01') = ANY (keys);
        DELETE FROM followup.plan_b_day r WHERE r.tenant_id * 1000000 + (r.day - date '2000-01-01') = ANY (keys);
    END IF;
    -- [rolled_until, target) and the marked days before it
    INSERT INTO followup.compliance_day SELECT * FROM followup.compliance_rows(st.rolled_until, target, as_of);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO followup.response_day SELECT * FROM followup.response_rows(st.rolled_until, target);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO followup.funnel_day SELECT * FROM followup.funnel_rows(st.rolled_until, target);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    INSERT INTO followup.plan_b_day SELECT * FROM followup.plan_b_rows(st.rolled_until, target);
    GET DIAGNOSTICS n = ROW_COUNT;
    written := written + n;
    -- the marks read, each tenant's on its shard
    FOR tenant IN SELECT DISTINCT t FROM unnest(mts) t LOOP
        ctids := ARRAY(SELECT k.c FROM unnest(mts, mcs) k(t, c) WHERE k.t = tenant);
        DELETE FROM followup.rollup_mark m WHERE m.tenant_id = tenant AND m.ctid = ANY (ctids);
    END LOOP;

    UPDATE followup.rollup_state
    SET zone = made_with, rolled_until = greatest(st.rolled_until, target), rolled_at = now();
    RETURN written;
END $b$$s$;
END $fn$;
COMMENT ON FUNCTION followup.distribute_reports() IS
    'used by distribute(): replaces the bodies of the reports'' *_rows functions, rolled_until and roll_up with the statements Citus plans (docs/scaling.md)';
REVOKE ALL ON FUNCTION followup.distribute_reports() FROM PUBLIC;

-- the configuration the rollups were made with, on Citus (rolled_until, roll_up)
CREATE FUNCTION followup.distributed_rollup_config() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.md5(pg_catalog.concat(
        (SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text) FROM followup.policy x),
        (SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text) FROM followup.step x),
        (SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text) FROM followup.signal x),
        (SELECT pg_catalog.string_agg(x::text, ',' ORDER BY x::text) FROM followup.rule x)))
$$;
REVOKE ALL ON FUNCTION followup.distributed_rollup_config() FROM PUBLIC;
COMMENT ON FUNCTION followup.distributed_rollup_config() IS
    'on Citus: a digest of the configuration (policy, step, signal, rule), kept with the rollups: a change makes roll_up start them over';
