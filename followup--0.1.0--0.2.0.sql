-- followup 0.1.0 -> 0.2.0
--
-- Brings a 0.1.0 install to exactly what followup--0.2.0.sql creates
-- (test/upgrade/run checks the schema and a replayed workload).  One section
-- per file of src/sql, in the order the Makefile concatenates them; within a
-- section, the objects in the order of that file.  New objects are created
-- as src/sql does; changed functions and views are replaced with CREATE OR
-- REPLACE (same name, arguments and result columns).  To add a change: copy
-- the object's new definition from src/sql into its section.

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
-- ---- src/sql/functions.sql: unchanged

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

-- run_due for one tenant: every statement filters by the tenant, so that on
-- Citus it is routed to the tenant's shards (a statement that locks rows
-- cannot span shards), and distribute() makes it a distributed function by
-- its tenant argument, run on the tenant's node.  The statements are
-- close_exhausted's and escalate_overdue's with the tenant added.
CREATE FUNCTION followup.run_due_tenant(tenant bigint, as_of timestamptz,
                                        OUT materialized bigint, OUT closed bigint, OUT escalated bigint)
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp SET jit = off AS $$
BEGIN
    -- the tenant's policy, else tenant 0's, by joins: Citus plans a
    -- correlated LIMIT subquery on a reference table through an
    -- intermediate result that fails here
    WITH due AS (
        SELECT l.tenant_id, l.lead_id, l.state, l.next_followup_at,
               CASE WHEN pt.tenant_id IS NOT NULL THEN pt.on_exhausted ELSE p0.on_exhausted END AS on_exhausted
        FROM followup.lead l
        LEFT JOIN followup.policy pt ON pt.tenant_id = l.tenant_id AND pt.state = l.state
        LEFT JOIN followup.policy p0 ON p0.tenant_id = 0 AND p0.state = l.state
        WHERE l.tenant_id = run_due_tenant.tenant
          AND l.next_action = 'close' AND l.next_followup_at <= as_of
        ORDER BY l.next_followup_at
        LIMIT 10000
        FOR UPDATE OF l SKIP LOCKED)
    UPDATE followup.lead l
    SET state = d.on_exhausted,
        state_since = d.next_followup_at,
        closed_reason = CASE WHEN d.state = 'installment_rejected'
                             THEN 'plan_b_exhausted' ELSE 'exhausted' END
    FROM due d
    WHERE l.tenant_id = run_due_tenant.tenant AND l.tenant_id = d.tenant_id AND l.lead_id = d.lead_id;
    GET DIAGNOSTICS closed = ROW_COUNT;
    materialized := followup.materialize_due_tenant(tenant, as_of, 10000);
    WITH overdue AS (
        SELECT t.tenant_id, t.task_id,
               CASE WHEN pt.tenant_id IS NOT NULL THEN pt.escalate_to ELSE p0.escalate_to END AS escalate_to
        FROM followup.task t
        LEFT JOIN followup.policy pt ON pt.tenant_id = t.tenant_id AND pt.state = t.state
        LEFT JOIN followup.policy p0 ON p0.tenant_id = 0 AND p0.state = t.state
        WHERE t.tenant_id = run_due_tenant.tenant
          AND t.status IN ('open', 'claimed') AND t.escalated_at IS NULL AND t.due_at <= as_of
          AND t.due_at + CASE WHEN pt.tenant_id IS NOT NULL THEN pt.escalate_after
                              ELSE p0.escalate_after END < as_of
        ORDER BY t.due_at
        LIMIT 10000
        FOR UPDATE OF t SKIP LOCKED)
    UPDATE followup.task t
    SET escalated_at = as_of, escalated_to = o.escalate_to
    FROM overdue o
    WHERE t.tenant_id = run_due_tenant.tenant AND t.tenant_id = o.tenant_id AND t.task_id = o.task_id;
    GET DIAGNOSTICS escalated = ROW_COUNT;
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
        -- the CRM listens
        materialized := 0; closed := 0; escalated := 0;
        FOR tenant IN SELECT DISTINCT l.tenant_id FROM followup.lead l ORDER BY 1 LOOP
            r := followup.run_due_tenant(tenant, as_of);
            materialized := materialized + r.materialized;
            closed := closed + r.closed;
            escalated := escalated + r.escalated;
            PERFORM followup.notify_due(tenant, r.materialized, as_of);
        END LOOP;
        -- roll_up is not run on Citus yet: the reports compute the days not
        -- rolled up, so they stay right (docs/scaling.md)
        RETURN;
    END IF;
    -- close first, so that a lead whose cadence is spent gets no new task
    closed := followup.close_exhausted(as_of);
    materialized := followup.materialize_due(as_of);
    escalated := followup.escalate_overdue(as_of);
    PERFORM followup.roll_up(as_of, interval '10 minutes');
END $$;
COMMENT ON FUNCTION followup.run_due(timestamptz) IS
    'the periodic job: close_exhausted, materialize_due and escalate_overdue at as_of, with their counts, then roll_up (the reports'' rollups); safe to run concurrently or late; on Citus, run_due_tenant for each tenant with leads, notified from the coordinator, and no roll_up';
REVOKE ALL ON FUNCTION followup.materialize_due_tenant(bigint, timestamptz, int),
    followup.notify_due(bigint, bigint, timestamptz), followup.run_due_tenant(bigint, timestamptz) FROM PUBLIC;

-- ---- src/sql/rollups.sql

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
        UPDATE followup.rollup_state SET rolled_until = '-infinity';
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
    DELETE FROM followup.compliance_day WHERE day::timestamptz >= since;
    DELETE FROM followup.response_day WHERE day::timestamptz >= since;
    DELETE FROM followup.funnel_day WHERE day::timestamptz >= since;
    DELETE FROM followup.plan_b_day WHERE day::timestamptz >= since;
$$;

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
CREATE FUNCTION followup.stall_diagnostic(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (stalled bigint, followed_up bigint, by_rule bigint, by_chance bigint, never bigint, won bigint,
                   not_yet_due bigint, missed bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
-- an index probe per stalled lead is costed high enough to be JIT-compiled,
-- which takes longer than the probes (docs/performance.md)
SET jit = off AS $$
#variable_conflict use_column
DECLARE
    -- a parameter, not a subselect: Citus routes the first statement by its
    -- value to the tenant's shards (docs/scaling.md), and a single node
    -- evaluates it once as well
    tenant bigint := followup.current_tenant();
    tot record;
BEGIN
    IF since IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'since and as_of must not be null' USING ERRCODE = '22004';
    ELSIF since < interval '0' THEN
        RAISE EXCEPTION 'since must not be negative: %', since USING ERRCODE = '22023',
            HINT = 'since is how far back from as_of to look, as in ''30 days''.';
    END IF;
    WITH stalled AS (
        -- each lead that entered thinking in the window, at its first entry
        SELECT c.tenant_id, c.lead_id, min(c.changed_at) AS entered_at,
               -- the interaction that moved it then, if any: a touch at the
               -- same instant is after it when it came after that interaction
               (array_agg(c.interaction_id ORDER BY c.changed_at, c.interaction_id))[1] AS entered_by
        FROM followup.state_change c
        WHERE c.tenant_id = tenant AND c.to_state = 'thinking'
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
        WHERE w.tenant_id = tenant AND w.to_state = 'won'
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
            ORDER BY i.occurred_at, i.interaction_id LIMIT 1) t ON true)
    SELECT count(*) AS stalled,
           count(f.touched_at) AS followed_up,
           count(*) FILTER (WHERE f.by_rule) AS by_rule,
           count(*) FILTER (WHERE NOT f.by_rule) AS by_chance,
           count(*) FILTER (WHERE f.touched_at IS NULL) AS never,
           count(*) FILTER (WHERE f.won) AS won,
           -- the leads never touched, with what planning their first touch needs
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('entered_at', f.entered_at, 'timezone', l.timezone))
               FILTER (WHERE f.touched_at IS NULL) AS untouched
    INTO tot
    FROM first_touch f
    LEFT JOIN followup.lead l ON f.touched_at IS NULL AND l.tenant_id = f.tenant_id AND l.lead_id = f.lead_id;
    -- a lead never touched: was its first touch due yet?  The thinking
    -- cadence's first touch from when it entered, in its working window.
    -- Planned here, apart from the statement above: on Citus that runs on
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
REVOKE ALL ON FUNCTION followup.stall_diagnostic(interval, timestamptz) FROM PUBLIC;

