--
-- Declarative attach: a CRM's own tables (deals with a stage column,
-- messages in and out, financing applications) drive followup through the
-- triggers attach_leads / attach_interactions generate; followup's plan is
-- written back to the CRM's columns; detach leaves nothing.
-- Column names are hostile on purpose.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- SQLSTATE and message of a statement that must fail
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE SCHEMA "crm; drop";
CREATE TABLE "crm; drop"."Deals" (
    "deal id"   bigint PRIMARY KEY,
    shop        int NOT NULL,
    "Owner"     text,
    "St""age"   text NOT NULL DEFAULT 'new',
    name        text,
    "x'); DROP TABLE pg_class; --" text,
    "next action" text,
    "next at"   timestamptz,
    opened      timestamptz
);
CREATE TABLE "crm; drop".messages (
    msg_key     text NOT NULL,          -- the CRM's key; its log keeps retries
    "deal id"   bigint NOT NULL,
    "Kind"      text NOT NULL,
    sent_at     timestamptz NOT NULL,
    author      text,
    body        text
);
CREATE TABLE "crm; drop".financing (
    app_id      int PRIMARY KEY,
    "deal id"   bigint NOT NULL,
    status      text NOT NULL,
    decided_at  timestamptz
);
CREATE VIEW "crm; drop".deal_view AS SELECT * FROM "crm; drop"."Deals";

-- bad attach calls, each with its SQLSTATE
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop".deal_view', 'deal id', tenant_id => 160)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal_id', tenant_id => 160)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal id', tenant_column => 'shop', tenant_id => 160)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal id', tenant_column => 'shop',
                                stage_column => 'St"age', stage_map => '{"negotiation": "hottest"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal id', tenant_column => 'shop',
                                stage_map => '{"negotiation": "hot"}')$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal id', tenant_column => 'shop',
                                write_back => true)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('followup.lead', 'lead_id', tenant_id => 160)$$);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_interactions('"crm; drop".messages', 'msg_key', 'deal id', 'Kind',
                                kind_map => '["reply"]', tenant_id => 160)$$);
-- nothing was left behind by the failed calls
SELECT count(*) AS attached FROM followup.attached;

SELECT followup.attach_leads('"crm; drop"."Deals"', 'deal id',
    tenant_column => 'shop', owner_column => 'Owner',
    attrs_columns => ARRAY['name', 'x''); DROP TABLE pg_class; --']::name[],
    stage_column => 'St"age',
    stage_map => '{"new": "new", "negotiation": "hot", "interested": "warm", "thinking": "thinking",
                   "bank_refused": "installment_rejected", "parked": "recycle", "won": "won", "lost": "lost"}',
    write_back => true, next_action_column => 'next action', next_followup_column => 'next at',
    created_at_column => 'opened');
SELECT followup.attach_interactions('"crm; drop".messages', 'msg_key', 'deal id', 'Kind',
    kind_map => '{"in": "reply", "out": "message", "thinks": "think_about_it"}',
    occurred_at_column => 'sent_at', tenant_id => 160, operator_column => 'author', body_column => 'body');
SELECT followup.attach_interactions('"crm; drop".financing', 'app_id', 'deal id', 'status',
    kind_map => '{"refused": "installment_rejected", "approved": "installment_approved"}',
    occurred_at_column => 'decided_at', tenant_id => 160);
-- the inverse of the stage map is the write-back map
SELECT table_name, kind, key_column, tenant_column, tenant_id, options->'stage_map_back' AS back,
       regexp_replace(triggers::text, '[0-9]+', 'N', 'g') AS triggers
FROM followup.attached ORDER BY kind, table_name::text;

-- a deal arrives: a lead, planned from the CRM's own creation time, written back
INSERT INTO "crm; drop"."Deals" ("deal id", shop, "Owner", name, "x'); DROP TABLE pg_class; --", opened)
VALUES (1, 160, 'ann', 'Dana', 'phone X', '2026-11-02 10:00+00'),
       (2, 160, 'bob', 'Eli', NULL, '2026-11-02 11:00+00'),
       (3, 160, 'bob', 'Fay', 'tablet', '2026-11-02 12:00+00');
