--
-- Strict and lenient attachments (docs/integration.md#lenient-attachments):
-- strict, followup's error fails the CRM's write; lenient, the row is
-- quarantined with the reason and the CRM's write commits; quarantined rows
-- are listed, retried and discarded.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE SCHEMA crm;
CREATE TABLE crm.deals (deal_id text PRIMARY KEY, shop_id int NOT NULL, stage text NOT NULL DEFAULT 'new',
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE crm.messages (message_id text PRIMARY KEY, shop_id int NOT NULL, deal_id text NOT NULL,
    intent text NOT NULL, sent_at timestamptz NOT NULL);
CREATE TABLE crm.notes (note_id text PRIMARY KEY, shop_id int NOT NULL, deal_id text NOT NULL,
    intent text NOT NULL, noted_at timestamptz NOT NULL);

-- the mode is checked
SELECT pg_temp.sqlstate_of($$SELECT followup.attach_leads('crm.deals', 'deal_id', tenant_column => 'shop_id', mode => 'relaxed')$$);
SELECT count(*) AS attached FROM followup.attached;

SELECT followup.attach_leads('crm.deals', 'deal_id', tenant_column => 'shop_id', stage_column => 'stage',
    stage_map => '{"new": "new", "thinking": "thinking", "won": "won"}',
    created_at_column => 'created_at', mode => 'lenient');
-- messages: lenient; notes: strict (the default)
SELECT followup.attach_interactions('crm.messages', 'message_id', 'deal_id', 'intent',
    occurred_at_column => 'sent_at', tenant_column => 'shop_id', mode => 'lenient');
SELECT followup.attach_interactions('crm.notes', 'note_id', 'deal_id', 'intent',
    occurred_at_column => 'noted_at', tenant_column => 'shop_id');
SELECT table_name, kind, options ->> 'mode' AS mode FROM followup.attached ORDER BY 1::text;

INSERT INTO crm.deals (deal_id, shop_id, created_at) VALUES ('d1', 1610, '2026-11-02 09:00+00');

-- strict: a message tagged with an intent followup does not know is not saved
SELECT pg_temp.sqlstate_of($$INSERT INTO crm.notes VALUES ('n1', 1610, 'd1', 'smoke_signal', '2026-11-02 10:00+00')$$);
SELECT count(*) AS notes FROM crm.notes;

-- lenient: the CRM's rows are saved; what followup cannot apply is quarantined
INSERT INTO crm.messages VALUES
    ('m1', 1610, 'd1', 'smoke_signal', '2026-11-02 10:00+00'),   -- an unknown kind
    ('m2', 1610, 'd1', 'reply',        'infinity'),               -- a bad value
    ('m3', 1610, 'd1', 'reply',        '2026-11-02 11:00+00'),    -- fine
    ('m4', 1610, 'd404', 'reply',      '2026-11-02 11:30+00');    -- a deal followup does not know
INSERT INTO crm.deals (deal_id, shop_id, created_at) VALUES ('d2', 1610, '-infinity');
SELECT count(*) AS messages FROM crm.messages;
SELECT count(*) AS deals FROM crm.deals;
SELECT i.external_ref, i.kind FROM followup.interaction i WHERE i.tenant_id = 1610 ORDER BY 1;
SELECT l.external_ref FROM followup.lead l WHERE l.tenant_id = 1610 ORDER BY 1;
SELECT tenant_id, table_name, kind, op, row_key, sqlstate, message, hint, row_data ->> 'intent' AS intent,
       attempts, status
FROM followup.quarantine ORDER BY quarantine_id;

-- fixed: the shop adds its signal, the CRM corrects the time and makes the
-- deal; a retry applies each row as the CRM's table holds it now
INSERT INTO followup.signal (tenant_id, kind, direction) VALUES (1610, 'smoke_signal', 'inbound');
UPDATE crm.messages SET sent_at = '2026-11-02 10:30+00' WHERE message_id = 'm2';
UPDATE crm.deals SET created_at = '2026-11-01 09:00+00' WHERE deal_id = 'd2';
SELECT r.status, r.error_code, q.row_key FROM followup.quarantine_retry() r JOIN followup.quarantine q USING (quarantine_id)
ORDER BY q.quarantine_id;
SELECT i.external_ref, i.kind, i.occurred_at FROM followup.interaction i WHERE i.tenant_id = 1610 ORDER BY 1;
SELECT l.external_ref, l.created_at FROM followup.lead l WHERE l.tenant_id = 1610 ORDER BY 1;
-- what is still open: retried again, then discarded; a retried row that was
-- deleted meanwhile is gone
SELECT row_key, attempts, status FROM followup.quarantine WHERE status = 'open';
SELECT followup.quarantine_discard(q.quarantine_id) FROM followup.quarantine q WHERE q.row_key = 'm4';
SELECT followup.quarantine_discard(q.quarantine_id) FROM followup.quarantine q WHERE q.row_key = 'm4';
INSERT INTO crm.messages VALUES ('m5', 1610, 'd1', 'no_such_kind', '2026-11-02 12:00+00');
DELETE FROM crm.messages WHERE message_id = 'm5';
SELECT r.status FROM followup.quarantine_retry((SELECT quarantine_id FROM followup.quarantine WHERE row_key = 'm5')) r;
SELECT row_key, attempts, status, resolved_at IS NOT NULL AS resolved FROM followup.quarantine ORDER BY quarantine_id;

-- a lenient lead table applies what it can as before
UPDATE crm.deals SET stage = 'thinking' WHERE deal_id = 'd1';
SELECT state FROM followup.lead WHERE tenant_id = 1610 AND external_ref = 'd1';

-- the quarantine is the tenant's: row security keeps other tenants' rows out
CREATE ROLE regress_fu_lenient;
SELECT followup.grant_operator('regress_fu_lenient');
GRANT USAGE ON SCHEMA crm TO regress_fu_lenient;
GRANT INSERT ON crm.messages TO regress_fu_lenient;
SET ROLE regress_fu_lenient;
SET followup.tenant_id = 1610;
INSERT INTO crm.messages VALUES ('m6', 1610, 'd1', 'unheard_of', '2026-11-02 13:00+00');
SELECT row_key, sqlstate, status FROM followup.quarantine ORDER BY quarantine_id DESC LIMIT 1;
SET followup.tenant_id = 1611;
SELECT count(*) AS other_tenants_rows FROM followup.quarantine;
RESET followup.tenant_id;
RESET ROLE;

-- adopting rows written while followup was not attached: a lenient table's
-- row of an unknown kind is quarantined (ADOPT), the rest is adopted
SELECT followup.detach('crm.messages'), followup.detach('crm.deals');
INSERT INTO crm.deals (deal_id, shop_id, created_at) VALUES ('d3', 1610, '2026-11-03 09:00+00');
INSERT INTO crm.messages VALUES ('m7', 1610, 'd3', 'reply', '2026-11-03 10:00+00'),
                                ('m8', 1610, 'd3', 'carrier_pigeon', '2026-11-03 11:00+00');
SELECT followup.attach_leads('crm.deals', 'deal_id', tenant_column => 'shop_id', created_at_column => 'created_at',
    mode => 'lenient');
SELECT followup.attach_interactions('crm.messages', 'message_id', 'deal_id', 'intent',
    occurred_at_column => 'sent_at', tenant_column => 'shop_id', mode => 'lenient');
SELECT * FROM followup.adopt_attached('history', '2026-11-03 12:00+00');
SELECT row_key, op, sqlstate, message, status FROM followup.quarantine WHERE row_key = 'm8';

SELECT followup.detach('crm.messages'), followup.detach('crm.notes'), followup.detach('crm.deals');
DROP SCHEMA crm CASCADE;
DELETE FROM followup.lead WHERE tenant_id = 1610;
DELETE FROM followup.signal WHERE tenant_id = 1610;
DELETE FROM followup.quarantine;
DELETE FROM followup.adoption WHERE tenant_id = 1610;
DELETE FROM followup.rollup_mark WHERE tenant_id = 1610;
REVOKE ALL ON ALL TABLES IN SCHEMA followup FROM regress_fu_lenient;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA followup FROM regress_fu_lenient;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA followup FROM regress_fu_lenient;
REVOKE ALL ON SCHEMA followup FROM regress_fu_lenient;
DROP ROLE regress_fu_lenient;
