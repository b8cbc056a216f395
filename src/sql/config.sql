
-- followup: configuration tables.  Tenant 0 holds the shipped defaults; a
-- tenant's own rows override them (see docs/concepts.md, "Tenants").

CREATE TABLE followup.policy (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    state           followup.lead_state NOT NULL,
    cadence         followup.cadence NOT NULL,
    reply_within    interval NOT NULL DEFAULT '15 minutes',
    close_after     interval NOT NULL DEFAULT '3 days',
    on_exhausted    followup.lead_state NOT NULL DEFAULT 'lost',
    escalate_after  interval NOT NULL DEFAULT '2 hours',
    escalate_to     text,
    work_days       int[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',
    work_start      time NOT NULL DEFAULT '09:00',
    work_end        time NOT NULL DEFAULT '21:00',
    timezone        text NOT NULL DEFAULT 'UTC',
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, state),
    CONSTRAINT policy_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT policy_state_check CHECK (state NOT IN ('won', 'lost')),
    -- absurd durations are refused here rather than overflowing a due time later
    CONSTRAINT policy_reply_within_check CHECK (reply_within > interval '0' AND reply_within <= interval '30 days'),
    CONSTRAINT policy_close_after_check CHECK (close_after >= interval '0' AND close_after <= interval '10 years'),
    CONSTRAINT policy_escalate_after_check CHECK (escalate_after > interval '0' AND escalate_after <= interval '30 days'),
    CONSTRAINT policy_on_exhausted_check CHECK (on_exhausted <> 'new' AND on_exhausted <> state),
    CONSTRAINT policy_work_days_check CHECK (array_ndims(work_days) = 1 AND cardinality(work_days) BETWEEN 1 AND 7
        AND work_days <@ '{1,2,3,4,5,6,7}' AND array_position(work_days, NULL) IS NULL),
    CONSTRAINT policy_work_hours_check CHECK (work_start < work_end),
    CONSTRAINT policy_timezone_check CHECK (followup.check_timezone(timezone))
);
COMMENT ON TABLE followup.policy IS 'How each state is followed up, per tenant: one row per (tenant, state); tenant 0 holds the defaults';
COMMENT ON COLUMN followup.policy.tenant_id IS 'tenant; 0 = shipped defaults, used by every tenant without its own row for the state';
COMMENT ON COLUMN followup.policy.state IS 'the lead state this policy governs (not won or lost: terminal states have no follow-up)';
COMMENT ON COLUMN followup.policy.cadence IS 'planned touches, as offsets from the start of the silence';
COMMENT ON COLUMN followup.policy.reply_within IS 'how fast an inbound message must be answered in this state';
COMMENT ON COLUMN followup.policy.close_after IS 'how long after the last touch of a spent cadence the lead is closed or parked';
COMMENT ON COLUMN followup.policy.on_exhausted IS 'the state a lead moves to when its cadence is spent (usually recycle or lost)';
COMMENT ON COLUMN followup.policy.escalate_after IS 'how late a task may be before it is escalated; a touch within it of the due time is on time';
COMMENT ON COLUMN followup.policy.escalate_to IS 'who gets overdue tasks: the operator name claim_tasks is called with, which may then claim them too; NULL = the task is only marked escalated and stays with its assignee';
COMMENT ON COLUMN followup.policy.work_days IS 'ISO days of the week (1 = Monday … 7 = Sunday) on which touches may fall';
COMMENT ON COLUMN followup.policy.work_start IS 'start of the working window, local time';
COMMENT ON COLUMN followup.policy.work_end IS 'end of the working window, local time';
COMMENT ON COLUMN followup.policy.timezone IS 'time zone of the working window when the lead has none';
COMMENT ON COLUMN followup.policy.shipped IS 'true while the row is the extension''s unchanged default (such rows are left out of pg_dump)';