-- stall_diagnostic per operator, and the leads behind it (new)
CREATE FUNCTION followup.stall_leads(since interval DEFAULT '30 days', as_of timestamptz DEFAULT now())
    RETURNS TABLE (tenant_id bigint, lead_id bigint, external_ref text, owner text, entered_at timestamptz,
                   outcome text, touched_at timestamptz, touched_by text, task_id bigint, on_time boolean,
                   first_due timestamptz, won boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
-- as stall_diagnostic, which counts these rows
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
          AND c.changed_at > stall_leads.as_of - stall_leads.since
          AND c.changed_at <= stall_leads.as_of
        GROUP BY c.tenant_id, c.lead_id
        -- probing in lead order walks interaction_lead_idx's leaves in order
        ORDER BY c.lead_id),
    -- wins in the window, read once rather than probed per lead: a win
    -- after a lead stalled in the window is in the window too
    last_win AS (
        SELECT w.lead_id, max(w.changed_at) AS won_at
        FROM followup.state_change w
        WHERE w.tenant_id = (SELECT followup.current_tenant()) AND w.to_state = 'won'
          AND w.changed_at > stall_leads.as_of - stall_leads.since
          AND w.changed_at <= stall_leads.as_of
        GROUP BY w.lead_id),
    first_touch AS (
        SELECT s.*, t.by_rule, t.occurred_at AS touched_at, t.operator AS touched_by, t.task_id, coalesce(lw.won_at >= s.entered_at, false) AS won
        FROM stalled s
        LEFT JOIN last_win lw ON lw.lead_id = s.lead_id
        LEFT JOIN LATERAL (
            SELECT i.by_rule, i.occurred_at, i.operator, i.task_id FROM followup.interaction i
            WHERE i.tenant_id = s.tenant_id AND i.lead_id = s.lead_id AND i.by_rule IS NOT NULL
              AND i.occurred_at >= s.entered_at AND i.occurred_at <= stall_leads.as_of
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
    SELECT f.tenant_id, f.lead_id, l.external_ref, l.owner, f.entered_at,
           CASE WHEN f.by_rule THEN 'by_rule' WHEN NOT f.by_rule THEN 'by_chance'
                WHEN (f.first_due > stall_leads.as_of) IS TRUE THEN 'not_yet_due' ELSE 'missed' END,
           f.touched_at, f.touched_by, t.task_id,
           -- as touch_log's on_time: within the task's policy's escalate_after
           CASE WHEN f.by_rule THEN f.touched_at - t.due_at <= coalesce(own.escalate_after, def.escalate_after) END,
           f.first_due, f.won
    FROM never_due f
    JOIN followup.lead l ON l.tenant_id = f.tenant_id AND l.lead_id = f.lead_id
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

REVOKE ALL ON FUNCTION followup.stall_leads(interval, timestamptz),
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
                   ' followup.claim_tasks(text, integer, text[]),'
                   ' followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),'
                   ' followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint),'
                   ' followup.complete_task(bigint, text, text, timestamptz, text),'
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
    EXECUTE format('GRANT SELECT ON followup.pipeline, followup.touch_log,'
                   ' followup.operator_compliance, followup.response_times,'
                   ' followup.silence_by_stage, followup.step_funnel, followup.plan_b_recovery,'
                   ' followup.due_tasks, followup.job_lag TO %s', role);
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
                   -- stall_diagnostic plans a never-touched lead's first touch
                   ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                   '   timestamptz, timestamptz, text),'
                   ' followup.steps(followup.cadence), followup.offset_at(followup.cadence, integer),'
                   ' followup.offsets(followup.cadence) TO %s', role);
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
                   ' followup.signal, followup.rule TO %s', role);
    EXECUTE format('GRANT USAGE ON SEQUENCE followup.rule_rule_id_seq TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION followup.check_timezone(text),'
                   ' followup.check_template(text), followup.render(text, jsonb),'
                   ' followup.cadence(interval[]),'
                   ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                   '   timestamptz, timestamptz, text) TO %s', role);
    PERFORM followup.grant_on_workers(role);
END $$;
COMMENT ON FUNCTION followup.grant_admin(regrole) IS
    'lets a role change its tenant''s policies, steps, signals and rules, and read what grant_reader gives';

