
-- followup: after the sale, and the reasons why (docs/concepts.md, "After
-- the sale" and "Reasons").
--
-- won and lost may have a policy and steps of their own: a won lead follows
-- its after-sale cadence and stays won; a lost lead that did not opt out
-- follows a win-back cadence, then is parked for good.  An interaction may
-- carry a reason (an objection, the cause of a pause) from the tenant's list.
-- The tables of 0.1.0 are changed here, by ALTER TABLE, so that a fresh
-- install and an upgrade run the same statements; new columns come last.

-- ---- policies and steps for won and lost

ALTER TABLE followup.policy DROP CONSTRAINT policy_state_check;
ALTER TABLE followup.policy DROP CONSTRAINT policy_on_exhausted_check;
-- a won or lost lead whose cadence is spent is parked for good: on_exhausted is not read
ALTER TABLE followup.policy ADD CONSTRAINT policy_on_exhausted_check
    CHECK (on_exhausted <> 'new' AND (on_exhausted <> state OR state IN ('won', 'lost')));
ALTER TABLE followup.policy ADD COLUMN enabled boolean NOT NULL DEFAULT true;
ALTER TABLE followup.policy ADD CONSTRAINT policy_enabled_check CHECK (enabled OR state IN ('won', 'lost'));
COMMENT ON COLUMN followup.policy.state IS 'the lead state this policy governs; for won it is the after-sale cadence, for lost the win-back';
COMMENT ON COLUMN followup.policy.enabled IS 'false turns the state''s follow-up off for the tenant (won and lost only: active states are always followed up)';

ALTER TABLE followup.step DROP CONSTRAINT step_state_check;
ALTER TABLE followup.step ADD COLUMN reasons text[];
ALTER TABLE followup.step ADD CONSTRAINT step_reasons_check
    CHECK (array_ndims(reasons) = 1 AND array_position(reasons, NULL) IS NULL
           AND array_to_string(reasons, ',') ~ '^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$');
COMMENT ON COLUMN followup.step.reasons IS 'the reasons this option answers: a Plan B decline or rejection with one of them skips to the next option that lists it (NULL = none)';

-- ---- reasons

CREATE TABLE followup.reason (
    tenant_id       bigint NOT NULL DEFAULT followup.current_tenant(),
    reason          text NOT NULL,
    description     text,
    shipped         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, reason),
    CONSTRAINT reason_tenant_check CHECK (tenant_id >= 0),
    CONSTRAINT reason_reason_check CHECK (reason ~ '^[a-z][a-z0-9_]{0,62}$')
);
COMMENT ON TABLE followup.reason IS 'Why a customer paused, objected or declined: an interaction''s reason must be a reason of its tenant or of tenant 0';
COMMENT ON COLUMN followup.reason.tenant_id IS 'tenant; 0 = shipped, every tenant''s; a tenant adds its own';
COMMENT ON COLUMN followup.reason.reason IS 'the reason, lower case (price, timing, financing, ...)';
COMMENT ON COLUMN followup.reason.description IS 'what it means, for people';
COMMENT ON COLUMN followup.reason.shipped IS 'true while the row is the extension''s unchanged default (such rows are left out of pg_dump)';

CREATE TRIGGER reason_owned BEFORE INSERT OR UPDATE ON followup.reason
    FOR EACH ROW EXECUTE FUNCTION followup.config_row_owned('tenant_id', 'reason');
CREATE TRIGGER reason_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON followup.reason
    FOR EACH STATEMENT EXECUTE FUNCTION followup.config_changed();
SELECT pg_catalog.pg_extension_config_dump('followup.reason', 'WHERE NOT shipped');

ALTER TABLE followup.reason ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_and_defaults_read ON followup.reason FOR SELECT
    USING (tenant_id IN (0, (SELECT followup.current_tenant())));
CREATE POLICY tenant_rows_write ON followup.reason
    USING (tenant_id = (SELECT followup.current_tenant()));

INSERT INTO followup.reason (tenant_id, reason, description, shipped) VALUES
    (0, 'price',           'too expensive, or cheaper elsewhere', true),
    (0, 'timing',          'not now: after payday, after the holidays', true),
    (0, 'family_approval', 'has to ask a spouse or the family first', true),
    (0, 'financing',       'needs installments or a loan, or was refused one', true),
    (0, 'trust',           'unsure about the shop, delivery or warranty', true),
    (0, 'competitor',      'has a competitor''s offer', true),
    (0, 'product',         'unsure the model fits: specs, size, colour', true),
    (0, 'delivery',        'delivery time or cost', true),
    (0, 'other',           'anything else (the body says what)', true);

ALTER TABLE followup.interaction ADD COLUMN reason text;
COMMENT ON COLUMN followup.interaction.reason IS 'why: the objection or the cause of a pause (a reason of the tenant or of tenant 0); NULL = none given';
ALTER TABLE followup.lead ADD COLUMN reason text;
COMMENT ON COLUMN followup.lead.reason IS 'the latest reason an interaction gave during the lead''s stay in its state; cleared when it moves';