CREATE TABLE followup.step (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    state           followup.lead_state NOT NULL,
    step_no         int NOT NULL,
    channel         text NOT NULL DEFAULT 'messenger',
    purpose         text NOT NULL,
    action_code     text NOT NULL,
    template        text NOT NULL,
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, state, step_no),
    CONSTRAINT step_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT step_state_check CHECK (state NOT IN ('won', 'lost')),
    CONSTRAINT step_step_no_check CHECK (step_no BETWEEN 1 AND 32),
    CONSTRAINT step_purpose_check CHECK (purpose IN ('advance', 'clarify', 'close_loop')),
    CONSTRAINT step_channel_check CHECK (channel <> ''),
    CONSTRAINT step_action_code_check CHECK (action_code ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT step_template_check CHECK (followup.check_template(template))
);
COMMENT ON TABLE followup.step IS 'What each touch of a state says and why; the steps of installment_rejected are the Plan B matrix';
COMMENT ON COLUMN followup.step.tenant_id IS 'tenant; a tenant''s steps for a state replace all of tenant 0''s steps of that state';
COMMENT ON COLUMN followup.step.state IS 'the lead state';
COMMENT ON COLUMN followup.step.step_no IS 'touch number in the cadence (1-based); in installment_rejected, the Plan B option number';
COMMENT ON COLUMN followup.step.channel IS 'where the touch is made (messenger, call, email, ...)';
COMMENT ON COLUMN followup.step.purpose IS 'advance (move the sale on), clarify (remove a doubt) or close_loop (ask for a decision)';
COMMENT ON COLUMN followup.step.action_code IS 'a stable code for the action, for reports and integrations';
COMMENT ON COLUMN followup.step.template IS 'the message, with {{field}} and {{field|default}} filled from the lead (see followup.render)';
COMMENT ON COLUMN followup.step.shipped IS 'true while the row is the extension''s unchanged default (such rows are left out of pg_dump)';

CREATE TABLE followup.signal (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    kind            text NOT NULL,
    direction       text NOT NULL,
    weight          real NOT NULL DEFAULT 0,
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, kind),
    CONSTRAINT signal_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT signal_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT signal_direction_check CHECK (direction IN ('inbound', 'outbound', 'system')),
    CONSTRAINT signal_weight_check CHECK (weight >= 0 AND weight < 'Infinity')
);
COMMENT ON TABLE followup.signal IS 'The vocabulary of interaction kinds: an interaction''s kind must be a signal of its tenant or of tenant 0';
COMMENT ON COLUMN followup.signal.tenant_id IS 'tenant; a tenant''s row for a kind replaces tenant 0''s';
COMMENT ON COLUMN followup.signal.kind IS 'interaction kind, lower case (reply, proposal_viewed, message, ...)';
COMMENT ON COLUMN followup.signal.direction IS 'inbound (from the customer), outbound (a touch by us) or system (a fact such as a bank''s answer)';
COMMENT ON COLUMN followup.signal.weight IS 'momentum an inbound signal adds (momentum halves every followup.half_life)';
COMMENT ON COLUMN followup.signal.shipped IS 'true while the row is the extension''s unchanged default (such rows are left out of pg_dump)';

