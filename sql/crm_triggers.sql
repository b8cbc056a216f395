--
-- A CRM's own triggers on followup.lead: what they write while an
-- interaction is applied is planned like any other write, and whatever they
-- do, the lead is written exactly as a plain UPDATE would write it.
--
\set SHOW_CONTEXT never
\set VERBOSITY default
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 140;

-- one customer with three leads, another with one
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, attrs) VALUES
    (140, 140001, 'c1-sofa', '2026-11-23 10:00+00', 'warm', '{"customer": "c1"}'),
    (140, 140002, 'c1-table', '2026-11-23 10:00+00', 'warm', '{"customer": "c1"}'),
    (140, 140003, 'c1-lamp', '2026-11-23 10:00+00', 'thinking', '{"customer": "c1"}'),
    (140, 140004, 'c2-sofa', '2026-11-23 10:00+00', 'warm', '{"customer": "c2"}');

-- cascading state changes: a won lead closes the customer's other leads
CREATE FUNCTION crm_close_siblings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE followup.lead SET state = 'lost', closed_reason = 'sibling_won'
    WHERE tenant_id = NEW.tenant_id AND attrs->>'customer' = NEW.attrs->>'customer'
      AND lead_id <> NEW.lead_id AND state NOT IN ('won', 'lost');
    RETURN NULL;
END $$;
CREATE TRIGGER crm_close_siblings AFTER UPDATE OF state ON followup.lead
    FOR EACH ROW WHEN (NEW.state = 'won') EXECUTE FUNCTION crm_close_siblings();

-- lead inserts: a won lead of customer c2 gets an upsell lead
CREATE FUNCTION crm_upsell() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, attrs)
    VALUES (NEW.tenant_id, NEW.lead_id + 100, NEW.external_ref || '-upsell', NEW.state_since, 'warm', NEW.attrs);
    RETURN NULL;
END $$;
CREATE TRIGGER crm_upsell AFTER UPDATE OF state ON followup.lead
    FOR EACH ROW WHEN (NEW.state = 'won' AND NEW.attrs->>'customer' = 'c2') EXECUTE FUNCTION crm_upsell();

-- tasks before: the siblings have live tasks
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at) VALUES
    (140, 140901, 140002, 'followup', 'warm', '2026-11-24 10:00+00'),
    (140, 140902, 140003, 'followup', 'thinking', '2026-11-24 10:00+00');

-- the order wins 140001; the CRM's trigger closes 140002 and 140003
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140001, '2026-11-24 12:00+00', 'order');
SELECT lead_id, state, next_action, next_followup_at, closed_reason,
       state_since IS NOT NULL AS has_state_since, touches
FROM followup.lead WHERE tenant_id = 140 ORDER BY lead_id;
-- the siblings' live tasks are superseded
SELECT task_id, lead_id, status FROM followup.task WHERE tenant_id = 140 ORDER BY task_id;
-- each lead's move is its own: only 140001's is the order's
SELECT s.lead_id, s.from_state, s.to_state, s.changed_at = l.state_since AS at_state_since,
       s.interaction_id = i.interaction_id AS by_the_order, s.interaction_id IS NULL AS by_the_crm
FROM followup.state_change s JOIN followup.lead l USING (tenant_id, lead_id)
LEFT JOIN followup.interaction i ON i.tenant_id = s.tenant_id AND i.lead_id = 140001 AND i.kind = 'order'
WHERE s.tenant_id = 140 AND s.from_state IS NOT NULL ORDER BY s.lead_id;
-- the sweep makes no task for a lost lead
BEGIN;
SELECT followup.materialize_due('2027-06-01 00:00+00') >= 0 AS swept;
SELECT lead_id, status FROM followup.task
WHERE tenant_id = 140 AND status IN ('open', 'claimed') ORDER BY lead_id;
ROLLBACK;

-- the order wins 140004; the CRM's trigger inserts an upsell lead, planned
-- as any new lead: from its created_at, with its own creation logged
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140004, '2026-11-25 09:00+00', 'order');
SELECT lead_id, external_ref, state, state_since, anchor_at, next_action, next_followup_at
FROM followup.lead WHERE tenant_id = 140 AND lead_id IN (140004, 140104) ORDER BY lead_id;
SELECT lead_id, from_state, to_state, changed_at, interaction_id IS NULL AS by_the_crm
FROM followup.state_change WHERE tenant_id = 140 AND lead_id IN (140004, 140104)
ORDER BY lead_id, changed_at;

-- the same, with the interaction trigger's write failing and caught by a
-- savepoint: nothing of the failed write is left behind for later writes
DROP TRIGGER crm_close_siblings ON followup.lead;
DROP TRIGGER crm_upsell ON followup.lead;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (140, 140005, 'e', '2026-11-23 10:00+00', 'warm');
CREATE FUNCTION crm_refuse_won() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'won' THEN
        RAISE EXCEPTION 'the CRM refuses lead % won', NEW.lead_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER crm_refuse_won BEFORE UPDATE ON followup.lead
    FOR EACH ROW EXECUTE FUNCTION crm_refuse_won();
