
-- followup: conveniences for a CRM's worker (docs/integration.md#the-worker):
-- claim any task of the tenant, or of a team, in one call; complete a task
-- with the CRM's id of the message it sent.

CREATE FUNCTION followup.claim_tasks(operator text, max_tasks int, team text[], as_of timestamptz DEFAULT NULL)
RETURNS SETOF followup.task
LANGUAGE plpgsql VOLATILE ROWS 1 SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    tenant bigint := followup.current_tenant();
    -- a value, not a call in the statement: Citus takes no volatile call in
    -- an UPDATE's COALESCE
    claim_time timestamptz := COALESCE(as_of, pg_catalog.now());
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
    IF as_of IS NOT NULL AND NOT pg_catalog.isfinite(as_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_datetime_format',
            MESSAGE = 'as_of must be a finite time';
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
          -- as of a time: only what is due by then
          AND (as_of IS NULL OR t.due_at OPERATOR(pg_catalog.<=) as_of)
        ORDER BY t.kind OPERATOR(pg_catalog.<>) 'reply', t.state OPERATOR(pg_catalog.<>) 'hot', t.due_at, t.task_id
        LIMIT max_tasks
        FOR NO KEY UPDATE OF l SKIP LOCKED
        FOR UPDATE OF t SKIP LOCKED)
    UPDATE followup.task t
       SET status = 'claimed', claimed_by = operator, claimed_at = claim_time
      FROM pick
     -- the tenant as a parameter too: Citus routes the statement to the
     -- tenant's shard (through pick alone it updates every task shard)
     WHERE t.tenant_id OPERATOR(pg_catalog.=) tenant
       AND t.tenant_id OPERATOR(pg_catalog.=) pick.tenant_id AND t.task_id OPERATOR(pg_catalog.=) pick.task_id
    RETURNING t.*;
END $$;
COMMENT ON FUNCTION followup.claim_tasks(text, int, text[], timestamptz) IS
    'claims, as operator, up to max_tasks open tasks of the current tenant assigned to anyone in team, unassigned, or escalated to the team (team NULL: any task of the tenant), in claim_tasks'' order; with as_of, only tasks due by then, claimed at as_of; for a worker that sends for many operators';

CREATE FUNCTION followup.complete_task(task_id bigint, operator text, body text, occurred_at timestamptz,
                                       external_ref text)
    RETURNS followup.interaction
    AS 'MODULE_PATHNAME', 'followup_complete_task' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION followup.complete_task(bigint, text, text, timestamptz, text) IS
    'complete_task that also records the CRM''s id of the message it sent as the interaction''s external_ref (unique per tenant and kind)';

REVOKE ALL ON FUNCTION followup.claim_tasks(text, int, text[], timestamptz),
    followup.complete_task(bigint, text, text, timestamptz, text) FROM PUBLIC;
