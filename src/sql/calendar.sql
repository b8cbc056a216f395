-- followup: holiday calendars (docs/concepts.md, "Calendars").  A tenant's
-- non-working days, which the working window skips and escalation waits
-- out; the public holidays of countries, shipped for Georgia, that a tenant
-- loads with load_calendar; and the queue of calendar changes whose leads
-- run_due re-plans a batch at a time.

CREATE TABLE followup.calendar (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    day             date NOT NULL,
    timezone        text,
    name            text NOT NULL,
    CONSTRAINT calendar_key UNIQUE NULLS NOT DISTINCT (tenant_id, day, timezone),
    CONSTRAINT calendar_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT calendar_day_check CHECK (day BETWEEN '1900-01-01' AND '9999-12-31'),
    CONSTRAINT calendar_name_check CHECK (name <> ''),
    CONSTRAINT calendar_timezone_check CHECK (timezone IS NULL OR followup.check_timezone(timezone))
);
COMMENT ON TABLE followup.calendar IS 'Non-working days per tenant: no touch is planned and no task escalated on them; a tenant with no rows uses tenant 0''s (shipped empty)';
COMMENT ON COLUMN followup.calendar.tenant_id IS 'tenant; a tenant''s days replace all of tenant 0''s';
COMMENT ON COLUMN followup.calendar.day IS 'the day, in the time zone each lead is planned in';
COMMENT ON COLUMN followup.calendar.timezone IS 'NULL: a day off for every lead of the tenant; else only for leads planned in this time zone (a country or region, named by its zone)';
COMMENT ON COLUMN followup.calendar.name IS 'what the day is (New Year''s Day, ...)';

