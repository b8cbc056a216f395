--
-- The bulk path (followup.bulk_path): a COPY or INSERT ... SELECT of
-- interactions locks and writes each lead once, and ends exactly where
-- row-at-a-time does: the same stamps, leads, tasks, state log and rollup
-- marks, the same errors.  Each load runs into the same two tenants (2101,
-- 2102) twice, bulk path off then on, from the same leads and tasks, and
-- what each wrote is compared.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- four leads per tenant of a pair: a new one, one thinking with an open
-- task, one in Plan B with a claimed task, a warm one; made again before
-- each load
CREATE FUNCTION pg_temp.setup() RETURNS void LANGUAGE sql AS $$
    DELETE FROM followup.lead WHERE tenant_id IN (2101, 2102);
    DELETE FROM followup.rollup_mark WHERE tenant_id IN (2101, 2102);
    INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state)
    SELECT t, l, 'bp' || l, '2026-03-02 09:00+00', s::followup.lead_state
    FROM (VALUES (2101), (2102)) v(t),
         (VALUES (1, 'new'), (2, 'thinking'), (3, 'installment_rejected'), (4, 'warm')) w(l, s);
    SELECT followup.materialize_due_tenant(t, '2026-03-20 00:00+00', 100) FROM (VALUES (2101), (2102)) v(t);
    UPDATE followup.task SET status = 'claimed', claimed_by = 'ana', claimed_at = '2026-03-05 10:00+00'
    WHERE tenant_id IN (2101, 2102) AND lead_id = 3;
    DELETE FROM followup.task WHERE tenant_id IN (2101, 2102) AND lead_id IN (1, 4);
    UPDATE followup.lead SET state = 'warm' WHERE tenant_id IN (2101, 2102) AND lead_id = 4;
$$;
SELECT pg_temp.setup();
SELECT tenant_id, lead_id, kind, state, due_at, status FROM followup.task
WHERE tenant_id IN (2101, 2102) ORDER BY tenant_id, lead_id;
SHOW followup.bulk_path;

-- the rows to load: t 0 is the first tenant of a pair, 1 the second;
-- several rows per lead, some older than a later row of the same lead
CREATE TEMP TABLE load_rows (n int, t int, lead_id bigint, occurred_at timestamptz, kind text,
                             operator text, reason text);
INSERT INTO load_rows VALUES
    (1, 0, 1, '2026-03-06 10:00+00', 'reply', NULL, NULL),
    (2, 0, 2, '2026-03-06 10:05+00', 'message', 'beka', NULL),
    (3, 0, 1, '2026-03-06 10:30+00', 'message', 'ana', NULL),
    (4, 0, 3, '2026-03-06 11:00+00', 'plan_b_declined', NULL, 'price'),
    (5, 0, 2, '2026-03-06 12:00+00', 'reply', NULL, NULL),
    (6, 0, 4, '2026-03-06 12:30+00', 'think_about_it', NULL, 'timing'),
    (7, 0, 1, '2026-03-06 09:00+00', 'proposal_viewed', NULL, NULL),	-- older than rows 1 and 3
    (8, 0, 3, '2026-03-06 13:00+00', 'message', 'carl', NULL),
    (9, 0, 4, '2026-03-06 14:00+00', 'order', NULL, NULL),
    (10, 0, 2, '2026-03-06 15:00+00', 'think_about_it', NULL, 'financing'),
    (11, 0, 2, '2026-03-06 11:00+00', 'message', 'ana', NULL),	-- older than rows 5 and 10
    (12, 0, 3, '2026-03-06 16:00+00', 'installment_approved', NULL, NULL),
    (13, 1, 1, '2026-03-06 10:00+00', 'message', 'ana', NULL),	-- the second tenant
    (14, 1, 2, '2026-03-06 10:10+00', 'reply', NULL, NULL),
    (15, 0, 1, '2026-03-06 17:00+00', 'not_interested', NULL, 'price'),
    (16, 1, 1, '2026-03-06 11:00+00', 'reply', NULL, NULL),
    (17, 1, 2, '2026-03-06 10:20+00', 'message', 'beka', NULL);

