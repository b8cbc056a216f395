-- bench/equivalence_scenario.sql - the scenario of bench/equivalence.sql:
-- tenant 2's configuration over tenant 0's, and the stream of events
-- (temp tables eq_lead, eq_stream: interactions 'i', CRM state changes 's',
-- time zone changes 'z', the task job 'j'), :leads leads.  Included by
-- bench/equivalence.sql and by test/citus/replay/equivalence.sql (one node
-- against Citus); the caller sets the session (time zone, half-life).

-- tenant 2's own configuration, over tenant 0's
INSERT INTO followup.policy (tenant_id, state, cadence, reply_within, close_after, on_exhausted,
                             escalate_after, work_days, work_start, work_end, timezone)
VALUES (2, 'new', '10m, 4h, 1d, 3d', '20 minutes', '1 day', 'lost', '30 minutes',
        '{1,2,3,4,5,6}', '08:00', '20:00', 'Europe/Berlin'),
       -- every day, all day: no working window
       (2, 'hot', '2h, 1d', '10 minutes', '1 day', 'recycle', '1 hour',
        '{1,2,3,4,5,6,7}', '00:00', '24:00', 'Australia/Sydney'),
       (2, 'thinking', '1d, 2d12h, 6d', '2 hours', '4 days', 'recycle', '3 hours',
        '{1,2,3,4,5}', '10:00', '18:30', 'America/New_York'),
       (2, 'installment_rejected', '0, 1d, 3d, 5d', '1 hour', '2 days', 'lost', '1 hour',
        '{1,2,3,4,5}', '09:00', '17:00', 'Europe/Berlin');
-- option 3 is missing: a lead that reaches it has run out of Plan B
-- (options ordered by reason: price to 2, financing to 4)
INSERT INTO followup.step (tenant_id, state, step_no, channel, purpose, action_code, template, reasons)
VALUES (2, 'installment_rejected', 1, 'call', 'advance', 'alternative_bank', 'Hi {{name|there}}', NULL),
       (2, 'installment_rejected', 2, 'call', 'advance', 'cheaper_sku', 'Hi {{name|there}}', '{price}'),
       (2, 'installment_rejected', 4, 'messenger', 'close_loop', 'cash_on_delivery', 'Hi {{name|there}}', '{financing}');
-- a win-back for tenant 2 (won follows the shipped after-sale cadence)
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (2, 'lost', '20d, 40d');
INSERT INTO followup.step (tenant_id, state, step_no, purpose, action_code, template)
VALUES (2, 'lost', 1, 'advance', 'win_back', 'Hi {{name|there}}'),
       (2, 'lost', 2, 'close_loop', 'win_back_last', 'Hi {{name|there}}');
INSERT INTO followup.signal (tenant_id, kind, direction, weight)
VALUES (2, 'proposal_viewed', 'inbound', 1.6),
       (2, 'price_question', 'inbound', 0.5);
INSERT INTO followup.rule (tenant_id, kind, from_state, to_state, effect, due_in, min_momentum, close_reason, priority)
VALUES (2, 'plan_b_declined', 'installment_rejected', NULL, 'next_plan_b', '1 day', NULL, NULL, 100),
       (2, 'reply', 'thinking', 'warm', 'respond', NULL, NULL, NULL, 10),
       (2, 'reply', NULL, NULL, 'respond', NULL, NULL, NULL, 100),
       (2, 'price_question', 'new', 'warm', 'respond', NULL, NULL, NULL, 10),
       (2, 'price_question', NULL, NULL, 'none', NULL, NULL, NULL, 100),
       (2, 'meeting_missed', NULL, NULL, 'restart', '5 hours', NULL, NULL, 100),
       (2, 'link_clicked', NULL, 'hot', 'restart', NULL, 2.0, NULL, 10),
       (2, 'link_clicked', NULL, NULL, 'none', NULL, NULL, NULL, 100);

-- the scenario (random, but the same stream goes to both sides)
SELECT setseed(0.2026) \gset
CREATE TEMP TABLE eq_lead AS
SELECT i AS lead_id, CASE WHEN i % 4 = 0 THEN 2 ELSE 1 END AS tenant_id,
       -- a third of them in the days around a DST change
       CASE WHEN random() < 0.35
            THEN (ARRAY[timestamptz '2026-03-06 00:00 UTC', '2026-03-26 00:00 UTC', '2026-04-02 00:00 UTC'])
                     [1 + floor(random() * 3)::int] + random() * interval '3 days'
            ELSE timestamptz '2026-02-25 00:00 UTC' + random() * interval '38 days'
       END AS created_at,
       (ARRAY['new', 'new', 'new', 'warm', 'hot', 'thinking', 'installment_rejected', 'recycle'])
           [1 + floor(random() * 8)::int]::followup.lead_state AS state,
       (ARRAY[NULL, 'Europe/Berlin', 'America/New_York', 'Asia/Tbilisi', 'Australia/Sydney'])
           [1 + floor(random() * 5)::int] AS timezone,
       (ARRAY['ana', 'beka', 'carl'])[1 + i % 3] AS owner