-- ---- shipped after-sale cadence (the seed's electronics shop)

-- New shipped rows change no rolled day (no task was ever made in won
-- before): an update must not empty the rollups for them.
ALTER TABLE followup.policy DISABLE TRIGGER rollup_reset_insert;
ALTER TABLE followup.step DISABLE TRIGGER rollup_reset_insert;
INSERT INTO followup.policy
    (tenant_id, state, cadence, reply_within, close_after, on_exhausted, escalate_after,
     work_days, work_start, work_end, timezone, shipped)
VALUES
    -- delivery check, review request, accessory offer, upgrade reminder
    (0, 'won', '2d, 7d, 30d, 365d', '1 hour', '0', 'lost', '1 day',
     '{1,2,3,4,5,6,7}', '09:00', '21:00', 'UTC', true);

INSERT INTO followup.step (tenant_id, state, step_no, channel, purpose, action_code, template, shipped) VALUES
    (0, 'won', 1, 'messenger', 'clarify', 'delivery_check',
     'Hi {{name|there}}, has your {{product|order}} arrived in good shape? If anything is missing or unclear, just reply here.', true),
    (0, 'won', 2, 'messenger', 'advance', 'review_request',
     'Hi {{name|there}}, how do you like your {{product|purchase}} after a week? A short review would help other customers a lot: {{review_link|just reply with a few words}}.', true),
    (0, 'won', 3, 'messenger', 'advance', 'accessory_offer',
     'Hi {{name|there}}, for your {{product|device}}: {{accessory|a case and a screen protector}} at {{accessory_price|a customer price}}. Shall I send them with free delivery?', true),
    (0, 'won', 4, 'messenger', 'advance', 'upgrade_reminder',
     'Hi {{name|there}}, it has been a year with your {{product|device}}. {{upgrade|The new models are in}}, and we take your old one in trade. Shall I send you the options?', true);
ALTER TABLE followup.policy ENABLE TRIGGER rollup_reset_insert;
ALTER TABLE followup.step ENABLE TRIGGER rollup_reset_insert;

-- ---- reports

-- Each applied interaction with a reason, where it came (the state it was
-- said in and the step it answered: the touches made in the state, or in
-- installment_rejected the Plan B option offered last) and what followed:
-- won or lost (the lead's first move to won or lost from then on), else the
-- next message from the customer, a decline (a Plan B decline, or another
-- reason) or a reply, else silence.
CREATE VIEW followup.reasons AS
SELECT f.tenant_id, f.state, f.step, f.reason,
       count(*) AS occurrences,
       count(*) FILTER (WHERE f.followed = 'replied') AS replied,
       count(*) FILTER (WHERE f.followed = 'won') AS won,
       count(*) FILTER (WHERE f.followed = 'declined') AS declined,
       count(*) FILTER (WHERE f.followed = 'lost') AS lost,
       count(*) FILTER (WHERE f.followed = 'silence') AS silence
FROM (
    SELECT i.tenant_id, i.state_at AS state,
           CASE WHEN i.state_at = 'installment_rejected' THEN coalesce(i.plan_b_step_at, 1) - 1
                ELSE i.touches_at END AS step,
           i.reason,
           CASE WHEN t.to_state IS NOT NULL THEN t.to_state::text
                WHEN n.interaction_id IS NULL THEN 'silence'
                WHEN n.reason IS NOT NULL OR n.effect = 'next_plan_b' THEN 'declined'
                ELSE 'replied' END AS followed
    FROM followup.interaction i
    -- the lead's first move to won or lost from then on
    LEFT JOIN LATERAL (
        SELECT c.to_state FROM followup.state_change c
        WHERE c.tenant_id = i.tenant_id AND c.lead_id = i.lead_id AND c.to_state IN ('won', 'lost')
          AND c.changed_at >= i.occurred_at
        ORDER BY c.changed_at LIMIT 1) t ON true
    -- the customer's next message
    LEFT JOIN LATERAL (
        SELECT n.interaction_id, n.reason, r.effect FROM followup.interaction n
        CROSS JOIN LATERAL (SELECT s.direction FROM followup.signal s
                            WHERE s.tenant_id IN (n.tenant_id, 0) AND s.kind = n.kind
                            ORDER BY s.tenant_id DESC LIMIT 1) s
        LEFT JOIN followup.rule r ON r.rule_id = n.rule_id AND r.tenant_id IN (0, n.tenant_id)
        WHERE n.tenant_id = i.tenant_id AND n.lead_id = i.lead_id AND n.applied AND s.direction = 'inbound'
          AND n.occurred_at >= i.occurred_at
          AND (n.occurred_at, n.interaction_id) > (i.occurred_at, i.interaction_id)
        ORDER BY n.occurred_at, n.interaction_id LIMIT 1) n ON true
    WHERE i.reason IS NOT NULL AND i.applied) f
GROUP BY f.tenant_id, f.state, f.step, f.reason;
COMMENT ON VIEW followup.reasons IS 'Where hesitation clusters: per state and step, how often each reason was given and what followed it (each counted once: won, lost, else the customer''s next message, a decline or a reply, else silence)';
COMMENT ON COLUMN followup.reasons.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.reasons.state IS 'the lead''s state when the reason was given';
COMMENT ON COLUMN followup.reasons.step IS 'touches made in that state before it (in installment_rejected: the Plan B option offered last; 0 = none yet)';
COMMENT ON COLUMN followup.reasons.reason IS 'the reason';
COMMENT ON COLUMN followup.reasons.occurrences IS 'interactions that gave it there';
COMMENT ON COLUMN followup.reasons.replied IS 'followed by a message from the customer (not a decline)';
COMMENT ON COLUMN followup.reasons.won IS 'the lead was won afterwards';
COMMENT ON COLUMN followup.reasons.declined IS 'followed by a decline: a Plan B option declined, or another reason given';
COMMENT ON COLUMN followup.reasons.lost IS 'the lead was lost afterwards (this interaction''s own close included)';
COMMENT ON COLUMN followup.reasons.silence IS 'nothing from the customer since';

-- A repeat purchase: a sale (an interaction whose rule closes the lead as
-- won) recorded while the lead was won already.  It starts the after-sale
-- cadence over; the after-sale touch before it is the latest touch made by
-- rule (a task's) since the previous sale.
CREATE VIEW followup.repeat_purchases AS
SELECT o.tenant_id, o.lead_id, o.interaction_id, o.kind, o.occurred_at AS purchased_at,
       greatest(w.changed_at, q.occurred_at) AS previous_sale_at,
       t.task_id AS after_sale_task_id, t.step_no AS after_sale_step, t.action_code AS after_sale_action_code,
       a.occurred_at AS after_sale_touch_at
FROM followup.interaction o
JOIN followup.rule r ON r.rule_id = o.rule_id AND r.tenant_id IN (0, o.tenant_id)
-- the sale before it: the move to won, or a repeat purchase after that
LEFT JOIN LATERAL (
    SELECT c.changed_at FROM followup.state_change c
    WHERE c.tenant_id = o.tenant_id AND c.lead_id = o.lead_id AND c.to_state = 'won'
      AND c.changed_at <= o.occurred_at
    ORDER BY c.changed_at DESC LIMIT 1) w ON true
LEFT JOIN LATERAL (
    SELECT p.occurred_at FROM followup.interaction p
    JOIN followup.rule pr ON pr.rule_id = p.rule_id AND pr.tenant_id IN (0, p.tenant_id)
    WHERE p.tenant_id = o.tenant_id AND p.lead_id = o.lead_id AND p.applied AND p.state_at = 'won'
      AND pr.to_state = 'won' AND pr.effect = 'close'
      AND p.occurred_at <= o.occurred_at
      AND (p.occurred_at, p.interaction_id) < (o.occurred_at, o.interaction_id)
    ORDER BY p.occurred_at DESC, p.interaction_id DESC LIMIT 1) q ON true
-- the latest after-sale touch (made by rule, in won) before it
LEFT JOIN LATERAL (
    SELECT x.occurred_at, x.task_id FROM followup.interaction x
    WHERE x.tenant_id = o.tenant_id AND x.lead_id = o.lead_id AND x.state_at = 'won' AND x.by_rule
      AND x.occurred_at <= o.occurred_at
      AND (x.occurred_at, x.interaction_id) < (o.occurred_at, o.interaction_id)
    ORDER BY x.occurred_at DESC, x.interaction_id DESC LIMIT 1) a
    ON a.occurred_at >= greatest(w.changed_at, q.occurred_at)
LEFT JOIN followup.task t ON t.tenant_id = o.tenant_id AND t.task_id = a.task_id
WHERE o.state_at = 'won' AND o.applied AND r.to_state = 'won' AND r.effect = 'close';
COMMENT ON VIEW followup.repeat_purchases IS 'Sales to customers who had bought before (a sale recorded on a won lead), each with the after-sale touch that preceded it, if any';
COMMENT ON COLUMN followup.repeat_purchases.tenant_id IS 'tenant';
COMMENT ON COLUMN followup.repeat_purchases.lead_id IS 'the lead (the customer)';
COMMENT ON COLUMN followup.repeat_purchases.interaction_id IS 'the interaction that recorded the new sale';
COMMENT ON COLUMN followup.repeat_purchases.kind IS 'its kind (order, installment_approved, ...)';
COMMENT ON COLUMN followup.repeat_purchases.purchased_at IS 'when the new sale happened';
COMMENT ON COLUMN followup.repeat_purchases.previous_sale_at IS 'when the sale before it happened';
COMMENT ON COLUMN followup.repeat_purchases.after_sale_task_id IS 'the task of the latest after-sale touch between the two sales; NULL = none';
COMMENT ON COLUMN followup.repeat_purchases.after_sale_step IS 'its step in the after-sale cadence';
COMMENT ON COLUMN followup.repeat_purchases.after_sale_action_code IS 'its action code (delivery_check, accessory_offer, ...)';
COMMENT ON COLUMN followup.repeat_purchases.after_sale_touch_at IS 'when that touch was made';

ALTER VIEW followup.reasons SET (security_invoker = true);
ALTER VIEW followup.repeat_purchases SET (security_invoker = true);
