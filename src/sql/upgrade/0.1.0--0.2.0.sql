-- followup 0.1.0 -> 0.2.0
--
-- Brings a 0.1.0 install to exactly what followup--0.2.0.sql creates
-- (test/upgrade/run checks the schema and a replayed workload).  The
-- Makefile builds followup--0.1.0--0.2.0.sql from this file (the changes to
-- what 0.1.0 had), then the files of src/sql new in 0.2.0 as they are
-- (distribute, attach, write_api, workers), then 0.1.0--0.2.0.roles.sql.
-- Here, one section per file of src/sql that 0.1.0 had, in the Makefile's
-- order; within a section, the objects in the order of that file.  New
-- objects are created as src/sql does; changed functions and views are
-- replaced with CREATE OR REPLACE (same name, arguments and result
-- columns).  To add a change: copy the object's new definition from src/sql
-- into its section.

\echo Use "ALTER EXTENSION followup UPDATE TO '0.2.0'" to load this file. \quit

-- ---- src/sql/types.sql: unchanged

-- ---- src/sql/settings.sql

CREATE FUNCTION followup.tenant_hint(table_name text, what text) RETURNS text
    AS 'MODULE_PATHNAME', 'followup_tenant_hint_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.tenant_hint(text, text) IS
    'the hint of a "does not exist in tenant" error: what this session''s kind of role (owner, locked to its tenant or not) should do to reach a row of followup.table_name';
-- ---- src/sql/config.sql

-- A rule reads a kind that is a signal of its tenant or of tenant 0, as an
-- interaction's kind must be (a plain foreign key cannot say "or tenant
-- 0's"): a rule for an unknown kind would never fire.  A signal cannot go
-- while rules read it.  Both read with the writer's row security, which
-- shows a tenant's admin its own rows and tenant 0's, and the owner (the
-- only writer of tenant 0's rows) every tenant's.  The signal check is
-- deferred to commit, so that a shipped signal replaced by an INSERT (see
-- config_row_owned) or a signal and its rules dropped in one transaction
-- pass.  Neither checks while a dump is restored (check_function_bodies
-- off, as pg_dump sets it, and as CREATE FUNCTION skips its own checks):
-- a dump loads followup.rule before followup.signal.
CREATE FUNCTION followup.rule_kind_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT current_setting('check_function_bodies')::boolean THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT FROM followup.signal s
                   WHERE s.tenant_id IN (NEW.tenant_id, 0) AND s.kind = NEW.kind) THEN
        RAISE EXCEPTION 'rule % of tenant % is for unknown interaction kind "%"', NEW.rule_id, NEW.tenant_id, NEW.kind
            USING ERRCODE = '23503',
                  DETAIL = CASE WHEN NEW.tenant_id = 0 THEN format('"%s" is not a signal of tenant 0.', NEW.kind)
                           ELSE format('"%s" is not a signal of tenant %s or of tenant 0.', NEW.kind, NEW.tenant_id) END,
                  HINT = 'Add it to followup.signal first, or use a known kind such as reply or message.';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.rule_kind_check() IS
    'constraint trigger: a rule''s kind must be a signal of its tenant or of tenant 0 (23503 otherwise)';

CREATE FUNCTION followup.signal_in_use_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT current_setting('check_function_bodies')::boolean THEN
        RETURN NULL;
    END IF;
    -- the rules that read the kind for OLD's tenant (every tenant's, for
    -- tenant 0) and that no signal covers any more
    SELECT x.tenant_id, x.rule_id INTO r FROM followup.rule x
    WHERE x.kind = OLD.kind AND (x.tenant_id = OLD.tenant_id OR OLD.tenant_id = 0)
      AND NOT EXISTS (SELECT FROM followup.signal s WHERE s.tenant_id IN (x.tenant_id, 0) AND s.kind = x.kind)
    ORDER BY x.tenant_id, x.rule_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'signal "%" of tenant % is still used by rule % of tenant %', OLD.kind, OLD.tenant_id,
                        r.rule_id, r.tenant_id
            USING ERRCODE = '23503',
                  DETAIL = 'A rule''s kind must be a signal of its tenant or of tenant 0.',
                  HINT = format('Delete or change the rules for "%s" first, in the same transaction if you like.', OLD.kind);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.signal_in_use_check() IS
    'constraint trigger: a signal that rules read cannot be deleted or renamed (23503), checked at commit';

CREATE CONSTRAINT TRIGGER rule_kind_known AFTER INSERT OR UPDATE OF tenant_id, kind ON followup.rule
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION followup.rule_kind_check();
CREATE CONSTRAINT TRIGGER signal_in_use AFTER DELETE OR UPDATE OF tenant_id, kind ON followup.signal
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION followup.signal_in_use_check();

