-- scripts/demo.d/simulate.sql - 60 days of an online electronics store that
-- sells through a messenger, driven through followup's real triggers and
-- jobs: the clock is the as_of / occurred_at of every call, nothing else.
--
-- Three operators: nino does every task within minutes of its due time,
-- giorgi does his hours late, luka ignores tasks and writes by instinct.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET followup.tenant_id = 1;
SELECT setseed(0.42);

CREATE SCHEMA demo;
CREATE TABLE demo.catalog (product text, price int, cheaper_product text, cheaper_price int);
INSERT INTO demo.catalog VALUES
    ('Samsung Galaxy A55', 1299, 'Samsung Galaxy A35', 949),
    ('iPhone 15', 2899, 'iPhone 13', 1999),
    ('MacBook Air M3', 4399, 'MacBook Air M1', 2999),
    ('Xiaomi Redmi Note 13', 749, 'Xiaomi Redmi 13', 499),
    ('Sony WH-1000XM5', 1099, 'Sony WH-CH720N', 449),
    ('Lenovo IdeaPad 5', 2299, 'Lenovo IdeaPad 3', 1599),
    ('Apple Watch SE', 899, 'Xiaomi Smart Band 8', 149),
    ('PlayStation 5', 1799, 'Nintendo Switch Lite', 699);
CREATE TABLE demo.names (name text);
INSERT INTO demo.names SELECT unnest(ARRAY['Nino', 'Giorgi', 'Mariam', 'Luka', 'Ana', 'Davit', 'Tamar',
    'Levan', 'Salome', 'Irakli', 'Elene', 'Nika', 'Keti', 'Saba', 'Natia', 'Zurab', 'Lika', 'Beka']);

CREATE FUNCTION demo.pick(arr text[]) RETURNS text LANGUAGE sql VOLATILE AS
    'SELECT arr[1 + floor(random() * cardinality(arr))::int]';

-- what a customer in each state does in a two-hour slice, and how likely
CREATE TABLE demo.behaviour (state followup.lead_state, kind text, p float8);
INSERT INTO demo.behaviour VALUES
    ('new', 'reply', 0.10), ('new', 'think_about_it', 0.05), ('new', 'proposal_viewed', 0.06),
    ('new', 'not_interested', 0.01),
    ('hot', 'order', 0.03), ('hot', 'installment_rejected', 0.04), ('hot', 'reply', 0.05),
    ('hot', 'think_about_it', 0.03), ('hot', 'meeting_missed', 0.01),
    ('warm', 'proposal_viewed', 0.03), ('warm', 'reply', 0.02), ('warm', 'think_about_it', 0.015),
    ('warm', 'not_interested', 0.005), ('warm', 'opt_out', 0.002), ('warm', 'meeting_booked', 0.005),
    ('thinking', 'proposal_viewed', 0.012), ('thinking', 'link_clicked', 0.008), ('thinking', 'reply', 0.01),
    ('thinking', 'order', 0.002), ('thinking', 'not_interested', 0.004),
    ('installment_rejected', 'plan_b_declined', 0.03), ('installment_rejected', 'installment_approved', 0.008),
    ('installment_rejected', 'reply', 0.01), ('installment_rejected', 'not_interested', 0.005),
    ('recycle', 'reply', 0.002), ('recycle', 'opt_out', 0.001);