-- ---- src/sql/distribute.sql (new)
CREATE FUNCTION followup.distribute(shard_count int DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    is_coordinator boolean;
    filled text[] := ARRAY['policy', 'step', 'signal', 'rule', 'rollup_state'];
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
    FOREACH t IN ARRAY ARRAY['policy', 'step', 'signal', 'rule'] LOOP
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
    FOREACH t IN ARRAY ARRAY['policy', 'step', 'signal', 'rule', 'rollup_state'] LOOP
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

-- ---- src/sql/attach.sql (new)
-- followup: attaching a CRM's own tables (docs/integration.md).
--
-- attach_leads and attach_interactions generate, for one CRM table, a
-- PL/pgSQL trigger function and its trigger that keep followup.lead and
-- followup.interaction in step inside the CRM's own transaction; with
-- write-back, a trigger on followup.lead keeps named columns of the CRM's
-- lead table current.  The generated code is plain text built with
-- format('%I') / format('%L') from the catalog's names: every identifier is
-- quoted, every name qualified, search_path pinned.  followup.attachment
-- records what was generated so that detach removes every trace.

-- the CRM's key of an interaction: a retried write of the same CRM row is
-- recorded once per signal kind (a financing application may be refused,
-- then approved: two signals of one row)
ALTER TABLE followup.interaction ADD COLUMN external_ref text;
COMMENT ON COLUMN followup.interaction.external_ref IS
    'the CRM''s key of the row this interaction came from (an attached table''s key, or record_interaction''s idempotency_key): unique per tenant and kind';
CREATE UNIQUE INDEX interaction_external_ref_key ON followup.interaction (tenant_id, external_ref, kind)
    WHERE external_ref IS NOT NULL;
COMMENT ON INDEX followup.interaction_external_ref_key IS
    'an interaction with an external_ref is recorded once per tenant and kind: a retried CRM write is not a second signal';

CREATE TABLE followup.attachment (
    relid          oid NOT NULL,
    kind           text NOT NULL,
    table_name     text NOT NULL,
    key_column     name NOT NULL,
    tenant_column  name,
    tenant_id      bigint,
    options        jsonb NOT NULL DEFAULT '{}',
    functions      text[] NOT NULL,
    triggers       text[] NOT NULL,
    attached_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (relid, kind),
    CONSTRAINT attachment_kind_check CHECK (kind IN ('leads', 'interactions')),
    CONSTRAINT attachment_tenant_check CHECK (tenant_column IS NULL OR tenant_id IS NULL)
);
COMMENT ON TABLE followup.attachment IS
    'what attach_leads and attach_interactions generated for each CRM table; read followup.attached, change it with attach_* and detach only';
COMMENT ON COLUMN followup.attachment.relid IS 'the CRM table''s oid';
COMMENT ON COLUMN followup.attachment.kind IS 'leads or interactions';
COMMENT ON COLUMN followup.attachment.table_name IS 'the CRM table''s qualified name when it was attached';
COMMENT ON COLUMN followup.attachment.key_column IS 'the CRM''s key column: followup''s external_ref';
COMMENT ON COLUMN followup.attachment.tenant_column IS 'the column holding the tenant, or NULL';
COMMENT ON COLUMN followup.attachment.tenant_id IS 'the fixed tenant when there is no tenant column; both NULL = the writing session''s followup.tenant_id';
COMMENT ON COLUMN followup.attachment.options IS 'the other arguments of the attach call';
COMMENT ON COLUMN followup.attachment.functions IS 'the generated functions (qualified, quoted)';
COMMENT ON COLUMN followup.attachment.triggers IS 'the generated triggers, as "trigger ON table" (quoted)';
COMMENT ON COLUMN followup.attachment.attached_at IS 'when it was attached';

CREATE VIEW followup.attached AS
SELECT a.relid::regclass AS table_name, a.kind, a.key_column, a.tenant_column, a.tenant_id,
       a.options, a.functions, a.triggers, a.attached_at
FROM followup.attachment a;
COMMENT ON VIEW followup.attached IS
    'the CRM tables attached to followup: which kind, key and tenant, the options, and the functions and triggers generated';
ALTER VIEW followup.attached SET (security_invoker = true);
COMMENT ON COLUMN followup.attached.table_name IS 'the attached CRM table';
COMMENT ON COLUMN followup.attached.kind IS 'leads or interactions';
COMMENT ON COLUMN followup.attached.key_column IS 'the CRM''s key column (followup''s external_ref)';
COMMENT ON COLUMN followup.attached.tenant_column IS 'the CRM column holding each row''s tenant, or NULL';
COMMENT ON COLUMN followup.attached.tenant_id IS 'the fixed tenant; NULL with tenant_column NULL = the writing session''s tenant';
COMMENT ON COLUMN followup.attached.options IS 'the other arguments of the attach call (maps, columns, write-back)';
COMMENT ON COLUMN followup.attached.functions IS 'the generated trigger functions';
COMMENT ON COLUMN followup.attached.triggers IS 'the generated triggers, as "trigger ON table"';
COMMENT ON COLUMN followup.attached.attached_at IS 'when it was attached';

-- one column of rel, checked: its quoted name and its type
CREATE FUNCTION followup.attach_column(rel regclass, col name, role text)
RETURNS TABLE (quoted text, type_name text, type_oid oid)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT pg_catalog.quote_ident(a.attname::pg_catalog.text),
           pg_catalog.format_type(a.atttypid, a.atttypmod), a.atttypid
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid OPERATOR(pg_catalog.=) rel AND a.attname OPERATOR(pg_catalog.=) col
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_column',
            MESSAGE = pg_catalog.format('column %I of relation %s does not exist', col, rel),
            DETAIL = pg_catalog.format('It was named as the %s.', role),
            HINT = 'Name a column of the CRM''s table, as spelled in the catalog (case and quotes included).';
    END IF;
END $$;
COMMENT ON FUNCTION followup.attach_column(regclass, name, text) IS
    'internal to attach_*: a CRM column''s quoted name and type, or 42703 naming it and its role';

-- the relation, checked: a table the caller may attach, not followup's own
CREATE FUNCTION followup.attach_relation(rel regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    SELECT n.nspname, c.relname, c.relkind INTO r
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
    WHERE c.oid OPERATOR(pg_catalog.=) rel;
    IF r.relkind IS NULL OR r.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'wrong_object_type',
            MESSAGE = pg_catalog.format('%s is not a table', rel),
            HINT = 'Attach the CRM''s table itself, not a view or another kind of relation.';
    END IF;
    IF r.nspname OPERATOR(pg_catalog.=) 'followup' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('%s is one of followup''s own tables', rel),
            HINT = 'Attach the CRM''s tables; followup''s own are kept by its triggers.';
    END IF;
    RETURN pg_catalog.format('%I.%I', r.nspname, r.relname);
END $$;
COMMENT ON FUNCTION followup.attach_relation(regclass) IS
    'internal to attach_*: the CRM table''s qualified, quoted name, or an error when it cannot be attached';

-- the tenant expression of a row (NEW or OLD) of an attached table
CREATE FUNCTION followup.attach_tenant_expr(rel regclass, tenant_column name, tenant_id bigint, rowvar text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
BEGIN
    IF tenant_column IS NOT NULL AND tenant_id IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'tenant_column and tenant_id are both given',
            DETAIL = pg_catalog.format('tenant_column is %I, tenant_id is %s.', tenant_column, tenant_id),
            HINT = 'Name the column that holds each row''s tenant, or fix one tenant for the whole table, not both.';
    END IF;
    IF tenant_id IS NOT NULL AND tenant_id OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('tenant_id %s is negative', tenant_id),
            HINT = 'Tenants are numbered from 0.';
    END IF;
    IF tenant_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(rel, tenant_column, 'tenant column');
        RETURN pg_catalog.format('(%s.%s)::pg_catalog.int8', rowvar, c.quoted);
    ELSIF tenant_id IS NOT NULL THEN
        RETURN pg_catalog.format('%s::pg_catalog.int8', tenant_id);
    END IF;
    RETURN 'followup.current_tenant()';
END $$;
COMMENT ON FUNCTION followup.attach_tenant_expr(regclass, name, bigint, text) IS
    'internal to attach_*: the expression giving a row''s tenant (its column, a fixed tenant, or the session''s)';

CREATE FUNCTION followup.detach(rel regclass) RETURNS int
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    t text;
    f text;
    n int := 0;
BEGIN
    FOR a IN SELECT * FROM followup.attachment WHERE relid OPERATOR(pg_catalog.=) rel::pg_catalog.oid FOR UPDATE LOOP
        FOREACH t IN ARRAY a.triggers LOOP
            -- the CRM's table may have been dropped already (its triggers with it)
            IF t NOT LIKE '% ON followup.lead' AND pg_catalog.to_regclass(a.table_name) IS NULL THEN
                CONTINUE;
            END IF;
            EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
        END LOOP;
        FOREACH f IN ARRAY a.functions LOOP
            EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f OPERATOR(pg_catalog.||) '()';
        END LOOP;
        DELETE FROM followup.attachment WHERE relid OPERATOR(pg_catalog.=) a.relid AND kind OPERATOR(pg_catalog.=) a.kind;
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.detach(regclass) IS
    'removes every trace of attach_leads / attach_interactions on a CRM table (its triggers, the write-back trigger on followup.lead, the generated functions, the registry rows); followup''s leads and interactions stay; returns how many attachments were removed';

CREATE FUNCTION followup.attach_leads(
    lead_table regclass,
    key_column name,
    tenant_column name DEFAULT NULL,
    tenant_id bigint DEFAULT NULL,
    owner_column name DEFAULT NULL,
    attrs_columns name[] DEFAULT '{}',
    stage_column name DEFAULT NULL,
    stage_map jsonb DEFAULT NULL,
    stage_map_back jsonb DEFAULT NULL,
    write_back boolean DEFAULT false,
    next_action_column name DEFAULT NULL,
    next_followup_column name DEFAULT NULL,
    created_at_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qrel text := followup.attach_relation(lead_table);
    k record; c record; s record; na record; nf record; ca record;
    fn_sync text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_leads');
    fn_back text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_write_back');
    trg_sync text := pg_catalog.format('%I', 'followup_leads');
    trg_back text := pg_catalog.format('%I', 'followup_write_back_' OPERATOR(pg_catalog.||) lead_table::pg_catalog.oid);
    tenant_new text; tenant_old text;
    attrs_new text := '''{}''::pg_catalog.jsonb';
    pairs text[] := '{}';
    watched text[] := '{}';
    owner_new text := 'l.owner';
    owner_ins text := 'NULL';
    stage_new text := 'NULL::followup.lead_state';
    stage_changed text := 'false';
    created_ins text := 'pg_catalog.now()';
    back_sets text[] := '{}';
    back_cur text[] := '{}';
    back_val text[] := '{}';
    key_is_text boolean;
    key_assign text;
    back_when text := '';
    v text; kk text;
    src text;
BEGIN
    IF key_column IS NULL OR lead_table IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'lead_table and key_column must be given';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.attachment a
               WHERE a.kind OPERATOR(pg_catalog.=) 'leads' AND a.relid OPERATOR(pg_catalog.<>) lead_table::pg_catalog.oid
                 AND (a.tenant_id IS NULL OR attach_leads.tenant_id IS NULL
                      OR a.tenant_id OPERATOR(pg_catalog.=) attach_leads.tenant_id)) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('another lead table is attached for the tenants of %s', lead_table),
            DETAIL = 'followup.lead keeps one external_ref per tenant: two lead tables of one tenant would share it.',
            HINT = 'Detach the other table (followup.detach), or give each table its own fixed tenant_id.';
    END IF;
    -- attaching again replaces the previous attachment of this table
    PERFORM 1 FROM followup.attachment a
     WHERE a.relid OPERATOR(pg_catalog.=) lead_table::pg_catalog.oid AND a.kind OPERATOR(pg_catalog.=) 'leads';
    IF FOUND THEN
        PERFORM followup.detach_kind(lead_table, 'leads');
    END IF;

    SELECT * INTO k FROM followup.attach_column(lead_table, key_column, 'key column');
    watched := watched OPERATOR(pg_catalog.||) k.quoted;
    tenant_new := followup.attach_tenant_expr(lead_table, tenant_column, tenant_id, 'NEW');
    tenant_old := followup.attach_tenant_expr(lead_table, tenant_column, tenant_id, 'OLD');
    IF tenant_column IS NOT NULL THEN
        watched := watched OPERATOR(pg_catalog.||) pg_catalog.quote_ident(tenant_column::pg_catalog.text);
    END IF;
    IF owner_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(lead_table, owner_column, 'owner column');
        owner_new := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
        owner_ins := owner_new;
        watched := watched OPERATOR(pg_catalog.||) c.quoted;
    END IF;
    IF attrs_columns IS NOT NULL AND pg_catalog.cardinality(attrs_columns) OPERATOR(pg_catalog.>) 0 THEN
        IF pg_catalog.cardinality(attrs_columns) OPERATOR(pg_catalog.>) 50 THEN
            RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
                MESSAGE = pg_catalog.format('%s attrs columns are too many', pg_catalog.cardinality(attrs_columns)),
                HINT = 'Name at most 50 columns.';
        END IF;
        FOR i IN 1 .. pg_catalog.cardinality(attrs_columns) LOOP
            SELECT * INTO c FROM followup.attach_column(lead_table, attrs_columns[i], 'attrs column');
            pairs := pairs OPERATOR(pg_catalog.||) pg_catalog.format('%L::pg_catalog.text, NEW.%s', attrs_columns[i], c.quoted);
            watched := watched OPERATOR(pg_catalog.||) c.quoted;
        END LOOP;
        attrs_new := pg_catalog.format('pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(%s))',
                                       pg_catalog.array_to_string(pairs, ', '));
    END IF;
    IF stage_column IS NOT NULL THEN
        SELECT * INTO s FROM followup.attach_column(lead_table, stage_column, 'stage column');
        IF stage_map IS NULL OR pg_catalog.jsonb_typeof(stage_map) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'stage_map must be a JSON object when stage_column is given',
                HINT = 'Map each CRM stage to a followup.lead_state, e.g. ''{"negotiation": "hot", "thinking": "thinking"}''.';
        END IF;
        FOR kk, v IN SELECT e.key, e.value FROM pg_catalog.jsonb_each_text(stage_map) e LOOP
            IF v IS NULL OR NOT v OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::followup.lead_state)::pg_catalog.text[]) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('stage %L maps to %L, which is not a lead state', kk, v),
                    HINT = pg_catalog.format('Lead states are %s.', pg_catalog.enum_range(NULL::followup.lead_state));
            END IF;
        END LOOP;
        IF stage_map_back IS NULL THEN
            -- the inverse where a state has exactly one CRM stage
            SELECT pg_catalog.jsonb_object_agg(st, stages[1]) INTO stage_map_back
            FROM (SELECT e.value AS st, pg_catalog.array_agg(e.key ORDER BY e.key) AS stages
                  FROM pg_catalog.jsonb_each_text(stage_map) e GROUP BY e.value) g
            WHERE pg_catalog.cardinality(stages) OPERATOR(pg_catalog.=) 1;
            stage_map_back := COALESCE(stage_map_back, '{}'::pg_catalog.jsonb);
        ELSIF pg_catalog.jsonb_typeof(stage_map_back) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'stage_map_back must be a JSON object',
                HINT = 'Map lead states to CRM stages, e.g. ''{"recycle": "parked"}''.';
        ELSE
            FOR kk IN SELECT e.key FROM pg_catalog.jsonb_each_text(stage_map_back) e LOOP
                IF NOT kk OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::followup.lead_state)::pg_catalog.text[]) THEN
                    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                        MESSAGE = pg_catalog.format('stage_map_back key %L is not a lead state', kk),
                        HINT = pg_catalog.format('Lead states are %s.', pg_catalog.enum_range(NULL::followup.lead_state));
                END IF;
            END LOOP;
        END IF;
        stage_new := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.%s)::pg_catalog.text)::followup.lead_state',
                                       stage_map, s.quoted);
        stage_changed := pg_catalog.format('(TG_OP OPERATOR(pg_catalog.=) ''UPDATE'' AND (OLD.%s)::pg_catalog.text IS DISTINCT FROM (NEW.%s)::pg_catalog.text)',
                                           s.quoted, s.quoted);
        watched := watched OPERATOR(pg_catalog.||) s.quoted;
    ELSIF stage_map IS NOT NULL OR stage_map_back IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'stage_map needs stage_column',
            HINT = 'Name the CRM column that holds the stage.';
    END IF;
    IF created_at_column IS NOT NULL THEN
        SELECT * INTO ca FROM followup.attach_column(lead_table, created_at_column, 'created_at column');
        created_ins := pg_catalog.format('COALESCE((NEW.%s)::pg_catalog.timestamptz, pg_catalog.now())', ca.quoted);
    END IF;

    -- write-back: the CRM's columns that mirror followup's plan
    IF write_back THEN
        IF stage_column IS NOT NULL THEN
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format(
                '%s = COALESCE((%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.state)::pg_catalog.text)::%s, c.%s)',
                s.quoted, stage_map_back, s.type_name, s.quoted);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', s.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format(
                'COALESCE((%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.state)::pg_catalog.text)::%s, c.%s)',
                stage_map_back, s.type_name, s.quoted);
        END IF;
        IF next_action_column IS NOT NULL THEN
            SELECT * INTO na FROM followup.attach_column(lead_table, next_action_column, 'next_action column');
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format('%s = ((NEW.next_action)::pg_catalog.text)::%s', na.quoted, na.type_name);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', na.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format('((NEW.next_action)::pg_catalog.text)::%s', na.type_name);
        END IF;
        IF next_followup_column IS NOT NULL THEN
            SELECT * INTO nf FROM followup.attach_column(lead_table, next_followup_column, 'next_followup column');
            back_sets := back_sets OPERATOR(pg_catalog.||) pg_catalog.format('%s = (NEW.next_followup_at)::%s', nf.quoted, nf.type_name);
            back_cur := back_cur OPERATOR(pg_catalog.||) pg_catalog.format('c.%s', nf.quoted);
            back_val := back_val OPERATOR(pg_catalog.||) pg_catalog.format('(NEW.next_followup_at)::%s', nf.type_name);
        END IF;
        IF pg_catalog.cardinality(back_sets) OPERATOR(pg_catalog.=) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'write_back needs a column to write',
                HINT = 'Give stage_column, next_action_column or next_followup_column.';
        END IF;
        -- the key is compared with the CRM's own type, so its index serves
        IF pg_catalog.to_regoperator(pg_catalog.format('pg_catalog.=(%s,%s)', k.type_name, k.type_name)) IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_function',
                MESSAGE = pg_catalog.format('key column %I of type %s has no equality operator in pg_catalog', key_column, k.type_name),
                HINT = 'Write-back needs a key of a built-in type (text, integer, uuid, ...).';
        END IF;
        key_is_text := k.type_oid OPERATOR(pg_catalog.=) ANY ('{text,varchar}'::pg_catalog.regtype[]::pg_catalog.oid[]);
        IF key_is_text THEN
            key_assign := pg_catalog.format('k := (NEW.external_ref)::%s;', k.type_name);
        ELSE
            -- a lead whose external_ref is not a key of this table (made by
            -- the write API, say) has no CRM row to write
            key_assign := pg_catalog.format(
                'BEGIN k := (NEW.external_ref)::%s; EXCEPTION WHEN data_exception THEN RETURN NULL; END;', k.type_name);
        END IF;
        IF tenant_id IS NOT NULL THEN
            back_when := pg_catalog.format(' WHEN (NEW.tenant_id OPERATOR(pg_catalog.=) %s::pg_catalog.int8)', tenant_id);
        END IF;
    ELSIF next_action_column IS NOT NULL OR next_followup_column IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'next_action_column and next_followup_column need write_back => true';
    END IF;

    src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    t pg_catalog.int8;
    k pg_catalog.text;
    st followup.lead_state;
BEGIN
    -- followup's own write-back of this row: nothing to mirror
    IF pg_catalog.current_setting('followup_attach.writing_back', true) OPERATOR(pg_catalog.=) 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        DELETE FROM followup.lead l
         WHERE l.tenant_id OPERATOR(pg_catalog.=) %3$s
           AND l.external_ref OPERATOR(pg_catalog.=) (OLD.%4$s)::pg_catalog.text;
        RETURN NULL;
    END IF;
    t := %2$s;
    k := (NEW.%4$s)::pg_catalog.text;
    IF k IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'not_null_violation',
            MESSAGE = pg_catalog.format('the key of a row of %%s is NULL', TG_RELID::pg_catalog.regclass),
            HINT = 'followup keys a lead by the CRM''s key column (its external_ref).';
    END IF;
    st := %5$s;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF t IS DISTINCT FROM %3$s THEN
            RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
                MESSAGE = pg_catalog.format('a row of %%s may not move from tenant %%s to tenant %%s', TG_RELID::pg_catalog.regclass, %3$s, t),
                HINT = 'Delete the row and insert it for the other tenant.';
        END IF;
        UPDATE followup.lead l
           SET external_ref = k,
               owner = %6$s,
               attrs = l.attrs OPERATOR(pg_catalog.||) %7$s,
               -- a stage the CRM moved to, mapped; never back to new
               state = CASE WHEN %8$s AND st IS NOT NULL AND st OPERATOR(pg_catalog.<>) 'new'
                            THEN st ELSE l.state END
         WHERE l.tenant_id OPERATOR(pg_catalog.=) t
           AND l.external_ref OPERATOR(pg_catalog.=) (OLD.%4$s)::pg_catalog.text;
        IF FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    -- a lead the write API made before the CRM's row: adopt it
    UPDATE followup.lead l
       SET owner = %6$s, attrs = l.attrs OPERATOR(pg_catalog.||) %7$s
     WHERE l.tenant_id OPERATOR(pg_catalog.=) t AND l.external_ref OPERATOR(pg_catalog.=) k;
    IF NOT FOUND THEN
        INSERT INTO followup.lead (tenant_id, external_ref, state, owner, attrs, created_at)
        VALUES (t, k, COALESCE(st, 'new'), %9$s, %7$s, %10$s);
    END IF;
    RETURN NULL;
END $body$
$f$, fn_sync, tenant_new, tenant_old, k.quoted, stage_new, owner_new, attrs_new, stage_changed, owner_ins, created_ins);
    EXECUTE src;
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn_sync);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', fn_sync,
        pg_catalog.format('trigger generated by followup.attach_leads: keeps followup.lead in step with %s', qrel));
    EXECUTE pg_catalog.format(
        'CREATE TRIGGER %s AFTER INSERT OR DELETE OR UPDATE OF %s ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
        trg_sync, pg_catalog.array_to_string(watched, ', '), qrel, fn_sync);

    IF write_back THEN
        src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    k %2$s;
    was pg_catalog.text;
BEGIN
    IF NEW.external_ref IS NULL THEN
        RETURN NULL;
    END IF;
    %3$s
    -- the CRM row's own trigger must not mirror this write back again
    was := pg_catalog.current_setting('followup_attach.writing_back', true);
    PERFORM pg_catalog.set_config('followup_attach.writing_back', 'on', true);
    UPDATE %4$s c SET %5$s
     WHERE c.%6$s OPERATOR(pg_catalog.=) k
       AND %7$s OPERATOR(pg_catalog.=) NEW.tenant_id
       AND (%8$s, NULL::pg_catalog.text) IS DISTINCT FROM (%9$s, NULL::pg_catalog.text);
    PERFORM pg_catalog.set_config('followup_attach.writing_back', COALESCE(was, ''), true);
    RETURN NULL;
END $body$
$f$, fn_back, k.type_name, key_assign, qrel, pg_catalog.array_to_string(back_sets, ', '), k.quoted,
     CASE WHEN tenant_column IS NOT NULL
          THEN pg_catalog.format('(c.%I)::pg_catalog.int8', tenant_column)
          WHEN tenant_id IS NOT NULL THEN pg_catalog.format('%s::pg_catalog.int8', tenant_id)
          ELSE 'COALESCE(NULLIF(pg_catalog.current_setting(''followup.tenant_id'', true), ''''), ''0'')::pg_catalog.int8' END,
     pg_catalog.array_to_string(back_cur, ', '), pg_catalog.array_to_string(back_val, ', '));
        EXECUTE src;
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn_back);
        -- The write-back runs as the owner of the CRM's table, whoever
        -- changed the lead (an operator, the jobs' owner): they need no
        -- privilege on the CRM's table, and the CRM's own triggers on it
        -- run as its owner, never as a more privileged role.
        SELECT pc.relowner::pg_catalog.regrole::pg_catalog.text INTO v
        FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) lead_table;
        BEGIN
            EXECUTE pg_catalog.format('ALTER FUNCTION %s() OWNER TO %s', fn_back, v);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = pg_catalog.format('cannot make role %s the owner of the write-back function of %s', v, lead_table),
                DETAIL = 'The write-back runs as the owner of the CRM''s table.',
                HINT = 'Attach with write_back as a superuser, or as a role that is a member of the table''s owner when that owner may create in schema followup.';
        END;
        EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', fn_back,
            pg_catalog.format('trigger generated by followup.attach_leads: writes followup''s plan back to %s', qrel));
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %s AFTER INSERT OR UPDATE OF state, next_action, next_followup_at ON followup.lead FOR EACH ROW%s EXECUTE FUNCTION %s()',
            trg_back, back_when, fn_back);
    END IF;

    INSERT INTO followup.attachment (relid, kind, table_name, key_column, tenant_column, tenant_id, options, functions, triggers)
    VALUES (lead_table, 'leads', qrel, key_column, tenant_column, tenant_id,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'owner_column', owner_column, 'attrs_columns', attrs_columns,
                'stage_column', stage_column, 'stage_map', stage_map,
                'stage_map_back', CASE WHEN stage_column IS NOT NULL THEN stage_map_back END,
                'write_back', write_back, 'next_action_column', next_action_column,
                'next_followup_column', next_followup_column, 'created_at_column', created_at_column)),
            CASE WHEN write_back THEN ARRAY[fn_sync, fn_back] ELSE ARRAY[fn_sync] END,
            CASE WHEN write_back
                 THEN ARRAY[trg_sync OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel,
                            trg_back OPERATOR(pg_catalog.||) ' ON followup.lead']
                 ELSE ARRAY[trg_sync OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel] END);
