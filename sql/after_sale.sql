--
-- After the sale: the after-sale cadence of won leads, win-back of lost
-- leads, repeat purchases.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 2201;
CREATE TEMP VIEW l AS
    SELECT external_ref AS ref, state, touches, next_action, next_followup_at AS due, closed_reason, do_not_contact AS dnc
    FROM followup.lead WHERE tenant_id = followup.current_tenant() ORDER BY external_ref;
CREATE FUNCTION pg_temp.ev(ref text, at timestamptz, kind text) RETURNS void AS $$
    INSERT INTO followup.interaction (lead_id, occurred_at, kind)
    SELECT lead_id, at, kind FROM followup.lead
    WHERE tenant_id = followup.current_tenant() AND external_ref = ref
$$ LANGUAGE sql;
-- make the due tasks at "at" and complete each at once
CREATE FUNCTION pg_temp.work(at timestamptz) RETURNS TABLE (ref text, state followup.lead_state, step_no int, due_at timestamptz, action_code text) AS $$
    SELECT followup.materialize_due_tenant(followup.current_tenant(), at, 10000);
    SELECT count(followup.complete_task(t.task_id, 'ana', NULL, at)) FROM followup.task t
    WHERE t.tenant_id = followup.current_tenant() AND t.status = 'open';
    SELECT l.external_ref, t.state, t.step_no, t.due_at, t.action_code
    FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
    WHERE t.tenant_id = followup.current_tenant() AND t.done_at = at ORDER BY 1
$$ LANGUAGE sql;

-- the shipped after-sale cadence: delivery check, review, accessory, upgrade
SELECT cadence, reply_within, enabled FROM followup.policy WHERE tenant_id = 0 AND state = 'won';
SELECT step_no, purpose, action_code FROM followup.step WHERE tenant_id = 0 AND state = 'won' ORDER BY step_no;

-- a sale: the lead stays won and follows the after-sale cadence from the sale
INSERT INTO followup.lead (external_ref, created_at, attrs)
VALUES ('nino', '2026-03-02 10:00+00', '{"name": "Nino", "product": "Galaxy S24"}');
SELECT pg_temp.ev('nino', '2026-03-02 10:30+00', 'order');
SELECT * FROM l;
SELECT step_no, next_action, due_at, action_code FROM followup.preview((SELECT lead_id FROM followup.lead WHERE external_ref = 'nino' AND tenant_id = 2201));
-- nothing before the delivery check is due
SELECT * FROM pg_temp.work('2026-03-04 10:29+00');
-- exactly its four touches, each at its time, with its message
SELECT * FROM pg_temp.work('2026-03-04 10:30+00');
SELECT message FROM followup.task WHERE tenant_id = 2201 AND step_no = 1;
SELECT * FROM l;
SELECT * FROM pg_temp.work('2026-03-09 10:30+00');
SELECT * FROM pg_temp.work('2026-04-01 10:30+00');
SELECT * FROM pg_temp.work('2027-03-02 10:30+00');
-- spent: parked for good, still won; the jobs leave it alone
SELECT * FROM l;
SELECT followup.close_exhausted('2030-01-01') >= 0 AS ran;
SELECT * FROM pg_temp.work('2030-01-01');
SELECT * FROM l;
SELECT from_state, to_state FROM followup.state_change WHERE tenant_id = 2201 ORDER BY changed_at;

