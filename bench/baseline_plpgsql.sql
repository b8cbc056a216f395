-- bench/baseline_plpgsql.sql - followup's interaction path written in
-- PL/pgSQL, as a competent developer would write it without the extension's
-- C: the baseline that the triggers' ingest speed is compared with.
--
-- Schema plbase: lead, task, interaction and state_change shaped like
-- followup's (same columns, defaults, constraints, indexes and foreign keys),
-- with PL/pgSQL triggers that do what src/triggers.c and src/planner.c do:
--   * a new lead is planned; a CRM's state change starts the state over; a
--     changed anchor, touch count, Plan B step or time zone is re-planned;
--   * an interaction locks its lead, is stamped (state_at, touches_at,
--     plan_b_step_at, applied, rule_id, by_rule, task_id), updates momentum
--     and last_*_at, applies the first matching rule, re-plans, fulfils or
--     supersedes the lead's live task and logs a state change;
--   * an interaction older than the lead's last event changes nothing.
-- Configuration is read from followup.policy, step, signal and rule with
-- the same overrides (a tenant's rows over tenant 0's), on every call: only
-- PL/pgSQL's own plan cache, nothing kept between calls.  The cadence is
-- read through its interval[] cast; the planner and the rules are here.
--
-- Not reproduced, because the benchmark and the equivalence replay send one
-- interaction per statement: the reordering of one multi-row INSERT or COPY
-- by occurred_at (src/statement_batch.c).
--
-- Needs the followup extension in the same database; run it with psql.

CREATE SCHEMA plbase;

CREATE TABLE plbase.lead (LIKE followup.lead INCLUDING ALL);
CREATE TABLE plbase.task (LIKE followup.task INCLUDING ALL);
ALTER TABLE plbase.task
    ADD FOREIGN KEY (tenant_id, lead_id) REFERENCES plbase.lead ON DELETE CASCADE;
CREATE TABLE plbase.interaction (LIKE followup.interaction INCLUDING ALL);
ALTER TABLE plbase.interaction
    ADD FOREIGN KEY (tenant_id, lead_id) REFERENCES plbase.lead ON DELETE CASCADE,
    ADD FOREIGN KEY (tenant_id, task_id) REFERENCES plbase.task ON DELETE SET NULL (task_id);
CREATE TABLE plbase.state_change (LIKE followup.state_change INCLUDING ALL);
-- checked at commit: a new lead's row is logged before it exists
ALTER TABLE plbase.state_change
    ADD FOREIGN KEY (tenant_id, lead_id) REFERENCES plbase.lead ON DELETE CASCADE
    DEFERRABLE INITIALLY DEFERRED;

-- t + iv with the months and days of iv on the calendar of zone ("3d" is
-- the same local time three days later, across DST), then its time part;
-- an interval of hours and minutes is an exact duration.  Plain SQL, STABLE
-- (as timestamptz + interval is) and not STRICT, so that the planner inlines
-- it into its callers' expressions.
CREATE FUNCTION plbase.add_in_zone(t timestamptz, iv interval, zone text)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.date_trunc('day', iv) = interval '0' THEN t + iv
                ELSE ((t AT TIME ZONE zone) + pg_catalog.date_trunc('day', iv)) AT TIME ZONE zone
                     + (iv - pg_catalog.date_trunc('day', iv))
           END
$$;

-- The first moment at or after t inside the policy's working window, local
-- time in zone.
CREATE FUNCTION plbase.into_working_window(t timestamptz, p followup.policy, zone text)
    RETURNS timestamptz
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    local_t timestamp;
    local_day date;
BEGIN
    IF p.work_days @> '{1,2,3,4,5,6,7}' AND p.work_start = time '00:00' AND p.work_end = time '24:00' THEN
        RETURN t;               -- every day, all day
    END IF;
    local_t := t AT TIME ZONE zone;
    FOR d IN 0..7 LOOP
        local_day := local_t::date + d;
        CONTINUE WHEN NOT (extract(isodow FROM local_day)::int = ANY (p.work_days));
        IF d > 0 OR local_t::time < p.work_start THEN
            RETURN (local_day + p.work_start) AT TIME ZONE zone;
        END IF;
        IF local_t::time < p.work_end THEN
            RETURN t;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'working window has no working day';