-- everything a load writes of the two tenants, named 0 and 1 (no ids: the
-- sequences move on)
CREATE FUNCTION pg_temp.written(ta bigint, tb bigint) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT format('lead %s/%s: %s since %s anchor %s touches %s plan_b %s next %s at %s in %s out %s last %s momentum %s dnc %s closed %s reason %s',
                  (tenant_id = tb)::int, lead_id, state, state_since, anchor_at, touches, plan_b_step,
                  next_action, next_followup_at, last_inbound_at, last_outbound_at, last_event_at,
                  round(momentum::numeric, 4), do_not_contact, closed_reason, reason)
    FROM followup.lead WHERE tenant_id IN (ta, tb)
    UNION ALL
    SELECT format('interaction %s/%s %s %s: state_at %s touches_at %s plan_b_step_at %s by_rule %s applied %s rule %s task %s',
                  (i.tenant_id = tb)::int, i.lead_id, i.occurred_at, i.kind, i.state_at, i.touches_at,
                  i.plan_b_step_at, i.by_rule, i.applied, r.kind || '/' || r.effect, t.due_at)
    FROM followup.interaction i
    LEFT JOIN followup.rule r ON r.rule_id = i.rule_id
    LEFT JOIN followup.task t ON t.tenant_id = i.tenant_id AND t.task_id = i.task_id
    WHERE i.tenant_id IN (ta, tb)
    UNION ALL
    SELECT format('task %s/%s %s %s due %s: %s by %s done %s', (tenant_id = tb)::int, lead_id, kind, state,
                  due_at, status, claimed_by, done_at)
    FROM followup.task WHERE tenant_id IN (ta, tb)
    UNION ALL
    SELECT format('state_change %s/%s at %s: %s -> %s by %s', (s.tenant_id = tb)::int, s.lead_id, s.changed_at,
                  s.from_state, s.to_state, i.kind)
    FROM followup.state_change s
    LEFT JOIN followup.interaction i ON i.tenant_id = s.tenant_id AND i.interaction_id = s.interaction_id
    WHERE s.tenant_id IN (ta, tb)
    UNION ALL
    SELECT format('rollup_mark %s: %s .. %s', (tenant_id = tb)::int, since, until)
    FROM followup.rollup_mark WHERE tenant_id IN (ta, tb)
    UNION ALL
    SELECT format('pressure_move %s/%s: %s from %s, %s', (tenant_id = tb)::int, lead_id, due_at, planned_at, reason)
    FROM followup.pressure_move WHERE tenant_id IN (ta, tb)
$$;
-- a load runs with the bulk path off, what it wrote is kept, the leads are
-- made again and it runs on: each in a transaction of its own (the rollup
-- marks a transaction wrote are not written again); the writes of
-- followup.lead of each, from the statistics of the transaction
CREATE FUNCTION pg_temp.lead_writes() RETURNS bigint LANGUAGE sql AS $$
    SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'followup.lead'::regclass
$$;
CREATE TEMP TABLE off_written (r text);
CREATE TEMP TABLE load_writes (load text, bulk_path boolean, lead_writes bigint);
CREATE TEMP TABLE loads (load text PRIMARY KEY, statement text);
CREATE FUNCTION pg_temp.run(name text, bulk boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    w bigint;
BEGIN
    PERFORM set_config('followup.bulk_path', bulk::text, true);
    w := pg_temp.lead_writes();
    EXECUTE (SELECT statement FROM loads WHERE load = name);
    INSERT INTO load_writes VALUES (name, bulk, pg_temp.lead_writes() - w);
    IF NOT bulk THEN
        TRUNCATE off_written;
        INSERT INTO off_written SELECT * FROM pg_temp.written(2101, 2102);
    END IF;
END $$;
CREATE FUNCTION pg_temp.differences() RETURNS TABLE (side text, r text) LANGUAGE sql AS $$
    (SELECT 'off', o.r FROM off_written o EXCEPT ALL SELECT 'off', * FROM pg_temp.written(2101, 2102))
    UNION ALL
    (SELECT 'on', * FROM pg_temp.written(2101, 2102) EXCEPT ALL SELECT 'on', o.r FROM off_written o)
$$;

-- 1. one INSERT ... SELECT of the 17 rows, both tenants mixed, in row order:
-- no difference; with the bulk path the lead of the first row is written
-- twice (that row takes the path of a single-row INSERT), the five other
-- leads once each
INSERT INTO loads VALUES ('insert', $$
    INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator, reason)
    SELECT 2101 + t, lead_id, occurred_at, kind, operator, reason FROM load_rows ORDER BY n $$);
