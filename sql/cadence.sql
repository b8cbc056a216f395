--
-- followup.cadence: the planned touches of a state
--
SET search_path = followup, public;
SET IntervalStyle = postgres;

-- the seed's cadence, and the canonical form of everything input accepts
SELECT '24h, 3d, 7d'::cadence AS seed;
SELECT c AS input, c::cadence AS canonical
FROM (VALUES ('24h,3d,7d'), ('  24h ,  3d ,7d  '), ('1w, 2w'), ('90m'),
             ('0, 15m, 1h'), ('0h, 1d12h'), ('2h90m'), ('48h'), ('23h, 1d'),
             ('36525d')) AS v(c);

-- canonical output round-trips exactly
SELECT c::cadence::text::cadence = c::cadence AS roundtrips, c::cadence::text = c AS is_canonical
FROM (VALUES ('24h, 3d, 7d'), ('0, 15m, 1d12h, 14d'), ('1h30m, 36525d')) AS v(c);

-- 32 offsets are allowed, 33 are not
SELECT steps(string_agg(i || 'd', ', ')::cadence) FROM generate_series(1, 32) i;
SELECT string_agg(i || 'd', ', ')::cadence FROM generate_series(1, 33) i;

-- bad input: 22P02 naming the token and its position
\set VERBOSITY default
SELECT ''::cadence;
SELECT '24h, 3x, 7d'::cadence;
SELECT '24h, 3'::cadence;
SELECT '1d 12h'::cadence;
SELECT '12h1d'::cadence;
SELECT '24h,,3d'::cadence;
SELECT '24h, 3d,'::cadence;
SELECT '3d, 24h'::cadence;
SELECT '24h, 1d'::cadence;
SELECT '1d, 0'::cadence;
SELECT 'soon'::cadence;
SELECT '-1d'::cadence;
SELECT '1.5d'::cadence;
-- out of range: 22008, never wrap-around
SELECT '36526d'::cadence;
SELECT '99999999999999999999h'::cadence;
SELECT '5218w'::cadence;

-- accessors
SELECT steps('24h, 3d, 7d'), offset_at('24h, 3d, 7d', 1), offset_at('24h, 3d, 7d', 3);
SELECT offsets('0, 1d12h, 2w');
SELECT offset_at('24h, 3d, 7d', 0);
SELECT offset_at('24h, 3d, 7d', 4);
SELECT steps(NULL::cadence) IS NULL AS strict;

-- casts to and from interval[]
SELECT '24h, 3d, 7d'::cadence::interval[];
SELECT ARRAY['24 hours', '3 days', '7 days']::interval[]::cadence;
SELECT ARRAY['0', '90 minutes', '1 day 12 hours']::interval[]::cadence;
SELECT ('1d12h, 7d'::cadence::interval[])::cadence = '1d12h, 7d'::cadence AS cast_roundtrip;
SELECT ARRAY['1 month']::interval[]::cadence;
SELECT ARRAY['30 seconds']::interval[]::cadence;
SELECT ARRAY['3 days', '1 day']::interval[]::cadence;
SELECT ARRAY['-1 day']::interval[]::cadence;
SELECT ARRAY['1 day', NULL]::interval[]::cadence;
SELECT '{}'::interval[]::cadence;
SELECT ARRAY[['1 day'], ['2 days']]::interval[]::cadence;
SELECT ARRAY['40000 days']::interval[]::cadence;

-- equality and hashing: 24h and 1d differ (a calendar day is not 24 hours across DST)
SELECT '24h, 3d'::cadence = '24h,3d'::cadence AS same,
       '24h, 3d'::cadence <> '1d, 3d'::cadence AS differ,
       '1w'::cadence = '7d'::cadence AS week_is_seven_days;
SELECT c, count(*) FROM (VALUES ('24h, 3d'::cadence), ('24h,3d'), ('1d, 3d')) v(c)
GROUP BY c ORDER BY c::text;
SET enable_sort = off;
SELECT count(*) AS distinct_cadences FROM (SELECT DISTINCT c FROM (VALUES ('24h, 3d'::cadence), ('24h,3d'), ('1d, 3d')) v(c)) d;
RESET enable_sort;

-- binary COPY round trip
CREATE TEMP TABLE cadences (id int, c cadence);
INSERT INTO cadences VALUES (1, '24h, 3d, 7d'), (2, '0, 15m, 1d12h, 14d'), (3, NULL),
    (4, (SELECT string_agg(i || 'd', ', ') FROM generate_series(1, 32) i)::cadence);
DO $$
BEGIN
    EXECUTE format('COPY cadences TO %L (FORMAT binary)',
                   current_setting('data_directory') || '/cadence_regress.bin');
END $$;
CREATE TEMP TABLE cadences_back (LIKE cadences);
DO $$
BEGIN
    EXECUTE format('COPY cadences_back FROM %L (FORMAT binary)',
                   current_setting('data_directory') || '/cadence_regress.bin');
END $$;
SELECT a.id, a.c::text, a.c = b.c AS equal
FROM cadences a JOIN cadences_back b USING (id) ORDER BY a.id;
SELECT count(*) AS rows_back FROM cadences_back;

-- storage: 8 bytes plus 12 per offset
SELECT pg_column_size('24h, 3d, 7d'::cadence) AS three_offsets;

-- a table column of type cadence, with NULLs and updates
CREATE TEMP TABLE policy_like (state lead_state PRIMARY KEY, c cadence NOT NULL);
INSERT INTO policy_like VALUES ('thinking', '24h, 3d, 7d');
UPDATE policy_like SET c = '24h, 3d, 7d, 14d' WHERE state = 'thinking';
SELECT state, c, steps(c) FROM policy_like;
INSERT INTO policy_like VALUES ('warm', '1d,1d');
