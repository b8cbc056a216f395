-- followup 0.1.0 -> 0.2.0, last: what roles granted under 0.1.0 get now
-- (after the files new in 0.2.0, whose functions it grants)

-- ---- the roles granted under 0.1.0

-- What grant_reader, grant_operator and grant_admin give now and did not
-- then, given to the roles they were run for, with stall_diagnostic, made
-- again above.  These grants are the database's, as in a fresh install, not
-- the extension's initial privileges, which pg_dump leaves out: taken out of
-- pg_init_privs.
DO $$
DECLARE
    -- grant_reader's roles run current_tenant(), grant_operator's insert
    -- interactions, grant_admin's write policies; each kind in the order the
    -- roles were made, the order of a fresh install's grants in the ACLs
    readers regrole[] := ARRAY(
        SELECT d.g::regrole FROM (
            SELECT DISTINCT a.grantee AS g
            FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
            WHERE p.oid OPERATOR(pg_catalog.=) 'followup.current_tenant()'::pg_catalog.regprocedure
              AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
              AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
              AND a.grantee OPERATOR(pg_catalog.<>) p.proowner) d ORDER BY d.g);
    operators regrole[] := ARRAY(
        SELECT d.g::regrole FROM (
            SELECT DISTINCT a.grantee AS g
            FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            WHERE c.oid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass
              AND a.privilege_type OPERATOR(pg_catalog.=) 'INSERT'
              AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
              AND a.grantee OPERATOR(pg_catalog.<>) c.relowner) d ORDER BY d.g);
    admins regrole[] := ARRAY(
        SELECT d.g::regrole FROM (
            SELECT DISTINCT a.grantee AS g
            FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
            WHERE c.oid OPERATOR(pg_catalog.=) 'followup.policy'::pg_catalog.regclass
              AND a.privilege_type OPERATOR(pg_catalog.=) 'INSERT'
              AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
              AND a.grantee OPERATOR(pg_catalog.<>) c.relowner) d ORDER BY d.g);
    r regrole;
