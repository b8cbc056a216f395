--
-- The attacker: a CRM role that owns a schema plants look-alikes of what
-- followup's code calls (functions, operators, types: CVE-2018-1058's
-- class), puts its schema, or pg_temp, first on its search_path, and then
-- drives every trigger, function and job followup ships.  Each look-alike
-- records who ran it and, run as anyone else, tries to make the attacker
-- superuser.  The log must stay empty: followup's code never resolves a
-- name through the caller's search_path, whoever runs it.
--
\set SHOW_CONTEXT never
\set VERBOSITY terse
-- where pg_regress put us, to come back to (no database or role named here)
\set regress_db :DBNAME
\set regress_user :USER
CREATE DATABASE followup_attacker;
\c followup_attacker
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION followup;
CREATE ROLE regress_fu_attacker LOGIN;
CREATE ROLE regress_fu_attacker_admin LOGIN;
SELECT followup.grant_operator('regress_fu_attacker');
SELECT followup.grant_admin('regress_fu_attacker_admin');
CREATE SCHEMA crm AUTHORIZATION regress_fu_attacker;
GRANT USAGE ON SCHEMA crm TO PUBLIC;

-- the owner's leads, with touches two days old (a win then marks their days)
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at, state) VALUES
    (7, 701, 'old-touches', now() - interval '5 days', 'warm'),
    (7, 702, 'plan-b', now() - interval '5 days', 'warm'),
    (7, 703, 'to-claim', now() - interval '5 days', 'warm');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES
    (7, 701, now() - interval '2 days', 'message'),
    (7, 702, now() - interval '3 days', 'installment_rejected'),
    (7, 702, now() - interval '2 days', 'message');
-- a day ahead: each lead's next touch is due by then whatever the time of
-- day (the working window is 09:00-21:00 UTC), so all three get a task
SELECT followup.materialize_due(now() + interval '1 day');