END $$;
COMMENT ON FUNCTION followup.attach_leads(regclass, name, name, bigint, name, name[], name, jsonb, jsonb, boolean, name, name, name) IS
    'attaches a CRM''s lead (deal) table: its inserts, updates and deletes keep followup.lead in step (external_ref = the key, stage mapped to state, owner, attrs); with write_back, followup''s state, next action and time are written back to named columns';

CREATE FUNCTION followup.attach_interactions(
    interaction_table regclass,
    key_column name,
    lead_key_column name,
    kind_column name,
    kind_map jsonb DEFAULT NULL,
    occurred_at_column name DEFAULT NULL,
    tenant_column name DEFAULT NULL,
    tenant_id bigint DEFAULT NULL,
    operator_column name DEFAULT NULL,
    body_column name DEFAULT NULL,
    channel_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    qrel text := followup.attach_relation(interaction_table);
    k record; lk record; kc record; c record;
    fn text := pg_catalog.format('followup.%I', 'attached_' OPERATOR(pg_catalog.||) interaction_table::pg_catalog.oid OPERATOR(pg_catalog.||) '_interactions');
    trg text := pg_catalog.format('%I', 'followup_interactions');
    tenant_new text;
    kind_new text; kind_old text;
    occurred text := 'pg_catalog.now()';
    op text := 'NULL'; body text := 'NULL'; chan text := 'NULL';
    watched text[] := '{}';
    src text;
BEGIN
    IF key_column IS NULL OR lead_key_column IS NULL OR kind_column IS NULL OR interaction_table IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'interaction_table, key_column, lead_key_column and kind_column must be given';
    END IF;
    PERFORM 1 FROM followup.attachment a
     WHERE a.relid OPERATOR(pg_catalog.=) interaction_table::pg_catalog.oid AND a.kind OPERATOR(pg_catalog.=) 'interactions';
    IF FOUND THEN
        PERFORM followup.detach_kind(interaction_table, 'interactions');
    END IF;
    SELECT * INTO k FROM followup.attach_column(interaction_table, key_column, 'key column');
    SELECT * INTO lk FROM followup.attach_column(interaction_table, lead_key_column, 'lead key column');
    SELECT * INTO kc FROM followup.attach_column(interaction_table, kind_column, 'kind column');
    watched := watched OPERATOR(pg_catalog.||) kc.quoted;
    tenant_new := followup.attach_tenant_expr(interaction_table, tenant_column, tenant_id, 'NEW');
    IF kind_map IS NOT NULL THEN
        IF pg_catalog.jsonb_typeof(kind_map) OPERATOR(pg_catalog.<>) 'object' THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'kind_map must be a JSON object',
                HINT = 'Map the CRM''s values to followup signal kinds, e.g. ''{"in": "reply", "out": "message"}''; a value not in the map records nothing.';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(kind_map) e WHERE pg_catalog.jsonb_typeof(e.value) OPERATOR(pg_catalog.<>) 'string') THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'every value of kind_map must be a signal kind (a string)';
        END IF;
        kind_new := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (NEW.%s)::pg_catalog.text)', kind_map, kc.quoted);
        kind_old := pg_catalog.format('(%L::pg_catalog.jsonb OPERATOR(pg_catalog.->>) (OLD.%s)::pg_catalog.text)', kind_map, kc.quoted);
    ELSE
        kind_new := pg_catalog.format('(NEW.%s)::pg_catalog.text', kc.quoted);
        kind_old := pg_catalog.format('(OLD.%s)::pg_catalog.text', kc.quoted);
    END IF;
    IF occurred_at_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, occurred_at_column, 'occurred_at column');
        occurred := pg_catalog.format('COALESCE((NEW.%s)::pg_catalog.timestamptz, pg_catalog.now())', c.quoted);
    END IF;
    IF operator_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, operator_column, 'operator column');
        op := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;
    IF body_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, body_column, 'body column');
        body := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;
    IF channel_column IS NOT NULL THEN
        SELECT * INTO c FROM followup.attach_column(interaction_table, channel_column, 'channel column');
        chan := pg_catalog.format('(NEW.%s)::pg_catalog.text', c.quoted);
    END IF;

    src := pg_catalog.format($f$
CREATE FUNCTION %1$s() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    t pg_catalog.int8;
    k pg_catalog.text;
    lk pg_catalog.text;
    kd pg_catalog.text;
    lid pg_catalog.int8;
BEGIN
    kd := %2$s;
    IF kd IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND %3$s IS NOT DISTINCT FROM kd THEN
        RETURN NULL;
    END IF;
    t := %4$s;
    k := (NEW.%5$s)::pg_catalog.text;
    lk := (NEW.%6$s)::pg_catalog.text;
    -- the lead is locked first: a retried write waits here for the first,
    -- then finds its interaction
    SELECT l.lead_id INTO lid FROM followup.lead l
     WHERE l.tenant_id OPERATOR(pg_catalog.=) t AND l.external_ref OPERATOR(pg_catalog.=) lk
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('no lead of tenant %%s has external_ref %%L', t, lk),
            DETAIL = pg_catalog.format('A row of %%s with key %%L names it.', TG_RELID::pg_catalog.regclass, k),
            HINT = 'Attach the CRM''s lead table (followup.attach_leads) or create the lead first (followup.upsert_lead).';
    END IF;
    IF k IS NOT NULL AND EXISTS (
            SELECT 1 FROM followup.interaction i
             WHERE i.tenant_id OPERATOR(pg_catalog.=) t AND i.external_ref OPERATOR(pg_catalog.=) k
               AND i.kind OPERATOR(pg_catalog.=) kd) THEN
        RETURN NULL;
    END IF;
    INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, channel, operator, body, external_ref)
    VALUES (t, lid, %7$s, kd, %8$s, %9$s, %10$s, k);
    RETURN NULL;
