--
-- Leads written by the CRM: planned on insert, re-planned on a state change,
-- never back to new; tasks superseded and fulfilled in the same transaction.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 103;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, state_since, anchor_at, touches, plan_b_step AS pb,
           next_action, next_followup_at AS due, closed_reason
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE TEMP VIEW t AS
    SELECT l.external_ref AS ref, t.kind, t.due_at, t.status, t.claimed_by, t.done_at
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE t.tenant_id = followup.current_tenant() ORDER BY t.task_id;
CREATE FUNCTION pg_temp.task_for(ref text) RETURNS void AS $$
    -- what the materialize job will do: one open task for the lead's plan
    INSERT INTO followup.task (lead_id, kind, state, due_at)
    SELECT lead_id, next_action, state, next_followup_at FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
$$ LANGUAGE sql;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text, op text DEFAULT NULL)
RETURNS TABLE (by_rule boolean, fulfilled_task boolean) AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
    SELECT lead_id, at, kind, op FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
    RETURNING by_rule, task_id IS NOT NULL
$$ LANGUAGE sql;

-- insert: state new, state_since = anchor_at = created_at, planned at once
INSERT INTO followup.lead (lead_id, external_ref, created_at) VALUES (103001, 'a', '2026-11-23 10:00+00');
-- a lead imported in another state, or already closed
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('b', '2026-11-23 10:00+00', 'installment_rejected'),
    ('c', '2026-11-23 10:00+00', 'won');
SELECT * FROM l;
SELECT tenant_id, touches, momentum, do_not_contact, attrs, updated_at = now() AS updated_now
FROM followup.lead WHERE tenant_id = 103 AND external_ref = 'a';

-- the CRM moves a lead: state_since and anchor from the same UPDATE, touches reset
UPDATE followup.lead SET touches = 2 WHERE tenant_id = 103 AND external_ref = 'a';
SELECT * FROM l WHERE ref = 'a';
UPDATE followup.lead SET state = 'thinking', state_since = '2026-11-23 12:00+00'
WHERE tenant_id = 103 AND external_ref = 'a';
SELECT * FROM l WHERE ref = 'a';
-- without state_since, now() is the moment
BEGIN;
UPDATE followup.lead SET state = 'warm' WHERE tenant_id = 103 AND external_ref = 'a';
SELECT state_since = now() AS since_now, anchor_at = now() AS anchor_now, touches
FROM followup.lead WHERE tenant_id = 103 AND external_ref = 'a';
ROLLBACK;

-- never back to new; the row is untouched
UPDATE followup.lead SET state = 'new' WHERE tenant_id = 103 AND external_ref = 'a';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM l WHERE ref = 'a';

-- updating other columns does not re-plan
UPDATE followup.lead SET owner = 'ana', attrs = '{"name": "Nino"}' WHERE tenant_id = 103 AND external_ref = 'a';
SELECT * FROM l WHERE ref = 'a';
-- a new time zone re-plans the due time into the lead's working window
UPDATE followup.lead SET timezone = 'America/New_York' WHERE tenant_id = 103 AND external_ref = 'a';
SELECT * FROM l WHERE ref = 'a';
UPDATE followup.lead SET timezone = NULL WHERE tenant_id = 103 AND external_ref = 'a';

-- an outbound touch fulfils the open task: done, by rule
SELECT pg_temp.task_for('a');
SELECT * FROM pg_temp.ev('a', '2026-11-24 12:30+00', 'message', 'ana');
SELECT * FROM t;
-- a touch with no task is by chance
SELECT * FROM pg_temp.ev('a', '2026-11-24 13:00+00', 'call', 'beka');
SELECT * FROM t;

-- reply_supersedes_task: the customer answers, the old follow-up is gone
SELECT pg_temp.task_for('a');
SELECT * FROM pg_temp.ev('a', '2026-11-24 14:00+00', 'reply');
SELECT * FROM t;
SELECT * FROM l WHERE ref = 'a';

-- a claimed task is superseded by a CRM state change too
SELECT pg_temp.task_for('a');
UPDATE followup.task SET status = 'claimed', claimed_by = 'ana', claimed_at = '2026-11-24 14:01+00'
WHERE tenant_id = 103 AND status = 'open';
UPDATE followup.lead SET state = 'hot', state_since = '2026-11-24 14:02+00'
WHERE tenant_id = 103 AND external_ref = 'a';
SELECT * FROM t;

-- at most one live task per lead
SELECT pg_temp.task_for('a');
SELECT pg_temp.task_for('a');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- momentum-only signals leave the plan, and so the task, alone
SELECT * FROM pg_temp.ev('a', '2026-11-24 15:00+00', 'email_opened');
SELECT ref, kind, status FROM t WHERE status = 'open';

-- every move is in the state log, with the interaction that caused it
SELECT c.changed_at, c.from_state, c.to_state, i.kind AS caused_by
FROM followup.state_change c LEFT JOIN followup.interaction i USING (tenant_id, interaction_id)
WHERE c.tenant_id = 103 AND c.lead_id = 103001 ORDER BY c.changed_at, c.to_state;

-- deleting a lead deletes its interactions, tasks and log
DELETE FROM followup.lead WHERE tenant_id = 103 AND external_ref = 'a';
SELECT (SELECT count(*) FROM followup.interaction WHERE tenant_id = 103) AS interactions,
       (SELECT count(*) FROM followup.task WHERE tenant_id = 103) AS tasks,
       (SELECT count(*) FROM followup.state_change WHERE tenant_id = 103 AND lead_id = 103001) AS log;

-- a CRM's own UPDATE OF trigger on the lead fires as for the UPDATE that
-- sets the planned columns: whenever an interaction writes the lead
CREATE FUNCTION pg_temp.touches_changed() RETURNS trigger AS $$
BEGIN
    RAISE NOTICE 'lead %: touches % -> %', NEW.external_ref, OLD.touches, NEW.touches;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER crm_touches AFTER UPDATE OF touches ON followup.lead
    FOR EACH ROW EXECUTE FUNCTION pg_temp.touches_changed();
INSERT INTO followup.lead (external_ref, created_at, state) VALUES ('u', '2026-11-23 10:00+00', 'warm');
SELECT * FROM pg_temp.ev('u', '2026-11-23 11:00+00', 'message', 'ana');
SELECT * FROM pg_temp.ev('u', '2026-11-23 12:00+00', 'proposal_viewed');
SELECT * FROM pg_temp.ev('u', '2026-11-24 11:00+00', 'message', 'ana');
DROP TRIGGER crm_touches ON followup.lead;
