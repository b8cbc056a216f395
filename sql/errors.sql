--
-- Bad input: the right SQLSTATE, a message naming the value, and no data changed.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SET followup.tenant_id = 112;
INSERT INTO followup.lead (lead_id, external_ref, created_at, state) VALUES (112001, 'e', '2026-11-23 10:00+00', 'warm');
CREATE TEMP TABLE before AS SELECT * FROM followup.lead WHERE tenant_id = 112;

-- an unknown kind (23503, naming it)
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, '2026-11-23 11:00+00', 'carrier_pigeon' FROM followup.lead WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a lead that does not exist (23503)
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (-42, '2026-11-23 11:00+00', 'reply');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- another tenant's lead is invisible to this one (23503)
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT 999, lead_id, '2026-11-23 11:00+00', 'reply' FROM followup.lead WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- an infinite time
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, 'infinity', 'reply' FROM followup.lead WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- payload must be an object (terse: the failing row holds generated ids)
\set VERBOSITY terse
INSERT INTO followup.interaction (lead_id, occurred_at, kind, payload)
SELECT lead_id, '2026-11-23 11:00+00', 'reply', '[1]' FROM followup.lead WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
-- a bad row in a multi-row insert rolls back the good ones and their effects
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT lead_id, t, k FROM followup.lead, (VALUES ('2026-11-23 11:00+00'::timestamptz, 'reply'),
                                                 ('2026-11-23 11:05+00', 'nonsense')) v(t, k)
WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS interactions FROM followup.interaction WHERE tenant_id = 112;

-- leads: bad state, attrs, zone, touches (terse from here: CHECK failures
-- print the whole row, with times that change every run)
\set VERBOSITY terse
INSERT INTO followup.lead (external_ref, state) VALUES ('f', 'maybe');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, attrs) VALUES ('f', '"just a string"');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref, timezone) VALUES ('f', 'Nowhere/Special');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE followup.lead SET touches = -1 WHERE tenant_id = 112;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.lead (external_ref) VALUES ('e');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- configuration: what must never be stored
INSERT INTO followup.policy (state, cadence, reply_within) VALUES ('warm', '1d', '-5 minutes');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- won and lost may have a policy (after the sale, win-back); only they may be turned off
INSERT INTO followup.policy (state, cadence, enabled) VALUES ('warm', '1d', false);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.policy (state, cadence, on_exhausted) VALUES ('warm', '1d', 'new');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.policy (state, cadence) VALUES ('warm', '1d, 1d');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (kind, effect) VALUES ('reply', 'explode');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (kind, to_state, effect) VALUES ('reply', 'new', 'restart');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (kind, to_state, effect) VALUES ('reply', 'won', 'touch');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.rule (kind, effect, due_in) VALUES ('reply', 'restart', '-1 hour');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.signal (kind, direction) VALUES ('Bad Kind', 'inbound');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.signal (kind, direction) VALUES ('telepathy', 'sideways');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.signal (kind, direction, weight) VALUES ('telepathy', 'inbound', 'NaN');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO followup.step (state, step_no, purpose, action_code, template)
VALUES ('warm', 1, 'just_checking_in', 'x', 'Any news?');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- nothing changed
SELECT (SELECT count(*) FROM followup.policy WHERE tenant_id = 112) AS policies,
       (SELECT count(*) FROM followup.rule WHERE tenant_id = 112) AS rules,
       (SELECT count(*) FROM followup.signal WHERE tenant_id = 112) AS signals,
       (SELECT count(*) FROM followup.step WHERE tenant_id = 112) AS steps,
       (SELECT count(*) FROM followup.lead WHERE tenant_id = 112) AS leads;
SELECT (SELECT row_to_json(b)::text FROM before b) = (SELECT row_to_json(l)::text FROM followup.lead l WHERE tenant_id = 112) AS lead_untouched;