CREATE TABLE followup.public_holiday (
    country         text NOT NULL,
    day             date NOT NULL,
    name            text NOT NULL,
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (country, day),
    CONSTRAINT public_holiday_country_check CHECK (country ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    CONSTRAINT public_holiday_name_check CHECK (name <> '')
);
COMMENT ON TABLE followup.public_holiday IS 'Public holidays by country (ISO 3166 code, or a subdivision such as ES-CT), for followup.load_calendar; Georgia''s (GE) 2026-2030 are shipped';
COMMENT ON COLUMN followup.public_holiday.country IS 'ISO 3166-1 alpha-2 code, or ISO 3166-2 subdivision code';
COMMENT ON COLUMN followup.public_holiday.day IS 'the day';
COMMENT ON COLUMN followup.public_holiday.name IS 'the holiday';
COMMENT ON COLUMN followup.public_holiday.shipped IS 'true for the extension''s rows (left out of pg_dump)';

-- Georgia, Labour Code article 20 (with 17 May since 2024); the Orthodox
-- Easter days follow the Julian computus (Meeus), in the Gregorian calendar.
INSERT INTO followup.public_holiday (country, day, name, shipped) VALUES
    -- 2026: Orthodox Easter on 2026-04-12
    ('GE', '2026-01-01', 'New Year''s Day', true),
    ('GE', '2026-01-02', 'New Year holiday', true),
    ('GE', '2026-01-07', 'Orthodox Christmas', true),
    ('GE', '2026-01-19', 'Epiphany (Natlisgeba)', true),
    ('GE', '2026-03-03', 'Mother''s Day', true),
    ('GE', '2026-03-08', 'International Women''s Day', true),
    ('GE', '2026-04-09', 'Day of National Unity', true),
    ('GE', '2026-04-10', 'Orthodox Good Friday', true),
    ('GE', '2026-04-11', 'Orthodox Holy Saturday', true),
    ('GE', '2026-04-12', 'Orthodox Easter Sunday', true),
    ('GE', '2026-04-13', 'Orthodox Easter Monday', true),
    ('GE', '2026-05-09', 'Day of Victory over Fascism', true),
    ('GE', '2026-05-12', 'Saint Andrew the First-Called Day', true),
    ('GE', '2026-05-17', 'Day of Family Sanctity and Respect for Parents', true),
    ('GE', '2026-05-26', 'Independence Day', true),
    ('GE', '2026-08-28', 'Assumption of Mary (Mariamoba)', true),
    ('GE', '2026-10-14', 'Svetitskhovloba', true),
    ('GE', '2026-11-23', 'Saint George''s Day (Giorgoba)', true),
    -- 2027: Orthodox Easter on 2027-05-02
    ('GE', '2027-01-01', 'New Year''s Day', true),
    ('GE', '2027-01-02', 'New Year holiday', true),
    ('GE', '2027-01-07', 'Orthodox Christmas', true),
    ('GE', '2027-01-19', 'Epiphany (Natlisgeba)', true),
    ('GE', '2027-03-03', 'Mother''s Day', true),
    ('GE', '2027-03-08', 'International Women''s Day', true),
    ('GE', '2027-04-09', 'Day of National Unity', true),
    ('GE', '2027-04-30', 'Orthodox Good Friday', true),
    ('GE', '2027-05-01', 'Orthodox Holy Saturday', true),
    ('GE', '2027-05-02', 'Orthodox Easter Sunday', true),
    ('GE', '2027-05-03', 'Orthodox Easter Monday', true),
    ('GE', '2027-05-09', 'Day of Victory over Fascism', true),
    ('GE', '2027-05-12', 'Saint Andrew the First-Called Day', true),
    ('GE', '2027-05-17', 'Day of Family Sanctity and Respect for Parents', true),
    ('GE', '2027-05-26', 'Independence Day', true),
    ('GE', '2027-08-28', 'Assumption of Mary (Mariamoba)', true),
    ('GE', '2027-10-14', 'Svetitskhovloba', true),
    ('GE', '2027-11-23', 'Saint George''s Day (Giorgoba)', true),
    -- 2028: Orthodox Easter on 2028-04-16
    ('GE', '2028-01-01', 'New Year''s Day', true),
    ('GE', '2028-01-02', 'New Year holiday', true),
    ('GE', '2028-01-07', 'Orthodox Christmas', true),
    ('GE', '2028-01-19', 'Epiphany (Natlisgeba)', true),
    ('GE', '2028-03-03', 'Mother''s Day', true),
    ('GE', '2028-03-08', 'International Women''s Day', true),
    ('GE', '2028-04-09', 'Day of National Unity', true),
    ('GE', '2028-04-14', 'Orthodox Good Friday', true),
    ('GE', '2028-04-15', 'Orthodox Holy Saturday', true),
    ('GE', '2028-04-16', 'Orthodox Easter Sunday', true),
    ('GE', '2028-04-17', 'Orthodox Easter Monday', true),
    ('GE', '2028-05-09', 'Day of Victory over Fascism', true),
    ('GE', '2028-05-12', 'Saint Andrew the First-Called Day', true),
    ('GE', '2028-05-17', 'Day of Family Sanctity and Respect for Parents', true),
    ('GE', '2028-05-26', 'Independence Day', true),
    ('GE', '2028-08-28', 'Assumption of Mary (Mariamoba)', true),
    ('GE', '2028-10-14', 'Svetitskhovloba', true),
    ('GE', '2028-11-23', 'Saint George''s Day (Giorgoba)', true),
    -- 2029: Orthodox Easter on 2029-04-08
    ('GE', '2029-01-01', 'New Year''s Day', true),
    ('GE', '2029-01-02', 'New Year holiday', true),
    ('GE', '2029-01-07', 'Orthodox Christmas', true),
    ('GE', '2029-01-19', 'Epiphany (Natlisgeba)', true),
    ('GE', '2029-03-03', 'Mother''s Day', true),
    ('GE', '2029-03-08', 'International Women''s Day', true),
    ('GE', '2029-04-06', 'Orthodox Good Friday', true),
    ('GE', '2029-04-07', 'Orthodox Holy Saturday', true),
    ('GE', '2029-04-08', 'Orthodox Easter Sunday', true),
    ('GE', '2029-04-09', 'Day of National Unity; Orthodox Easter Monday', true),
    ('GE', '2029-05-09', 'Day of Victory over Fascism', true),
    ('GE', '2029-05-12', 'Saint Andrew the First-Called Day', true),
    ('GE', '2029-05-17', 'Day of Family Sanctity and Respect for Parents', true),
    ('GE', '2029-05-26', 'Independence Day', true),
    ('GE', '2029-08-28', 'Assumption of Mary (Mariamoba)', true),
    ('GE', '2029-10-14', 'Svetitskhovloba', true),
    ('GE', '2029-11-23', 'Saint George''s Day (Giorgoba)', true),
    -- 2030: Orthodox Easter on 2030-04-28
    ('GE', '2030-01-01', 'New Year''s Day', true),
    ('GE', '2030-01-02', 'New Year holiday', true),
    ('GE', '2030-01-07', 'Orthodox Christmas', true),
    ('GE', '2030-01-19', 'Epiphany (Natlisgeba)', true),
    ('GE', '2030-03-03', 'Mother''s Day', true),
    ('GE', '2030-03-08', 'International Women''s Day', true),
    ('GE', '2030-04-09', 'Day of National Unity', true),
    ('GE', '2030-04-26', 'Orthodox Good Friday', true),
    ('GE', '2030-04-27', 'Orthodox Holy Saturday', true),
    ('GE', '2030-04-28', 'Orthodox Easter Sunday', true),
    ('GE', '2030-04-29', 'Orthodox Easter Monday', true),
    ('GE', '2030-05-09', 'Day of Victory over Fascism', true),
    ('GE', '2030-05-12', 'Saint Andrew the First-Called Day', true),
    ('GE', '2030-05-17', 'Day of Family Sanctity and Respect for Parents', true),
    ('GE', '2030-05-26', 'Independence Day', true),
    ('GE', '2030-08-28', 'Assumption of Mary (Mariamoba)', true),
    ('GE', '2030-10-14', 'Svetitskhovloba', true),
    ('GE', '2030-11-23', 'Saint George''s Day (Giorgoba)', true);

-- The calendar changes whose leads are not re-planned yet: one row per
-- statement and tenant, with the due times it may move, and how far
-- followup.replan_calendar got.
CREATE TABLE followup.calendar_replan (
    tenant_id       bigint NOT NULL,
    queue_id        bigint GENERATED ALWAYS AS IDENTITY,
    due_from        timestamptz NOT NULL,
    due_until       timestamptz NOT NULL,
    after_tenant    bigint NOT NULL DEFAULT -1,
    after_lead      bigint NOT NULL DEFAULT 0,
    queued_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, queue_id)
);
CREATE INDEX calendar_replan_order_idx ON followup.calendar_replan (queue_id);
COMMENT ON INDEX followup.calendar_replan_order_idx IS 'the queue in the order of the changes';
COMMENT ON TABLE followup.calendar_replan IS 'calendar changes whose leads followup.replan_calendar (run by run_due) has not re-planned yet';
COMMENT ON COLUMN followup.calendar_replan.queue_id IS 'order of the changes';
COMMENT ON COLUMN followup.calendar_replan.tenant_id IS 'the tenant whose calendar changed (0: every tenant without one of its own)';
COMMENT ON COLUMN followup.calendar_replan.due_from IS 'the earliest due time the change may move';
COMMENT ON COLUMN followup.calendar_replan.due_until IS 'the due time up to which (not included) it may move them';
COMMENT ON COLUMN followup.calendar_replan.after_tenant IS 'the last lead re-planned: its tenant';
COMMENT ON COLUMN followup.calendar_replan.after_lead IS 'the last lead re-planned';
COMMENT ON COLUMN followup.calendar_replan.queued_at IS 'when the calendar changed';

