--
-- Column types are part of the contract: a column followup reads or writes
-- whose type was changed is refused with a clear error (no crash, no
-- garbage), in a session that used it before; changed back, it works again.
-- In a database of its own: the table rewrites stay out of the others.
--
\set SHOW_CONTEXT never
CREATE DATABASE followup_column_types;
\c followup_column_types
CREATE EXTENSION followup;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET followup.tenant_id = 140;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (140, 140007, 'typed', '2026-11-23 10:00+00', 'installment_rejected');
ALTER TABLE followup.lead ALTER COLUMN plan_b_step TYPE numeric;
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (140, 140008, 'typed2', '2026-11-23 10:00+00', 'installment_rejected');
SELECT :'LAST_ERROR_SQLSTATE';
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140007, '2026-11-24 12:00+00', 'plan_b_declined');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT count(*) AS planned FROM followup.preview(140007);
SELECT :'LAST_ERROR_SQLSTATE';
BEGIN;
SELECT followup.materialize_due('2027-06-01 00:00+00');
ROLLBACK;
SELECT :'LAST_ERROR_SQLSTATE';
ALTER TABLE followup.lead ALTER COLUMN plan_b_step TYPE int;
ALTER TABLE followup.lead ALTER COLUMN momentum TYPE double precision;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140007, '2026-11-24 12:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
SELECT followup.momentum(140007, '2026-11-24 12:00+00');
SELECT :'LAST_ERROR_SQLSTATE';
ALTER TABLE followup.lead ALTER COLUMN momentum TYPE real;
-- back to the shipped types: everything works
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (140, 140008, 'typed2', '2026-11-23 10:00+00', 'installment_rejected');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140007, '2026-11-24 12:00+00', 'plan_b_declined'),
       (140, 140007, '2026-11-24 12:05+00', 'reply');
SELECT lead_id, state, plan_b_step, next_action, momentum > 0 AS has_momentum
FROM followup.lead WHERE tenant_id = 140 AND lead_id IN (140007, 140008) ORDER BY lead_id;
-- the configuration the triggers read is checked the same way
ALTER TABLE followup.policy ALTER COLUMN timezone TYPE varchar(64);
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140008, '2026-11-24 12:10+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
ALTER TABLE followup.policy ALTER COLUMN timezone TYPE text;
ALTER TABLE followup.rule ALTER COLUMN min_momentum TYPE numeric;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140008, '2026-11-24 12:10+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE';
ALTER TABLE followup.rule ALTER COLUMN min_momentum TYPE real;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (140, 140008, '2026-11-24 12:10+00', 'reply');
SELECT lead_id, next_action, next_followup_at FROM followup.lead WHERE tenant_id = 140 AND lead_id = 140008;
\c contrib_regression
DROP DATABASE followup_column_types;
