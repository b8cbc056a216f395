
-- followup: settings and the checks that configuration and data rely on.

CREATE FUNCTION followup.current_tenant() RETURNS bigint
    AS 'MODULE_PATHNAME', 'followup_current_tenant' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION followup.current_tenant() IS
    'the tenant of this session: the setting followup.tenant_id (default 0)';

-- Raise a clear error instead of returning false, so that a CHECK constraint
-- built on them names the bad value rather than the constraint.
CREATE FUNCTION followup.check_timezone(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'followup_check_timezone' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.check_timezone(text) IS
    'true for a time zone name PostgreSQL knows; raises 22023 naming any other';

CREATE FUNCTION followup.check_template(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'followup_check_template' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.check_template(text) IS
    'true for a well-formed message template ({{field}}, {{field|default}}); raises 22023 naming the first problem';

CREATE FUNCTION followup.tenant_hint(table_name text, what text) RETURNS text
    AS 'MODULE_PATHNAME', 'followup_tenant_hint_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.tenant_hint(text, text) IS
    'the hint of a "does not exist in tenant" error: what this session''s kind of role (owner, locked to its tenant or not) should do to reach a row of followup.table_name';
