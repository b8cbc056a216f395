-- followup: contact pressure (docs/concepts.md, "Contact pressure").  Caps
-- on a lead's outbound touches in rolling windows and quiet hours in the
-- lead's zone, which the planner keeps our initiatives within (never an
-- owed reply); the moves it made; the followup.pressure report.

CREATE TABLE followup.contact_cap (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    per             interval NOT NULL,
    max_touches     int NOT NULL,
    PRIMARY KEY (tenant_id, per),
    CONSTRAINT contact_cap_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT contact_cap_per_check CHECK (per >= interval '1 minute' AND per <= interval '90 days'
        AND extract(month FROM per) = 0 AND extract(year FROM per) = 0),
    CONSTRAINT contact_cap_max_touches_check CHECK (max_touches BETWEEN 1 AND 32)
);
COMMENT ON TABLE followup.contact_cap IS 'At most max_touches outbound touches per lead in any window of length per: planned touches that would break a cap wait; a tenant with no rows uses tenant 0''s (shipped empty)';
COMMENT ON COLUMN followup.contact_cap.tenant_id IS 'tenant; a tenant''s caps replace all of tenant 0''s';
COMMENT ON COLUMN followup.contact_cap.per IS 'the rolling window (a day is 24 hours here), from 1 minute to 90 days';
COMMENT ON COLUMN followup.contact_cap.max_touches IS 'the most outbound touches a lead gets in any such window, 1 to 32';

CREATE TABLE followup.quiet_hours (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    starts          time NOT NULL,
    ends            time NOT NULL,
    PRIMARY KEY (tenant_id),
    CONSTRAINT quiet_hours_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT quiet_hours_check CHECK (starts <> ends)
);
COMMENT ON TABLE followup.quiet_hours IS 'Hours of the lead''s local day in which no touch of ours is planned (owed replies aside); a tenant without a row uses tenant 0''s (shipped none)';
COMMENT ON COLUMN followup.quiet_hours.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.quiet_hours.starts IS 'local time the quiet begins';
COMMENT ON COLUMN followup.quiet_hours.ends IS 'local time it ends (before starts: the next day, as 21:00-09:00)';

CREATE TRIGGER contact_cap_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.contact_cap
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
CREATE TRIGGER quiet_hours_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.quiet_hours
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();

-- Written by the planner (as the owner) when a cap or the quiet hours move
-- a lead's planned touch; once per lead and due time.
CREATE TABLE followup.pressure_move (
    tenant_id       bigint NOT NULL,
    lead_id         bigint NOT NULL,
    due_at          timestamptz NOT NULL,
    planned_at      timestamptz NOT NULL,
    reason          text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, lead_id, due_at)
);
CREATE INDEX pressure_move_day_idx ON followup.pressure_move (tenant_id, due_at);
COMMENT ON INDEX followup.pressure_move_day_idx IS 'moves by due time, for followup.pressure';
COMMENT ON TABLE followup.pressure_move IS 'planned touches moved by contact pressure: the time the cadence gave and the time they were moved to';
COMMENT ON COLUMN followup.pressure_move.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.pressure_move.lead_id IS 'lead';
COMMENT ON COLUMN followup.pressure_move.due_at IS 'the due time after the move';
COMMENT ON COLUMN followup.pressure_move.planned_at IS 'the due time the cadence (and working window) gave';
COMMENT ON COLUMN followup.pressure_move.reason IS 'what moved it: "2 touches in the last 24 h", "quiet hours 21:00-09:00"';
COMMENT ON COLUMN followup.pressure_move.recorded_at IS 'when the plan was made';

