-- scripts/demo.d/simulate.sql - 60 days of an online electronics store that
-- sells through a messenger, driven through followup's real triggers and
-- jobs: the clock is the as_of / occurred_at of every call, nothing else.
--
-- Three operators: nino does every task within minutes of its due time,
-- giorgi does his hours late, luka ignores tasks and writes by instinct.
-- This file only sets the stage; scripts/demo calls demo.simulate_day for
-- each of the 60 days, then demo.finish.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET followup.tenant_id = 1;

-- The experiment the shop runs (docs/reporting.md, "Experiments"): the seed's
-- thinking cadence against a tighter one.  Customers answer more while we
-- have written to them lately (demo.attention), which may bring more wins,
-- or more "stop writing to me": the run decides.  Declared before the first
-- simulated day, so every lead entering thinking gets an arm.
BEGIN;
INSERT INTO followup.experiment (experiment_id, name, state, starts_at, horizon)
VALUES (1, 'thinking: seed cadence or a tighter one', 'thinking',
        date_trunc('hour', now()) - interval '60 days', '14 days');
INSERT INTO followup.experiment_arm (experiment_id, arm, name, cadence)
VALUES (1, 1, 'seed 24h, 3d, 7d', NULL), (1, 2, 'tight 4h, 2d, 5d', '4h, 2d, 5d');
COMMIT;

CREATE SCHEMA demo;
CREATE TABLE demo.catalog (product text, price int, cheaper_product text, cheaper_price int);
INSERT INTO demo.catalog VALUES
    ('Samsung Galaxy A55', 1299, 'Samsung Galaxy A35', 949),
    ('Samsung Galaxy S24', 2699, 'Samsung Galaxy S23 FE', 1699),
    ('iPhone 15', 2899, 'iPhone 13', 1999),
    ('iPhone 15 Pro', 3899, 'iPhone 15', 2899),
    ('MacBook Air M3', 4399, 'MacBook Air M1', 2999),
    ('Xiaomi Redmi Note 13', 749, 'Xiaomi Redmi 13', 499),
    ('Sony WH-1000XM5', 1099, 'Sony WH-CH720N', 449),
    ('Lenovo IdeaPad 5', 2299, 'Lenovo IdeaPad 3', 1599),
    ('Apple Watch SE', 899, 'Xiaomi Smart Band 8', 149),
    ('PlayStation 5', 1799, 'Nintendo Switch Lite', 699),
    ('Samsung 55" Crystal UHD TV', 1649, 'Samsung 43" Crystal UHD TV', 999),
    ('Dyson V15 Detect', 2199, 'Xiaomi Vacuum G10', 899);