END
$$;

-- The planner: the next action of a lead in a state governed by policy p,
-- and when it is due.  Awaiting our reply: reply.  Else, while the cadence
-- (and in installment_rejected the Plan B options) last: the next touch, at
-- max(anchor + offset[k+1], last touch + (offset[k+1] - offset[k])).  Else
-- close, last touch + close_after.  Always moved into the working window.
CREATE FUNCTION plbase.plan_next_touch(
    p followup.policy, tenant bigint, lead_state followup.lead_state, anchor timestamptz,
    n_touches int, b_step int, last_outbound timestamptz, reply_owed boolean,
    reply_owed_since timestamptz, zone text,
    OUT action followup.next_action, OUT due timestamptz)
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    k int := greatest(n_touches, 0);
    last_touch timestamptz := anchor;
    offsets interval[];
    next_offset interval;
    prev_offset interval;
BEGIN
    IF reply_owed THEN
        action := 'reply';
        due := plbase.into_working_window(plbase.add_in_zone(reply_owed_since, p.reply_within, zone), p, zone);
        RETURN;
    END IF;

    IF k > 0 AND last_outbound > anchor THEN
        last_touch := last_outbound;
    END IF;
    offsets := p.cadence::interval[];
    IF k < pg_catalog.cardinality(offsets)
       AND (lead_state <> 'installment_rejected'
            -- the Plan B option exists: the tenant's steps for the state, else tenant 0's
            OR EXISTS (SELECT 1 FROM followup.step s
                       WHERE s.tenant_id IN (tenant, 0) AND s.state = lead_state AND s.step_no = b_step
                         AND (s.tenant_id = tenant
                              OR NOT EXISTS (SELECT 1 FROM followup.step o
                                             WHERE o.tenant_id = tenant AND o.state = lead_state))))
    THEN
        next_offset := offsets[k + 1];
        prev_offset := CASE WHEN k > 0 THEN offsets[k] ELSE interval '0' END;
        action := CASE lead_state WHEN 'installment_rejected' THEN 'plan_b'
                                  WHEN 'recycle' THEN 'reactivate'
                                  WHEN 'lost' THEN 'reactivate'
                                  ELSE 'followup' END;
        due := plbase.into_working_window(
                   greatest(plbase.add_in_zone(anchor, next_offset, zone),
                            plbase.add_in_zone(last_touch, next_offset - prev_offset, zone)),
                   p, zone);
        RETURN;
    END IF;

    IF lead_state IN ('won', 'lost') THEN
        RETURN;                 -- after-sale or win-back spent: parked for good
    END IF;
    action := 'close';
    due := plbase.into_working_window(plbase.add_in_zone(last_touch, p.close_after, zone), p, zone);
END
$$;

-- The lead with its next_action and next_followup_at planned; due_hint (a
-- rule's due_in, or "at once") replaces the due time of a touch.
CREATE FUNCTION plbase.replan(l plbase.lead, reply_owed boolean, due_hint timestamptz)
    RETURNS plbase.lead
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    p followup.policy;
    zone text;
    plan record;
BEGIN
    -- the tenant's policy for the state, else tenant 0's
    SELECT * INTO p FROM followup.policy po
    WHERE po.tenant_id IN (l.tenant_id, 0) AND po.state = l.state
    ORDER BY po.tenant_id DESC LIMIT 1;
    -- won and lost: only an enabled after-sale or win-back policy plans,
    -- and never for a lead that opted out
    IF l.state IN ('won', 'lost') AND (NOT FOUND OR NOT p.enabled OR l.do_not_contact) THEN
        l.next_action := NULL;
        l.next_followup_at := NULL;
        RETURN l;
    END IF;
    IF NOT FOUND OR NOT p.enabled THEN
        RAISE EXCEPTION 'no follow-up policy for state "%" in tenant %', l.state, l.tenant_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Insert a row into followup.policy for the state, for this tenant or for tenant 0.';
    END IF;
    zone := coalesce(l.timezone, p.timezone);
    plan := plbase.plan_next_touch(p, l.tenant_id, l.state, l.anchor_at, l.touches, l.plan_b_step,
                                   l.last_outbound_at, reply_owed,
                                   coalesce(l.last_inbound_at, l.anchor_at), zone);
    IF due_hint IS NOT NULL AND plan.action NOT IN ('reply', 'close') THEN
        plan.due := plbase.into_working_window(due_hint, p, zone);
    END IF;
    l.next_action := plan.action;
    l.next_followup_at := plan.due;
    RETURN l;
END
$$;

-- The time zone of a state's policy for a tenant (a rule's due_in counts in it).
CREATE FUNCTION plbase.policy_zone(tenant bigint, lead_state followup.lead_state) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text;
BEGIN
    SELECT po.timezone INTO zone FROM followup.policy po
    WHERE po.tenant_id IN (tenant, 0) AND po.state = lead_state
    ORDER BY po.tenant_id DESC LIMIT 1;
    RETURN zone;