END $body$
$f$, fn, kind_new, kind_old, tenant_new, k.quoted, lk.quoted, occurred, chan, op, body);
    EXECUTE src;
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s() FROM PUBLIC', fn);
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', fn,
        pg_catalog.format('trigger generated by followup.attach_interactions: records the rows of %s as followup interactions', qrel));
    EXECUTE pg_catalog.format('CREATE TRIGGER %s AFTER INSERT OR UPDATE OF %s ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                              trg, pg_catalog.array_to_string(watched, ', '), qrel, fn);

    INSERT INTO followup.attachment (relid, kind, table_name, key_column, tenant_column, tenant_id, options, functions, triggers)
    VALUES (interaction_table, 'interactions', qrel, key_column, tenant_column, tenant_id,
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'lead_key_column', lead_key_column, 'kind_column', kind_column, 'kind_map', kind_map,
                'occurred_at_column', occurred_at_column, 'operator_column', operator_column,
                'body_column', body_column, 'channel_column', channel_column)),
            ARRAY[fn], ARRAY[trg OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) qrel]);
END $$;
COMMENT ON FUNCTION followup.attach_interactions(regclass, name, name, name, jsonb, name, name, bigint, name, name, name) IS
    'attaches a CRM''s message or event table: each row (and each update that changes its mapped kind) is recorded as a followup interaction of the lead whose external_ref is its lead key, once per CRM key and kind';