CREATE TABLE demo.names (name text);
-- (customers' names; nino, giorgi and luka are the operators)
INSERT INTO demo.names SELECT unnest(ARRAY['Mariam', 'Ana', 'Davit', 'Tamar',
    'Levan', 'Salome', 'Irakli', 'Elene', 'Nika', 'Keti', 'Saba', 'Natia', 'Zurab', 'Lika', 'Beka',
    'Tornike', 'Mariami', 'Sandro', 'Eka', 'Gvantsa', 'Lasha', 'Tekla', 'Otar', 'Maka', 'Dachi']);

CREATE FUNCTION demo.pick(arr text[]) RETURNS text LANGUAGE sql VOLATILE AS
    'SELECT arr[1 + floor(random() * cardinality(arr))::int]';

-- a die per lead, slice and purpose, in [0, 1): the same for the same
-- arguments, whatever order a plan visits the rows in, so that a run is
-- reproducible (random() is only used where the order is fixed)
CREATE FUNCTION demo.die(lead_id bigint, slice int, purpose int) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
    SELECT (hashint8extended(lead_id, slice * 16 + purpose) & 1073741823) / 1073741824.0::float8
$$;

-- how keen a customer is, fixed per lead: a third of those who ask a price
-- in a messenger never write again, whatever we send them
CREATE FUNCTION demo.keenness(lead_id bigint) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN hashint8(lead_id) & 1023 < 358 THEN 0.1 ELSE 0.5 + (hashint8(lead_id) & 1023) / 1023.0::float8 END
$$;

-- and how the lead has been treated: a customer waiting for our answer
-- (to a question, or to their first message) cools down within hours; one
-- we wrote to in the last day is three times likelier to act; one nobody
-- has talked to for a week has mostly forgotten us
CREATE FUNCTION demo.attention(waiting boolean, last_in timestamptz, last_out timestamptz,
                               created timestamptz, at timestamptz)
RETURNS float8 LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN waiting THEN exp(extract(epoch FROM greatest(last_in, created) - at)::float8 / (8 * 3600))
        WHEN last_out > at - interval '1 day' THEN 3 * exp(extract(epoch FROM last_out - at)::float8 / (5 * 86400))
        ELSE exp(extract(epoch FROM greatest(last_in, last_out, created) - at)::float8 / (5 * 86400)) END
$$;

-- customers left waiting for an answer buy elsewhere: from then on they
-- never write again (followup keeps following them up until the cadence
-- is spent, as it would in life)
CREATE TABLE demo.gone (lead_id bigint PRIMARY KEY);

-- what a customer in each state does in a two-hour slice, and how likely
-- (for a customer of keenness 1, in the daytime)
CREATE TABLE demo.behaviour (state followup.lead_state, kind text, p float8);
INSERT INTO demo.behaviour VALUES
    ('new', 'reply', 0.08), ('new', 'think_about_it', 0.04), ('new', 'proposal_viewed', 0.05),
    ('new', 'not_interested', 0.012),
    ('hot', 'order', 0.018), ('hot', 'installment_rejected', 0.022), ('hot', 'reply', 0.04),
    ('hot', 'think_about_it', 0.03), ('hot', 'meeting_missed', 0.006), ('hot', 'not_interested', 0.006),
    ('warm', 'proposal_viewed', 0.03), ('warm', 'reply', 0.02), ('warm', 'think_about_it', 0.015),
    ('warm', 'not_interested', 0.006), ('warm', 'opt_out', 0.002), ('warm', 'meeting_booked', 0.004),
    ('thinking', 'proposal_viewed', 0.008), ('thinking', 'link_clicked', 0.006), ('thinking', 'reply', 0.01),
    ('thinking', 'order', 0.002), ('thinking', 'not_interested', 0.005), ('thinking', 'opt_out', 0.001),
    ('installment_rejected', 'plan_b_declined', 0.03), ('installment_rejected', 'installment_approved', 0.006),
    ('installment_rejected', 'reply', 0.01), ('installment_rejected', 'not_interested', 0.006),
    ('recycle', 'reply', 0.002), ('recycle', 'opt_out', 0.001),
    -- after the sale: a question about the delivery, now and then another order
    ('won', 'reply', 0.004), ('won', 'order', 0.0012);

-- why they pause or decline, by signal: a customer names one of these
-- (followup.reason) as often as the weights say
CREATE TABLE demo.why (kind text, reason text, p float8);
INSERT INTO demo.why VALUES
    ('think_about_it', 'price', 0.35), ('think_about_it', 'family_approval', 0.2),
    ('think_about_it', 'timing', 0.2), ('think_about_it', 'product', 0.15), ('think_about_it', 'trust', 0.1),
    ('installment_rejected', 'financing', 1),
    ('plan_b_declined', 'financing', 0.45), ('plan_b_declined', 'price', 0.3),
    ('plan_b_declined', 'family_approval', 0.15), ('plan_b_declined', 'trust', 0.1),
    ('not_interested', 'price', 0.35), ('not_interested', 'competitor', 0.35),
    ('not_interested', 'product', 0.2), ('not_interested', 'delivery', 0.1);
CREATE TABLE demo.why_dice AS
SELECT kind, reason, sum(p) OVER w - p AS lo, sum(p) OVER w AS hi
FROM demo.why WINDOW w AS (PARTITION BY kind ORDER BY reason);

-- the shop's Plan B ordered by reason: a financing objection skips to the
-- options that need no loan, a price objection to the cheaper model
INSERT INTO followup.step (state, step_no, channel, purpose, action_code, template, reasons)
SELECT state, step_no, channel, purpose, action_code, template,
       CASE action_code WHEN 'cheaper_sku' THEN '{price}'
                        WHEN 'reserve_until_payday' THEN '{financing,timing}'
                        WHEN 'cash_on_delivery' THEN '{financing,trust}' END::text[]
FROM followup.step WHERE tenant_id = 0 AND state = 'installment_rejected';
-- each lead draws one number a slice; the kinds of its state share [0, sum p)
CREATE TABLE demo.dice AS
SELECT state, kind, sum(p) OVER w - p AS lo, sum(p) OVER w AS hi
FROM demo.behaviour WINDOW w AS (PARTITION BY state ORDER BY kind);

-- one simulated day, twelve two-hour slices, each its own transaction;
-- scripts/demo calls it for days 0 to 59 as separate statements (so that
-- old row versions can be pruned as they would on a live server)
CREATE PROCEDURE demo.simulate_day(day int, start timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    slice_start timestamptz;
    slice_end timestamptz;
    hour int;
    t record;
BEGIN
    PERFORM set_config('followup.tenant_id', '1', false);
    PERFORM setseed(0.42 + day / 1000.0);   -- every day reproducible on its own
    FOR s IN day * 12 .. day * 12 + 11 LOOP
        slice_start := start + s * interval '2 hours';
        slice_end := slice_start + interval '2 hours';
        hour := extract(hour FROM slice_start);

        -- leads arrive while the shop's ads run, 08:00-22:00, each owned
        -- by one of the three operators
        IF hour BETWEEN 8 AND 21 THEN
            INSERT INTO followup.lead (external_ref, created_at, owner, attrs)
            SELECT 'm' || to_char(slice_start, 'MMDDHH24') || '-' || i,
                   slice_start + random() * interval '2 hours',
                   demo.pick(ARRAY['nino', 'giorgi', 'luka']),
                   jsonb_build_object('name', (SELECT name FROM demo.names ORDER BY random() + i * 0 LIMIT 1),
                                      'product', c.product, 'price', c.price || ' GEL',
                                      'cheaper_product', c.cheaper_product, 'cheaper_price', c.cheaper_price || ' GEL',
                                      'alt_bank', demo.pick(ARRAY['TBC Bank', 'Bank of Georgia', 'Liberty Bank', 'Credo Bank']),
                                      'open_question', demo.pick(ARRAY['the warranty', 'delivery to Batumi', 'delivery to Kutaisi',
                                                                       'the price in installments', 'the colours in stock']),
                                      'answer', demo.pick(ARRAY['it is two years, in our own service centre',
                                                                'it takes one day, free of charge',
                                                                '12 months at 0% with TBC',
                                                                'all of them are in stock in Tbilisi today']),
                                      'delivery_day', demo.pick(ARRAY['tomorrow', 'tomorrow', 'the day after tomorrow']),
                                      'discount', demo.pick(ARRAY['5%', '7%', '10%', '50 GEL']),
                                      'offer_ends', demo.pick(ARRAY['Friday', 'Sunday', 'the end of the month']),
                                      'stock_left', 1 + floor(random() * 4)::int)
            FROM generate_series(1, 9 + floor(random() * 7)::int) i,
                 LATERAL (SELECT * FROM demo.catalog ORDER BY random() + i * 0 LIMIT 1) c;
        END IF;

        -- customers kept waiting more than two hours may buy elsewhere
        IF hour >= 8 THEN
            INSERT INTO demo.gone
            SELECT l.lead_id FROM followup.lead l
            WHERE l.tenant_id = 1 AND l.state NOT IN ('won', 'lost', 'recycle')
              AND (l.next_action = 'reply' OR (l.state = 'new' AND l.last_outbound_at IS NULL))
              AND greatest(l.last_inbound_at, l.created_at) < slice_start - interval '2 hours'
              AND demo.die(l.lead_id, s, 1) < 0.04
            ON CONFLICT DO NOTHING;
        END IF;

        -- customers act (one INSERT for the slice, in any order: the
        -- triggers apply each lead's rows in time order); fewer at night
        INSERT INTO followup.interaction (lead_id, occurred_at, kind, reason)
        SELECT l.lead_id, greatest(l.last_event_at, l.created_at, slice_start) + demo.die(l.lead_id, s, 2) * interval '100 minutes', d.kind,
               -- four in five say why
               (SELECT w.reason FROM demo.why_dice w
                WHERE w.kind = d.kind AND demo.die(l.lead_id, s, 11) >= w.lo AND demo.die(l.lead_id, s, 11) < w.hi
                  AND demo.die(l.lead_id, s, 12) < 0.8)
        FROM (SELECT l.lead_id, l.state, l.last_event_at, l.created_at,
                     demo.die(l.lead_id, s, 3) / (demo.keenness(l.lead_id) * CASE WHEN hour < 8 THEN 0.2 ELSE 1 END
                                 * demo.attention(l.next_action = 'reply' OR (l.state = 'new' AND l.last_outbound_at IS NULL),
                                                  l.last_inbound_at, l.last_outbound_at, l.created_at, slice_start)) AS u
              FROM followup.lead l
              WHERE l.tenant_id = 1 AND l.state <> 'lost' AND l.created_at < slice_start
                AND NOT l.do_not_contact
                AND NOT EXISTS (SELECT 1 FROM demo.gone g WHERE g.lead_id = l.lead_id)) l
        JOIN demo.dice d ON d.state = l.state AND l.u >= d.lo AND l.u < d.hi;

        -- the job, as pg_cron would run it
        PERFORM followup.run_due(slice_end);

        -- nino: every task of hers, within ten minutes of its due time
        FOR t IN SELECT * FROM followup.claim_tasks('nino', 1000) c ORDER BY c.task_id LOOP
            PERFORM followup.complete_task(t.task_id, 'nino', t.message,
                greatest(l.last_event_at, least(slice_end, t.due_at + demo.die(t.lead_id, s, 4) * interval '10 minutes')))
            FROM followup.lead l WHERE l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id;
        END LOOP;

        -- the others work office hours only
        CONTINUE WHEN hour NOT BETWEEN 10 AND 19;

        -- giorgi: some of his, when they are more than six hours late
        FOR t IN SELECT * FROM followup.task
                 WHERE tenant_id = 1 AND assignee = 'giorgi' AND status = 'open'
                   AND due_at < slice_end - interval '6 hours' AND demo.die(lead_id, s, 5) < 0.6
                 ORDER BY task_id LOOP
            PERFORM followup.complete_task(t.task_id, 'giorgi', t.message,
                greatest(slice_start + demo.die(t.lead_id, s, 6) * interval '110 minutes', l.last_event_at))
            FROM followup.lead l WHERE l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id;
        END LOOP;

        -- luka: never opens his task list.  He answers the chats that blink
        -- (a customer who wrote to him in the last few hours; his answer does
        -- the reply task the job made, whether he knows it or not), and now
        -- and then writes to a lead he remembers, whose next touch is not due
        -- yet: by chance
        INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator, body)
        SELECT l.lead_id,
               greatest(l.last_event_at, slice_start) + demo.die(l.lead_id, s, 7) * interval '100 minutes', 'message', 'luka',
               CASE WHEN l.waiting THEN 'Hi ' || (l.attrs ->> 'name') || ', sure, let me check that for you.'
                    ELSE 'Hi ' || (l.attrs ->> 'name') || ', any news about the ' || (l.attrs ->> 'product') || '?' END
        FROM (SELECT l.*, coalesce(l.last_inbound_at, l.created_at) > coalesce(l.last_outbound_at, '-infinity') AS waiting
              FROM followup.lead l
              WHERE l.tenant_id = 1 AND l.owner = 'luka' AND l.state NOT IN ('won', 'lost')
                AND NOT l.do_not_contact) l
        WHERE CASE WHEN l.waiting THEN coalesce(l.last_inbound_at, l.created_at) > slice_start - interval '4 hours'
                                       AND demo.die(l.lead_id, s, 8) < 0.7
                   ELSE NOT EXISTS (SELECT 1 FROM followup.task x WHERE x.tenant_id = l.tenant_id
                                    AND x.lead_id = l.lead_id AND x.status IN ('open', 'claimed'))
                        AND demo.die(l.lead_id, s, 8) < CASE WHEN l.last_inbound_at > slice_start - interval '2 days' THEN 0.08 ELSE 0.02 END
              END;

        -- the CRM: a new lead that has been talking to us is qualified as warm
        UPDATE followup.lead l
        SET state = 'warm', state_since = greatest(l.last_event_at, slice_start) + demo.die(l.lead_id, s, 9) * interval '30 minutes'
        WHERE l.tenant_id = 1 AND l.state = 'new' AND l.next_action <> 'reply'
          AND l.last_event_at < slice_end - interval '30 minutes'
          AND l.last_inbound_at IS NOT NULL AND l.last_outbound_at > l.last_inbound_at
          AND demo.die(l.lead_id, s, 10) < 0.15;

        -- one transaction per slice, as the real writers would commit
        COMMIT;
    END LOOP;
END $$;

-- the end of the run: the job once more at the real now(), as pg_cron would
-- have run it since the last simulated slice
CREATE PROCEDURE demo.finish()
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('followup.tenant_id', '1', false);
    PERFORM followup.run_due(now());
END $$;
