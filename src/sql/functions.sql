
-- followup: the planner and the helpers a CRM calls.

CREATE FUNCTION followup.plan_next_touch(
    state followup.lead_state,
    anchor_at timestamptz,
    touches int,
    plan_b_step int DEFAULT NULL,
    last_outbound_at timestamptz DEFAULT NULL,
    reply_owed_since timestamptz DEFAULT NULL,
    timezone text DEFAULT NULL,
    OUT next_action followup.next_action,
    OUT due_at timestamptz,
    OUT step_no int)
    AS 'MODULE_PATHNAME', 'followup_plan_next_touch' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION followup.plan_next_touch(followup.lead_state, timestamptz, int, int, timestamptz, timestamptz, text) IS
    'the planner alone: the next action of a lead in this state and when it is due, with the current tenant''s policies (the triggers use the same code)';

CREATE FUNCTION followup.render(template text, vars jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'followup_render' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION followup.render(text, jsonb) IS
    'fill {{field}} and {{field|default}} from a JSON object; a missing field without a default is an error naming it';

CREATE FUNCTION followup.momentum(lead_id bigint, as_of timestamptz DEFAULT now()) RETURNS real
    AS 'MODULE_PATHNAME', 'followup_momentum' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.momentum(bigint, timestamptz) IS
    'the lead''s momentum at as_of: inbound signal weights, halving every followup.half_life';

CREATE FUNCTION followup.preview(lead_id bigint)
    RETURNS TABLE (step_no int, next_action followup.next_action, due_at timestamptz,
                   channel text, purpose text, action_code text, message text, render_error text,
                   moved_by text)
    AS 'MODULE_PATHNAME', 'followup_preview' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION followup.preview(bigint) IS
    'the touches still planned for the lead if the silence continues, with due times and rendered messages, up to the close, and what contact pressure moved each by';