COMMENT ON COLUMN followup.policy.escalate_to IS 'who gets overdue tasks: the operator name claim_tasks is called with, which may then claim them too; NULL = the task is only marked escalated and stays with its assignee';

-- ---- src/sql/data.sql

-- The history and the stamps are the engine's (docs/security.md): the
-- triggers write them as the tables' owner, the roles grant_operator makes
-- can insert interactions and change leads, and no one but the owner can
-- rewrite what happened.  Referential actions (a deleted lead's history)
-- run as the owner too.
CREATE FUNCTION followup.refuse_history_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_catalog.pg_has_role(current_user,
            (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID),
            'USAGE') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('%s on %I.%I is refused for role %I', TG_OP,
                                        TG_TABLE_SCHEMA, TG_TABLE_NAME, current_user),
            DETAIL = CASE TG_TABLE_NAME
                WHEN 'state_change' THEN 'The state history is append-only: only its owner may change or remove it.'
                ELSE 'The stamped columns (state_at, touches_at, plan_b_step_at, by_rule, applied, rule_id) are written by followup''s triggers only.' END,
            HINT = 'Ask the owner of the followup tables; the engine keeps this record itself.';
    END IF;
    IF TG_LEVEL OPERATOR(pg_catalog.=) 'ROW' THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.refuse_history_rewrite() IS
    'trigger: refuses, for roles without the tables'' owner''s privileges, changes to the state history and to interaction stamps';
CREATE TRIGGER state_change_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON followup.state_change
    FOR EACH STATEMENT EXECUTE FUNCTION followup.refuse_history_rewrite();
CREATE TRIGGER interaction_stamps_kept BEFORE UPDATE ON followup.interaction
    FOR EACH ROW WHEN ((OLD.state_at, OLD.touches_at, OLD.plan_b_step_at, OLD.by_rule, OLD.applied, OLD.rule_id)
                       IS DISTINCT FROM
                       (NEW.state_at, NEW.touches_at, NEW.plan_b_step_at, NEW.by_rule, NEW.applied, NEW.rule_id))
    EXECUTE FUNCTION followup.refuse_history_rewrite();


-- ---- src/sql/defaults.sql: unchanged
-- ---- src/sql/functions.sql

-- preview gains moved_by (issue 18): a new result type, so it is made
-- again, with the privileges roles had on it (the database's, not the
-- extension's: out of pg_init_privs, as in a fresh install)
DO $$
DECLARE
    grantees oid[];
    r oid;
BEGIN
    SELECT array_agg(DISTINCT a.grantee) INTO grantees
    FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
    WHERE p.oid OPERATOR(pg_catalog.=) 'followup.preview(bigint)'::pg_catalog.regprocedure
      AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
      AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid AND a.grantee OPERATOR(pg_catalog.<>) p.proowner;
    DROP FUNCTION followup.preview(bigint);
    CREATE FUNCTION followup.preview(lead_id bigint)
        RETURNS TABLE (step_no int, next_action followup.next_action, due_at timestamptz,
                       channel text, purpose text, action_code text, message text, render_error text,
                       moved_by text)
        AS 'MODULE_PATHNAME', 'followup_preview' LANGUAGE C STABLE STRICT PARALLEL SAFE;
    COMMENT ON FUNCTION followup.preview(bigint) IS
        'the touches still planned for the lead if the silence continues, with due times and rendered messages, up to the close, and what contact pressure moved each by';
    REVOKE ALL ON FUNCTION followup.preview(bigint) FROM PUBLIC;
    FOREACH r IN ARRAY coalesce(grantees, '{}') LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.preview(bigint) TO %s', r::regrole);
    END LOOP;
    UPDATE pg_catalog.pg_init_privs i
    SET initprivs = ARRAY(SELECT a FROM pg_catalog.unnest(i.initprivs) a
                          WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(ARRAY[a]) x
                                            WHERE x.grantee OPERATOR(pg_catalog.=) ANY (coalesce(grantees, '{}'))))
    WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND i.objoid OPERATOR(pg_catalog.=) 'followup.preview(bigint)'::pg_catalog.regprocedure;
END $$;


-- ---- src/sql/jobs.sql

CREATE OR REPLACE FUNCTION followup.release_task(task_id bigint) RETURNS followup.task
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t followup.task;
    -- a parameter, not a call in the statement: Citus routes a statement by
    -- a parameter's value to the tenant's shards (docs/scaling.md)
    tenant bigint := followup.current_tenant();
BEGIN
    -- the lead before the task, in the order every writer locks them (the
    -- interaction trigger, claim_tasks, complete_task): no deadlock with a
    -- reply being applied to the same lead
    SELECT x.* INTO t FROM followup.task x
    JOIN followup.lead l ON l.tenant_id = x.tenant_id AND l.lead_id = x.lead_id
    WHERE x.tenant_id = tenant AND x.task_id = release_task.task_id
    FOR NO KEY UPDATE OF l FOR UPDATE OF x;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % does not exist in tenant %', release_task.task_id, tenant
            USING ERRCODE = '42704', HINT = followup.tenant_hint('task', 'task');
    ELSIF t.status = 'done' THEN
        RAISE EXCEPTION 'task % is already done', t.task_id USING ERRCODE = 'FU001';
    ELSIF t.status = 'superseded' THEN
        RAISE EXCEPTION 'task % was superseded: the lead''s plan changed', t.task_id USING ERRCODE = 'FU002';
    ELSIF t.status = 'open' THEN
        RAISE EXCEPTION 'task % is not claimed', t.task_id USING ERRCODE = '55000';
    END IF;
    UPDATE followup.task x SET status = 'open', claimed_by = NULL, claimed_at = NULL
    WHERE x.tenant_id = tenant AND x.task_id = t.task_id
    RETURNING * INTO t;
    RETURN t;
END $$;

-- A claimed or finished task leaves a dead entry at the head of the claim
-- indexes, which every claim_tasks call steps over until VACUUM: vacuum the
-- task table after 2% of it (and at least 500 rows) changed, not 20%.
ALTER TABLE followup.task SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 500);