END
$$;

-- BEFORE INSERT OR UPDATE ON plbase.lead, for the CRM's own writes only (the
-- interaction trigger writes a lead it has planned itself: see WHEN below).
CREATE FUNCTION plbase.lead_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz;
    reason text;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.updated_at < now() THEN
        RETURN NEW;             -- a copy of an existing row keeps its plan
    END IF;
    IF NEW.tenant_id IS NULL OR NEW.lead_id IS NULL OR NEW.state IS NULL
       OR NEW.touches IS NULL OR NEW.created_at IS NULL THEN
        RETURN NEW;             -- its NOT NULL constraint refuses it
    END IF;

    IF TG_OP = 'INSERT' THEN
        NEW.state_since := coalesce(NEW.state_since, NEW.created_at);
        NEW.anchor_at := coalesce(NEW.anchor_at, NEW.state_since);
        NEW.plan_b_step := CASE WHEN NEW.state = 'installment_rejected' THEN coalesce(NEW.plan_b_step, 1) END;
        NEW := plbase.replan(NEW, false, NULL);
        NEW.updated_at := now();
        INSERT INTO plbase.state_change (tenant_id, lead_id, changed_at, from_state, to_state, interaction_id)
        VALUES (NEW.tenant_id, NEW.lead_id, NEW.state_since, NULL, NEW.state, NULL);
        RETURN NEW;
    END IF;

    IF NEW.state IS DISTINCT FROM OLD.state THEN
        -- a new state starts over, at the state_since given with it, else now
        IF NEW.state = 'new' THEN
            RAISE EXCEPTION 'lead % cannot move back to state "new"', NEW.lead_id
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is in state "%s"; "new" is only for leads that just arrived.', OLD.state),
                      HINT = 'Move it to hot, warm or thinking instead.';
        END IF;
        at := CASE WHEN NEW.state_since IS DISTINCT FROM OLD.state_since AND NEW.state_since IS NOT NULL
                   THEN NEW.state_since ELSE now() END;
        -- a reason set with the move is kept for a closed or parked lead
        reason := CASE WHEN NEW.closed_reason IS DISTINCT FROM OLD.closed_reason THEN NEW.closed_reason END;
        NEW.state_since := at;
        NEW.anchor_at := at;
        NEW.touches := 0;
        NEW.plan_b_step := CASE WHEN NEW.state = 'installment_rejected' THEN 1 END;
        NEW.closed_reason := CASE WHEN NEW.state IN ('recycle', 'won', 'lost') THEN reason END;
        -- the stay's reason: only one the same UPDATE gives
        NEW.reason := CASE WHEN NEW.reason IS DISTINCT FROM OLD.reason THEN NEW.reason END;
        NEW := plbase.replan(NEW, false, NULL);
        UPDATE plbase.task t SET status = 'superseded'
        WHERE t.tenant_id = NEW.tenant_id AND t.lead_id = NEW.lead_id AND t.status IN ('open', 'claimed');
        INSERT INTO plbase.state_change (tenant_id, lead_id, changed_at, from_state, to_state, interaction_id)
        VALUES (NEW.tenant_id, NEW.lead_id, NEW.state_since, OLD.state, NEW.state, NULL);
    ELSIF NEW.anchor_at IS DISTINCT FROM OLD.anchor_at OR NEW.touches IS DISTINCT FROM OLD.touches
          OR NEW.plan_b_step IS DISTINCT FROM OLD.plan_b_step OR NEW.timezone IS DISTINCT FROM OLD.timezone
          OR (NEW.state IN ('won', 'lost') AND NEW.do_not_contact IS DISTINCT FROM OLD.do_not_contact) THEN
        NEW := plbase.replan(NEW, coalesce(OLD.next_action = 'reply', false), NULL);
        IF NEW.next_action IS DISTINCT FROM OLD.next_action
           OR NEW.next_followup_at IS DISTINCT FROM OLD.next_followup_at THEN
            UPDATE plbase.task t SET status = 'superseded'
            WHERE t.tenant_id = NEW.tenant_id AND t.lead_id = NEW.lead_id AND t.status IN ('open', 'claimed');
        END IF;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- BEFORE INSERT ON plbase.interaction: signal -> rule -> lead -> plan.