CREATE TABLE followup.rule (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    rule_id         bigint GENERATED BY DEFAULT AS IDENTITY,
    kind            text NOT NULL,
    from_state      followup.lead_state,
    to_state        followup.lead_state,
    effect          text NOT NULL,
    due_in          interval,
    min_momentum    real,
    close_reason    text,
    priority        int NOT NULL DEFAULT 100,
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, rule_id),
    CONSTRAINT rule_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT rule_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT rule_effect_check CHECK (effect IN ('restart', 'respond', 'touch', 'next_plan_b', 'close', 'none')),
    CONSTRAINT rule_to_state_check CHECK (to_state IS DISTINCT FROM 'new'),
    CONSTRAINT rule_close_check CHECK ((effect = 'close') = (to_state IS NOT NULL AND to_state IN ('won', 'lost'))),
    CONSTRAINT rule_close_reason_check CHECK (close_reason IS NULL OR effect = 'close'),
    CONSTRAINT rule_due_in_check CHECK (due_in IS NULL OR (due_in >= interval '0' AND due_in <= interval '1 year'
                                                           AND effect IN ('restart', 'next_plan_b'))),
    CONSTRAINT rule_min_momentum_check CHECK (min_momentum >= 0)
);
CREATE INDEX rule_kind_idx ON followup.rule (tenant_id, kind, priority);
COMMENT ON TABLE followup.rule IS 'What each signal means: the first matching rule (kind, from_state, momentum >= min_momentum; lowest priority first) is applied';
COMMENT ON COLUMN followup.rule.tenant_id IS 'tenant; if a tenant has any rule for a kind, only its own rules for that kind apply';
COMMENT ON COLUMN followup.rule.rule_id IS 'rule identifier; ties in priority are broken by it';
COMMENT ON COLUMN followup.rule.kind IS 'the interaction kind (a signal) this rule reads';
COMMENT ON COLUMN followup.rule.from_state IS 'the state the lead must be in; NULL = any';
COMMENT ON COLUMN followup.rule.to_state IS 'the state the lead moves to; NULL = keep';
COMMENT ON COLUMN followup.rule.effect IS 'restart (silence starts now), respond (we owe a reply), touch (an outbound contact), next_plan_b (next Plan B option at once), close (terminal), none (momentum only)';
COMMENT ON COLUMN followup.rule.due_in IS 'for restart and next_plan_b: the next touch is due this long after the interaction instead of by the cadence';
COMMENT ON COLUMN followup.rule.min_momentum IS 'the rule matches only when the lead''s momentum, this signal included, is at least this';
COMMENT ON COLUMN followup.rule.close_reason IS 'for close: the lead''s closed_reason (opt_out also sets do_not_contact)';
COMMENT ON COLUMN followup.rule.priority IS 'lower is tried first';
COMMENT ON COLUMN followup.rule.shipped IS 'true while the row is the extension''s unchanged default (such rows are left out of pg_dump)';

-- Shipped rows are left out of pg_dump, so that restoring a dump into a
-- fresh CREATE EXTENSION does not duplicate them; editing one makes it the
-- user's, and inserting a row with a shipped row's key replaces it.
CREATE FUNCTION followup.config_row_owned() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.shipped AND OLD.shipped AND NEW IS DISTINCT FROM OLD THEN
            NEW.shipped := false;
        END IF;
    ELSE
        EXECUTE format('DELETE FROM %I.%I WHERE (%s) = (%s) AND shipped',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME,
                       array_to_string(TG_ARGV, ', '),
                       (SELECT string_agg(format('$1.%I', c), ', ') FROM unnest(TG_ARGV) c))
        USING NEW;
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION followup.config_row_owned() IS
    'trigger: a changed shipped row becomes the user''s; an inserted row replaces a shipped row with the same key';

CREATE FUNCTION followup.config_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'followup_config_changed' LANGUAGE C;
COMMENT ON FUNCTION followup.config_changed() IS
    'trigger: tells every backend to reload its cached policies, steps, signals and rules at commit';

CREATE TRIGGER policy_owned BEFORE INSERT OR UPDATE ON followup.policy
    FOR EACH ROW EXECUTE FUNCTION followup.config_row_owned('tenant_id', 'state');
CREATE TRIGGER step_owned BEFORE INSERT OR UPDATE ON followup.step
    FOR EACH ROW EXECUTE FUNCTION followup.config_row_owned('tenant_id', 'state', 'step_no');
CREATE TRIGGER signal_owned BEFORE INSERT OR UPDATE ON followup.signal
    FOR EACH ROW EXECUTE FUNCTION followup.config_row_owned('tenant_id', 'kind');