-- Each tenant is notified on a channel of its own whose name cannot be
-- guessed: LISTEN takes no privilege, so a channel named after the tenant
-- alone would let any session hear another tenant's activity.  Made on first
-- use, read through followup.due_channel(); not dumped (a restored database
-- makes new ones, which workers read again when they connect).
CREATE TABLE followup.notify_channel (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    channel         text NOT NULL,
    PRIMARY KEY (tenant_id),
    CONSTRAINT notify_channel_channel_key UNIQUE (channel),
    CONSTRAINT notify_channel_channel_check CHECK (channel ~ '^followup_due_[0-9]+_[0-9a-f]{24}$')
);
COMMENT ON TABLE followup.notify_channel IS 'the channel materialize_due notifies each tenant on (see followup.due_channel())';
COMMENT ON COLUMN followup.notify_channel.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.notify_channel.channel IS 'followup_due_<tenant_id>_<24 random hex digits>';

CREATE FUNCTION followup.due_channel() RETURNS text
    AS 'MODULE_PATHNAME', 'followup_due_channel' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION followup.due_channel() IS
    'the channel to LISTEN on for the current tenant''s new tasks (made on first call); no other tenant is notified on it';

COMMENT ON FUNCTION followup.materialize_due(timestamptz, int) IS
    'one task per lead whose next touch is due at as_of (at most max_leads per call), message rendered; never for do_not_contact leads; notifies each tenant that got tasks on its own channel (followup.due_channel()); returns the tasks made';

COMMENT ON FUNCTION followup.release_task(bigint) IS
    'gives a claimed task back to the queue; errors FU001 if done, FU002 if superseded, 55000 if not claimed, 42704 if unknown';

CREATE FUNCTION followup.cron_connection_problem(use_background_workers text, host text,
                                                listen_addresses text, socket_directories text)
    RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target text := coalesce(nullif(host, ''), 'localhost');
BEGIN
    -- background workers need no connection at all
    IF lower(coalesce(use_background_workers, 'off')) IN ('on', 'true', 'yes', '1') THEN
        RETURN NULL;
    END IF;
    IF left(target, 1) = '/' THEN
        IF target = ANY (SELECT btrim(d) FROM unnest(string_to_array(coalesce(socket_directories, ''), ',')) d) THEN
            RETURN NULL;
        END IF;
        RETURN format('pg_cron connects through the socket directory "%s", which is not one of'
                      ' unix_socket_directories (%s): its jobs will fail with "connection failed"',
                      target, coalesce(socket_directories, ''));
    END IF;
    IF btrim(coalesce(listen_addresses, '')) = '' THEN
        RETURN format('pg_cron connects to "%s" over TCP, but the server listens on no TCP address'
                      ' (listen_addresses is empty): its jobs will fail with "connection failed"', target);
    END IF;
    -- an address the server may not listen on cannot be told from here
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.cron_connection_problem(text, text, text, text) IS
    'why pg_cron, with these settings (cron.use_background_workers, cron.host, listen_addresses, unix_socket_directories), cannot connect to run jobs; NULL when it can (or it cannot be told); schedule_jobs warns with it';