BEGIN
    FOREACH r IN ARRAY readers LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.stall_diagnostic(interval, timestamptz),'
                                  ' followup.stall_diagnostic_by_operator(interval, timestamptz),'
                                  ' followup.stall_leads(interval, timestamptz),'
                                  ' followup.stall_rows(bigint, interval, timestamptz),'
                                  ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                                  '   timestamptz, timestamptz, text),'
                                  ' followup.workload_forecast(integer, timestamptz),'
                                  ' followup.planned_touches(timestamptz, timestamptz),'
                                  ' followup.sequential_diff(bigint, bigint, bigint, bigint,'
                                  '   double precision, double precision), followup.experiment_arm_of(bigint, bigint, bigint),'
                                  ' followup.cadence_advice(followup.lead_state, interval, timestamptz),'
                                  ' followup.cadence(interval[]) TO %s', r);
        EXECUTE pg_catalog.format('GRANT SELECT ON followup.reason, followup.reasons, followup.repeat_purchases,'
                                  ' followup.calendar, followup.public_holiday, followup.contact_cap,'
                                  ' followup.quiet_hours, followup.pressure_move, followup.pressure, followup.capacity,'
                                  ' followup.capacity_used, followup.experiment, followup.experiment_arm,'
                                  ' followup.experiment_stays, followup.experiment_interactions,'
                                  ' followup.experiment_results TO %s', r);
    END LOOP;
    FOREACH r IN ARRAY operators LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.claim_tasks(text, integer, text[], timestamptz),'
                                  ' followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),'
                                  ' followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint, text),'
                                  ' followup.complete_task(bigint, text, text, timestamptz, text),'
                                  ' followup.complete_tasks(bigint[], text, text[], timestamptz, text[]) TO %s', r);
        EXECUTE pg_catalog.format('GRANT SELECT, INSERT ON followup.quarantine TO %s', r);
    END LOOP;
    FOREACH r IN ARRAY admins LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.load_calendar(text, text, date, date),'
                                  ' followup.conclude_experiment(bigint, integer, timestamptz) TO %s', r);
        EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON followup.reason, followup.calendar, followup.contact_cap,'
                                  ' followup.quiet_hours, followup.capacity, followup.experiment,'
                                  ' followup.experiment_arm TO %s', r);
        EXECUTE pg_catalog.format('GRANT INSERT ON followup.calendar_replan TO %s', r);
        EXECUTE pg_catalog.format('GRANT USAGE ON SEQUENCE followup.experiment_experiment_id_seq TO %s', r);
    END LOOP;

    -- the functions' initial privileges are the script's REVOKEs: the grants
    -- above come out of them
    UPDATE pg_catalog.pg_init_privs i
    SET initprivs = ARRAY(SELECT a FROM pg_catalog.unnest(i.initprivs) a
                          WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(ARRAY[a]) x
                                            WHERE x.grantee OPERATOR(pg_catalog.=) ANY ((readers OPERATOR(pg_catalog.||) operators
                                                                                       OPERATOR(pg_catalog.||) admins)::pg_catalog.oid[])))
    WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND i.objoid OPERATOR(pg_catalog.=) ANY (ARRAY[
          'followup.stall_diagnostic(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.stall_diagnostic_by_operator(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.stall_leads(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.stall_rows(bigint, interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer, timestamptz, timestamptz, text)'::pg_catalog.regprocedure,
          'followup.claim_tasks(text, integer, text[], timestamptz)'::pg_catalog.regprocedure,
          'followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint)'::pg_catalog.regprocedure,
          'followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint, text)'::pg_catalog.regprocedure,
          'followup.complete_task(bigint, text, text, timestamptz, text)'::pg_catalog.regprocedure,
          'followup.complete_tasks(bigint[], text, text[], timestamptz, text[])'::pg_catalog.regprocedure,
          'followup.load_calendar(text, text, date, date)'::pg_catalog.regprocedure,
          'followup.workload_forecast(integer, timestamptz)'::pg_catalog.regprocedure,
          'followup.planned_touches(timestamptz, timestamptz)'::pg_catalog.regprocedure,
          'followup.sequential_diff(bigint, bigint, bigint, bigint, double precision, double precision)'::pg_catalog.regprocedure,
          'followup.experiment_arm_of(bigint, bigint, bigint)'::pg_catalog.regprocedure,
          'followup.cadence_advice(followup.lead_state, interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.conclude_experiment(bigint, integer, timestamptz)'::pg_catalog.regprocedure,
          'followup.cadence(interval[])'::pg_catalog.regprocedure]::pg_catalog.oid[]);
    -- the relations new in 0.2.0 had no privileges of their own in the
    -- script: a fresh install records none
    DELETE FROM pg_catalog.pg_init_privs i
    WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      AND i.objoid OPERATOR(pg_catalog.=) ANY (ARRAY['followup.quarantine'::pg_catalog.regclass,
          'followup.reason'::pg_catalog.regclass, 'followup.reasons'::pg_catalog.regclass,
          'followup.repeat_purchases'::pg_catalog.regclass,
          'followup.calendar'::pg_catalog.regclass, 'followup.public_holiday'::pg_catalog.regclass,
          'followup.calendar_replan'::pg_catalog.regclass, 'followup.contact_cap'::pg_catalog.regclass,
          'followup.quiet_hours'::pg_catalog.regclass, 'followup.pressure_move'::pg_catalog.regclass,
          'followup.pressure'::pg_catalog.regclass, 'followup.capacity'::pg_catalog.regclass,
          'followup.capacity_used'::pg_catalog.regclass,
          'followup.experiment'::pg_catalog.regclass, 'followup.experiment_arm'::pg_catalog.regclass,
          'followup.experiment_stays'::pg_catalog.regclass, 'followup.experiment_interactions'::pg_catalog.regclass,
          'followup.experiment_results'::pg_catalog.regclass,
          'followup.experiment_experiment_id_seq'::pg_catalog.regclass]::pg_catalog.oid[]);
END $$;