FROM generate_series(1, :leads) i;

CREATE TEMP TABLE eq_kind (kind text, weight int, tenant2_only boolean DEFAULT false);
INSERT INTO eq_kind (kind, weight) VALUES
    ('reply', 18), ('message', 22), ('call', 4), ('call_unanswered', 5), ('think_about_it', 6),
    ('proposal_viewed', 8), ('link_clicked', 4), ('email_opened', 5), ('meeting_booked', 2),
    ('meeting_missed', 2), ('installment_rejected', 5), ('plan_b_declined', 7),
    ('installment_approved', 1), ('order', 1), ('not_interested', 1), ('opt_out', 1);
INSERT INTO eq_kind VALUES ('price_question', 4, true);
CREATE TEMP TABLE eq_kind_cum AS
SELECT kind, tenant2_only,
       sum(weight) OVER (ORDER BY kind)::float8 / sum(weight) OVER () AS upto
FROM eq_kind;

-- 1 to 15 events a lead, gaps from none (same instant) to several days
CREATE TEMP TABLE eq_raw AS
SELECT l.lead_id, l.tenant_id, j, random() AS r_kind, random() AS r_gap, random() AS r_late,
       random() AS r_op, random() AS r_pick
FROM eq_lead l
CROSS JOIN LATERAL generate_series(1, 1 + (l.lead_id * 7919) % 15) j;

CREATE TEMP TABLE eq_event AS
SELECT e.*,
       -- 6% arrive late: recorded after events that happened after them
       CASE WHEN e.r_late < 0.06 THEN e.occurred_at + (e.r_late / 0.06) * interval '3 days'
            ELSE e.occurred_at END AS recorded_at
FROM (SELECT r.lead_id, r.tenant_id, r.j, r.r_late,
             l.created_at + sum(CASE WHEN r.r_gap < 0.05 THEN interval '0'
                                     ELSE r.r_gap ^ 3 * interval '5 days' END)
                                OVER (PARTITION BY r.lead_id ORDER BY r.j) AS occurred_at,
             CASE WHEN r.r_op < 0.03 THEN 's' WHEN r.r_op < 0.04 THEN 'z' ELSE 'i' END AS op,
             (SELECT k.kind FROM eq_kind_cum k
              WHERE k.upto >= r.r_kind AND (r.tenant_id = 2 OR NOT k.tenant2_only)
              ORDER BY k.upto LIMIT 1) AS kind,
             (ARRAY['warm', 'hot', 'thinking', 'recycle', 'installment_rejected', 'lost', 'won'])
                 [1 + floor(r.r_pick * 7)::int]::followup.lead_state AS new_state,
             (ARRAY[NULL, 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'])
                 [1 + floor(r.r_pick * 4)::int] AS new_timezone,
             (ARRAY['ana', 'beka', NULL])[1 + floor(r.r_pick * 3)::int] AS operator,
             -- a reason on a third of the customer's answers
             CASE WHEN r.r_gap > 0.66 THEN (ARRAY['price', 'financing', 'timing'])[1 + floor(r.r_op * 3)::int] END AS reason
      FROM eq_raw r JOIN eq_lead l USING (lead_id)) e;
UPDATE eq_event SET kind = 'message' WHERE kind IS NULL;	-- the top of the cumulative weights
UPDATE eq_event SET reason = NULL
WHERE kind NOT IN ('reply', 'think_about_it', 'plan_b_declined', 'installment_rejected', 'not_interested');

-- the task job every 12 hours of the scenario
INSERT INTO eq_event (lead_id, tenant_id, j, occurred_at, op, recorded_at)
SELECT 0, 0, 0, t, 'j', t
FROM generate_series(timestamptz '2026-02-25 12:00 UTC', (SELECT max(recorded_at) FROM eq_event), interval '12 hours') t;

CREATE TEMP TABLE eq_stream AS
SELECT row_number() OVER (ORDER BY recorded_at, op = 'j', lead_id, j) AS seq, *
FROM eq_event;
