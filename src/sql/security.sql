
-- followup: tenancy and privileges (docs/security.md).
--
-- Row level security keeps a role that does not own the tables to the rows
-- of its tenant, followup.current_tenant(); configuration also shows tenant
-- 0's shipped defaults.  The subselect makes the planner evaluate the tenant
-- once per statement (an InitPlan), so the tenant-leading indexes are used.
-- The owner (who ran CREATE EXTENSION, and the jobs scheduled as it) sees
-- every tenant.

ALTER TABLE followup.lead ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.interaction ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.task ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.state_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.step ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.signal ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.rule ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.compliance_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.response_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.funnel_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.plan_b_day ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.rollup_mark ENABLE ROW LEVEL SECURITY;
ALTER TABLE followup.notify_channel ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON followup.lead
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.interaction
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.task
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.state_change
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.compliance_day
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.response_day
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.funnel_day
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.plan_b_day
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON followup.rollup_mark
    USING (tenant_id = (SELECT followup.current_tenant()));
-- read only by followup.due_channel(), as the owner: granted to nobody
CREATE POLICY tenant_rows ON followup.notify_channel
    USING (tenant_id = (SELECT followup.current_tenant()));

-- configuration: read the tenant's rows and the shipped defaults, write only the tenant's
CREATE POLICY tenant_and_defaults_read ON followup.policy FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.policy
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_and_defaults_read ON followup.step FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.step
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_and_defaults_read ON followup.signal FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.signal
    USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_and_defaults_read ON followup.rule FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.rule
    USING (tenant_id = (SELECT followup.current_tenant()));

-- views read with the privileges, and so the row security, of their reader
ALTER VIEW followup.due_tasks SET (security_invoker = true);
ALTER VIEW followup.job_lag SET (security_invoker = true);
ALTER VIEW followup.pipeline SET (security_invoker = true);
ALTER VIEW followup.touch_log SET (security_invoker = true);
ALTER VIEW followup.operator_compliance SET (security_invoker = true);
ALTER VIEW followup.response_times SET (security_invoker = true);
ALTER VIEW followup.silence_by_stage SET (security_invoker = true);
ALTER VIEW followup.step_funnel SET (security_invoker = true);
ALTER VIEW followup.plan_b_recovery SET (security_invoker = true);
ALTER VIEW followup.compliance_source SET (security_invoker = true);
ALTER VIEW followup.response_source SET (security_invoker = true);
ALTER VIEW followup.funnel_source SET (security_invoker = true);
ALTER VIEW followup.plan_b_source SET (security_invoker = true);
ALTER VIEW followup.rollup_marked_day SET (security_invoker = true);

-- On a Citus coordinator whose tables followup.distribute() distributed,
-- Citus copies grants on the tables and the schema to the workers but not
-- grants on an extension's functions, which the shards' policies and
-- triggers call there: the grant functions repeat those on the workers.
-- (Through run_command_on_workers: its own transactions, outside this one.)
CREATE FUNCTION followup.grant_on_workers(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    distributed boolean;
    functions text;
    failed text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator() AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p'
            ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''followup.lead''::pg_catalog.regclass)'
        INTO STRICT distributed;
    IF NOT distributed THEN
        RETURN;
    END IF;
    SELECT pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::pg_catalog.text, ', ') INTO functions
    FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
    WHERE p.pronamespace OPERATOR(pg_catalog.=) 'followup'::pg_catalog.regnamespace
      AND a.grantee OPERATOR(pg_catalog.=) role AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE';
    IF functions IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.string_agg(r.nodename || '':'' || r.nodeport || '': '' || r.result, ''; '')'
            ' FROM pg_catalog.run_command_on_workers($1) r WHERE NOT r.success'
        INTO failed
        USING pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', functions, role);
    IF failed IS NOT NULL THEN
        RAISE EXCEPTION 'could not grant role % followup''s functions on the Citus workers', role
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = failed;
    END IF;
END $$;
COMMENT ON FUNCTION followup.grant_on_workers(regrole) IS
    'on a Citus coordinator with distributed tables: gives role on every worker the EXECUTE privileges on followup''s functions it has here (no-op elsewhere)';

