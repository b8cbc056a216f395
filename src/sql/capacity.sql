-- followup: the team's capacity (docs/concepts.md, "Capacity").  How many
-- tasks each operator can take a day, which claim_tasks keeps to, most
-- valuable first, and the claims counted per day.

CREATE TABLE followup.capacity (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    operator        text NOT NULL,
    daily_tasks     int NOT NULL,
    team            text,
    timezone        text NOT NULL DEFAULT 'UTC',
    PRIMARY KEY (tenant_id, operator),
    CONSTRAINT capacity_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT capacity_operator_check CHECK (btrim(operator) <> ''),
    CONSTRAINT capacity_daily_tasks_check CHECK (daily_tasks BETWEEN 0 AND 100000),
    CONSTRAINT capacity_timezone_check CHECK (followup.check_timezone(timezone))
);
COMMENT ON TABLE followup.capacity IS 'How many tasks an operator can claim a day: claim_tasks gives no more, most valuable first; operators without a row are not limited';
COMMENT ON COLUMN followup.capacity.tenant_id IS 'tenant (no defaults from tenant 0: operators are a tenant''s own)';
COMMENT ON COLUMN followup.capacity.operator IS 'the name claim_tasks is called with';
COMMENT ON COLUMN followup.capacity.daily_tasks IS 'tasks the operator may claim per day, 0 to 100000';
COMMENT ON COLUMN followup.capacity.team IS 'the team the operator is counted in by workload_forecast (NULL: a team of one)';
COMMENT ON COLUMN followup.capacity.timezone IS 'the time zone of the operator''s day';

CREATE TRIGGER capacity_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.capacity
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();

-- Written by claim_tasks (as the owner); the operator's row of the day is
-- locked while its claims are counted.
CREATE TABLE followup.capacity_used (
    tenant_id       bigint NOT NULL,
    operator        text NOT NULL,
    day             date NOT NULL,
    claimed         int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, operator, day)
);
COMMENT ON TABLE followup.capacity_used IS 'tasks claimed per operator with a capacity and day (the operator''s time zone), by claim_tasks';
COMMENT ON COLUMN followup.capacity_used.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.capacity_used.operator IS 'operator';
COMMENT ON COLUMN followup.capacity_used.day IS 'the operator''s day';
COMMENT ON COLUMN followup.capacity_used.claimed IS 'tasks claimed that day (a released claim is not given back)';

ALTER TABLE followup.capacity ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.capacity
    USING (tenant_id = (SELECT followup.current_tenant()));
ALTER TABLE followup.capacity_used ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.capacity_used
    USING (tenant_id = (SELECT followup.current_tenant()));

SELECT pg_catalog.pg_extension_config_dump('followup.capacity', '');
