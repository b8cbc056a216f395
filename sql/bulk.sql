--
-- Bulk loads (INSERT ... SELECT, COPY) of interactions for many leads end in
-- the same lead states as inserting them one by one in occurred_at order.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- the same 40 leads in two tenants
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state)
SELECT t, 'lead' || i, '2026-11-01 09:00+00'::timestamptz + i * interval '7 minutes',
       (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + i % 4]::followup.lead_state
FROM generate_series(1, 40) i, (VALUES (201), (202)) v(t);

-- a history: 12 interactions per lead over three weeks, in a mixed-up order
CREATE TEMP TABLE history AS
SELECT i AS lead_no, n,
       '2026-11-01 10:00+00'::timestamptz + ((i * 37 + n * 101) % 500) * interval '1 hour' AS occurred_at,
       (ARRAY['reply', 'message', 'think_about_it', 'proposal_viewed', 'message', 'call_unanswered',
              'installment_rejected', 'message', 'plan_b_declined', 'message', 'link_clicked',
              'email_opened', 'meeting_booked', 'meeting_missed', 'message', 'order'])
           [1 + (i * 7 + n * 5) % 16] AS kind
FROM generate_series(1, 40) i, generate_series(1, 12) n;

-- tenant 201: one by one, in occurred_at order
DO $$
DECLARE h record;
BEGIN
    FOR h IN SELECT * FROM history ORDER BY occurred_at, lead_no, n LOOP
        INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
        SELECT 201, lead_id, h.occurred_at, h.kind FROM followup.lead
        WHERE tenant_id = 201 AND external_ref = 'lead' || h.lead_no;
    END LOOP;
END $$;

-- tenant 202: one INSERT ... SELECT, rows in reverse time order
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT 202, l.lead_id, h.occurred_at, h.kind
FROM history h JOIN followup.lead l ON l.tenant_id = 202 AND l.external_ref = 'lead' || h.lead_no
ORDER BY h.occurred_at DESC, h.lead_no, h.n DESC;

CREATE TEMP VIEW final AS
SELECT tenant_id, external_ref, state, state_since, anchor_at, touches, plan_b_step, next_action,
       next_followup_at, last_inbound_at, last_outbound_at, last_event_at,
       round(momentum::numeric, 4) AS momentum, do_not_contact, closed_reason
FROM followup.lead WHERE tenant_id IN (201, 202);

-- the histories did real work: states spread out
SELECT state, count(*) FROM final WHERE tenant_id = 201 GROUP BY state ORDER BY state;
-- and both ways agree on every lead
SELECT count(*) AS leads_that_differ FROM (
    (SELECT external_ref, state, state_since, anchor_at, touches, plan_b_step, next_action, next_followup_at,
            last_inbound_at, last_outbound_at, last_event_at, momentum, do_not_contact, closed_reason
     FROM final WHERE tenant_id = 201
     EXCEPT
     SELECT external_ref, state, state_since, anchor_at, touches, plan_b_step, next_action, next_followup_at,
            last_inbound_at, last_outbound_at, last_event_at, momentum, do_not_contact, closed_reason
     FROM final WHERE tenant_id = 202)) d;
-- the stamps agree too
SELECT count(*) AS stamps_that_differ FROM (
    SELECT l.external_ref, i.occurred_at, i.kind, i.state_at, i.touches_at, i.plan_b_step_at, i.applied
    FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id) WHERE i.tenant_id = 201
    EXCEPT
    SELECT l.external_ref, i.occurred_at, i.kind, i.state_at, i.touches_at, i.plan_b_step_at, i.applied
    FROM followup.interaction i JOIN followup.lead l USING (tenant_id, lead_id) WHERE i.tenant_id = 202) d;

-- and so does the state history the reports read
SELECT count(*) AS state_changes, count(*) FILTER (WHERE from_state IS NOT NULL) AS moves
FROM followup.state_change WHERE tenant_id = 201;
SELECT count(*) AS state_changes_that_differ FROM (
    (SELECT l.external_ref, c.changed_at, c.from_state, c.to_state, i.kind
     FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id)
     LEFT JOIN followup.interaction i ON i.tenant_id = c.tenant_id AND i.interaction_id = c.interaction_id
     WHERE c.tenant_id = 201
     EXCEPT ALL
     SELECT l.external_ref, c.changed_at, c.from_state, c.to_state, i.kind
     FROM followup.state_change c JOIN followup.lead l USING (tenant_id, lead_id)
     LEFT JOIN followup.interaction i ON i.tenant_id = c.tenant_id AND i.interaction_id = c.interaction_id
     WHERE c.tenant_id = 202)) d;

-- COPY, in a shuffled order, into a third tenant
INSERT INTO followup.lead (tenant_id, external_ref, created_at, state)
SELECT 203, 'lead' || i, '2026-11-01 09:00+00'::timestamptz + i * interval '7 minutes',
       (ARRAY['new', 'warm', 'thinking', 'hot'])[1 + i % 4]::followup.lead_state
FROM generate_series(1, 40) i;
CREATE TEMP TABLE copy_rows AS
SELECT 203 AS tenant_id, l.lead_id, h.occurred_at, h.kind
FROM history h JOIN followup.lead l ON l.tenant_id = 203 AND l.external_ref = 'lead' || h.lead_no
ORDER BY (h.lead_no * 31 + h.n * 17) % 97;
DO $$
BEGIN
    EXECUTE format('COPY copy_rows TO %L', current_setting('data_directory') || '/bulk_regress.copy');
    EXECUTE format('COPY followup.interaction (tenant_id, lead_id, occurred_at, kind) FROM %L',
                   current_setting('data_directory') || '/bulk_regress.copy');
END $$;
SELECT count(*) AS leads_that_differ FROM (
    (SELECT external_ref, state, anchor_at, touches, plan_b_step, next_action, next_followup_at, momentum
     FROM final WHERE tenant_id = 201
     EXCEPT
     SELECT external_ref, state, anchor_at, touches, plan_b_step, next_action, next_followup_at,
            round(momentum::numeric, 4)
     FROM followup.lead WHERE tenant_id = 203)) d;

-- a history older than what the lead already knows stays late, in bulk too
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT 202, lead_id, '2026-10-01 10:00+00'::timestamptz + n * interval '1 hour', 'reply'
FROM followup.lead, generate_series(1, 2) n WHERE tenant_id = 202 AND external_ref = 'lead1';
SELECT applied, count(*) FROM followup.interaction
WHERE tenant_id = 202 AND occurred_at < '2026-11-01' GROUP BY applied;