-- the attacker's traps, written as the attacker
SET ROLE regress_fu_attacker;
CREATE TABLE crm.trap_log (what text, run_as name);
GRANT INSERT, SELECT ON crm.trap_log TO PUBLIC;
CREATE FUNCTION crm.trap(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    INSERT INTO crm.trap_log VALUES (what, current_user);
    IF current_user OPERATOR(pg_catalog.<>) 'regress_fu_attacker' THEN
        BEGIN
            EXECUTE 'ALTER ROLE regress_fu_attacker SUPERUSER';
        EXCEPTION WHEN OTHERS THEN NULL;
        END;
    END IF;
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION crm.trap(text) TO PUBLIC;
-- look-alike functions
CREATE FUNCTION crm.now() RETURNS timestamptz LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION crm.format(text, text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('format()'); RETURN pg_catalog.format($1, $2); END $$;
CREATE FUNCTION crm.current_setting(text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('current_setting()'); RETURN pg_catalog.current_setting($1); END $$;
CREATE FUNCTION crm.date_trunc(text, timestamptz) RETURNS timestamptz LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('date_trunc()'); RETURN pg_catalog.date_trunc($1, $2); END $$;
CREATE FUNCTION crm.jsonb_build_object(VARIADIC text[]) RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('jsonb_build_object()'); RETURN pg_catalog.jsonb_object($1); END $$;
CREATE FUNCTION crm.count_step(bigint) RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN PERFORM crm.trap('count(*)'); RETURN $1 + 1; END $$;
CREATE AGGREGATE crm.count(*) (sfunc = crm.count_step, stype = bigint, initcond = '0');
-- look-alike operators, for every type followup's code compares or combines
DO $$
DECLARE
    t text;
    op text;
    fn text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bigint', 'integer', 'text', 'timestamptz', 'interval', 'boolean', 'oid',
                             'regtype', 'real', 'jsonb', 'followup.lead_state', 'followup.next_action',
                             'followup.task_status'] LOOP
        FOREACH op IN ARRAY ARRAY['=', '<>', '<', '<=', '>', '>='] LOOP
            fn := 'crm.op_' || md5(op || t);
            EXECUTE format('CREATE FUNCTION %s(a %s, b %s) RETURNS boolean LANGUAGE plpgsql'
                           ' SET search_path = pg_catalog AS $f$ BEGIN PERFORM crm.trap(%L);'
                           ' RETURN a OPERATOR(pg_catalog.%s) b; END $f$', fn, t, t, op || ' ' || t, op);
            EXECUTE format('CREATE OPERATOR crm.%s (function = %s, leftarg = %s, rightarg = %s)', op, fn, t, t);
        END LOOP;
    END LOOP;
    FOREACH t IN ARRAY ARRAY['timestamptz,interval,timestamptz,-', 'timestamptz,timestamptz,interval,-',
                             'timestamptz,interval,timestamptz,+', 'integer,integer,integer,-',
                             'integer,integer,integer,+', 'bigint,bigint,bigint,-', 'jsonb,jsonb,jsonb,||',
                             'text,text,text,||', 'jsonb,text,text,->>', 'jsonb,text,jsonb,->',
                             'interval,interval,interval,-', 'interval,interval,interval,+'] LOOP
        fn := 'crm.op_' || md5(t);
        EXECUTE format('CREATE FUNCTION %s(a %s, b %s) RETURNS %s LANGUAGE plpgsql'
                       ' SET search_path = pg_catalog AS $f$ BEGIN PERFORM crm.trap(%L);'
                       ' RETURN a OPERATOR(pg_catalog.%s) b; END $f$',
                       fn, split_part(t, ',', 1), split_part(t, ',', 2), split_part(t, ',', 3), t,
                       split_part(t, ',', 4));
        EXECUTE format('CREATE OPERATOR crm.%s (function = %s, leftarg = %s, rightarg = %s)',
                       split_part(t, ',', 4), fn, split_part(t, ',', 1), split_part(t, ',', 2));
    END LOOP;
END $$;
-- look-alike types: a domain's CHECK runs the trap wherever a cast names it
CREATE DOMAIN crm.text AS pg_catalog.text CHECK (crm.trap('::text'));
CREATE DOMAIN crm.int4 AS pg_catalog.int4 CHECK (crm.trap('::int4'));
CREATE DOMAIN crm.int8 AS pg_catalog.int8 CHECK (crm.trap('::int8'));
CREATE DOMAIN crm.date AS pg_catalog.date CHECK (crm.trap('::date'));
CREATE DOMAIN crm.timestamptz AS pg_catalog.timestamptz CHECK (crm.trap('::timestamptz'));
-- times for the statements below, which name nothing unqualified themselves
RESET ROLE;
SELECT now() - interval '30 hours' AS late, now() - interval '3 days' AS older,
       now() + interval '30 days' AS in_30_days, now() + interval '60 days' AS in_60_days,
       now() + interval '90 days' AS in_90_days \gset
SET ROLE regress_fu_attacker;
-- the traps work: run where the search_path reaches them, they fire
SET search_path = crm, pg_catalog;
SELECT now() IS NOT NULL AS trapped, 1::bigint = 1::bigint AS also_trapped;
SELECT what, run_as FROM crm.trap_log ORDER BY what;
TRUNCATE crm.trap_log;

-- 1. the CRM's own writes, as the operator role, with its schema first
SET followup.tenant_id = 7;
INSERT INTO followup.lead (lead_id, external_ref, state) VALUES (710, 'fresh', 'new');
UPDATE followup.lead SET state = 'warm' WHERE lead_id = 710;
UPDATE followup.lead SET owner = 'eve', attrs = '{"name": "Eve"}' WHERE lead_id = 710;
INSERT INTO followup.interaction (lead_id, kind) VALUES
    (710, 'reply'), (710, 'message'), (710, 'think_about_it'), (710, 'proposal_viewed'),
    (710, 'meeting_missed'), (710, 'call_unanswered');
-- a late write (marks its days, as the rollups' owner)
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (701, :'late', 'reply');
-- a win after old touches (marks the lead's touch days, as the owner)
INSERT INTO followup.interaction (lead_id, kind) VALUES (701, 'order');
-- a Plan B refusal after an old offer
INSERT INTO followup.interaction (lead_id, kind) VALUES (702, 'plan_b_declined');
-- history is not the operator's to take back
DELETE FROM followup.state_change
WHERE lead_id OPERATOR(pg_catalog.=) 701 AND to_state OPERATOR(pg_catalog.=) 'won';
-- the operator's functions
SELECT pg_catalog.count(*) AS claimed FROM followup.claim_tasks('eve', 5);
SELECT (followup.complete_task(task_id, 'eve', 'done')).by_rule
FROM followup.task WHERE lead_id OPERATOR(pg_catalog.=) 703 AND status OPERATOR(pg_catalog.=) 'claimed';
INSERT INTO followup.interaction (lead_id, kind) VALUES (703, 'reply');
SELECT followup.momentum(710) IS NOT NULL AS momentum;
SELECT pg_catalog.count(*) AS previewed FROM followup.preview(710);
SELECT followup.render('Hi {{name|there}}', '{}') AS rendered;
SELECT followup.check_timezone('Asia/Tbilisi') AS tz, followup.check_template('{{a}}') AS template;
-- the reports, as their reader
SELECT pg_catalog.count(*) AS rows FROM followup.pipeline;
SELECT pg_catalog.count(*) AS rows FROM followup.touch_log;
SELECT pg_catalog.count(*) AS rows FROM followup.operator_compliance;
SELECT pg_catalog.count(*) AS rows FROM followup.response_times;
SELECT pg_catalog.count(*) AS rows FROM followup.silence_by_stage;
SELECT pg_catalog.count(*) AS rows FROM followup.step_funnel;
SELECT pg_catalog.count(*) AS rows FROM followup.plan_b_recovery;
SELECT pg_catalog.count(*) AS rows FROM followup.due_tasks;
-- (what is due by now depends on the time of day: the view is run, its rows not counted)
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>=) 0 AS ran FROM followup.job_lag;
SELECT stalled FROM followup.stall_diagnostic();
SELECT (followup.policy_for(7, 'thinking')).cadence;
RESET ROLE;

-- 2. the tenant's administrator changes configuration (the cache's trigger)
SET ROLE regress_fu_attacker_admin;
SET search_path = crm, pg_catalog;
INSERT INTO followup.policy (state, cadence) VALUES ('warm', '1h, 2d');
UPDATE followup.policy SET cadence = '2h, 2d'
WHERE tenant_id OPERATOR(pg_catalog.=) 7 AND state OPERATOR(pg_catalog.=) 'warm';
RESET ROLE;
SET ROLE regress_fu_attacker;
SET search_path = crm, pg_catalog;
SET followup.tenant_id = 7;
INSERT INTO followup.interaction (lead_id, kind) VALUES (710, 'message');
RESET ROLE;

-- 3. the owner runs the jobs and the administration functions with the
-- attacker's schema first (a search_path it was talked into, or the
-- default "$user", public where public is writable)
SET search_path = crm, pg_catalog;
-- a COPY, through the statement batch
COPY followup.interaction (tenant_id, lead_id, kind) FROM stdin;
7	710	reply
7	710	message
\.
SELECT followup.run_due(:'in_30_days') IS NOT NULL AS ran;
SELECT followup.materialize_due(:'in_60_days') IS NOT NULL AS materialized;
SELECT followup.close_exhausted(:'in_90_days') IS NOT NULL AS closed;
SELECT followup.escalate_overdue(:'in_90_days') IS NOT NULL AS escalated;
SELECT followup.roll_up(:'in_30_days', '0') IS NOT NULL AS rolled;
SELECT followup.grant_reader('regress_fu_attacker_admin');
SELECT followup.schedule_jobs();
SELECT followup.unschedule_jobs();
SELECT followup.rollup_mark_lead(7, 701);
-- the won state change taken back (marks again, as the rollups' owner)
DELETE FROM followup.state_change
WHERE tenant_id OPERATOR(pg_catalog.=) 7 AND lead_id OPERATOR(pg_catalog.=) 701
  AND to_state OPERATOR(pg_catalog.=) 'won';
SELECT pg_catalog.count(*) AS rows FROM followup.operator_compliance;
SELECT stalled FROM followup.stall_diagnostic();
SELECT pg_catalog.count(*) AS rows FROM followup.preview(701);
UPDATE followup.lead SET state = 'recycle'
WHERE tenant_id OPERATOR(pg_catalog.=) 7 AND lead_id OPERATOR(pg_catalog.=) 702;

-- 4. pg_temp first: temporary look-alike types and tables
RESET search_path;
SET ROLE regress_fu_attacker;
SET followup.tenant_id = 7;
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (crm.trap('pg_temp.text'));
CREATE DOMAIN pg_temp.int4 AS pg_catalog.int4 CHECK (crm.trap('pg_temp.int4'));
CREATE TEMP TABLE lead (LIKE followup.lead);
CREATE TEMP TABLE task (LIKE followup.task);
CREATE TEMP TABLE interaction (LIKE followup.interaction);
CREATE TEMP TABLE state_change (LIKE followup.state_change);
CREATE TEMP TABLE rollup_mark (LIKE followup.rollup_mark);
SET search_path = pg_temp, crm, pg_catalog;
INSERT INTO followup.lead (lead_id, external_ref) VALUES (720, 'temp-first');
UPDATE followup.lead SET state = 'hot' WHERE lead_id OPERATOR(pg_catalog.=) 720;
INSERT INTO followup.interaction (lead_id, kind) VALUES (720, 'reply'), (720, 'message'), (720, 'order');
INSERT INTO followup.interaction (lead_id, occurred_at, kind) VALUES (720, :'older', 'reply');
SELECT pg_catalog.count(*) AS claimed FROM followup.claim_tasks('eve', 5);
SELECT (followup.complete_task(task_id, 'eve')).by_rule FROM followup.task WHERE status OPERATOR(pg_catalog.=) 'claimed';
SELECT pg_catalog.count(*) AS rows FROM followup.operator_compliance;
RESET ROLE;

-- nothing of the attacker's ran, as anyone, and nobody was promoted
RESET search_path;
SELECT what, run_as, count(*) AS calls FROM crm.trap_log GROUP BY 1, 2 ORDER BY 1, 2;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_fu_attacker';
-- and followup did its work all the same
SELECT lead_id, state, next_action IS NOT NULL AS planned FROM followup.lead ORDER BY lead_id;
SELECT count(*) > 0 AS tasks FROM followup.task;

\c :regress_db
DROP DATABASE followup_attacker;
DROP ROLE regress_fu_attacker;
DROP ROLE regress_fu_attacker_admin;