CREATE FUNCTION plbase.interaction_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := NEW.occurred_at;
    sig record;
    r record;
    l plbase.lead;
    old_state followup.lead_state;
    old_action followup.next_action;
    old_due timestamptz;
    reply_owed boolean;
    replan boolean := false;
    is_touch boolean := false;
    final_kept boolean;
    kept_anchor timestamptz;
    kept_touches int;
    next_option int;
    due_hint timestamptz;
    elapsed float8;
    half_life float8;
    done_task bigint;
BEGIN
    IF NEW.applied IS NOT NULL THEN
        RETURN NEW;             -- history copied back (a restore): kept as it is
    END IF;
    IF NEW.tenant_id IS NULL OR NEW.interaction_id IS NULL OR NEW.lead_id IS NULL
       OR at IS NULL OR NEW.kind IS NULL THEN
        RETURN NEW;             -- its NOT NULL constraint refuses it
    END IF;

    -- the tenant's signal for the kind, else tenant 0's
    SELECT s.direction, s.weight INTO sig
    FROM followup.signal s
    WHERE s.tenant_id IN (NEW.tenant_id, 0) AND s.kind = NEW.kind
    ORDER BY s.tenant_id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown interaction kind "%"', NEW.kind
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('"%s" is not a signal of tenant %s or of tenant 0.', NEW.kind, NEW.tenant_id);
    END IF;
    IF NEW.reason IS NOT NULL AND NOT EXISTS (SELECT 1 FROM followup.reason rs
                                              WHERE rs.tenant_id IN (NEW.tenant_id, 0) AND rs.reason = NEW.reason) THEN
        RAISE EXCEPTION 'unknown reason "%"', NEW.reason
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('"%s" is not a reason of tenant %s or of tenant 0.', NEW.reason, NEW.tenant_id);
    END IF;
    IF NOT isfinite(at) THEN
        RAISE EXCEPTION 'occurred_at of an interaction must be finite' USING ERRCODE = 'datetime_field_overflow';
    END IF;

    SELECT * INTO l FROM plbase.lead ld
    WHERE ld.tenant_id = NEW.tenant_id AND ld.lead_id = NEW.lead_id
    FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'lead % of tenant % does not exist', NEW.lead_id, NEW.tenant_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    -- stamps: the lead as it was just before this interaction
    NEW.state_at := l.state;
    NEW.touches_at := l.touches;
    NEW.plan_b_step_at := l.plan_b_step;
    NEW.rule_id := NULL;
    NEW.by_rule := NULL;        -- only for touches

    IF l.last_event_at IS NOT NULL AND at < l.last_event_at THEN
        -- late: recorded, changes nothing, and a late touch fulfils nothing
        NEW.applied := false;
        IF sig.direction = 'outbound' THEN
            NEW.by_rule := false;
        END IF;
        RETURN NEW;
    END IF;
    NEW.applied := true;

    old_state := l.state;
    kept_anchor := l.anchor_at;
    kept_touches := l.touches;
    old_action := l.next_action;
    old_due := l.next_followup_at;
    reply_owed := coalesce(l.next_action = 'reply', false);
    l.last_event_at := at;
    IF sig.direction = 'inbound' THEN
        -- momentum halves every followup.half_life (its default until the
        -- followup library, which defines it, is loaded), then the signal's weight
        half_life := extract(epoch FROM coalesce(pg_catalog.current_setting('followup.half_life', true), '3 days')::interval);
        elapsed := CASE WHEN l.momentum_at IS NULL THEN 0
                        ELSE extract(epoch FROM at - l.momentum_at) END;
        l.momentum := (CASE WHEN elapsed > 0 AND l.momentum <> 0
                            THEN l.momentum::float8 * power(2::float8, -elapsed / half_life)
                            ELSE l.momentum::float8 END + sig.weight::float8)::real;
        l.momentum_at := at;
        l.last_inbound_at := at;
    ELSIF sig.direction = 'outbound' THEN
        l.last_outbound_at := at;
    END IF;

    -- the first matching rule: the tenant's own rules for the kind if it has
    -- any, else tenant 0's
    SELECT ru.rule_id, ru.from_state, ru.to_state, ru.effect, ru.due_in, ru.close_reason INTO r
    FROM followup.rule ru
    WHERE ru.tenant_id = CASE WHEN EXISTS (SELECT 1 FROM followup.rule o
                                           WHERE o.tenant_id = NEW.tenant_id AND o.kind = NEW.kind)
                              THEN NEW.tenant_id ELSE 0 END
      AND ru.kind = NEW.kind
      AND (ru.from_state IS NULL OR ru.from_state = l.state)
      AND (ru.min_momentum IS NULL OR l.momentum >= ru.min_momentum)
    ORDER BY ru.priority, ru.rule_id
    LIMIT 1;

    IF FOUND THEN
        NEW.rule_id := r.rule_id;
        -- won and lost stay final unless the rule was written for them
        final_kept := l.state IN ('won', 'lost') AND r.from_state IS NULL;
        IF NOT final_kept AND r.to_state IS NOT NULL AND r.to_state <> l.state THEN
            -- the state's bookkeeping starts over
            l.state := r.to_state;
            l.state_since := at;
            l.anchor_at := at;
            l.touches := 0;
            l.plan_b_step := CASE WHEN r.to_state = 'installment_rejected' THEN 1 END;
            IF r.to_state NOT IN ('recycle', 'won', 'lost') THEN
                l.closed_reason := NULL;
            END IF;
            l.reason := NULL;   -- a reason belongs to its stay
            reply_owed := false;
            replan := true;
        END IF;

        CASE r.effect
            WHEN 'restart' THEN
                l.anchor_at := at;
                l.touches := 0;
                reply_owed := false;
                IF r.due_in IS NOT NULL THEN
                    due_hint := plbase.add_in_zone(at, r.due_in, coalesce(l.timezone, plbase.policy_zone(l.tenant_id, l.state)));
                END IF;
                replan := true;
            WHEN 'respond' THEN
                reply_owed := true;
                l.touches := 0;
                replan := true;
            WHEN 'touch' THEN
                is_touch := true;
                IF reply_owed THEN
                    -- this touch is the reply: the silence starts now
                    reply_owed := false;
                    l.anchor_at := at;
                    -- a new lead that got our answer is in a conversation: warm
                    IF l.state = 'new' THEN
                        l.state := 'warm';
                        l.state_since := at;
                        l.touches := 0;
                        l.plan_b_step := NULL;
                        l.closed_reason := NULL;
                        l.reason := NULL;
                    END IF;
                    replan := true;
                ELSIF l.state = 'installment_rejected' AND l.next_action = 'plan_b'
                      AND at < l.next_followup_at THEN
                    NULL;       -- not the Plan B offer (not due yet): the plan stays
                ELSE
                    l.touches := l.touches + 1;
                    IF l.state = 'installment_rejected' AND l.plan_b_step > 0 THEN
                        l.plan_b_step := l.plan_b_step + 1;
                    END IF;
                    replan := true;
                END IF;
            WHEN 'next_plan_b' THEN
                -- the customer declined the option on the table: the next one now
                l.anchor_at := at;
                l.touches := 0;
                reply_owed := false;
                due_hint := CASE WHEN r.due_in IS NULL THEN at
                                 ELSE plbase.add_in_zone(at, r.due_in, coalesce(l.timezone, plbase.policy_zone(l.tenant_id, l.state)))
                            END;
                replan := true;
            WHEN 'close' THEN
                IF NOT final_kept THEN
                    l.closed_reason := r.close_reason;
                END IF;
                IF r.close_reason = 'opt_out' THEN
                    l.do_not_contact := true;
                END IF;
                replan := true;
            ELSE
                NULL;           -- none: momentum only
        END CASE;

        -- after the sale (and in a win-back) the cadence counts from the
        -- sale; only a new sale starts it over
        IF final_kept THEN
            IF l.state = 'won' AND r.effect = 'close' AND r.to_state = 'won' THEN
                l.anchor_at := at;
                l.touches := 0;
            ELSE
                l.anchor_at := kept_anchor;
                IF r.effect <> 'touch' OR old_action = 'reply' THEN
                    l.touches := kept_touches;
                END IF;
            END IF;
        END IF;
        IF NEW.reason IS NOT NULL THEN
            l.reason := NEW.reason;
            -- Plan B ordered by reason: the next option that lists it
            IF l.state = 'installment_rejected' AND l.plan_b_step > 0
               AND (r.effect = 'next_plan_b' OR l.state_since = at) THEN
                SELECT s.step_no INTO next_option FROM followup.step s
                WHERE s.tenant_id IN (l.tenant_id, 0) AND s.state = 'installment_rejected'
                  AND (s.tenant_id = l.tenant_id
                       OR NOT EXISTS (SELECT 1 FROM followup.step o
                                      WHERE o.tenant_id = l.tenant_id AND o.state = 'installment_rejected'))
                  AND s.step_no >= l.plan_b_step AND NEW.reason = ANY (s.reasons)
                ORDER BY s.step_no LIMIT 1;
                IF FOUND THEN
                    l.plan_b_step := next_option;
                END IF;
            END IF;
        END IF;

        IF replan THEN
            l := plbase.replan(l, reply_owed, due_hint);
        END IF;
    ELSIF NEW.reason IS NOT NULL THEN
        l.reason := NEW.reason;
    END IF;

    IF is_touch THEN
        -- an outbound touch fulfils the lead's live task, named or not
        UPDATE plbase.task t SET status = 'done', done_at = at, claimed_by = coalesce(t.claimed_by, NEW.operator)
        WHERE t.tenant_id = NEW.tenant_id AND t.lead_id = NEW.lead_id AND t.status IN ('open', 'claimed')
        RETURNING t.task_id INTO done_task;
        NEW.by_rule := done_task IS NOT NULL;
        IF done_task IS NOT NULL THEN
            NEW.task_id := done_task;
        END IF;
    ELSIF l.next_action IS DISTINCT FROM old_action OR l.next_followup_at IS DISTINCT FROM old_due THEN
        UPDATE plbase.task t SET status = 'superseded'
        WHERE t.tenant_id = NEW.tenant_id AND t.lead_id = NEW.lead_id AND t.status IN ('open', 'claimed');
    END IF;

    UPDATE plbase.lead ld
    SET state = l.state, state_since = l.state_since, anchor_at = l.anchor_at, touches = l.touches,
        plan_b_step = l.plan_b_step, next_action = l.next_action, next_followup_at = l.next_followup_at,
        last_inbound_at = l.last_inbound_at, last_outbound_at = l.last_outbound_at,
        last_event_at = l.last_event_at, momentum = l.momentum, momentum_at = l.momentum_at,
        do_not_contact = l.do_not_contact, closed_reason = l.closed_reason, reason = l.reason, updated_at = now()
    WHERE ld.tenant_id = l.tenant_id AND ld.lead_id = l.lead_id;
    IF l.state <> old_state THEN
        INSERT INTO plbase.state_change (tenant_id, lead_id, changed_at, from_state, to_state, interaction_id)
        VALUES (l.tenant_id, l.lead_id, l.state_since, old_state, l.state, NEW.interaction_id);
    END IF;
    RETURN NEW;
END
$$;

-- The CRM's writes only: at depth 0.  The interaction trigger's UPDATE of a
-- lead it has planned (depth 1) needs no second planning.
CREATE TRIGGER lead_plan BEFORE INSERT OR UPDATE ON plbase.lead
    FOR EACH ROW WHEN (pg_catalog.pg_trigger_depth() = 0) EXECUTE FUNCTION plbase.lead_trigger();
CREATE TRIGGER interaction_apply BEFORE INSERT ON plbase.interaction
    FOR EACH ROW EXECUTE FUNCTION plbase.interaction_trigger();