-- detach one kind of attachment of a table (attach_* replacing itself)
CREATE FUNCTION followup.detach_kind(rel regclass, kind text) RETURNS void
LANGUAGE plpgsql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    t text;
    f text;
BEGIN
    SELECT * INTO a FROM followup.attachment x
     WHERE x.relid OPERATOR(pg_catalog.=) rel::pg_catalog.oid AND x.kind OPERATOR(pg_catalog.=) detach_kind.kind FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY a.triggers LOOP
        EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
    END LOOP;
    FOREACH f IN ARRAY a.functions LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f OPERATOR(pg_catalog.||) '()';
    END LOOP;
    DELETE FROM followup.attachment x
     WHERE x.relid OPERATOR(pg_catalog.=) a.relid AND x.kind OPERATOR(pg_catalog.=) a.kind;
END $$;
COMMENT ON FUNCTION followup.detach_kind(regclass, text) IS
    'internal to attach_*: removes one attachment (leads or interactions) of a table before it is attached again';

REVOKE ALL ON FUNCTION followup.attach_column(regclass, name, text), followup.attach_relation(regclass),
    followup.attach_tenant_expr(regclass, name, bigint, text), followup.detach(regclass),
    followup.detach_kind(regclass, text),
    followup.attach_leads(regclass, name, name, bigint, name, name[], name, jsonb, jsonb, boolean, name, name, name),
    followup.attach_interactions(regclass, name, name, name, jsonb, name, name, bigint, name, name, name)
    FROM PUBLIC;

-- Attachments again, from the registry: after a dump and restore (pg_dump
-- keeps the registry, the generated functions and the triggers on the CRM's
-- tables, but no trigger on followup.lead, an extension's table, and the
-- tables have new oids), or after renaming an attached table's schema.
CREATE FUNCTION followup.reattach() RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
-- what is already gone is no news (DROP ... IF EXISTS)
SET client_min_messages = warning AS $$
DECLARE
    a record;
    rel regclass;
    o jsonb;
    t text;
    f text;
    n int := 0;