DO $$
BEGIN
    BEGIN
        INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
        VALUES (140, 140005, '2026-11-24 12:00+00', 'order');
    EXCEPTION WHEN raise_exception THEN
        RAISE NOTICE 'caught: %', SQLERRM;
    END;
    -- the CRM's own move of the same lead, in the same transaction, is planned
    UPDATE followup.lead SET state = 'thinking' WHERE tenant_id = 140 AND lead_id = 140005;
END $$;
SELECT lead_id, state, touches, next_action, next_followup_at > '2026-11-30' AS planned_from_now
FROM followup.lead WHERE tenant_id = 140 AND lead_id = 140005;
SELECT count(*) AS interactions FROM followup.interaction WHERE tenant_id = 140 AND lead_id = 140005;
DROP TRIGGER crm_refuse_won ON followup.lead;

-- row-skipping BEFORE triggers: a CRM trigger that returns NULL for the
-- lead followup writes makes the interaction fail, naming the trigger, and
-- nothing changes (no task fulfilled or superseded, no stamped interaction)
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state, attrs) VALUES
    (140, 140006, 'frozen', '2026-11-23 10:00+00', 'warm', '{"frozen": true}');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at) VALUES
    (140, 140903, 140006, 'followup', 'warm', '2026-11-24 10:00+00');
CREATE FUNCTION crm_skip_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.attrs->>'frozen')::bool THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER crm_skip_frozen BEFORE UPDATE ON followup.lead
    FOR EACH ROW EXECUTE FUNCTION crm_skip_frozen();
CREATE TEMP VIEW frozen AS
SELECT l.state, l.touches, l.next_action, l.next_followup_at, l.last_event_at, t.status AS task,
       (SELECT count(*) FROM followup.interaction i WHERE i.tenant_id = 140 AND i.lead_id = 140006) AS interactions
FROM followup.lead l JOIN followup.task t USING (tenant_id, lead_id)
WHERE l.tenant_id = 140 AND l.lead_id = 140006;
SELECT * FROM frozen;
-- a reply (it would supersede the task), a touch (it would fulfil it)
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140006, '2026-11-24 12:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.complete_task(140903, 'ana', 'hello', '2026-11-24 12:00+00');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM frozen;
-- the same when followup writes through the UPDATE statement (a statement
-- trigger on followup.lead makes it)
CREATE FUNCTION crm_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER crm_audit AFTER UPDATE ON followup.lead
    FOR EACH STATEMENT EXECUTE FUNCTION crm_noop();
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140006, '2026-11-24 12:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM frozen;
DROP TRIGGER crm_audit ON followup.lead;
-- the CRM's trigger lets it through: the reply applies
UPDATE followup.lead SET attrs = '{}' WHERE tenant_id = 140 AND lead_id = 140006;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140006, '2026-11-24 12:00+00', 'reply');
SELECT * FROM frozen;
DROP TRIGGER crm_skip_frozen ON followup.lead;

-- the same for the lead's task: a CRM trigger on followup.task that keeps a
-- claimed task live when followup supersedes or completes it makes the
-- interaction fail, naming the trigger; the lead keeps its plan and task
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (140, 140009, 'kept', '2026-11-23 10:00+00', 'warm');
INSERT INTO followup.task (tenant_id, task_id, lead_id, kind, state, due_at, status, claimed_by, claimed_at) VALUES
    (140, 140909, 140009, 'followup', 'warm', '2026-11-24 10:00+00', 'claimed', 'ana', '2026-11-24 10:01+00');
CREATE FUNCTION crm_keep_claimed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'claimed' AND NEW.status = 'superseded' THEN
        RETURN NULL;
    ELSIF OLD.status = 'claimed' AND NEW.status = 'done' THEN
        NEW.status := 'claimed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER crm_keep_claimed BEFORE UPDATE ON followup.task
    FOR EACH ROW EXECUTE FUNCTION crm_keep_claimed();
CREATE TEMP VIEW kept AS
SELECT l.next_action, l.next_followup_at, l.last_event_at, t.status AS task,
       (SELECT count(*) FROM followup.interaction i WHERE i.tenant_id = 140 AND i.lead_id = 140009) AS interactions
FROM followup.lead l JOIN followup.task t USING (tenant_id, lead_id)
WHERE l.tenant_id = 140 AND l.lead_id = 140009;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140009, '2026-11-24 12:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.complete_task(140909, 'ana', 'hello', '2026-11-24 12:00+00');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT * FROM kept;
-- a CRM trigger that lets followup's writes through is fine
CREATE OR REPLACE FUNCTION crm_keep_claimed() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140009, '2026-11-24 12:00+00', 'reply');
SELECT * FROM kept;
DROP TRIGGER crm_keep_claimed ON followup.task;
DROP FUNCTION crm_keep_claimed();

DELETE FROM followup.lead WHERE tenant_id = 140;
DROP FUNCTION crm_close_siblings(), crm_upsell(), crm_refuse_won(), crm_skip_frozen(), crm_noop();