SELECT pg_temp.setup();
SELECT pg_temp.run('insert', false);
SELECT pg_temp.setup();
SELECT pg_temp.run('insert', true);
SELECT * FROM pg_temp.differences();
SELECT * FROM load_writes WHERE load = 'insert' ORDER BY bulk_path;
-- what the bulk path wrote, exactly
SELECT r FROM pg_temp.written(2101, 2102) r ORDER BY r;

-- 2. a COPY, each lead's rows newest first (replayed in time order at the
-- statement's end)
SELECT '/tmp/followup_bulk_path_' || pg_backend_pid() || '.tsv' AS copy_file \gset
COPY (SELECT 2101 + t, lead_id, occurred_at, kind, operator, reason FROM load_rows ORDER BY lead_id, occurred_at DESC)
    TO :'copy_file';
INSERT INTO loads
SELECT 'copy', format('COPY followup.interaction (tenant_id, lead_id, occurred_at, kind, operator, reason) FROM %L',
                      :'copy_file');
SELECT pg_temp.setup();
SELECT pg_temp.run('copy', false);
SELECT pg_temp.setup();
SELECT pg_temp.run('copy', true);
SELECT * FROM pg_temp.differences();
SELECT * FROM load_writes WHERE load = 'copy' ORDER BY bulk_path;
SELECT count(*) FILTER (WHERE applied) AS applied, count(*) FILTER (WHERE NOT applied) AS not_applied
FROM followup.interaction WHERE tenant_id IN (2101, 2102);
SELECT r FROM pg_temp.written(2101, 2102) r WHERE r LIKE 'lead %' OR r LIKE 'task %' ORDER BY r;

-- 3. a bad row in the middle, after rows of the same leads: the error of
-- the row path, the same SQLSTATE and message with the bulk path off and
-- on, and nothing written
CREATE TEMP TABLE before_bad AS SELECT * FROM pg_temp.written(2101, 2102) r;
CREATE FUNCTION pg_temp.refused(bad text) RETURNS TABLE (bulk_path boolean, code text, message text)
LANGUAGE plpgsql AS $$
BEGIN
    FOREACH bulk_path IN ARRAY ARRAY[false, true] LOOP
        PERFORM set_config('followup.bulk_path', bulk_path::text, true);
        BEGIN
            EXECUTE format('INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, reason)'
                           ' VALUES (2101, 1, ''2026-03-10 10:00+00'', ''reply'', NULL),'
                           ' (2101, 2, ''2026-03-10 10:00+00'', ''message'', NULL),'
                           ' (2101, 1, ''2026-03-10 10:30+00'', ''message'', NULL), %s,'
                           ' (2101, 3, ''2026-03-10 12:00+00'', ''reply'', NULL)', bad);
            code := '00000';
            message := 'inserted';
        EXCEPTION WHEN OTHERS THEN
            code := SQLSTATE;
            message := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT * FROM pg_temp.refused($$(2101, 1, '2026-03-10 11:00+00', 'no_such_kind', NULL)$$);