-- one simulated day, twelve two-hour slices, each its own transaction;
-- scripts/demo calls it for days 0 to 59 as separate statements (so that
-- old row versions can be pruned as they would on a live server)
CREATE PROCEDURE demo.simulate_day(day int, start timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    slice_start timestamptz;
    slice_end timestamptz;
    t record;
BEGIN
    PERFORM set_config('followup.tenant_id', '1', false);
    FOR s IN day * 12 .. day * 12 + 11 LOOP
        slice_start := start + s * interval '2 hours';
        slice_end := slice_start + interval '2 hours';

        -- leads arrive while the shop's ads run, 08:00-22:00
        IF extract(hour FROM slice_start) BETWEEN 8 AND 21 THEN
            INSERT INTO followup.lead (external_ref, created_at, owner, attrs)
            SELECT 'm' || to_char(slice_start, 'MMDDHH24') || '-' || i,
                   slice_start + random() * interval '2 hours',
                   demo.pick(ARRAY['nino', 'giorgi', 'luka']),
                   jsonb_build_object('name', (SELECT name FROM demo.names ORDER BY random() + i * 0 LIMIT 1),
                                      'product', c.product, 'price', c.price || ' GEL',
                                      'cheaper_product', c.cheaper_product, 'cheaper_price', c.cheaper_price || ' GEL',
                                      'alt_bank', demo.pick(ARRAY['TBC Bank', 'Bank of Georgia', 'Liberty Bank']),
                                      'open_question', demo.pick(ARRAY['the warranty', 'delivery to Batumi', 'the price in installments']),
                                      'answer', demo.pick(ARRAY['it is two years, in our own service centre',
                                                                    'it takes one day, free of charge',
                                                                    '12 months at 0% with TBC']),
                                      'stock_left', 1 + floor(random() * 4)::int)
            FROM generate_series(1, 9 + floor(random() * 7)::int) i,
                 LATERAL (SELECT * FROM demo.catalog ORDER BY random() + i * 0 LIMIT 1) c;
        END IF;

        -- customers act (one INSERT for the slice, in any order: the
        -- triggers apply each lead's rows in time order)
        INSERT INTO followup.interaction (lead_id, occurred_at, kind)
        SELECT l.lead_id, greatest(l.last_event_at, l.created_at, slice_start) + random() * interval '100 minutes', b.kind
        FROM followup.lead l
        -- (l.lead_id in the subquery: each lead draws its own dice, no memoizing)
        JOIN LATERAL (SELECT b.kind FROM demo.behaviour b
                      WHERE b.state = l.state AND random() < b.p + 0 * l.lead_id LIMIT 1) b ON true
        WHERE l.state NOT IN ('won', 'lost') AND l.created_at < slice_start AND NOT l.do_not_contact;

        -- the job, as pg_cron would run it
        PERFORM followup.run_due(slice_end);

        -- nino: every task of hers, within ten minutes of its due time
        FOR t IN SELECT * FROM followup.claim_tasks('nino', 1000) LOOP
            PERFORM followup.complete_task(t.task_id, 'nino', NULL,
                greatest(l.last_event_at, least(slice_end, t.due_at + random() * interval '10 minutes')))
            FROM followup.lead l WHERE l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id;
        END LOOP;
        -- giorgi: some of his, when they are more than six hours late
        FOR t IN SELECT * FROM followup.task
                 WHERE tenant_id = 1 AND assignee = 'giorgi' AND status = 'open'
                   AND due_at < slice_end - interval '6 hours' AND random() < 0.6 LOOP
            PERFORM followup.complete_task(t.task_id, 'giorgi', NULL,
                greatest(slice_end - interval '30 minutes', l.last_event_at))
            FROM followup.lead l WHERE l.tenant_id = t.tenant_id AND l.lead_id = t.lead_id;
        END LOOP;
        -- luka: never looks at tasks; writes to a few of his leads when he feels like it
        INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
        SELECT l.lead_id, greatest(l.last_event_at, slice_start) + random() * interval '110 minutes', 'message', 'luka'
        FROM followup.lead l
        WHERE l.owner = 'luka' AND l.state NOT IN ('won', 'lost') AND NOT l.do_not_contact
          AND NOT EXISTS (SELECT 1 FROM followup.task x WHERE x.tenant_id = l.tenant_id
                          AND x.lead_id = l.lead_id AND x.status IN ('open', 'claimed'))
          AND random() < 0.03;
        -- one transaction per slice, as the real writers would commit
        COMMIT;
    END LOOP;
END $$;
