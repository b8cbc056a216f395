-- test/upgrade/workload.sql - a fixed history, in two halves, that
-- test/upgrade/run plays into an old release (first half), updates, and
-- finishes (second half), and plays whole into a fresh install: the two
-- databases must then hold the same leads, tasks, state log and reports.
-- Everything is dated by hand (no now(), no random()), so that the same
-- statements give the same rows.  psql -v half=1 or half=2.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
SET followup.tenant_id = 7;
SELECT :half = 1 AS first_half \gset
\if :first_half
-- a CRM role, granted before the update: the update must give it what the
-- grant gives now (the role is the cluster's; test/upgrade/run drops it)
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'followup_upgrade_crm') AS make_role \gset
\if :make_role
-- (and its admin, made and granted first: an ACL lists its grantees in the
-- order they were granted, and 0.1.0's grant_admin already gave it some of
-- what grant_reader gives now)
CREATE ROLE followup_upgrade_admin;
CREATE ROLE followup_upgrade_crm;
\endif
SELECT followup.grant_admin('followup_upgrade_admin') \g /dev/null
SELECT followup.grant_operator('followup_upgrade_crm') \g /dev/null
-- tenant 7's own configuration beside the shipped one
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (7, 'thinking', '2h, 1d, 4d');
INSERT INTO followup.signal (tenant_id, kind, direction, weight) VALUES (7, 'voice_note', 'inbound', 1);
INSERT INTO followup.rule (tenant_id, kind, effect) VALUES (7, 'voice_note', 'respond');
-- won has no follow-up before 0.2.0: the first half keeps it so where
-- it has one (a fresh install), and the second half turns it on
SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'followup.policy'::regclass
               AND attname = 'enabled' AND NOT attisdropped) AS after_sale \gset
\if :after_sale
INSERT INTO followup.policy (tenant_id, state, cadence, enabled) VALUES (7, 'won', '2d, 7d, 30d, 365d', false);
\endif
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state, owner, attrs)
SELECT 7, 'lead' || i, '2026-11-01 09:00+00'::timestamptz + i * interval '7 minutes',
       (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + i % 4]::followup.lead_state,
       (ARRAY['ana', 'beka', 'carl'])[1 + i % 3], jsonb_build_object('name', 'N' || i)
FROM generate_series(1, 80) i;
\set lo 0
\set hi 3
\else
\set lo 3
\set hi 6
-- the after-sale cadence from now on, and reasons (0.2.0)
INSERT INTO followup.policy (tenant_id, state, cadence) VALUES (7, 'won', '2d, 7d, 30d, 365d')
ON CONFLICT (tenant_id, state) DO UPDATE SET enabled = true;
INSERT INTO followup.reason (tenant_id, reason) VALUES (7, 'warranty');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, reason)
SELECT 7, l.lead_id, '2026-11-05 11:00+00'::timestamptz + l.lead_id * interval '1 minute',
       (ARRAY['think_about_it', 'reply', 'plan_b_declined'])[1 + l.lead_id % 3],
       (ARRAY['price', 'warranty', 'financing', 'timing'])[1 + l.lead_id % 4]
FROM followup.lead l WHERE l.tenant_id = 7 AND l.lead_id % 7 = 0 ORDER BY l.lead_id;
\endif
-- interactions n in [lo, hi), each followed by the jobs at its hour
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator)
SELECT 7, l.lead_id, '2026-11-02 12:00+00'::timestamptz + n * interval '1 day' + (l.lead_id * 37 % 600) * interval '1 minute',
       (ARRAY['reply', 'message', 'think_about_it', 'proposal_viewed', 'voice_note',
              'installment_rejected', 'message', 'plan_b_declined', 'call', 'order'])[1 + (l.lead_id * 3 + n) % 10],
       (ARRAY['ana', 'beka', 'carl'])[1 + (l.lead_id + n) % 3]
FROM followup.lead l, generate_series(:lo, :hi - 1) n WHERE l.tenant_id = 7 AND l.lead_id % 5 <> n % 5
ORDER BY n, l.lead_id;
SELECT followup.run_due('2026-11-02 23:00+00'::timestamptz + n * interval '1 day')
FROM generate_series(:lo, :hi - 1) n ORDER BY n \g /dev/null
SELECT followup.roll_up('2026-11-04 00:00+00'::timestamptz + :hi * interval '1 day') \g /dev/null