-- A changed day D moves due times on D (in any zone: a day before and
-- after in UTC) and, removed, the ones it had pushed to the next working
-- day: a week later, more when days off follow each other.
CREATE FUNCTION followup.calendar_queue_replan() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO followup.calendar_replan (tenant_id, due_from, due_until)
        VALUES (0, '-infinity', 'infinity');
        RETURN NULL;
    END IF;
    -- (a transition table exists only in the statements of its event)
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO followup.calendar_replan (tenant_id, due_from, due_until)
        SELECT c.tenant_id, (min(c.day) - 1)::timestamp AT TIME ZONE 'UTC',
               (max(c.day) + 9 + count(*)::int)::timestamp AT TIME ZONE 'UTC'
        FROM new_days c GROUP BY c.tenant_id;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO followup.calendar_replan (tenant_id, due_from, due_until)
        SELECT c.tenant_id, (min(c.day) - 1)::timestamp AT TIME ZONE 'UTC',
               (max(c.day) + 9 + count(*)::int)::timestamp AT TIME ZONE 'UTC'
        FROM old_days c GROUP BY c.tenant_id;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.calendar_queue_replan() IS
    'trigger: queues the leads a calendar change may move for followup.replan_calendar';

CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
CREATE TRIGGER calendar_replan_insert AFTER INSERT ON followup.calendar
    REFERENCING NEW TABLE AS new_days
    FOR EACH STATEMENT EXECUTE FUNCTION followup.calendar_queue_replan();
