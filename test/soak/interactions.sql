-- a customer or an operator writes to a random lead (pgbench script)
\set lead random(1, 3000)
\set k random(1, 10)
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
SELECT tenant_id, lead_id, now(),
       (ARRAY['reply', 'message', 'think_about_it', 'proposal_viewed', 'call', 'email_opened',
              'installment_rejected', 'plan_b_declined', 'meeting_missed', 'link_clicked'])[:k]
FROM followup.lead WHERE external_ref = 'soak' || :lead;
