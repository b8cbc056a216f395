
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

    -- roll_up does not run on Citus (docs/scaling.md): the reports compute
    -- every day from the tables, and no rolled day is left to go stale
    UPDATE followup.rollup_state SET rolled_until = '-infinity';
    PERFORM followup.rollup_drop('-infinity');
    DELETE FROM followup.rollup_mark;

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