SELECT tenant_id, external_ref, state, owner, attrs, next_action, next_followup_at
FROM followup.lead WHERE tenant_id = 160 ORDER BY external_ref;
SELECT * FROM "crm; drop"."Deals" ORDER BY 1;

-- messages in and out: a reply is owed, our answer is the touch
INSERT INTO "crm; drop".messages VALUES
    ('m1', 1, 'in', '2026-11-02 10:02+00', NULL, 'is it in stock?');
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 1;
INSERT INTO "crm; drop".messages VALUES
    ('m2', 1, 'out', '2026-11-02 10:06+00', 'ann', 'yes, today');
-- the CRM retries the same write: recorded once
INSERT INTO "crm; drop".messages VALUES
    ('m2', 1, 'out', '2026-11-02 10:06+00', 'ann', 'yes, today');
SELECT external_ref, kind, occurred_at, operator, body, state_at, by_rule
FROM followup.interaction WHERE tenant_id = 160 ORDER BY interaction_id;
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 1;

-- a value outside the kind map records nothing
INSERT INTO "crm; drop".messages VALUES ('m3', 1, 'note', '2026-11-02 10:07+00', 'ann', 'internal');
SELECT count(*) AS interactions FROM followup.interaction WHERE tenant_id = 160;

-- "I'll think about it": followup moves the lead, the CRM's stage follows
INSERT INTO "crm; drop".messages VALUES ('m4', 1, 'thinks', '2026-11-02 10:30+00', NULL, 'let me think');
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 1;
SELECT external_ref, state, touches, next_action, next_followup_at
FROM followup.lead WHERE tenant_id = 160 AND external_ref = '1';

-- tasks come out of the plan
SELECT followup.materialize_due('2026-11-03 10:31+00') >= 0 AS ran;
SELECT l.external_ref, t.kind, t.state, t.step_no, t.due_at, t.assignee, t.status, t.message
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 160 ORDER BY l.external_ref;

-- the customer replies before anyone sends: the task is superseded
INSERT INTO "crm; drop".messages VALUES ('m5', 1, 'in', '2026-11-03 10:40+00', NULL, 'what about a discount?');
SELECT l.external_ref, t.step_no, t.status
FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 160 ORDER BY t.task_id;
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 1;

-- the bank refuses deal 3: Plan B, step 1 due at once
INSERT INTO "crm; drop".financing VALUES (31, 3, 'pending', NULL);
SELECT count(*) AS interactions_of_3 FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 160 AND l.external_ref = '3';
UPDATE "crm; drop".financing SET status = 'refused', decided_at = '2026-11-02 15:00+00' WHERE app_id = 31;
SELECT external_ref, state, plan_b_step, next_action, next_followup_at
FROM followup.lead WHERE tenant_id = 160 AND external_ref = '3';
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 3;
-- the same decision written again changes nothing
UPDATE "crm; drop".financing SET decided_at = '2026-11-02 15:00+00' WHERE app_id = 31;
-- approved later: the deal is won, and so is the CRM's stage
UPDATE "crm; drop".financing SET status = 'approved', decided_at = '2026-11-02 16:00+00' WHERE app_id = 31;
SELECT i.external_ref, i.kind, i.occurred_at FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 160 AND l.external_ref = '3' ORDER BY i.interaction_id;
SELECT "St""age", "next action", "next at" FROM "crm; drop"."Deals" WHERE "deal id" = 3;

-- the CRM moves deal 2 itself: the state follows, from now
UPDATE "crm; drop"."Deals" SET "St""age" = 'parked', "Owner" = 'cy', name = 'Eli K.' WHERE "deal id" = 2;
SELECT external_ref, state, owner, attrs, next_action, state_since >= now() - interval '1 hour' AS moved_now
FROM followup.lead WHERE tenant_id = 160 AND external_ref = '2';
SELECT "St""age", "next action", "next at" = (SELECT next_followup_at FROM followup.lead WHERE tenant_id = 160 AND external_ref = '2') AS next_at_current
FROM "crm; drop"."Deals" WHERE "deal id" = 2;
-- an unmapped stage, and a move back to new, leave the state alone
UPDATE "crm; drop"."Deals" SET "St""age" = 'someday' WHERE "deal id" = 2;
UPDATE "crm; drop"."Deals" SET "St""age" = 'new' WHERE "deal id" = 2;
SELECT external_ref, state FROM followup.lead WHERE tenant_id = 160 AND external_ref = '2';

