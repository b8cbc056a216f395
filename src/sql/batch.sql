
-- followup: batched operators for a worker that takes many tasks at once and
-- reports many touches at once (docs/reference.md#followupcomplete_tasks).

CREATE FUNCTION followup.complete_tasks(task_ids bigint[], operator text DEFAULT NULL,
                                        bodies text[] DEFAULT NULL,
                                        occurred_at timestamptz DEFAULT now(),
                                        external_refs text[] DEFAULT NULL)
    RETURNS TABLE (task_id bigint, lead_id bigint, result text, sqlstate text, message text,
                   interaction_id bigint)
    AS 'MODULE_PATHNAME', 'followup_complete_tasks' LANGUAGE C VOLATILE ROWS 50;
COMMENT ON FUNCTION followup.complete_tasks(bigint[], text, text[], timestamptz, text[]) IS
    'complete_task for each of task_ids in one call, in order (bodies and external_refs by position); a row per task: result completed with its interaction_id, or not_found, already_done, superseded or out_of_order with the SQLSTATE and message complete_task raises, nothing written for that task';

REVOKE ALL ON FUNCTION followup.complete_tasks(bigint[], text, text[], timestamptz, text[]) FROM PUBLIC;