-- a reply after the sale is answered; the sales cadence does not start over
INSERT INTO followup.lead (external_ref, created_at, state, attrs)
VALUES ('levan', '2026-03-02 09:00+00', 'hot', '{"name": "Levan"}');
SELECT pg_temp.ev('levan', '2026-03-02 10:00+00', 'order');
SELECT * FROM pg_temp.work('2026-03-04 10:00+00');
SELECT pg_temp.ev('levan', '2026-03-05 12:00+00', 'reply');
SELECT * FROM l WHERE ref = 'levan';
SELECT * FROM pg_temp.work('2026-03-05 13:00+00');
-- the reply was answered (by rule) and is not an after-sale touch; the review
-- request follows, never right after a message (as in every cadence)
SELECT kind, state_at, touches_at, by_rule FROM followup.interaction
WHERE tenant_id = 2201 AND lead_id = (SELECT lead_id FROM followup.lead WHERE tenant_id = 2201 AND external_ref = 'levan')
ORDER BY occurred_at;
SELECT * FROM l WHERE ref = 'levan';
-- other signals do not move it either (think_about_it is for any state)
SELECT pg_temp.ev('levan', '2026-03-06 12:00+00', 'think_about_it');
SELECT pg_temp.ev('levan', '2026-03-06 12:05+00', 'proposal_viewed');
SELECT * FROM l WHERE ref = 'levan';
SELECT count(*) AS moves FROM followup.state_change
WHERE tenant_id = 2201 AND lead_id = (SELECT lead_id FROM followup.lead WHERE tenant_id = 2201 AND external_ref = 'levan');

-- unless a rule says so: a tenant's reply from won reopens the sale
INSERT INTO followup.rule (kind, from_state, to_state, effect, priority) VALUES ('reply', 'won', 'warm', 'respond', 1);
INSERT INTO followup.rule (kind, effect, priority) VALUES ('reply', 'respond', 100);
SELECT pg_temp.ev('levan', '2026-03-07 12:00+00', 'reply');
SELECT * FROM l WHERE ref = 'levan';
DELETE FROM followup.rule WHERE tenant_id = 2201;

-- working windows: a tenant's after-sale policy, on weekdays 10-18 Tbilisi time
INSERT INTO followup.policy (state, cadence, work_days, work_start, work_end, timezone)
VALUES ('won', '2d, 7d', '{1,2,3,4,5}', '10:00', '18:00', 'Asia/Tbilisi');
INSERT INTO followup.step (state, step_no, purpose, action_code, template) VALUES
    ('won', 1, 'clarify', 'delivery_check', 'Hi {{name}}, did it arrive?'),
    ('won', 2, 'advance', 'review_request', 'Hi {{name}}, a review?');
-- sold on Thursday 20:00 local: due Saturday 20:00, so Monday 10:00 local
INSERT INTO followup.lead (external_ref, created_at, attrs) VALUES ('eka', '2026-03-05 15:00+00', '{"name": "Eka"}');
SELECT pg_temp.ev('eka', '2026-03-05 16:00+00', 'order');
SELECT * FROM l WHERE ref = 'eka';
SELECT * FROM pg_temp.work('2026-03-09 06:00+00');
SELECT message FROM followup.task WHERE tenant_id = 2201 AND action_code = 'delivery_check' AND done_at = '2026-03-09 06:00+00';

-- turned off for the tenant: a won lead has nothing planned, the rest as before
UPDATE followup.policy SET enabled = false WHERE tenant_id = 2201 AND state = 'won';
INSERT INTO followup.lead (external_ref, created_at) VALUES ('off', '2026-03-05 15:00+00');
SELECT pg_temp.ev('off', '2026-03-05 16:00+00', 'order');
SELECT * FROM l WHERE ref = 'off';
SELECT pg_temp.ev('off', '2026-03-06 16:00+00', 'reply');
SELECT * FROM l WHERE ref = 'off';
-- only won and lost may be turned off
UPDATE followup.policy SET enabled = false WHERE tenant_id = 2201 AND state = 'won' RETURNING state;
INSERT INTO followup.policy (state, cadence, enabled) VALUES ('hot', '1d', false);
DELETE FROM followup.policy WHERE tenant_id = 2201;
DELETE FROM followup.step WHERE tenant_id = 2201;

