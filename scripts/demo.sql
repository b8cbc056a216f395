-- scripts/demo.sql - what `make demo` shows.
\pset footer off
CREATE EXTENSION followup;

\echo
\echo '== followup: the lead states, in order =='
SELECT s AS state,
       CASE WHEN s IN ('won', 'lost') THEN 'terminal'
            WHEN s = 'recycle' THEN 'parked'
            ELSE 'active' END AS kind
FROM unnest(enum_range(NULL::followup.lead_state)) AS s;

\echo
\echo '== "I''ll think about it": the seed''s cadence =='
SELECT c.cadence AS cadence, followup.steps(c.cadence) AS touches,
       n AS touch, followup.offset_at(c.cadence, n) AS after_silence_of,
       timestamptz '2026-11-23 15:00+00' + followup.offset_at(c.cadence, n) AS due_if_silent_since_mon_15h
FROM (SELECT '24h, 3d, 7d'::followup.cadence AS cadence) c,
     generate_series(1, followup.steps(c.cadence)) n;

\echo
\echo '== cadences are checked when they are written =='
\set ON_ERROR_STOP 0
SELECT '24h, 3d, 2d'::followup.cadence;
\set ON_ERROR_STOP 1
