--
-- Reasons: why a customer paused, objected or declined; followup.reasons.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 2203;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, plan_b_step AS pb, next_action, next_followup_at AS due, reason
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text, why text DEFAULT NULL) RETURNS void AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind, reason)
    SELECT lead_id, at, kind, why FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
$$ LANGUAGE sql;

-- the shipped list (tenant 0), for the seed's shop
SELECT reason FROM followup.reason WHERE tenant_id = 0 ORDER BY reason;

-- a think_about_it with a reason: kept on the lead's stay in thinking
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('a', '2026-05-04 10:00+00', 'warm'), ('b', '2026-05-04 10:00+00', 'warm'),
    ('c', '2026-05-04 10:00+00', 'new'), ('d', '2026-05-04 10:00+00', 'hot'),
    ('e', '2026-05-04 10:00+00', 'hot'), ('f', '2026-05-04 10:00+00', 'warm');
SELECT pg_temp.ev('a', '2026-05-05 10:00+00', 'message');
SELECT pg_temp.ev('a', '2026-05-05 12:00+00', 'think_about_it', 'price');
SELECT * FROM l WHERE ref = 'a';
-- a signal without a reason keeps it; a move to another state clears it
SELECT pg_temp.ev('a', '2026-05-06 09:00+00', 'proposal_viewed');
SELECT * FROM l WHERE ref = 'a';
SELECT pg_temp.ev('a', '2026-05-07 09:00+00', 'order');
SELECT * FROM l WHERE ref = 'a';

-- an unknown reason: refused, naming it, nothing written
SELECT pg_temp.ev('b', '2026-05-05 10:00+00', 'think_about_it', 'too_pricey');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) FROM followup.interaction WHERE tenant_id = 2203 AND lead_id = (SELECT lead_id FROM followup.lead WHERE tenant_id = 2203 AND external_ref = 'b');

-- a tenant's own reason is its own: another tenant cannot give it
INSERT INTO followup.reason (reason, description) VALUES ('warranty', 'wants a longer warranty');
SET followup.tenant_id = 2204;
INSERT INTO followup.lead (external_ref, created_at) VALUES ('x', '2026-05-04 10:00+00');
SELECT pg_temp.ev('x', '2026-05-05 10:00+00', 'reply', 'warranty');
SELECT pg_temp.ev('x', '2026-05-05 10:00+00', 'reply', 'trust');
SET followup.tenant_id = 2203;
SELECT pg_temp.ev('f', '2026-05-04 11:00+00', 'reply', 'warranty');
SELECT * FROM l WHERE ref = 'f';
SELECT reason FROM followup.reason WHERE tenant_id > 0 ORDER BY tenant_id, reason;

-- a hand-built history, and what followup.reasons makes of it
--   a: warm after 1 touch, "price", then won              -> won
--   b: warm after 1 touch, "price", then nothing           -> silence
--   c: new, a reply with "timing", then a plain reply      -> replied
--   d: hot, rejected for "financing", option 1 declined
--      for "financing", then not interested                -> lost, lost
--   e: hot, a reply with "trust", then a pause for "price" -> declined, silence
--   f: warm, "warranty" (above), then lost to a competitor -> lost, lost
--   a late interaction with a reason changes nothing and is not counted
SELECT pg_temp.ev('b', '2026-05-05 10:00+00', 'message');
SELECT pg_temp.ev('b', '2026-05-05 12:00+00', 'think_about_it', 'price');
SELECT pg_temp.ev('c', '2026-05-04 10:30+00', 'reply', 'timing');
SELECT pg_temp.ev('c', '2026-05-04 10:40+00', 'message');
SELECT pg_temp.ev('c', '2026-05-05 10:40+00', 'reply');
SELECT pg_temp.ev('d', '2026-05-04 11:00+00', 'installment_rejected', 'financing');
SELECT pg_temp.ev('d', '2026-05-04 11:10+00', 'message');
SELECT pg_temp.ev('d', '2026-05-04 12:00+00', 'plan_b_declined', 'financing');
SELECT pg_temp.ev('d', '2026-05-05 12:00+00', 'not_interested');
SELECT pg_temp.ev('e', '2026-05-04 11:00+00', 'reply', 'trust');
SELECT pg_temp.ev('e', '2026-05-04 11:30+00', 'think_about_it', 'price');
SELECT pg_temp.ev('f', '2026-05-06 11:00+00', 'not_interested', 'competitor');
SELECT pg_temp.ev('b', '2026-05-01 10:00+00', 'reply', 'product');
SELECT state, step, reason, occurrences, replied, won, declined, lost, silence
FROM followup.reasons WHERE tenant_id = 2203 ORDER BY state, step, reason;
SELECT * FROM l;