SELECT * FROM pg_temp.refused($$(2101, 99, '2026-03-10 11:00+00', 'reply', NULL)$$);
SELECT * FROM pg_temp.refused($$(2101, 2, '2026-03-10 11:00+00', 'reply', 'no_such_reason')$$);
SELECT * FROM pg_temp.refused($$(2101, 2, 'infinity', 'reply', NULL)$$);
SELECT * FROM pg_temp.refused($$(2101, 2, '2026-03-10 11:00+00', NULL, NULL)$$);
SELECT count(*) AS changed FROM (
    (SELECT * FROM pg_temp.written(2101, 2102) EXCEPT ALL SELECT * FROM before_bad)
    UNION ALL (SELECT * FROM before_bad EXCEPT ALL SELECT * FROM pg_temp.written(2101, 2102))) c;

-- 4. where the bulk path steps aside: one lead write per row, as with it
-- off (6 rows of two leads; the bulk path writes them 3 times)
CREATE TEMP TABLE aside_rows AS
SELECT 2101 AS tenant_id, 1 + n % 2 AS lead_id, '2026-03-12 10:00+00'::timestamptz + n * interval '1 hour' AS occurred_at,
       'reply' AS kind
FROM generate_series(1, 6) n;
CREATE FUNCTION pg_temp.aside(what text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    w bigint := pg_temp.lead_writes();
BEGIN
    INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) SELECT * FROM aside_rows;
    RETURN format('%s: %s lead writes', what, pg_temp.lead_writes() - w);
END $$;
CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
BEGIN;
SELECT pg_temp.aside('bulk path');
ROLLBACK;
BEGIN;
SET LOCAL followup.bulk_path = off;
SELECT pg_temp.aside('followup.bulk_path off');
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.aside('serializable');
ROLLBACK;
BEGIN;
CREATE TRIGGER crm_lead_audit AFTER UPDATE ON followup.lead FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.aside('a trigger of the CRM on followup.lead');
ROLLBACK;
BEGIN;
CREATE TRIGGER crm_interaction_audit AFTER INSERT ON followup.interaction FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.aside('a trigger of the CRM on followup.interaction');
ROLLBACK;
BEGIN;
CREATE TRIGGER crm_task_audit AFTER UPDATE ON followup.task FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.aside('a trigger of the CRM on followup.task');
ROLLBACK;
BEGIN;
CREATE TRIGGER crm_state_audit AFTER INSERT ON followup.state_change FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.aside('a trigger of the CRM on followup.state_change');
ROLLBACK;
BEGIN;
CREATE RULE crm_lead_rule AS ON UPDATE TO followup.lead DO ALSO NOTIFY crm_lead;
SELECT pg_temp.aside('a rule on followup.lead');
ROLLBACK;
CREATE ROLE regress_bulk_operator;
SELECT followup.grant_operator('regress_bulk_operator');
GRANT SELECT ON aside_rows TO regress_bulk_operator;
-- an operator role under followup's own tenant_rows: the bulk path
BEGIN;
SET LOCAL ROLE regress_bulk_operator;
SET LOCAL followup.tenant_id = 2101;
SELECT pg_temp.aside('an operator role under tenant_rows');
ROLLBACK;
-- a policy of the CRM's on followup.lead: the lead is locked by a statement
BEGIN;
CREATE POLICY crm_own ON followup.lead AS RESTRICTIVE USING (true);
SET LOCAL ROLE regress_bulk_operator;
SET LOCAL followup.tenant_id = 2101;
SELECT pg_temp.aside('a policy of the CRM on followup.lead');
ROLLBACK;
-- a single-row INSERT takes the row path: one lock, one write
BEGIN;
SELECT pg_temp.lead_writes() AS w \gset
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES (2101, 1, '2026-03-12 10:00+00', 'reply');
SELECT pg_temp.lead_writes() - :w AS single_row_lead_writes;
ROLLBACK;
DROP OWNED BY regress_bulk_operator;
DROP ROLE regress_bulk_operator;

-- 5. a history import: 10 interactions for each of 20 leads in one
-- statement, in an order that makes some late within the statement
CREATE TEMP TABLE history AS
SELECT l AS lead_id, n,
       '2026-03-03 10:00+00'::timestamptz + ((l * 37 + n * 101) % 300) * interval '1 hour' AS occurred_at,
       (ARRAY['reply', 'message', 'think_about_it', 'proposal_viewed', 'message', 'call_unanswered',
              'installment_rejected', 'message', 'plan_b_declined', 'message', 'link_clicked',
              'email_opened', 'meeting_booked', 'meeting_missed', 'message', 'order'])
           [1 + (l * 7 + n * 5) % 16] AS kind
