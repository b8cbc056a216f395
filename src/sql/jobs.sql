
-- followup: the jobs that turn what is due into tasks, close spent leads and
-- escalate overdue tasks, and their scheduling with pg_cron.

-- Only planned leads, in due order: every job's scan starts and stops here.
CREATE INDEX lead_due_idx ON followup.lead (next_followup_at) WHERE next_action IS NOT NULL;
COMMENT ON INDEX followup.lead_due_idx IS 'planned leads by due time: the jobs read only what is due';
-- Live tasks not yet escalated, by due time, for escalate_overdue.
CREATE INDEX task_escalation_idx ON followup.task (due_at)
    WHERE status IN ('open', 'claimed') AND escalated_at IS NULL;
COMMENT ON INDEX followup.task_escalation_idx IS 'live tasks not yet escalated, by due time';

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

CREATE FUNCTION followup.materialize_due(as_of timestamptz DEFAULT now(), max_leads int DEFAULT 10000)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'followup_materialize_due' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION followup.materialize_due(timestamptz, int) IS
    'one task per lead whose next touch is due at as_of (at most max_leads per call), message rendered; never for do_not_contact leads; notifies each tenant that got tasks on its own channel (followup.due_channel()); returns the tasks made';

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

CREATE FUNCTION followup.close_exhausted(as_of timestamptz DEFAULT now(), max_leads int DEFAULT 10000)
    RETURNS bigint
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT followup.close_exhausted_tenant(NULL, as_of, max_leads)
$$;
COMMENT ON FUNCTION followup.close_exhausted(timestamptz, int) IS
    'moves leads whose close is due at as_of to their policy''s on_exhausted state (closed_reason exhausted or plan_b_exhausted); returns how many';

CREATE FUNCTION followup.escalate_overdue(as_of timestamptz DEFAULT now(), max_tasks int DEFAULT 10000)
    RETURNS bigint
LANGUAGE sql VOLATILE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT followup.escalate_overdue_tenant(NULL, as_of, max_tasks)
$$;
COMMENT ON FUNCTION followup.escalate_overdue(timestamptz, int) IS
    'marks live tasks more than their policy''s escalate_after late at as_of as escalated, to the policy''s escalate_to; returns how many';

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

CREATE FUNCTION followup.run_due(as_of timestamptz DEFAULT now(),
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

-- Operators ------------------------------------------------------------------

CREATE FUNCTION followup.claim_tasks(operator text, max_tasks int DEFAULT 1)
    RETURNS SETOF followup.task
    AS 'MODULE_PATHNAME', 'followup_claim_tasks' LANGUAGE C VOLATILE ROWS 1;
COMMENT ON FUNCTION followup.claim_tasks(text, int) IS
    'claims up to max_tasks open tasks of the current tenant for operator (its own, unassigned or escalated to it): owed replies first, then hot leads, then by due time; never the same task twice';
-- The three sources of claim_tasks (src/operators.c), each in claim order:
-- owed replies first, then hot leads, then the oldest due.
CREATE INDEX task_claim_idx ON followup.task (tenant_id, assignee, (kind <> 'reply'), (state <> 'hot'), due_at, task_id)
    WHERE status = 'open' AND assignee IS NOT NULL;
COMMENT ON INDEX followup.task_claim_idx IS 'each operator''s open tasks in the order claim_tasks hands them out';
CREATE INDEX task_claim_unassigned_idx ON followup.task (tenant_id, (kind <> 'reply'), (state <> 'hot'), due_at, task_id)
    WHERE status = 'open' AND assignee IS NULL;
COMMENT ON INDEX followup.task_claim_unassigned_idx IS 'open tasks for anyone, in the order claim_tasks hands them out';
CREATE INDEX task_claim_escalated_idx ON followup.task (tenant_id, escalated_to, (kind <> 'reply'), (state <> 'hot'), due_at, task_id)
    WHERE status = 'open' AND escalated_to IS NOT NULL;
-- A claimed or finished task leaves a dead entry at the head of the claim
-- indexes, which every claim_tasks call steps over until VACUUM: vacuum the
-- task table after 2% of it (and at least 500 rows) changed, not 20%.
ALTER TABLE followup.task SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 500);
COMMENT ON INDEX followup.task_claim_escalated_idx IS 'open escalated tasks by whom they were escalated to, in claim order';

