
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

-- Each claim and completion leaves the task's entries in the claim indexes
-- (partial: open tasks) dead until VACUUM, at the head of the order the
-- claim reads: a claim steps over every one of them.  Vacuumed when 1% of
-- the tasks (and 1,000) are dead, not 20%: after 100,000 completions the
-- claim's p50 went from 0.19 to 0.90 ms unvacuumed (docs/performance.md).
ALTER TABLE followup.task SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