-- a repeat purchase: a new order on a won lead, after the accessory offer
SELECT * FROM pg_temp.work('2026-04-01 10:00+00');
SELECT pg_temp.ev('levan', '2026-04-03 15:00+00', 'order');
SELECT pg_temp.ev('nino', '2027-03-03 11:00+00', 'order');
SELECT l.external_ref, r.kind, r.purchased_at, r.previous_sale_at, r.after_sale_step, r.after_sale_action_code, r.after_sale_touch_at
FROM followup.repeat_purchases r JOIN followup.lead l USING (tenant_id, lead_id) ORDER BY 1;
-- the after-sale cadence starts over from the new sale
SELECT * FROM l WHERE ref IN ('levan', 'nino');
SELECT count(*) FROM followup.repeat_purchases WHERE tenant_id = 2201;

--
-- Win-back: a lost lead that did not opt out, after the tenant's pause
--
SET followup.tenant_id = 2202;
-- none shipped: lost leads stay closed
INSERT INTO followup.lead (external_ref, created_at) VALUES ('before', '2026-03-02 10:00+00');
SELECT pg_temp.ev('before', '2026-03-02 11:00+00', 'not_interested');
SELECT * FROM l;
-- the tenant's win-back: after 90 and 180 days, then parked for good
INSERT INTO followup.policy (state, cadence, reply_within) VALUES ('lost', '90d, 180d', '1 hour');
INSERT INTO followup.step (state, step_no, purpose, action_code, template) VALUES
    ('lost', 1, 'advance', 'win_back_offer', 'Hi {{name|there}}, {{news|prices have dropped}}. Take another look?'),
    ('lost', 2, 'close_loop', 'win_back_last', 'Hi {{name|there}}, shall we keep you on our list?');
INSERT INTO followup.lead (external_ref, created_at, attrs) VALUES
    ('declined', '2026-03-02 10:00+00', '{"name": "Dato"}'),
    ('opted', '2026-03-02 10:00+00', '{"name": "Tamar"}'),
    ('exhausted', '2026-03-02 10:00+00', '{"name": "Gela"}'),
    ('crm_dnc', '2026-03-02 10:00+00', '{"name": "Sopo"}');
SELECT pg_temp.ev('declined', '2026-03-02 11:00+00', 'not_interested');
SELECT pg_temp.ev('opted', '2026-03-02 11:00+00', 'opt_out');
SELECT pg_temp.ev('crm_dnc', '2026-03-02 11:00+00', 'not_interested');
UPDATE followup.lead SET do_not_contact = true WHERE tenant_id = 2202 AND external_ref = 'crm_dnc';
UPDATE followup.lead SET state = 'lost', state_since = '2026-03-02 11:00+00' WHERE tenant_id = 2202 AND external_ref = 'exhausted';
SELECT * FROM l;
-- the opted-out leads are never touched: not at the pause, not ever
SELECT * FROM pg_temp.work('2026-05-31 11:00+00');
SELECT * FROM pg_temp.work('2026-08-29 11:00+00');
SELECT * FROM pg_temp.work('2030-01-01');
SELECT * FROM l;
SELECT count(*) AS touched_opted_out FROM followup.task t JOIN followup.lead l USING (tenant_id, lead_id)
WHERE t.tenant_id = 2202 AND l.do_not_contact;
SELECT followup.close_exhausted('2030-01-01') >= 0 AS ran;
-- a reply to a win-back is owed an answer; the lead stays lost unless a rule says so
SELECT pg_temp.ev('declined', '2030-01-02 10:00+00', 'reply');
SELECT * FROM l WHERE ref = 'declined';
INSERT INTO followup.rule (kind, from_state, to_state, effect, priority) VALUES ('reply', 'lost', 'warm', 'respond', 1);
INSERT INTO followup.rule (kind, effect, priority) VALUES ('reply', 'respond', 100);
SELECT pg_temp.ev('declined', '2030-01-03 10:00+00', 'reply');
SELECT pg_temp.ev('opted', '2030-01-03 10:00+00', 'message');
SELECT * FROM l WHERE ref IN ('declined', 'opted');