CREATE FUNCTION followup.complete_task(task_id bigint, operator text DEFAULT NULL, body text DEFAULT NULL,
                                       occurred_at timestamptz DEFAULT now())
    RETURNS followup.interaction
    AS 'MODULE_PATHNAME', 'followup_complete_task' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION followup.complete_task(bigint, text, text, timestamptz) IS
    'records the outbound touch that does task_id (a message, or a call for a call step) and so marks it done; errors FU001 if done, FU002 if superseded, 42704 if unknown';

CREATE FUNCTION followup.release_task(task_id bigint) RETURNS followup.task
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
COMMENT ON FUNCTION followup.release_task(bigint) IS
    'gives a claimed task back to the queue; errors FU001 if done, FU002 if superseded, 55000 if not claimed, 42704 if unknown';

CREATE VIEW followup.due_tasks AS
SELECT t.tenant_id, t.task_id, t.lead_id, l.external_ref, l.owner, t.kind, t.state, t.step_no,
       t.plan_b_step, t.due_at, now() - t.due_at AS overdue_by,
       extract(epoch FROM now() - t.due_at)::bigint AS overdue_seconds,
       t.channel, t.purpose, t.action_code, t.message, t.render_error,
       t.assignee, t.status, t.claimed_by, t.claimed_at, t.escalated_at, t.escalated_to,
       (t.kind = 'reply' OR t.state = 'hot') AS urgent
FROM followup.task t
JOIN followup.lead l ON l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id
WHERE t.tenant_id = followup.current_tenant() AND t.status IN ('open', 'claimed');
-- one operator's due tasks, urgent first, without sorting the tenant's tasks
CREATE INDEX task_live_by_assignee_idx ON followup.task
    (tenant_id, assignee, (kind = 'reply' OR state = 'hot') DESC, due_at)
    WHERE status IN ('open', 'claimed');
COMMENT ON INDEX followup.task_live_by_assignee_idx IS 'live tasks per assignee in due_tasks order (urgent, then due time)';
COMMENT ON VIEW followup.due_tasks IS 'the current tenant''s open and claimed tasks, with their leads';
COMMENT ON COLUMN followup.due_tasks.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.due_tasks.task_id IS 'task';
COMMENT ON COLUMN followup.due_tasks.lead_id IS 'lead';
COMMENT ON COLUMN followup.due_tasks.external_ref IS 'the CRM''s reference of the lead';
COMMENT ON COLUMN followup.due_tasks.owner IS 'the lead''s owner';
COMMENT ON COLUMN followup.due_tasks.kind IS 'reply, followup, plan_b or reactivate';
COMMENT ON COLUMN followup.due_tasks.state IS 'the lead''s state';
COMMENT ON COLUMN followup.due_tasks.step_no IS 'touch number in the cadence';
COMMENT ON COLUMN followup.due_tasks.plan_b_step IS 'the Plan B option to offer';
COMMENT ON COLUMN followup.due_tasks.due_at IS 'when the touch was due';
COMMENT ON COLUMN followup.due_tasks.overdue_by IS 'how late it is now (negative: not yet due)';
COMMENT ON COLUMN followup.due_tasks.overdue_seconds IS 'overdue_by in seconds, for charts';
COMMENT ON COLUMN followup.due_tasks.channel IS 'where to make the touch';
COMMENT ON COLUMN followup.due_tasks.purpose IS 'advance, clarify or close_loop';
COMMENT ON COLUMN followup.due_tasks.action_code IS 'the step''s action code';
COMMENT ON COLUMN followup.due_tasks.message IS 'the message to send, rendered';
COMMENT ON COLUMN followup.due_tasks.render_error IS 'why the message could not be rendered';
COMMENT ON COLUMN followup.due_tasks.assignee IS 'the operator it is for; NULL = anyone';
COMMENT ON COLUMN followup.due_tasks.status IS 'open or claimed';
COMMENT ON COLUMN followup.due_tasks.claimed_by IS 'who claimed it';
COMMENT ON COLUMN followup.due_tasks.claimed_at IS 'when it was claimed';
COMMENT ON COLUMN followup.due_tasks.escalated_at IS 'when it was escalated';
COMMENT ON COLUMN followup.due_tasks.escalated_to IS 'who it was escalated to';
COMMENT ON COLUMN followup.due_tasks.urgent IS 'an owed reply or a hot lead: claimed first';