REVOKE ALL ON FUNCTION followup.cron_connection_problem(text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION followup.schedule_jobs(schedule text DEFAULT '* * * * *')
    RETURNS TABLE (jobname text, jobid bigint, cron_schedule text, command text)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cron_db text := current_setting('cron.database_name', true);
    run_job text := 'followup-run-due:' || current_database();
    purge_job text := 'followup-purge-run-log:' || current_database();
    run_cmd text := 'SELECT followup.run_due()';
    problem text;
    -- pg_cron keeps a row per run in cron.job_run_details; keep a week of
    -- ours.  pg_cron runs this as the owner with the owner's search_path:
    -- every name is qualified (docs/security.md)
    purge_cmd text := 'DELETE FROM cron.job_run_details'
        || ' WHERE end_time OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval ''7 days'')'
        || ' AND jobid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT j.jobid FROM cron.job j'
        || ' WHERE j.jobname OPERATOR(pg_catalog.~~) ''followup-%''))';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        IF cron_db IS NOT NULL AND cron_db <> current_database() THEN
            RAISE EXCEPTION 'pg_cron runs in database "%", not in "%"', cron_db, current_database()
                USING ERRCODE = '55000',
                DETAIL = 'pg_cron can only schedule jobs from the database named by cron.database_name.',
                HINT = format('Connect to %I and run: SELECT cron.schedule_in_database(%L, %L, %L, %L); '
                              'SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                              cron_db, run_job, schedule, run_cmd, current_database(),
                              purge_job, '17 3 * * *', purge_cmd, cron_db);
        END IF;
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = '55000',
            HINT = CASE WHEN cron_db IS NULL
                THEN 'Install it (apt-get install postgresql-15-cron; shared_preload_libraries = ''pg_cron''; '
                     'cron.database_name = ''' || current_database() || '''; restart; CREATE EXTENSION pg_cron), '
                     'or call SELECT followup.run_due() every minute from another scheduler.'
                ELSE 'Run CREATE EXTENSION pg_cron in this database, or call SELECT followup.run_due() '
                     'every minute from another scheduler.' END;
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING run_job, schedule, run_cmd;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING purge_job, '17 3 * * *', purge_cmd;
    -- scheduled, but will the jobs run?  A socket-only server and pg_cron's
    -- default (a libpq connection to localhost) never connect
    problem := followup.cron_connection_problem(current_setting('cron.use_background_workers', true),
                                                current_setting('cron.host', true),
                                                current_setting('listen_addresses'),
                                                current_setting('unix_socket_directories'));
    IF problem IS NOT NULL THEN
        RAISE WARNING '%', problem
            USING HINT = 'Set cron.use_background_workers = on (postgresql.conf; it counts against'
                         ' max_worker_processes) or cron.host to one of unix_socket_directories, and restart.'
                         ' SELECT * FROM followup.job_lag shows whether the jobs keep up (docs/operations.md).';
    END IF;
    RETURN QUERY EXECUTE
        'SELECT j.jobname::text, j.jobid, j.schedule::text, j.command::text FROM cron.job j'
        ' WHERE j.jobname IN ($1, $2) ORDER BY j.jobname'
        USING run_job, purge_job;
END $$;
COMMENT ON FUNCTION followup.schedule_jobs(text) IS
    'schedules followup.run_due() with pg_cron (default every minute) and a daily purge of its run log older than 7 days; in a database without pg_cron the error''s hint says what to run instead; warns when pg_cron''s settings cannot connect to run them (cron_connection_problem)';


CREATE FUNCTION followup.materialize_due_tenant(tenant bigint, as_of timestamptz, max_leads int)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'followup_materialize_due_tenant' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION followup.materialize_due_tenant(bigint, timestamptz, int) IS
    'materialize_due for one tenant, without notifying (on Citus it runs where the tenant''s shards are; run_due notifies from the coordinator with notify_due); returns the tasks made';

CREATE FUNCTION followup.notify_due(tenant bigint, tasks bigint, as_of timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'followup_notify_due' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION followup.notify_due(bigint, bigint, timestamptz) IS
    'tells tenant on its own channel (followup.due_channel()) that tasks new tasks are due at as_of, as materialize_due does; nothing when followup.notify is off or tasks is 0';

-- close_exhausted's and escalate_overdue's statements, for every tenant
-- (tenant NULL) or for one (run_due_tenant: on Citus a statement that locks
-- rows must stay on one tenant's shards, and the tenant filter routes it
-- there).  Each tenant's policy, else tenant 0's, by joins: Citus plans a
-- correlated LIMIT subquery on a reference table through an intermediate
-- result that fails here.
CREATE FUNCTION followup.close_exhausted_tenant(tenant bigint, as_of timestamptz, max_leads int)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    closed bigint;
BEGIN
    IF as_of IS NULL OR max_leads IS NULL THEN
        RAISE EXCEPTION 'as_of and max_leads must not be null' USING ERRCODE = '22004';
    ELSIF max_leads < 1 THEN
        RAISE EXCEPTION 'max_leads must be at least 1, not %', max_leads USING ERRCODE = '22023';
    END IF;
    -- the state change goes through the lead trigger: state_since is the due
    -- time, the open task (if any) is superseded, and a parked lead is
    -- planned again by the recycle policy
    EXECUTE pg_catalog.format($q$
    WITH due AS (
        SELECT l.tenant_id, l.lead_id, l.state, l.next_followup_at,
               CASE WHEN pt.tenant_id IS NOT NULL THEN pt.on_exhausted ELSE p0.on_exhausted END AS on_exhausted
        FROM followup.lead l
        LEFT JOIN followup.policy pt ON pt.tenant_id = l.tenant_id AND pt.state = l.state
        LEFT JOIN followup.policy p0 ON p0.tenant_id = 0 AND p0.state = l.state
        WHERE l.next_action = 'close' AND l.next_followup_at <= $1 %1$s
        ORDER BY l.next_followup_at
        LIMIT $2
        FOR UPDATE OF l SKIP LOCKED)
    UPDATE followup.lead l
    SET state = d.on_exhausted,
        state_since = d.next_followup_at,
        closed_reason = CASE WHEN d.state = 'installment_rejected'
                             THEN 'plan_b_exhausted' ELSE 'exhausted' END
    FROM due d
    WHERE l.tenant_id = d.tenant_id AND l.lead_id = d.lead_id %1$s$q$,
        CASE WHEN tenant IS NOT NULL THEN 'AND l.tenant_id = $3' ELSE '' END)
    USING as_of, max_leads, tenant;
    GET DIAGNOSTICS closed = ROW_COUNT;
    RETURN closed;
END $$;
COMMENT ON FUNCTION followup.close_exhausted_tenant(bigint, timestamptz, int) IS
    'close_exhausted for one tenant (NULL: every tenant); the statement close_exhausted and run_due_tenant share';

CREATE FUNCTION followup.escalate_overdue_tenant(tenant bigint, as_of timestamptz, max_tasks int)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    escalated bigint;
    -- not on the lead's days off (followup.calendar), except on Citus: there
    -- the statement runs on the shards, where the check cannot read the
    -- configuration, and distribute() refuses calendars
    days_off text := 'AND NOT followup.non_working_day(t.tenant_id, t.state, l.timezone, $1)';
    distributed boolean := false;
BEGIN
    IF as_of IS NULL OR max_tasks IS NULL THEN
        RAISE EXCEPTION 'as_of and max_tasks must not be null' USING ERRCODE = '22004';
    ELSIF max_tasks < 1 THEN
        RAISE EXCEPTION 'max_tasks must be at least 1, not %', max_tasks USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p'
                ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''followup.task''::pg_catalog.regclass)'
        INTO distributed;
    END IF;
    IF distributed THEN
        days_off := '';
    END IF;
    EXECUTE pg_catalog.format($q$
    WITH overdue AS (
        SELECT t.tenant_id, t.task_id,
               CASE WHEN pt.tenant_id IS NOT NULL THEN pt.escalate_to ELSE p0.escalate_to END AS escalate_to
        FROM followup.task t
        JOIN followup.lead l ON l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id
        LEFT JOIN followup.policy pt ON pt.tenant_id = t.tenant_id AND pt.state = t.state
        LEFT JOIN followup.policy p0 ON p0.tenant_id = 0 AND p0.state = t.state
        WHERE t.status IN ('open', 'claimed') AND t.escalated_at IS NULL AND t.due_at <= $1
          AND t.due_at + CASE WHEN pt.tenant_id IS NOT NULL THEN pt.escalate_after
                              ELSE p0.escalate_after END < $1 %1$s
          %2$s
        ORDER BY t.due_at
        LIMIT $2
        FOR UPDATE OF t SKIP LOCKED)
    UPDATE followup.task t
    SET escalated_at = $1, escalated_to = o.escalate_to
    FROM overdue o
    WHERE t.tenant_id = o.tenant_id AND t.task_id = o.task_id %1$s$q$,
        CASE WHEN tenant IS NOT NULL THEN 'AND t.tenant_id = $3' ELSE '' END, days_off)
    USING as_of, max_tasks, tenant;
    GET DIAGNOSTICS escalated = ROW_COUNT;
    RETURN escalated;
END $$;
COMMENT ON FUNCTION followup.escalate_overdue_tenant(bigint, timestamptz, int) IS
    'escalate_overdue for one tenant (NULL: every tenant); the statement escalate_overdue and run_due_tenant share';
REVOKE ALL ON FUNCTION followup.close_exhausted_tenant(bigint, timestamptz, int),
    followup.escalate_overdue_tenant(bigint, timestamptz, int) FROM PUBLIC;

-- close_exhausted and escalate_overdue: the shared statements
CREATE OR REPLACE FUNCTION followup.close_exhausted(as_of timestamptz DEFAULT now(), max_leads int DEFAULT 10000)
    RETURNS bigint
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT followup.close_exhausted_tenant(NULL, as_of, max_leads)
$$;
CREATE OR REPLACE FUNCTION followup.escalate_overdue(as_of timestamptz DEFAULT now(), max_tasks int DEFAULT 10000)
    RETURNS bigint
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT followup.escalate_overdue_tenant(NULL, as_of, max_tasks)
$$;

-- run_due for one tenant: every statement filters by the tenant, so that on
-- Citus it is routed to the tenant's shards (a statement that locks rows
-- cannot span shards), and distribute() makes it a distributed function by
-- its tenant argument, run on the tenant's node.  The statements are
-- close_exhausted's and escalate_overdue's (shared, above).
CREATE FUNCTION followup.run_due_tenant(tenant bigint, as_of timestamptz,
                                        OUT materialized bigint, OUT closed bigint, OUT escalated bigint)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp SET jit = off AS $$
BEGIN
    closed := followup.close_exhausted_tenant(tenant, as_of, 10000);
    materialized := followup.materialize_due_tenant(tenant, as_of, 10000);
    escalated := followup.escalate_overdue_tenant(tenant, as_of, 10000);
END $$;
COMMENT ON FUNCTION followup.run_due_tenant(bigint, timestamptz) IS
    'run_due''s close_exhausted, materialize_due (without notifying) and escalate_overdue for one tenant at as_of, with their counts; on Citus a distributed function run on the tenant''s node';

CREATE OR REPLACE FUNCTION followup.run_due(as_of timestamptz DEFAULT now(),
                                 OUT materialized bigint, OUT closed bigint, OUT escalated bigint)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp
-- the jobs' statements are short; JIT would compile them for longer than
-- they run (roll_up's, once its estimates grow with the tables)
SET jit = off AS $$
DECLARE
    tenant bigint;
    r record;
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p'
                ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''followup.lead''::pg_catalog.regclass)'
        INTO distributed;
    END IF;
    IF distributed THEN
        -- distributed (docs/scaling.md): a statement that locks rows cannot
        -- span shards, so the work is done tenant by tenant, each tenant's
        -- statements on its node; the notifications are sent from here, where
        -- the CRM listens.  One connection per worker for the whole
        -- transaction: roll_up's statements across the shards, after the
        -- tenants' writes, are refused otherwise ("placements that were
        -- modified over multiple connections")
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
        materialized := 0; closed := 0; escalated := 0;
        FOR tenant IN SELECT DISTINCT l.tenant_id FROM followup.lead l ORDER BY 1 LOOP
            r := followup.run_due_tenant(tenant, as_of);
            materialized := materialized + r.materialized;
            closed := closed + r.closed;
            escalated := escalated + r.escalated;
            PERFORM followup.notify_due(tenant, r.materialized, as_of);
        END LOOP;
    ELSE
        -- close first, so that a lead whose cadence is spent gets no new task
        closed := followup.close_exhausted(as_of);
        materialized := followup.materialize_due(as_of);
        escalated := followup.escalate_overdue(as_of);
        -- a calendar change moves the plans it affects, a batch per run
        PERFORM followup.replan_calendar(as_of, 1000);
    END IF;
    PERFORM followup.roll_up(as_of, interval '10 minutes');
    -- a partitioned history (partitions.sql) gets its partitions ahead
    PERFORM followup.maintain_partitions();
END $$;
COMMENT ON FUNCTION followup.run_due(timestamptz) IS
    'the periodic job: close_exhausted, materialize_due and escalate_overdue at as_of, with their counts, then roll_up (the reports'' rollups) and maintain_partitions; safe to run concurrently or late; on Citus, run_due_tenant for each tenant with leads, notified from the coordinator, then roll_up';
REVOKE ALL ON FUNCTION followup.materialize_due_tenant(bigint, timestamptz, int),
    followup.notify_due(bigint, bigint, timestamptz), followup.run_due_tenant(bigint, timestamptz) FROM PUBLIC;

-- ---- src/sql/rollups.sql

-- the history before kept_from may be dropped (partitions.sql): its rolled
-- days are final
ALTER TABLE followup.rollup_state ADD COLUMN kept_from timestamptz NOT NULL DEFAULT '-infinity';
COMMENT ON COLUMN followup.rollup_state.kept_from IS 'the history before it was dropped (drop_history_before): the rolled days that start before it are final and never rolled again';
CREATE OR REPLACE VIEW followup.rollup_marked_day WITH (security_invoker = true) AS
SELECT DISTINCT m.tenant_id, d::date AS day, d AS day_start, d + interval '1 day' AS day_end
FROM followup.rollup_mark m
CROSS JOIN LATERAL followup.day_starts(m.since, m.until) d
WHERE d < (SELECT followup.rolled_until())
  -- a day whose history was dropped keeps its rolled answer
  AND d >= (SELECT s.kept_from FROM followup.rollup_state s);

CREATE OR REPLACE FUNCTION followup.rollup_reset() RETURNS trigger
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

CREATE OR REPLACE FUNCTION followup.rolled_until() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN s.zone = pg_catalog.current_setting('TimeZone') THEN s.rolled_until ELSE '-infinity' END
    FROM followup.rollup_state s
$$;

CREATE OR REPLACE FUNCTION followup.day_starts(since timestamptz, until timestamptz) RETURNS SETOF timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 2 SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.generate_series(pg_catalog.date_trunc('day', since), until, interval '1 day')
$$;

CREATE OR REPLACE FUNCTION followup.rollup_mark_lead(tenant_id bigint, lead_id bigint) RETURNS void
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO followup.rollup_mark (tenant_id, since, until)
    SELECT i.tenant_id, i.occurred_at, i.occurred_at FROM followup.interaction i
    WHERE i.tenant_id = $1 AND i.lead_id = $2 AND i.by_rule IS NOT NULL
      AND i.occurred_at < now() - interval '1 day'
$$;

CREATE OR REPLACE FUNCTION followup.rollup_drop(since timestamptz) RETURNS void
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    -- the days before kept_from have no history to roll them again from
    DELETE FROM followup.compliance_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.response_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.funnel_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
    DELETE FROM followup.plan_b_day WHERE day::timestamptz >= greatest(since, (SELECT kept_from FROM followup.rollup_state));
$$;
COMMENT ON FUNCTION followup.rollup_drop(timestamptz) IS
    'deletes the rolled days from since on (not before rollup_state.kept_from), in every rollup table';

CREATE OR REPLACE FUNCTION followup.roll_up(as_of timestamptz DEFAULT now(), min_interval interval DEFAULT '0')
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

-- ---- src/sql/reports.sql

CREATE OR REPLACE FUNCTION followup.policy_for(tenant_id bigint, state followup.lead_state)
    RETURNS followup.policy
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.* FROM followup.policy p
    WHERE p.tenant_id IN (policy_for.tenant_id, 0) AND p.state = policy_for.state
    ORDER BY p.tenant_id DESC LIMIT 1
$$;

CREATE OR REPLACE FUNCTION followup.compliance_rows(lo timestamptz, hi timestamptz, as_of timestamptz)
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

CREATE OR REPLACE FUNCTION followup.response_rows(lo timestamptz, hi timestamptz)
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

CREATE OR REPLACE VIEW followup.funnel_source AS
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

CREATE OR REPLACE FUNCTION followup.funnel_rows(lo timestamptz, hi timestamptz)
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

CREATE OR REPLACE VIEW followup.plan_b_source AS
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

CREATE OR REPLACE FUNCTION followup.plan_b_rows(lo timestamptz, hi timestamptz)
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

-- two more result columns (not_yet_due, missed): made again, and granted
-- again at the end to the roles that could run it
DROP FUNCTION followup.stall_diagnostic(interval, timestamptz);
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

REVOKE ALL ON FUNCTION followup.stall_diagnostic(interval, timestamptz),
    followup.stall_leads(interval, timestamptz), followup.stall_rows(bigint, interval, timestamptz),
    followup.stall_diagnostic_by_operator(interval, timestamptz) FROM PUBLIC;

-- the reports' durations normalised (justify_hours: 31:44:47 is 1 day 07:44:47)
CREATE OR REPLACE VIEW followup.pipeline AS
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

CREATE OR REPLACE VIEW followup.operator_compliance AS
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

CREATE OR REPLACE VIEW followup.response_times AS
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

CREATE OR REPLACE VIEW followup.silence_by_stage AS
SELECT l.tenant_id, l.state, l.touches,
       count(*) AS leads,
       count(*) FILTER (WHERE l.last_inbound_at IS NULL OR l.last_inbound_at <= l.anchor_at) AS silent_leads,
       pg_catalog.justify_hours(avg(now() - coalesce(l.last_inbound_at, l.created_at))) AS avg_silence,
       extract(epoch FROM avg(now() - coalesce(l.last_inbound_at, l.created_at)))::bigint AS avg_silence_seconds,
       pg_catalog.justify_hours(max(now() - coalesce(l.last_inbound_at, l.created_at))) AS max_silence
FROM followup.lead l
WHERE l.state NOT IN ('won', 'lost')
GROUP BY l.tenant_id, l.state, l.touches;

-- ---- src/sql/security.sql

CREATE OR REPLACE FUNCTION followup.grant_on_workers(role regrole) RETURNS void
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


CREATE OR REPLACE FUNCTION followup.grant_operator(role regrole) RETURNS void
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

-- 0.1.0's grant_operator granted INSERT and DELETE on the state history:
-- taken back from every role that has them
DO $$
DECLARE
    r regrole;
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole
             FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
             WHERE c.oid OPERATOR(pg_catalog.=) 'followup.state_change'::pg_catalog.regclass
               AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
               AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
               AND a.privilege_type OPERATOR(pg_catalog.=) ANY (ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'])
    LOOP
        EXECUTE pg_catalog.format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON followup.state_change FROM %s', r);
    END LOOP;
    -- a REVOKE in an extension's script is recorded as the table's initial
    -- privileges, which pg_dump leaves out: the table has none in a fresh
    -- install, so the record goes
    DELETE FROM pg_catalog.pg_init_privs i
    WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      AND i.objoid OPERATOR(pg_catalog.=) 'followup.state_change'::pg_catalog.regclass;
END $$;


ALTER TABLE followup.notify_channel ENABLE ROW LEVEL SECURITY;
-- CREATE OR REPLACE VIEW (src/sql/reports.sql above) resets a view's options
ALTER VIEW followup.funnel_source SET (security_invoker = true);
ALTER VIEW followup.plan_b_source SET (security_invoker = true);
ALTER VIEW followup.pipeline SET (security_invoker = true);
ALTER VIEW followup.operator_compliance SET (security_invoker = true);
ALTER VIEW followup.response_times SET (security_invoker = true);
ALTER VIEW followup.silence_by_stage SET (security_invoker = true);
-- read only by followup.due_channel(), as the owner: granted to nobody
CREATE POLICY tenant_rows ON followup.notify_channel
    USING (tenant_id = (SELECT followup.current_tenant()));

CREATE OR REPLACE FUNCTION followup.grant_reader(role regrole) RETURNS void
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

-- Nothing for PUBLIC, as in a fresh install: the functions new in 0.2.0
REVOKE ALL ON FUNCTION followup.tenant_hint(text, text), followup.due_channel(),
    followup.rule_kind_check(), followup.signal_in_use_check(),
    followup.refuse_history_rewrite(), followup.grant_on_workers(regrole) FROM PUBLIC;

-- Roles given grant_reader (or grant_operator, grant_admin) under 0.1.0 are
-- given what grant_reader gives now and did not then; they are the ones that
-- can execute followup.current_tenant() through a grant of their own.
-- A GRANT in an extension's script is recorded as one of the extension's
-- initial privileges (pg_init_privs), which pg_dump leaves out, so that a
-- dump and restore would lose it: these grants are the database's, as
-- grant_reader's are in a fresh install, and are taken out of the record.
DO $$
DECLARE
    r regrole;
    granted oid[] := '{}';
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole
             FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
             WHERE p.oid = 'followup.current_tenant()'::pg_catalog.regprocedure
               AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.tenant_hint(text, text),'
                                  ' followup.due_channel() TO %s', r);
        granted := granted || r::oid;
    END LOOP;
    UPDATE pg_catalog.pg_init_privs i
    SET initprivs = ARRAY(SELECT a FROM pg_catalog.unnest(i.initprivs) a
                          WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(ARRAY[a]) x
                                            WHERE x.grantee = ANY (granted)))
    WHERE i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND i.objoid IN ('followup.tenant_hint(text, text)'::pg_catalog.regprocedure,
                       'followup.due_channel()'::pg_catalog.regprocedure);
END $$;


CREATE OR REPLACE FUNCTION followup.grant_admin(role regrole) RETURNS void
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