-- strict coupling: a message for a deal followup does not know is refused,
-- and so is moving a deal to another tenant
SELECT pg_temp.sqlstate_of($$INSERT INTO "crm; drop".messages VALUES ('m9', 999, 'in', '2026-11-02 10:00+00', NULL, NULL)$$);
SELECT pg_temp.sqlstate_of($$UPDATE "crm; drop"."Deals" SET shop = 161 WHERE "deal id" = 2$$);

-- a deleted deal takes its lead with it
DELETE FROM "crm; drop"."Deals" WHERE "deal id" = 2;
SELECT external_ref FROM followup.lead WHERE tenant_id = 160 ORDER BY 1;

-- after a dump and restore the write-back trigger on followup.lead is gone
-- (pg_dump keeps no trigger on an extension's table): reattach() makes
-- every attachment again from the registry
DO $$
DECLARE t text;
BEGIN
    SELECT tgname INTO t FROM pg_trigger WHERE tgrelid = 'followup.lead'::regclass AND tgname LIKE 'followup_write_back%';
    EXECUTE format('DROP TRIGGER %I ON followup.lead', t);
END $$;
SELECT followup.reattach();
SELECT table_name, kind, regexp_replace(triggers::text, '[0-9]+', 'N', 'g') AS triggers
FROM followup.attached ORDER BY kind, table_name::text;
SELECT count(*) AS crm_triggers FROM pg_trigger
WHERE NOT tgisinternal AND tgrelid IN ('"crm; drop"."Deals"'::regclass, '"crm; drop".messages'::regclass, '"crm; drop".financing'::regclass);
-- our answer to deal 1's question is written back again
INSERT INTO "crm; drop".messages VALUES ('m6', 1, 'out', '2026-11-03 10:50+00', 'ann', '10% off today');
SELECT d."St""age", d."next action", d."next at" = l.next_followup_at AS next_at_current, l.next_action
FROM "crm; drop"."Deals" d JOIN followup.lead l ON l.tenant_id = 160 AND l.external_ref = d."deal id"::text
WHERE d."deal id" = 1;

-- attaching again replaces the attachment (no second trigger)
SELECT followup.attach_interactions('"crm; drop".messages', 'msg_key', 'deal id', 'Kind',
    kind_map => '{"in": "reply", "out": "message"}', occurred_at_column => 'sent_at', tenant_id => 160);
SELECT count(*) AS message_triggers FROM pg_trigger WHERE tgrelid = '"crm; drop".messages'::regclass;
-- a second lead table for the same tenants is refused
CREATE TABLE "crm; drop".other_deals (id bigint PRIMARY KEY);
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('"crm; drop".other_deals', 'id', tenant_id => 160)$$);

-- the customer's reason from a column of the CRM's table
CREATE TABLE "crm; drop".objections (obj_id text PRIMARY KEY, "deal id" bigint, said_at timestamptz, why text);
SELECT followup.attach_interactions('"crm; drop".objections', 'obj_id', 'deal id', 'obj_id',
    kind_map => '{"o1": "think_about_it", "o2": "think_about_it"}', occurred_at_column => 'said_at',
    tenant_id => 160, reason_column => 'why');
SELECT options->>'reason_column' AS reason_column FROM followup.attached WHERE key_column = 'obj_id';
INSERT INTO "crm; drop".objections VALUES ('o1', 1, '2026-11-03 11:00+00', 'financing');
SELECT kind, reason FROM followup.interaction WHERE tenant_id = 160 AND external_ref = 'o1';
SELECT pg_temp.sqlstate_of($$INSERT INTO "crm; drop".objections VALUES ('o2', 1, '2026-11-03 11:05+00', 'horoscope')$$);
SELECT count(*) AS objections FROM "crm; drop".objections;
SELECT followup.detach('"crm; drop".objections');