FROM generate_series(1, 20) l, generate_series(1, 10) n;
CREATE OR REPLACE FUNCTION pg_temp.setup() RETURNS void LANGUAGE sql AS $$
    DELETE FROM followup.lead WHERE tenant_id IN (2101, 2102);
    DELETE FROM followup.rollup_mark WHERE tenant_id IN (2101, 2102);
    INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state)
    SELECT t, l, 'bp' || l, '2026-03-02 09:00+00', (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + l % 4]::followup.lead_state
    FROM (VALUES (2101), (2102)) v(t), generate_series(1, 20) l;
$$;
INSERT INTO loads VALUES ('history', $$
    INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
    SELECT 2101 + lead_id % 2, lead_id, occurred_at, kind FROM history ORDER BY n, lead_id $$);
SELECT pg_temp.setup();
SELECT pg_temp.run('history', false);
SELECT pg_temp.setup();
SELECT pg_temp.run('history', true);
SELECT * FROM pg_temp.differences();
SELECT * FROM load_writes WHERE load = 'history' ORDER BY bulk_path;
SELECT state, count(*) FROM followup.lead WHERE tenant_id IN (2101, 2102) GROUP BY state ORDER BY state;
SELECT count(*) AS rows, count(*) FILTER (WHERE by_rule) AS by_rule, count(DISTINCT rule_id) AS rules
FROM followup.interaction WHERE tenant_id IN (2101, 2102);
SELECT count(*) AS state_changes FROM followup.state_change WHERE tenant_id IN (2101, 2102);
SELECT count(*) AS rollup_marks FROM followup.rollup_mark WHERE tenant_id IN (2101, 2102);

-- 6. the same history under contact caps and quiet hours: each re-plan
-- reads the lead's recent touches, the statement's earlier rows among them
INSERT INTO followup.contact_cap (tenant_id, per, max_touches)
VALUES (2101, '24 hours', 2), (2101, '7 days', 4), (2102, '24 hours', 1);
INSERT INTO followup.quiet_hours (tenant_id, starts, ends) VALUES (2101, '20:00', '08:00'), (2102, '21:00', '09:00');
CREATE OR REPLACE FUNCTION pg_temp.setup() RETURNS void LANGUAGE sql AS $$
    DELETE FROM followup.lead WHERE tenant_id IN (2101, 2102);
    DELETE FROM followup.rollup_mark WHERE tenant_id IN (2101, 2102);
    DELETE FROM followup.pressure_move WHERE tenant_id IN (2101, 2102);
    INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state)
    SELECT t, l, 'bp' || l, '2026-03-02 09:00+00', (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + l % 4]::followup.lead_state
    FROM (VALUES (2101), (2102)) v(t), generate_series(1, 20) l;
$$;
DELETE FROM load_writes;
SELECT pg_temp.setup();
SELECT pg_temp.run('history', false);
SELECT pg_temp.setup();
SELECT pg_temp.run('history', true);
SELECT * FROM pg_temp.differences();
SELECT * FROM load_writes WHERE load = 'history' ORDER BY bulk_path;
SELECT count(*) AS pressure_moves FROM followup.pressure_move WHERE tenant_id IN (2101, 2102);
SELECT r FROM pg_temp.written(2101, 2102) r WHERE r LIKE 'pressure_move%' ORDER BY r LIMIT 5;
DELETE FROM followup.lead WHERE tenant_id IN (2101, 2102);
DELETE FROM followup.rollup_mark WHERE tenant_id IN (2101, 2102);
DELETE FROM followup.pressure_move WHERE tenant_id IN (2101, 2102);
DELETE FROM followup.contact_cap WHERE tenant_id IN (2101, 2102);
DELETE FROM followup.quiet_hours WHERE tenant_id IN (2101, 2102);