BEGIN
    FOR a IN SELECT * FROM followup.attachment x ORDER BY x.kind OPERATOR(pg_catalog.<>) 'leads', x.table_name FOR UPDATE LOOP
        rel := pg_catalog.to_regclass(a.table_name);
        IF rel IS NULL THEN
            RAISE WARNING USING
                MESSAGE = pg_catalog.format('attached table %s does not exist: not attached again', a.table_name),
                HINT = 'Attach it under its new name with followup.attach_leads or followup.attach_interactions.';
            CONTINUE;
        END IF;
        -- what the previous attachment left, by the names it recorded
        FOREACH t IN ARRAY a.triggers LOOP
            IF t LIKE '% ON followup.lead' THEN
                EXECUTE 'DROP TRIGGER IF EXISTS ' OPERATOR(pg_catalog.||) t;
            END IF;
        END LOOP;
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'followup_' OPERATOR(pg_catalog.||) a.kind, rel);
        FOREACH f IN ARRAY a.functions LOOP
            EXECUTE 'DROP FUNCTION IF EXISTS ' OPERATOR(pg_catalog.||) f OPERATOR(pg_catalog.||) '()';
        END LOOP;
        DELETE FROM followup.attachment x WHERE x.relid OPERATOR(pg_catalog.=) a.relid AND x.kind OPERATOR(pg_catalog.=) a.kind;
        o := a.options;
        IF a.kind OPERATOR(pg_catalog.=) 'leads' THEN
            PERFORM followup.attach_leads(rel, a.key_column, a.tenant_column, a.tenant_id,
                (o OPERATOR(pg_catalog.->>) 'owner_column')::name,
                COALESCE(ARRAY(SELECT pg_catalog.jsonb_array_elements_text(o OPERATOR(pg_catalog.->) 'attrs_columns'))::name[], '{}'),
                (o OPERATOR(pg_catalog.->>) 'stage_column')::name,
                o OPERATOR(pg_catalog.->) 'stage_map', o OPERATOR(pg_catalog.->) 'stage_map_back',
                COALESCE((o OPERATOR(pg_catalog.->>) 'write_back')::boolean, false),
                (o OPERATOR(pg_catalog.->>) 'next_action_column')::name,
                (o OPERATOR(pg_catalog.->>) 'next_followup_column')::name,
                (o OPERATOR(pg_catalog.->>) 'created_at_column')::name);
        ELSE
            PERFORM followup.attach_interactions(rel, a.key_column,
                (o OPERATOR(pg_catalog.->>) 'lead_key_column')::name,
                (o OPERATOR(pg_catalog.->>) 'kind_column')::name,
                o OPERATOR(pg_catalog.->) 'kind_map',
                (o OPERATOR(pg_catalog.->>) 'occurred_at_column')::name,
                a.tenant_column, a.tenant_id,
                (o OPERATOR(pg_catalog.->>) 'operator_column')::name,
                (o OPERATOR(pg_catalog.->>) 'body_column')::name,
                (o OPERATOR(pg_catalog.->>) 'channel_column')::name);
        END IF;
        n := n OPERATOR(pg_catalog.+) 1;
    END LOOP;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.reattach() IS
    'makes every attachment again from followup.attachment (after a dump and restore, which loses the write-back triggers on followup.lead, or a rename); returns how many';
REVOKE ALL ON FUNCTION followup.reattach() FROM PUBLIC;

-- pg_dump keeps the registry, so that reattach() can rebuild after a restore
SELECT pg_catalog.pg_extension_config_dump('followup.attachment', '');

-- ---- src/sql/write_api.sql (new)
-- followup: a plain write API keyed by the CRM's own ids, and tenant
-- onboarding (docs/integration.md).  For CRMs that prefer calling functions
-- to attaching their tables; both paths meet in followup.lead.external_ref
-- and followup.interaction.external_ref.

CREATE FUNCTION followup.upsert_lead(
    external_ref text,
    state followup.lead_state DEFAULT NULL,
    owner text DEFAULT NULL,
    attrs jsonb DEFAULT NULL,
    created_at timestamptz DEFAULT NULL,
    tenant_id bigint DEFAULT followup.current_tenant())
RETURNS TABLE (lead_id bigint, action text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    l record;
BEGIN
    IF external_ref IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'external_ref and tenant_id must not be null',
            HINT = 'external_ref is the CRM''s key of the lead.';
    END IF;
    IF attrs IS NOT NULL AND pg_catalog.jsonb_typeof(attrs) OPERATOR(pg_catalog.<>) 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('attrs must be a JSON object, not %s', pg_catalog.jsonb_typeof(attrs));
    END IF;
    SELECT x.lead_id, x.state, x.owner, x.attrs INTO l FROM followup.lead x
     WHERE x.tenant_id OPERATOR(pg_catalog.=) upsert_lead.tenant_id
       AND x.external_ref OPERATOR(pg_catalog.=) upsert_lead.external_ref
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        INSERT INTO followup.lead AS x (tenant_id, external_ref, state, owner, attrs, created_at)
        VALUES (tenant_id, external_ref, COALESCE(state, 'new'), owner, COALESCE(attrs, '{}'::pg_catalog.jsonb),
                COALESCE(created_at, pg_catalog.now()))
        RETURNING x.lead_id INTO l;
        RETURN QUERY SELECT l.lead_id, 'inserted'::pg_catalog.text;
        RETURN;
    END IF;
    -- only what is given changes; a state equal to the lead's keeps its plan
    IF (state IS NULL OR state OPERATOR(pg_catalog.=) l.state)
       AND (owner IS NULL OR owner OPERATOR(pg_catalog.=) l.owner)
       AND (attrs IS NULL OR l.attrs OPERATOR(pg_catalog.@>) attrs) THEN
        RETURN QUERY SELECT l.lead_id, 'unchanged'::pg_catalog.text;
        RETURN;
    END IF;
    UPDATE followup.lead x
       SET state = COALESCE(upsert_lead.state, x.state),
           owner = COALESCE(upsert_lead.owner, x.owner),
           attrs = x.attrs OPERATOR(pg_catalog.||) COALESCE(upsert_lead.attrs, '{}'::pg_catalog.jsonb)
     WHERE x.tenant_id OPERATOR(pg_catalog.=) upsert_lead.tenant_id AND x.lead_id OPERATOR(pg_catalog.=) l.lead_id;
    RETURN QUERY SELECT l.lead_id, 'updated'::pg_catalog.text;
END $$;
COMMENT ON FUNCTION followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint) IS
    'creates the lead with this CRM key (external_ref) or changes what is given of it (state, owner, attrs merged); returns its lead_id and inserted, updated or unchanged';

CREATE FUNCTION followup.record_interaction(
    external_ref text,
    kind text,
    occurred_at timestamptz DEFAULT now(),
    idempotency_key text DEFAULT NULL,
    operator text DEFAULT NULL,
    body text DEFAULT NULL,
    channel text DEFAULT NULL,
    payload jsonb DEFAULT NULL,
    tenant_id bigint DEFAULT followup.current_tenant())
RETURNS TABLE (interaction_id bigint, lead_id bigint, recorded boolean)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    lid bigint;
    iid bigint;
BEGIN
    IF external_ref IS NULL OR kind IS NULL OR occurred_at IS NULL OR tenant_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'external_ref, kind, occurred_at and tenant_id must not be null';
    END IF;
    -- the lead is locked first: a retry waits for the first call, then finds it
    SELECT x.lead_id INTO lid FROM followup.lead x
     WHERE x.tenant_id OPERATOR(pg_catalog.=) tenant_id AND x.external_ref OPERATOR(pg_catalog.=) external_ref
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('no lead of tenant %s has external_ref %L', tenant_id, external_ref),
            HINT = 'Create it first with followup.upsert_lead.';
    END IF;
    IF idempotency_key IS NOT NULL THEN
        SELECT i.interaction_id INTO iid FROM followup.interaction i
         WHERE i.tenant_id OPERATOR(pg_catalog.=) tenant_id AND i.external_ref OPERATOR(pg_catalog.=) idempotency_key
           AND i.kind OPERATOR(pg_catalog.=) kind;
        IF FOUND THEN
            RETURN QUERY SELECT iid, lid, false;
            RETURN;
        END IF;
    END IF;
    INSERT INTO followup.interaction AS i (tenant_id, lead_id, occurred_at, kind, channel, operator, body, payload, external_ref)
    VALUES (tenant_id, lid, occurred_at, kind, channel, operator, body, payload, idempotency_key)
    RETURNING i.interaction_id INTO iid;
    RETURN QUERY SELECT iid, lid, true;
END $$;
COMMENT ON FUNCTION followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint) IS
    'records a signal for the lead with this CRM key; with an idempotency_key a retried call (same key and kind) is recorded once: recorded is false and the first interaction_id is returned';