CREATE TRIGGER rule_owned BEFORE INSERT OR UPDATE ON followup.rule
    FOR EACH ROW EXECUTE FUNCTION followup.config_row_owned('tenant_id', 'rule_id');

CREATE TRIGGER policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.policy
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
CREATE TRIGGER step_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.step
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
CREATE TRIGGER signal_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.signal
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
CREATE TRIGGER rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.rule
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();

-- A rule reads a kind that is a signal of its tenant or of tenant 0, as an
-- interaction's kind must be (a plain foreign key cannot say "or tenant
-- 0's"): a rule for an unknown kind would never fire.  A signal cannot go
-- while rules read it.  Both read with the writer's row security, which
-- shows a tenant's admin its own rows and tenant 0's, and the owner (the
-- only writer of tenant 0's rows) every tenant's.  The signal check is
-- deferred to commit, so that a shipped signal replaced by an INSERT (see
-- config_row_owned) or a signal and its rules dropped in one transaction
-- pass.  Neither checks while a dump is restored (check_function_bodies
-- off, as pg_dump sets it, and as CREATE FUNCTION skips its own checks):
-- a dump loads followup.rule before followup.signal.
CREATE FUNCTION followup.rule_kind_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT current_setting('check_function_bodies')::boolean THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT FROM followup.signal s
                   WHERE s.tenant_id IN (NEW.tenant_id, 0) AND s.kind = NEW.kind) THEN
        RAISE EXCEPTION 'rule % of tenant % is for unknown interaction kind "%"', NEW.rule_id, NEW.tenant_id, NEW.kind
            USING ERRCODE = '23503',
                  DETAIL = CASE WHEN NEW.tenant_id = 0 THEN format('"%s" is not a signal of tenant 0.', NEW.kind)
                           ELSE format('"%s" is not a signal of tenant %s or of tenant 0.', NEW.kind, NEW.tenant_id) END,
                  HINT = 'Add it to followup.signal first, or use a known kind such as reply or message.';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.rule_kind_check() IS
    'constraint trigger: a rule''s kind must be a signal of its tenant or of tenant 0 (23503 otherwise)';

CREATE FUNCTION followup.signal_in_use_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT current_setting('check_function_bodies')::boolean THEN
        RETURN NULL;
    END IF;
    -- the rules that read the kind for OLD's tenant (every tenant's, for
    -- tenant 0) and that no signal covers any more
    SELECT x.tenant_id, x.rule_id INTO r FROM followup.rule x
    WHERE x.kind = OLD.kind AND (x.tenant_id = OLD.tenant_id OR OLD.tenant_id = 0)
      AND NOT EXISTS (SELECT FROM followup.signal s WHERE s.tenant_id IN (x.tenant_id, 0) AND s.kind = x.kind)
    ORDER BY x.tenant_id, x.rule_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'signal "%" of tenant % is still used by rule % of tenant %', OLD.kind, OLD.tenant_id,
                        r.rule_id, r.tenant_id
            USING ERRCODE = '23503',
                  DETAIL = 'A rule''s kind must be a signal of its tenant or of tenant 0.',
                  HINT = format('Delete or change the rules for "%s" first, in the same transaction if you like.', OLD.kind);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION followup.signal_in_use_check() IS
    'constraint trigger: a signal that rules read cannot be deleted or renamed (23503), checked at commit';

CREATE CONSTRAINT TRIGGER rule_kind_known AFTER INSERT OR UPDATE OF tenant_id, kind ON followup.rule
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION followup.rule_kind_check();
CREATE CONSTRAINT TRIGGER signal_in_use AFTER DELETE OR UPDATE OF tenant_id, kind ON followup.signal
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION followup.signal_in_use_check();

SELECT pg_catalog.pg_extension_config_dump('followup.policy', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('followup.step', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('followup.signal', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('followup.rule', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('followup.rule', 'rule_id'), '');
