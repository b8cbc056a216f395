--
-- task_fulfil: a touch marks the lead's live task done without an UPDATE
-- statement (src/task_fulfil.c) exactly as the statement would, and the
-- statement is used wherever it would do more.  Each round makes two leads
-- with a task each, claims and completes the first (complete_task), and
-- touches the second by a CRM's INSERT naming its operator; the rounds whose
-- conditions send the fulfilment to the statement must write the same rows.
-- A database of its own: the rounds put triggers, policies and an index on
-- followup.task.
--
\set regress_db :DBNAME
CREATE DATABASE followup_task_fulfil;
\c followup_task_fulfil
CREATE EXTENSION followup;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 150;
CREATE ROLE regress_fu_fulfil_operator;
SELECT followup.grant_operator('regress_fu_fulfil_operator');

CREATE FUNCTION make_round(base bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO followup.lead (lead_id, external_ref, created_at, state) VALUES
        (base + 1, 'a' || base, '2026-11-23 08:00+00', 'warm'),
        (base + 2, 'b' || base, '2026-11-23 09:00+00', 'warm');
    PERFORM followup.materialize_due('2026-11-24 10:00+00');
END $$;
GRANT EXECUTE ON FUNCTION make_round(bigint) TO regress_fu_fulfil_operator;
-- the touches, as whoever runs them
CREATE FUNCTION touch_round(base bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM followup.claim_tasks('ana', 1);
    PERFORM followup.complete_task(t.task_id, NULL, 'hello', '2026-11-24 10:30+00')
    FROM followup.task t WHERE t.lead_id = base + 1 AND t.status = 'claimed';
    INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
    VALUES (base + 2, '2026-11-24 10:31+00', 'message', 'bo');
END $$;
GRANT EXECUTE ON FUNCTION touch_round(bigint) TO regress_fu_fulfil_operator;
CREATE TABLE seen (round text, lead text, status followup.task_status, claimed_by text,
                   done_at timestamptz, by_rule boolean, task_recorded boolean, next_action followup.next_action);
CREATE FUNCTION see(r text, base bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO seen
    SELECT r, left(l.external_ref, 1), t.status, t.claimed_by, t.done_at, i.by_rule,
           i.task_id IS NOT DISTINCT FROM t.task_id, l.next_action
    FROM followup.lead l
    JOIN followup.task t USING (tenant_id, lead_id)
    LEFT JOIN followup.interaction i USING (tenant_id, lead_id)
    WHERE l.lead_id IN (base + 1, base + 2)
$$;

-- without a statement
SELECT make_round(1000);
SELECT touch_round(1000);
SELECT see('direct', 1000);
SELECT lead, status, claimed_by, done_at, by_rule, task_recorded, next_action FROM seen ORDER BY lead;

-- a CRM's row trigger on followup.task: the statement, the same rows
CREATE FUNCTION crm_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER crm_noop AFTER UPDATE ON followup.task FOR EACH ROW EXECUTE FUNCTION crm_noop();
SELECT make_round(2000);
SELECT touch_round(2000);
SELECT see('row trigger', 2000);
DROP TRIGGER crm_noop ON followup.task;

-- a statement trigger: it fires for the claim's and both fulfilments'
-- UPDATE statements
CREATE FUNCTION crm_says() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'UPDATE of followup.task: % row(s)', (SELECT count(*) FROM new_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER crm_says AFTER UPDATE ON followup.task REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION crm_says();
SELECT make_round(3000);
SELECT touch_round(3000);
SELECT see('statement trigger', 3000);
DROP TRIGGER crm_says ON followup.task;

-- SERIALIZABLE: the statement, whose reads the conflict checks record
SELECT make_round(4000);
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT touch_round(4000);
COMMIT;
SELECT see('serializable', 4000);

-- task_one_live_per_lead not as followup made it (its columns the other way
-- round, which a look-up by tenant and lead cannot descend): the statement
DROP INDEX followup.task_one_live_per_lead;
CREATE UNIQUE INDEX task_one_live_per_lead ON followup.task (lead_id, tenant_id)
    WHERE status IN ('open', 'claimed');
SELECT make_round(5000);
SELECT touch_round(5000);
SELECT see('other index', 5000);
DROP INDEX followup.task_one_live_per_lead;
CREATE UNIQUE INDEX task_one_live_per_lead ON followup.task (tenant_id, lead_id)
    WHERE status IN ('open', 'claimed');

-- an operator under row security: tenant_rows alone, without a statement
SELECT make_round(6000);
SET ROLE regress_fu_fulfil_operator;
SELECT touch_round(6000);
RESET ROLE;
SELECT see('operator', 6000);

-- every round wrote what the first did
SELECT s.round, s.lead, s.status, s.claimed_by, s.done_at, s.by_rule, s.task_recorded, s.next_action
FROM seen s
FULL JOIN (SELECT * FROM seen WHERE round = 'direct') d USING (lead, status, claimed_by, done_at, by_rule,
                                                                  task_recorded, next_action)
WHERE d.round IS NULL OR s.round IS NULL;
SELECT round, count(*) FROM seen GROUP BY round ORDER BY round;

-- a policy of the CRM's that hides b's task from updates: the statement,
-- which does not see it; nothing is fulfilled, and the touch is by chance
CREATE POLICY crm_hides_b ON followup.task AS RESTRICTIVE FOR UPDATE
    USING (lead_id OPERATOR(pg_catalog.<>) 7002);
SELECT make_round(7000);
SET ROLE regress_fu_fulfil_operator;
SELECT touch_round(7000);
RESET ROLE;
SELECT see('hidden', 7000);
SELECT lead, status, claimed_by, done_at, by_rule, task_recorded FROM seen WHERE round = 'hidden' ORDER BY lead;
DROP POLICY crm_hides_b ON followup.task;

-- a role that may write interactions but not update tasks: the statement,
-- which refuses it
SELECT make_round(8000);
REVOKE UPDATE ON followup.task FROM regress_fu_fulfil_operator;
SET ROLE regress_fu_fulfil_operator;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
VALUES (8002, '2026-11-24 10:31+00', 'message', 'bo');
RESET ROLE;
SELECT status FROM followup.task WHERE lead_id = 8002;

-- a CRM's CHECK constraint and partial index on followup.task, added once
-- the writes without statements have prepared the table's expressions:
-- they are prepared again, the constraint holds and the index is maintained
ALTER TABLE followup.task ADD CONSTRAINT crm_done_early
    CHECK (status OPERATOR(pg_catalog.<>) 'done' OR done_at < '2026-11-24 10:30:30+00') NOT VALID;
CREATE INDEX crm_done_idx ON followup.task (lead_id) WHERE status = 'done';
SELECT make_round(9000);
\set VERBOSITY terse
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
VALUES (9002, '2026-11-24 10:31+00', 'message', 'bo');
\set VERBOSITY default
ALTER TABLE followup.task DROP CONSTRAINT crm_done_early;
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
VALUES (9001, '2026-11-24 10:31+00', 'message', 'bo'), (9002, '2026-11-24 10:32+00', 'message', 'bo');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT lead_id FROM followup.task WHERE status = 'done' AND lead_id > 9000;
SELECT lead_id FROM followup.task WHERE status = 'done' AND lead_id > 9000 ORDER BY lead_id;
DROP INDEX followup.crm_done_idx;
RESET enable_seqscan;
RESET enable_bitmapscan;

\c :regress_db
DROP DATABASE followup_task_fulfil;
DROP ROLE regress_fu_fulfil_operator;