-- Per tenant and day (the session's time zone): the outbound touches, the
-- leads they brought to (or one short of) a cap, the touches beyond one
-- (made by hand: by chance, or by an operator ignoring the plan; an answer
-- to the customer never is), and the plans the caps moved to the day.
CREATE VIEW followup.pressure AS
WITH caps AS (
    SELECT t.tenant_id, c.per, c.max_touches
    FROM (SELECT DISTINCT i.tenant_id FROM followup.interaction i) t
    JOIN followup.contact_cap c
      ON c.tenant_id = CASE WHEN EXISTS (SELECT FROM followup.contact_cap o WHERE o.tenant_id = t.tenant_id)
                            THEN t.tenant_id ELSE 0 END),
directed AS (
    SELECT i.tenant_id, i.lead_id, i.interaction_id, i.occurred_at,
           (SELECT s.direction FROM followup.signal s
            WHERE s.tenant_id IN (i.tenant_id, 0) AND s.kind = i.kind
            ORDER BY s.tenant_id DESC LIMIT 1) AS direction
    FROM followup.interaction i),
outbound AS (
    SELECT d.tenant_id, d.lead_id, d.interaction_id, d.occurred_at,
           -- an answer: the customer wrote since our previous touch (caps never hold it)
           EXISTS (SELECT FROM directed r
                   WHERE r.tenant_id = d.tenant_id AND r.lead_id = d.lead_id AND r.direction = 'inbound'
                     AND (r.occurred_at, r.interaction_id) < (d.occurred_at, d.interaction_id)
                     AND NOT EXISTS (SELECT FROM directed w
                                     WHERE w.tenant_id = d.tenant_id AND w.lead_id = d.lead_id
                                       AND w.direction = 'outbound'
                                       AND (w.occurred_at, w.interaction_id) > (r.occurred_at, r.interaction_id)
                                       AND (w.occurred_at, w.interaction_id) < (d.occurred_at, d.interaction_id))) AS answer
    FROM directed d WHERE d.direction = 'outbound'),
counted AS (
    SELECT o.tenant_id, o.lead_id, o.interaction_id, o.occurred_at, o.answer, c.max_touches,
           (SELECT count(*) FROM outbound w
            WHERE w.tenant_id = o.tenant_id AND w.lead_id = o.lead_id
              AND w.occurred_at > o.occurred_at - c.per
              AND (w.occurred_at, w.interaction_id) <= (o.occurred_at, o.interaction_id)) AS in_window
    FROM outbound o JOIN caps c ON c.tenant_id = o.tenant_id),
touches AS (
    SELECT o.tenant_id, o.occurred_at::date AS day,
           count(*) AS touches,
           count(DISTINCT o.lead_id) FILTER (WHERE k.at_cap) AS leads_at_cap,
           count(DISTINCT o.lead_id) FILTER (WHERE k.near_cap) AS leads_near_cap,
           count(*) FILTER (WHERE k.beyond) AS beyond_cap,
           count(DISTINCT o.lead_id) FILTER (WHERE k.beyond) AS leads_beyond_cap
    FROM outbound o
    CROSS JOIN LATERAL (
        SELECT coalesce(bool_or(x.in_window >= x.max_touches), false) AS at_cap,
               coalesce(bool_or(x.in_window = x.max_touches - 1), false) AS near_cap,
               coalesce(bool_or(x.in_window > x.max_touches AND NOT x.answer), false) AS beyond
        FROM counted x WHERE x.tenant_id = o.tenant_id AND x.interaction_id = o.interaction_id) k
    GROUP BY 1, 2),
moves AS (
    SELECT m.tenant_id, m.due_at::date AS day, count(*) AS moved
    FROM followup.pressure_move m GROUP BY 1, 2)
SELECT coalesce(t.tenant_id, m.tenant_id) AS tenant_id, coalesce(t.day, m.day) AS day,
       coalesce(t.touches, 0) AS touches, coalesce(t.leads_at_cap, 0) AS leads_at_cap,
       coalesce(t.leads_near_cap, 0) AS leads_near_cap, coalesce(m.moved, 0) AS moved_by_caps,
       coalesce(t.beyond_cap, 0) AS beyond_cap, coalesce(t.leads_beyond_cap, 0) AS leads_beyond_cap
FROM touches t FULL JOIN moves m ON m.tenant_id = t.tenant_id AND m.day = t.day;
COMMENT ON VIEW followup.pressure IS 'contact pressure per tenant and day (session time zone): outbound touches, leads brought to or one short of a cap, planned touches the caps moved to the day, touches made beyond a cap';
COMMENT ON COLUMN followup.pressure.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.pressure.day IS 'the day of the touches, and the day the moved touches were moved to';
COMMENT ON COLUMN followup.pressure.touches IS 'outbound touches made that day';
COMMENT ON COLUMN followup.pressure.leads_at_cap IS 'leads a touch of the day brought to a cap (N touches in its window) or beyond';
COMMENT ON COLUMN followup.pressure.leads_near_cap IS 'leads a touch of the day brought to one touch short of a cap';
COMMENT ON COLUMN followup.pressure.moved_by_caps IS 'plans a cap or the quiet hours moved to the day (followup.pressure_move)';
COMMENT ON COLUMN followup.pressure.beyond_cap IS 'touches made beyond a cap, answers to the customer aside: by hand, by chance or by an operator ignoring the plan';
COMMENT ON COLUMN followup.pressure.leads_beyond_cap IS 'leads touched beyond a cap that day';

ALTER TABLE followup.contact_cap ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_and_defaults_read ON followup.contact_cap FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.contact_cap
    USING (tenant_id = (SELECT followup.current_tenant()));
ALTER TABLE followup.quiet_hours ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_and_defaults_read ON followup.quiet_hours FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.quiet_hours
    USING (tenant_id = (SELECT followup.current_tenant()));
ALTER TABLE followup.pressure_move ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON followup.pressure_move
    USING (tenant_id = (SELECT followup.current_tenant()));
ALTER VIEW followup.pressure SET (security_invoker = true);

SELECT pg_catalog.pg_extension_config_dump('followup.contact_cap', '');
SELECT pg_catalog.pg_extension_config_dump('followup.quiet_hours', '');
