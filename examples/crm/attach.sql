-- Connecting followup to the CRM's tables: no hand-written triggers.
-- Run as the owner of the followup extension.

-- the shop is tenant 7: the shipped policies, in its zone and hours
SELECT followup.create_tenant(7, timezone => 'UTC', work_days => '{1,2,3,4,5,6,7}',
                              work_start => '00:00', work_end => '23:59');

-- deals are followup's leads; followup keeps stage, next_action and
-- next_followup_at current (write-back)
SELECT followup.attach_leads('crm.deals', 'deal_id',
    tenant_column => 'shop_id', owner_column => 'owner',
    attrs_columns => '{customer_name,product,price}',
    stage_column => 'stage',
    stage_map => '{"new": "new", "negotiation": "hot", "interested": "warm",
                   "thinking": "thinking", "bank_refused": "installment_rejected",
                   "parked": "recycle", "won": "won", "lost": "lost"}',
    write_back => true, next_action_column => 'next_action',
    next_followup_column => 'next_followup_at', created_at_column => 'created_at');

-- messages in and out are signals; tagged intents are the customer's answers
SELECT followup.attach_interactions('crm.messages', 'message_id', 'deal_id', 'kind',
    kind_map => '{"inbound": "reply", "outbound": "message",
                  "inbound_thinking": "think_about_it", "inbound_declined": "plan_b_declined"}',
    occurred_at_column => 'sent_at', tenant_column => 'shop_id',
    operator_column => 'author', body_column => 'body');

-- the bank's decision: refused starts Plan B, approved wins the deal
SELECT followup.attach_interactions('crm.financing', 'application_id', 'deal_id', 'status',
    kind_map => '{"refused": "installment_rejected", "approved": "installment_approved"}',
    occurred_at_column => 'decided_at', tenant_column => 'shop_id');

-- templates read {{name}}: the shop's own first step says it with the customer's name
INSERT INTO followup.step (tenant_id, state, step_no, channel, purpose, action_code, template)
SELECT 7, s.state, s.step_no, s.channel, s.purpose, s.action_code,
       replace(s.template, '{{name|there}}', '{{customer_name|there}}')
FROM followup.step s WHERE s.tenant_id = 0;

-- the deals and messages the CRM had before: loaded and replayed once,
-- each lead planned from now (no wall of weeks-old tasks), the backfill kept
-- out of the reports
SELECT * FROM followup.adopt_attached(plan_from => 'now');

SELECT table_name, kind FROM followup.attached ORDER BY 1, 2;
