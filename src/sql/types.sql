-- followup: types.  The cadence type's I/O comes first, as in contrib.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION followup" to load this file. \quit

-- The schema is followup's alone: one that another role owns, or that
-- already holds objects, could be used to plant or later replace them.
DO $$
BEGIN
    IF (SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'followup')
       <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'schema "followup" is owned by another role'
            USING ERRCODE = '42501',
            HINT = 'Drop it, or let CREATE EXTENSION followup create it.';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_class WHERE relnamespace = 'followup'::regnamespace)
       OR EXISTS (SELECT FROM pg_catalog.pg_proc WHERE pronamespace = 'followup'::regnamespace)
       OR EXISTS (SELECT FROM pg_catalog.pg_type WHERE typnamespace = 'followup'::regnamespace)
       OR EXISTS (SELECT FROM pg_catalog.pg_operator WHERE oprnamespace = 'followup'::regnamespace) THEN
        RAISE EXCEPTION 'schema "followup" is not empty'
            USING ERRCODE = '42P06',
            HINT = 'Install followup into a schema of its own: drop or rename the existing one.';
    END IF;
END $$;

CREATE TYPE followup.lead_state AS ENUM
    ('new', 'hot', 'warm', 'thinking', 'installment_rejected', 'recycle', 'won', 'lost');
COMMENT ON TYPE followup.lead_state IS
    'Where a lead stands: active (new, hot, warm, thinking, installment_rejected), parked (recycle) or terminal (won, lost)';

CREATE TYPE followup.cadence;

CREATE FUNCTION followup.cadence_in(cstring) RETURNS followup.cadence
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION followup.cadence_out(followup.cadence) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION followup.cadence_recv(internal) RETURNS followup.cadence
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION followup.cadence_send(followup.cadence) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE followup.cadence (
    INPUT = followup.cadence_in,
    OUTPUT = followup.cadence_out,
    RECEIVE = followup.cadence_recv,
    SEND = followup.cadence_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE followup.cadence IS
    'Planned touches of a state as strictly increasing offsets from the start of the silence, e.g. ''24h, 3d, 7d''';

CREATE FUNCTION followup.cadence_eq(followup.cadence, followup.cadence) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION followup.cadence_ne(followup.cadence, followup.cadence) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION followup.cadence_hash(followup.cadence) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.cadence_eq(followup.cadence, followup.cadence) IS 'cadence equality: same offsets, written the same way';
COMMENT ON FUNCTION followup.cadence_ne(followup.cadence, followup.cadence) IS 'cadence inequality';
COMMENT ON FUNCTION followup.cadence_hash(followup.cadence) IS 'hash support for cadence';

CREATE OPERATOR followup.= (
    LEFTARG = followup.cadence, RIGHTARG = followup.cadence,
    FUNCTION = followup.cadence_eq,
    COMMUTATOR = OPERATOR(followup.=), NEGATOR = OPERATOR(followup.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
CREATE OPERATOR followup.<> (
    LEFTARG = followup.cadence, RIGHTARG = followup.cadence,
    FUNCTION = followup.cadence_ne,
    COMMUTATOR = OPERATOR(followup.<>), NEGATOR = OPERATOR(followup.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR followup.= (followup.cadence, followup.cadence) IS 'cadences are equal';
COMMENT ON OPERATOR followup.<> (followup.cadence, followup.cadence) IS 'cadences differ';

CREATE OPERATOR CLASS followup.cadence_hash_ops
    DEFAULT FOR TYPE followup.cadence USING hash AS
        OPERATOR 1 followup.=,
        FUNCTION 1 followup.cadence_hash(followup.cadence);
COMMENT ON OPERATOR CLASS followup.cadence_hash_ops USING hash IS 'hash support so GROUP BY and DISTINCT work on cadence';

CREATE FUNCTION followup.steps(followup.cadence) RETURNS integer
    AS 'MODULE_PATHNAME', 'cadence_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.steps(followup.cadence) IS 'number of planned touches in a cadence';

CREATE FUNCTION followup.offset_at(followup.cadence, integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'cadence_offset_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.offset_at(followup.cadence, integer) IS 'offset of touch N (1-based) from the start of the silence';

CREATE FUNCTION followup.offsets(followup.cadence) RETURNS interval[]
    AS 'MODULE_PATHNAME', 'cadence_offsets' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.offsets(followup.cadence) IS 'all offsets of a cadence, in order';

CREATE FUNCTION followup.cadence(interval[]) RETURNS followup.cadence
    AS 'MODULE_PATHNAME', 'cadence_from_intervals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.cadence(interval[]) IS 'build a cadence from strictly increasing intervals of days, hours and minutes';

CREATE CAST (followup.cadence AS interval[]) WITH FUNCTION followup.offsets(followup.cadence) AS ASSIGNMENT;
CREATE CAST (interval[] AS followup.cadence) WITH FUNCTION followup.cadence(interval[]) AS ASSIGNMENT;
COMMENT ON CAST (followup.cadence AS interval[]) IS 'the offsets of a cadence';
COMMENT ON CAST (interval[] AS followup.cadence) IS 'a cadence from its offsets';

CREATE TYPE followup.next_action AS ENUM ('reply', 'followup', 'plan_b', 'reactivate', 'close');
COMMENT ON TYPE followup.next_action IS
    'What a lead needs next: reply (we owe an answer), followup (the next touch of the cadence), plan_b (the next Plan B option), reactivate (a parked lead''s touch), close (the cadence is spent)';

CREATE TYPE followup.task_status AS ENUM ('open', 'claimed', 'done', 'superseded');
COMMENT ON TYPE followup.task_status IS
    'Life of a task: open (waiting for an operator), claimed (an operator has it), done (a touch fulfilled it), superseded (the lead''s plan changed first)';