-- detach removes every trace
SELECT followup.detach('"crm; drop"."Deals"'), followup.detach('"crm; drop".messages'),
       followup.detach('"crm; drop".financing'), followup.detach('"crm; drop".financing');
SELECT count(*) AS attached FROM followup.attached;
SELECT count(*) AS triggers FROM pg_trigger
WHERE NOT tgisinternal AND (tgrelid IN ('"crm; drop"."Deals"'::regclass, '"crm; drop".messages'::regclass, '"crm; drop".financing'::regclass)
                            OR tgname LIKE 'followup_write_back%');
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'followup'::regnamespace AND proname LIKE 'attached%';
-- the CRM's writes no longer reach followup
INSERT INTO "crm; drop"."Deals" ("deal id", shop) VALUES (4, 160);
SELECT count(*) AS leads FROM followup.lead WHERE tenant_id = 160;

-- the write-back runs as the owner of the CRM's table: an operator whose
-- signal moves the lead needs no privilege on that table
CREATE ROLE regress_fu_crm_owner;
CREATE ROLE regress_fu_crm_op;
SELECT followup.grant_operator('regress_fu_crm_op');
CREATE TABLE "crm; drop".shop_deals (id text PRIMARY KEY, status text, todo text, due timestamptz);
ALTER TABLE "crm; drop".shop_deals OWNER TO regress_fu_crm_owner;
GRANT USAGE ON SCHEMA "crm; drop" TO regress_fu_crm_owner;
SELECT followup.attach_leads('"crm; drop".shop_deals', 'id', tenant_id => 165,
    stage_column => 'status', stage_map => '{"open": "new", "thinking": "thinking"}',
    -- this CRM shows a parked lead as thinking, as the issue's CRM did
    stage_map_back => '{"new": "open", "thinking": "thinking", "recycle": "thinking"}',
    write_back => true, next_action_column => 'todo', next_followup_column => 'due');
SELECT p.proowner::regrole AS owner, p.prosecdef AS security_definer, p.proconfig
FROM pg_proc p WHERE p.pronamespace = 'followup'::regnamespace AND p.proname LIKE 'attached%write_back';
INSERT INTO "crm; drop".shop_deals VALUES ('s1', 'open', NULL, NULL), ('s2', 'open', NULL, NULL);
SET ROLE regress_fu_crm_op;
SET followup.tenant_id = 165;
SELECT pg_temp.sqlstate_of($$SELECT count(*) FROM "crm; drop".shop_deals$$);
SELECT recorded FROM followup.record_interaction('s1', 'think_about_it', idempotency_key => 'chat-1');
RESET ROLE;
RESET followup.tenant_id;
SELECT d.id, d.status, d.todo, d.due = l.next_followup_at AS due_current
FROM "crm; drop".shop_deals d JOIN followup.lead l ON l.tenant_id = 165 AND l.external_ref = d.id ORDER BY d.id;
-- followup parks s2: the CRM's stage goes from open to thinking, and the
-- CRM's own trigger does not take that write-back as a move to thinking
UPDATE followup.lead SET state = 'recycle' WHERE tenant_id = 165 AND external_ref = 's2';
SELECT d.id, d.status, d.todo, l.state, l.next_action
FROM "crm; drop".shop_deals d JOIN followup.lead l ON l.tenant_id = 165 AND l.external_ref = d.id ORDER BY d.id;
SELECT l.external_ref, array_agg(c.to_state ORDER BY c.changed_at, c.to_state) AS states
FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id)
WHERE l.tenant_id = 165 GROUP BY 1 ORDER BY 1;
SELECT followup.detach('"crm; drop".shop_deals');
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'followup'::regnamespace AND proname LIKE 'attached%';

DROP SCHEMA "crm; drop" CASCADE;
DELETE FROM followup.lead WHERE tenant_id IN (160, 165);
REVOKE ALL ON ALL TABLES IN SCHEMA followup FROM regress_fu_crm_op;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA followup FROM regress_fu_crm_op;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA followup FROM regress_fu_crm_op;
REVOKE ALL ON SCHEMA followup FROM regress_fu_crm_op;
DROP ROLE regress_fu_crm_op;
DROP ROLE regress_fu_crm_owner;