CREATE FUNCTION followup.grant_reader(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA followup TO %s', role);
    -- the views run with the reader's privileges, so it reads the tables too
    -- (row level security limits it to its tenant)
    EXECUTE format('GRANT SELECT ON followup.lead, followup.interaction, followup.task,'
                   ' followup.state_change, followup.policy, followup.step, followup.signal,'
                   ' followup.rule, followup.rollup_state, followup.rollup_mark, followup.rollup_marked_day,'
                   ' followup.compliance_day, followup.response_day, followup.funnel_day,'
                   ' followup.plan_b_day, followup.compliance_source, followup.response_source,'
                   ' followup.funnel_source, followup.plan_b_source TO %s', role);
    -- issue 18: calendars, contact pressure
    EXECUTE format('GRANT SELECT ON followup.calendar, followup.public_holiday, followup.contact_cap,'
                   ' followup.quiet_hours, followup.pressure_move, followup.pressure, followup.capacity,'
                   ' followup.capacity_used TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.workload_forecast(integer, timestamptz),'
                   ' followup.planned_touches(timestamptz, timestamptz) TO %s', role);
    EXECUTE format('GRANT SELECT ON followup.pipeline, followup.touch_log,'
                   ' followup.operator_compliance, followup.response_times,'
                   ' followup.silence_by_stage, followup.step_funnel, followup.plan_b_recovery,'
                   ' followup.due_tasks, followup.job_lag TO %s', role);
    -- after the sale, and the reasons why (after_sale.sql)
    EXECUTE format('GRANT SELECT ON followup.reason, followup.reasons, followup.repeat_purchases TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.current_tenant(), followup.tenant_hint(text, text),'
                   ' followup.due_channel(),'
                   ' followup.policy_for(bigint, followup.lead_state),'
                   ' followup.rolled_until(), followup.day_starts(timestamptz, timestamptz),'
                   ' followup.compliance_rows(timestamptz, timestamptz, timestamptz),'
                   ' followup.response_rows(timestamptz, timestamptz),'
                   ' followup.funnel_rows(timestamptz, timestamptz),'
                   ' followup.plan_b_rows(timestamptz, timestamptz),'
                   ' followup.stall_diagnostic(interval, timestamptz),'
                   ' followup.stall_diagnostic_by_operator(interval, timestamptz),'
                   ' followup.stall_leads(interval, timestamptz),'
                   ' followup.stall_rows(bigint, interval, timestamptz),'
                   -- stall_diagnostic plans a never-touched lead's first touch
                   ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                   '   timestamptz, timestamptz, text),'
                   ' followup.steps(followup.cadence), followup.offset_at(followup.cadence, integer),'
                   ' followup.offsets(followup.cadence) TO %s', role);
    -- experiments (src/sql/experiments.sql)
    EXECUTE format('GRANT SELECT ON followup.experiment, followup.experiment_arm, followup.experiment_stays,'
                   ' followup.experiment_interactions, followup.experiment_results TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.sequential_diff(bigint, bigint, bigint, bigint,'
                   '   double precision, double precision), followup.experiment_arm_of(bigint, bigint, bigint),'
                   ' followup.cadence_advice(followup.lead_state, interval, timestamptz),'
                   ' followup.cadence(interval[]) TO %s', role);
    PERFORM followup.grant_on_workers(role);
END $$;
COMMENT ON FUNCTION followup.grant_reader(regrole) IS
    'lets a role read the reports, stall_diagnostic and the rows behind them, for its tenant only';

CREATE FUNCTION followup.grant_operator(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM followup.grant_reader(role);
    -- the CRM writes leads and interactions; the triggers it fires keep the
    -- plan and the tasks, and write the state log and the interaction
    -- stamps as the tables' owner: the history is not the operator's to
    -- write (0.1.0 granted INSERT and DELETE on it: taken back)
    EXECUTE format('GRANT INSERT, UPDATE ON followup.lead TO %s', role);
    EXECUTE format('GRANT INSERT ON followup.interaction TO %s', role);
    EXECUTE format('GRANT UPDATE ON followup.task TO %s', role);
    -- a lenient attachment's trigger quarantines, as the CRM's writer, the
    -- rows followup cannot apply (docs/integration.md#lenient-attachments)
    EXECUTE format('GRANT SELECT, INSERT ON followup.quarantine TO %s', role);
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON followup.state_change FROM %s', role);
    EXECUTE format('GRANT USAGE ON SEQUENCE followup.lead_lead_id_seq,'
                   ' followup.interaction_interaction_id_seq TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.check_timezone(text),'
                   ' followup.check_template(text), followup.render(text, jsonb),'
                   ' followup.momentum(bigint, timestamptz), followup.preview(bigint),'
                   ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                   '   timestamptz, timestamptz, text),'
                   ' followup.claim_tasks(text, integer),'
                   ' followup.complete_task(bigint, text, text, timestamptz),'
                   ' followup.claim_tasks(text, integer, text[], timestamptz),'
                   ' followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),'
                   ' followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint, text),'
                   ' followup.complete_task(bigint, text, text, timestamptz, text),'
                   ' followup.complete_tasks(bigint[], text, text[], timestamptz, text[]),'
                   ' followup.release_task(bigint) TO %s', role);
    PERFORM followup.grant_on_workers(role);
END $$;
COMMENT ON FUNCTION followup.grant_operator(regrole) IS
    'lets a role (the CRM''s, or an operator''s) write leads and interactions, claim, complete and release tasks, and read what grant_reader gives, for its tenant only';

CREATE FUNCTION followup.grant_admin(role regrole) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM followup.grant_reader(role);
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON followup.policy, followup.step,'
                   ' followup.signal, followup.rule, followup.reason TO %s', role);
    EXECUTE format('GRANT USAGE ON SEQUENCE followup.rule_rule_id_seq TO %s', role);
    -- issue 18: a calendar change queues its re-planning (calendar_queue_replan)
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON followup.calendar, followup.contact_cap,'
                   ' followup.quiet_hours, followup.capacity TO %s', role);
    EXECUTE format('GRANT INSERT ON followup.calendar_replan TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.load_calendar(text, text, date, date) TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.check_timezone(text),'
                   ' followup.check_template(text), followup.render(text, jsonb),'
                   ' followup.cadence(interval[]),'
                   ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                   '   timestamptz, timestamptz, text) TO %s', role);
    -- experiments (src/sql/experiments.sql)
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON followup.experiment, followup.experiment_arm TO %s', role);
    EXECUTE format('GRANT USAGE ON SEQUENCE followup.experiment_experiment_id_seq TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.conclude_experiment(bigint, integer, timestamptz) TO %s', role);
    PERFORM followup.grant_on_workers(role);
END $$;
COMMENT ON FUNCTION followup.grant_admin(regrole) IS
    'lets a role change its tenant''s policies, steps, signals, rules, calendar, contact caps, quiet hours and capacities, and read what grant_reader gives';

-- Nothing for PUBLIC (functions are executable by PUBLIC unless revoked):
-- the grant functions above give each kind of role what it needs.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA followup FROM PUBLIC;