CREATE FUNCTION followup.create_tenant(
    tenant_id bigint,
    timezone text DEFAULT NULL,
    work_days int[] DEFAULT NULL,
    work_start time DEFAULT NULL,
    work_end time DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    n int;
BEGIN
    IF tenant_id IS NULL OR tenant_id OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('tenant_id must be positive, not %s', COALESCE(tenant_id::pg_catalog.text, 'NULL')),
            HINT = 'Tenant 0 holds the shipped defaults; a shop is tenant 1 or above.';
    END IF;
    IF timezone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name OPERATOR(pg_catalog.=) timezone) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('time zone %L is not known', timezone),
            HINT = 'Use a name from pg_timezone_names, such as Europe/Berlin.';
    END IF;
    IF EXISTS (SELECT 1 FROM followup.policy p WHERE p.tenant_id OPERATOR(pg_catalog.=) tenant_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_object',
            MESSAGE = pg_catalog.format('tenant %s already has policies', tenant_id),
            HINT = 'Change its rows in followup.policy instead.';
    END IF;
    -- the shipped policies, in the tenant's zone and hours; steps, signals
    -- and rules stay tenant 0's until the tenant writes its own
    INSERT INTO followup.policy (tenant_id, state, cadence, reply_within, close_after, on_exhausted,
                                 escalate_after, escalate_to, work_days, work_start, work_end, timezone)
    SELECT tenant_id, p.state, p.cadence, p.reply_within, p.close_after, p.on_exhausted,
           p.escalate_after, p.escalate_to, COALESCE(work_days, p.work_days),
           COALESCE(work_start, p.work_start), COALESCE(work_end, p.work_end), COALESCE(timezone, p.timezone)
    FROM followup.policy p WHERE p.tenant_id OPERATOR(pg_catalog.=) 0;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION followup.create_tenant(bigint, text, int[], time, time) IS
    'onboards a tenant: copies tenant 0''s policies with the tenant''s time zone and working days and hours (NULL keeps the shipped value); returns the number of policies made';

REVOKE ALL ON FUNCTION followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),
    followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint),
    followup.create_tenant(bigint, text, int[], time, time) FROM PUBLIC;

-- ---- src/sql/workers.sql (new)
-- followup: conveniences for a CRM's worker (docs/integration.md#the-worker):
-- claim any task of the tenant, or of a team, in one call; complete a task
-- with the CRM's id of the message it sent.

CREATE FUNCTION followup.claim_tasks(operator text, max_tasks int, team text[])
RETURNS SETOF followup.task
LANGUAGE plpgsql VOLATILE ROWS 1 SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    tenant bigint := followup.current_tenant();
BEGIN
    IF operator IS NULL OR pg_catalog.btrim(operator) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'operator must be named',
            HINT = 'Pass the name the tasks are claimed by (a worker''s name will do), as in followup.claim_tasks(''worker-1'', 10, NULL).';
    END IF;
    IF max_tasks IS NULL OR max_tasks OPERATOR(pg_catalog.<) 1 OR max_tasks OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('max_tasks must be between 1 and 1000, not %s', COALESCE(max_tasks::pg_catalog.text, '<NULL>'));
    END IF;
    -- the lead first, then the task, as every writer locks them; rows
    -- another transaction holds are skipped
    RETURN QUERY
    WITH pick AS (
        SELECT t.tenant_id, t.task_id FROM followup.task t
        JOIN followup.lead l ON l.tenant_id OPERATOR(pg_catalog.=) t.tenant_id
                            AND l.lead_id OPERATOR(pg_catalog.=) t.lead_id
        WHERE t.tenant_id OPERATOR(pg_catalog.=) tenant AND t.status OPERATOR(pg_catalog.=) 'open'
          AND (team IS NULL OR t.assignee IS NULL OR t.assignee OPERATOR(pg_catalog.=) ANY (team)
               OR t.escalated_to OPERATOR(pg_catalog.=) ANY (team))
        ORDER BY t.kind OPERATOR(pg_catalog.<>) 'reply', t.state OPERATOR(pg_catalog.<>) 'hot', t.due_at, t.task_id
        LIMIT max_tasks
        FOR NO KEY UPDATE OF l SKIP LOCKED
        FOR UPDATE OF t SKIP LOCKED)
    UPDATE followup.task t
       SET status = 'claimed', claimed_by = operator, claimed_at = pg_catalog.now()
      FROM pick
     WHERE t.tenant_id OPERATOR(pg_catalog.=) pick.tenant_id AND t.task_id OPERATOR(pg_catalog.=) pick.task_id
    RETURNING t.*;
END $$;
COMMENT ON FUNCTION followup.claim_tasks(text, int, text[]) IS
    'claims, as operator, up to max_tasks open tasks of the current tenant assigned to anyone in team, unassigned, or escalated to the team (team NULL: any task of the tenant), in claim_tasks'' order; for a worker that sends for many operators';

CREATE FUNCTION followup.complete_task(task_id bigint, operator text, body text, occurred_at timestamptz,
                                       external_ref text)
    RETURNS followup.interaction
    AS 'MODULE_PATHNAME', 'followup_complete_task' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION followup.complete_task(bigint, text, text, timestamptz, text) IS
    'complete_task that also records the CRM''s id of the message it sent as the interaction''s external_ref (unique per tenant and kind)';

REVOKE ALL ON FUNCTION followup.claim_tasks(text, int, text[]),
    followup.complete_task(bigint, text, text, timestamptz, text) FROM PUBLIC;

-- ---- the roles granted under 0.1.0

-- What grant_reader and grant_operator give now and did not then, given to
-- the roles they were run for (readers can run current_tenant(), operators
-- insert interactions), with stall_diagnostic, made again above.  These
-- grants are the database's, as in a fresh install, not the extension's
-- initial privileges, which pg_dump leaves out: taken out of pg_init_privs.
DO $$
DECLARE
    r regrole;
    granted oid[] := '{}';
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole
             FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
             WHERE p.oid OPERATOR(pg_catalog.=) 'followup.current_tenant()'::pg_catalog.regprocedure
               AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
               AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
               AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.stall_diagnostic(interval, timestamptz),'
                                  ' followup.stall_diagnostic_by_operator(interval, timestamptz),'
                                  ' followup.stall_leads(interval, timestamptz),'
                                  ' followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer,'
                                  '   timestamptz, timestamptz, text) TO %s', r);
        granted := granted OPERATOR(pg_catalog.||) r::oid;
    END LOOP;
    FOR r IN SELECT DISTINCT a.grantee::regrole
             FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
             WHERE c.oid OPERATOR(pg_catalog.=) 'followup.interaction'::pg_catalog.regclass
               AND a.privilege_type OPERATOR(pg_catalog.=) 'INSERT'
               AND a.grantee OPERATOR(pg_catalog.<>) 0::pg_catalog.oid
               AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION followup.claim_tasks(text, integer, text[]),'
                                  ' followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint),'
                                  ' followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint),'
                                  ' followup.complete_task(bigint, text, text, timestamptz, text) TO %s', r);
        granted := granted OPERATOR(pg_catalog.||) r::oid;
    END LOOP;
    UPDATE pg_catalog.pg_init_privs i
    SET initprivs = ARRAY(SELECT a FROM pg_catalog.unnest(i.initprivs) a
                          WHERE NOT EXISTS (SELECT FROM pg_catalog.aclexplode(ARRAY[a]) x
                                            WHERE x.grantee OPERATOR(pg_catalog.=) ANY (granted)))
    WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND i.objoid OPERATOR(pg_catalog.=) ANY (ARRAY[
          'followup.stall_diagnostic(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.stall_diagnostic_by_operator(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.stall_leads(interval, timestamptz)'::pg_catalog.regprocedure,
          'followup.plan_next_touch(followup.lead_state, timestamptz, integer, integer, timestamptz, timestamptz, text)'::pg_catalog.regprocedure,
          'followup.claim_tasks(text, integer, text[])'::pg_catalog.regprocedure,
          'followup.upsert_lead(text, followup.lead_state, text, jsonb, timestamptz, bigint)'::pg_catalog.regprocedure,
          'followup.record_interaction(text, text, timestamptz, text, text, text, text, jsonb, bigint)'::pg_catalog.regprocedure,
          'followup.complete_task(bigint, text, text, timestamptz, text)'::pg_catalog.regprocedure]::pg_catalog.oid[]);
END $$;