-- row level security: an admin of tenant 2204 sees its own reasons and
-- tenant 0's, and only its tenant's rows in the report
CREATE ROLE regress_fu_reasons_admin;
SELECT followup.grant_admin('regress_fu_reasons_admin');
SET ROLE regress_fu_reasons_admin;
SET followup.tenant_id = 2204;
SELECT count(*) AS visible_tenant_2203 FROM followup.reason WHERE tenant_id = 2203;
INSERT INTO followup.reason (reason) VALUES ('warranty');
SELECT tenant_id, state, step, reason, occurrences FROM followup.reasons ORDER BY 1, 2, 3, 4;
INSERT INTO followup.reason (tenant_id, reason) VALUES (2203, 'sneaky');
RESET ROLE;
SET followup.tenant_id = 2203;

-- bulk loads: COPY (rows out of order are applied in time order) and
-- INSERT ... SELECT keep the reasons and give the lead the latest
INSERT INTO followup.lead (lead_id, external_ref, created_at, state) VALUES
    (220301, 'g', '2026-05-04 10:00+00', 'warm'), (220302, 'h', '2026-05-04 10:00+00', 'warm');
COPY followup.interaction (lead_id, occurred_at, kind, reason) FROM stdin;
220301	2026-05-05 12:00+00	reply	delivery
220301	2026-05-05 10:00+00	think_about_it	family_approval
220301	2026-05-05 11:00+00	message	\N
\.
SELECT kind, reason, state_at, touches_at, applied FROM followup.interaction WHERE tenant_id = 2203 AND lead_id = 220301 ORDER BY occurred_at;
SELECT * FROM l WHERE ref = 'g';
INSERT INTO followup.interaction (lead_id, occurred_at, kind, reason)
SELECT 220302, t, k, r FROM (VALUES ('2026-05-05 12:00+00'::timestamptz, 'think_about_it', 'price'),
                                    ('2026-05-05 10:00+00', 'reply', 'trust')) v (t, k, r);
SELECT * FROM l WHERE ref = 'h';
-- a bad reason anywhere in the batch: nothing of it is written
COPY followup.interaction (lead_id, occurred_at, kind, reason) FROM stdin;
220302	2026-05-06 12:00+00	reply	delivery
220302	2026-05-06 10:00+00	reply	nope
\.
SELECT count(*) FROM followup.interaction WHERE tenant_id = 2203 AND lead_id = 220302;

--
-- the Plan B matrix ordered by reason, where the tenant says which option
-- answers which reason
--
SET followup.tenant_id = 2205;
INSERT INTO followup.step (state, step_no, purpose, action_code, template, reasons)
SELECT state, step_no, purpose, action_code, template,
       CASE action_code WHEN 'cheaper_sku' THEN '{price}'
                        WHEN 'reserve_until_payday' THEN '{financing,timing}'
                        WHEN 'cash_on_delivery' THEN '{financing}' END::text[]
FROM followup.step WHERE tenant_id = 0 AND state = 'installment_rejected';
SELECT step_no, action_code, reasons FROM followup.step WHERE tenant_id = 2205 ORDER BY step_no;
INSERT INTO followup.lead (external_ref, created_at, state) VALUES
    ('fin', '2026-05-04 10:00+00', 'hot'), ('plain', '2026-05-04 10:00+00', 'hot'), ('cheap', '2026-05-04 10:00+00', 'hot');
SELECT pg_temp.ev('fin', '2026-05-04 11:00+00', 'installment_rejected');
SELECT pg_temp.ev('plain', '2026-05-04 11:00+00', 'installment_rejected');
SELECT pg_temp.ev('fin', '2026-05-04 11:05+00', 'message');
SELECT pg_temp.ev('plain', '2026-05-04 11:05+00', 'message');
-- declined for financing: straight to the next option that addresses it
SELECT pg_temp.ev('fin', '2026-05-04 12:00+00', 'plan_b_declined', 'financing');
SELECT pg_temp.ev('plain', '2026-05-04 12:00+00', 'plan_b_declined');
SELECT * FROM l;
SELECT pg_temp.ev('fin', '2026-05-04 12:05+00', 'message');
SELECT pg_temp.ev('fin', '2026-05-04 13:00+00', 'plan_b_declined', 'financing');
SELECT * FROM l WHERE ref = 'fin';
-- a rejection that gives the reason starts at the option for it
SELECT pg_temp.ev('cheap', '2026-05-04 11:00+00', 'installment_rejected', 'price');
SELECT * FROM l WHERE ref = 'cheap';
SELECT followup.materialize_due_tenant(2205, '2026-05-04 11:00+00', 10000);
SELECT l.external_ref, t.plan_b_step, t.action_code FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 2205 ORDER BY 1;
-- step reasons are lower-case words
UPDATE followup.step SET reasons = '{Price}' WHERE tenant_id = 2205 AND step_no = 1;

DROP OWNED BY regress_fu_reasons_admin;
DROP ROLE regress_fu_reasons_admin;