CREATE VIEW followup.job_lag AS
SELECT l.tenant_id,
       count(*) FILTER (WHERE l.next_action <> 'close') AS due_without_task,
       count(*) FILTER (WHERE l.next_action = 'close') AS due_to_close,
       min(l.next_followup_at) AS oldest_due_at,
       now() - min(l.next_followup_at) AS oldest_lag,
       extract(epoch FROM now() - min(l.next_followup_at))::bigint AS oldest_lag_seconds
FROM followup.lead l
WHERE l.next_action IS NOT NULL AND l.next_followup_at <= now()
  AND (l.next_action = 'close'
       OR (NOT l.do_not_contact AND NOT EXISTS (
           SELECT 1 FROM followup.task t WHERE t.tenant_id = l.tenant_id AND t.lead_id = l.lead_id
           AND t.status IN ('open', 'claimed'))))
GROUP BY l.tenant_id;
COMMENT ON VIEW followup.job_lag IS 'what the jobs have not caught up with yet, per tenant: 0 rows means nothing due is waiting';
COMMENT ON COLUMN followup.job_lag.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.job_lag.due_without_task IS 'leads whose touch is due but that have no task yet';
COMMENT ON COLUMN followup.job_lag.due_to_close IS 'leads whose close is due but that are not closed yet';
COMMENT ON COLUMN followup.job_lag.oldest_due_at IS 'the oldest such due time';
COMMENT ON COLUMN followup.job_lag.oldest_lag IS 'how long the oldest has waited';
COMMENT ON COLUMN followup.job_lag.oldest_lag_seconds IS 'oldest_lag in seconds, for alerts';

-- Scheduling with pg_cron ---------------------------------------------------

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

CREATE FUNCTION followup.schedule_jobs(schedule text DEFAULT '* * * * *')
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

CREATE FUNCTION followup.unschedule_jobs() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    removed bigint := 0;
    job text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        IF current_setting('cron.database_name', true) IS NULL THEN
            RETURN 0;           -- no pg_cron in this cluster: nothing can be scheduled
        END IF;
        RAISE EXCEPTION 'pg_cron runs in database "%", not in "%"',
                        current_setting('cron.database_name'), current_database()
            USING ERRCODE = '55000',
            HINT = format('Connect to %I and run: SELECT cron.unschedule(%L); SELECT cron.unschedule(%L);',
                          current_setting('cron.database_name'),
                          'followup-run-due:' || current_database(), 'followup-purge-run-log:' || current_database());
    END IF;
    FOR job IN EXECUTE 'SELECT jobname FROM cron.job WHERE jobname IN ($1, $2)'
        USING 'followup-run-due:' || current_database(), 'followup-purge-run-log:' || current_database()
    LOOP
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
        removed := removed + 1;
    END LOOP;
    RETURN removed;
END $$;
COMMENT ON FUNCTION followup.unschedule_jobs() IS 'removes the jobs schedule_jobs made; returns how many';