CREATE TRIGGER calendar_replan_update AFTER UPDATE ON followup.calendar
    REFERENCING NEW TABLE AS new_days OLD TABLE AS old_days
    FOR EACH STATEMENT EXECUTE FUNCTION followup.calendar_queue_replan();
CREATE TRIGGER calendar_replan_delete AFTER DELETE ON followup.calendar
    REFERENCING OLD TABLE AS old_days
    FOR EACH STATEMENT EXECUTE FUNCTION followup.calendar_queue_replan();
CREATE TRIGGER calendar_replan_truncate AFTER TRUNCATE ON followup.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION followup.calendar_queue_replan();

CREATE FUNCTION followup.replan_calendar(as_of timestamptz DEFAULT now(), max_leads int DEFAULT 1000)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'followup_replan_calendar' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION followup.replan_calendar(timestamptz, int) IS
    're-plans at most max_leads leads due after as_of that the oldest queued calendar change may move (run_due calls it); returns the leads whose plan changed';

CREATE FUNCTION followup.non_working_day(tenant bigint, state followup.lead_state, timezone text, at timestamptz)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'followup_non_working_day' LANGUAGE C STABLE;
COMMENT ON FUNCTION followup.non_working_day(bigint, followup.lead_state, text, timestamptz) IS
    'is at, in the zone a lead of tenant in state is planned in (timezone, else the state''s policy''s), a day of the tenant''s calendar?';

CREATE FUNCTION followup.load_calendar(country text, timezone text DEFAULT NULL,
                                       from_day date DEFAULT NULL, until_day date DEFAULT NULL)
    RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    loaded bigint;
BEGIN
    IF country IS NULL OR NOT EXISTS (SELECT FROM followup.public_holiday h WHERE h.country = load_calendar.country) THEN
        RAISE EXCEPTION 'no public holidays of country "%"', country
            USING ERRCODE = '22023',
                  HINT = 'Known: ' || coalesce((SELECT string_agg(DISTINCT h.country, ', ') FROM followup.public_holiday h), 'none')
                         || '. Insert another country''s days into followup.public_holiday, or its days straight into followup.calendar.';
    END IF;
    INSERT INTO followup.calendar (day, timezone, name)
    SELECT h.day, load_calendar.timezone, h.name FROM followup.public_holiday h
    WHERE h.country = load_calendar.country
      AND (from_day IS NULL OR h.day >= from_day) AND (until_day IS NULL OR h.day <= until_day)
    ORDER BY h.day
    ON CONFLICT ON CONSTRAINT calendar_key DO NOTHING;
    GET DIAGNOSTICS loaded = ROW_COUNT;
    RETURN loaded;
END $$;
COMMENT ON FUNCTION followup.load_calendar(text, text, date, date) IS
    'copies a country''s public holidays (followup.public_holiday) between from_day and until_day into the current tenant''s calendar, for the leads planned in timezone (NULL: all of them); returns the days added';

ALTER TABLE followup.calendar ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_and_defaults_read ON followup.calendar FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.calendar
    USING (tenant_id = (SELECT followup.current_tenant()));
ALTER TABLE followup.calendar_replan ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.calendar_replan
    USING (tenant_id = (SELECT followup.current_tenant()));

SELECT pg_catalog.pg_extension_config_dump('followup.calendar', '');
SELECT pg_catalog.pg_extension_config_dump('followup.public_holiday', 'WHERE NOT shipped');

REVOKE ALL ON FUNCTION followup.calendar_queue_replan(), followup.replan_calendar(timestamptz, int),
    followup.non_working_day(bigint, followup.lead_state, text, timestamptz),
    followup.load_calendar(text, text, date, date) FROM PUBLIC;
