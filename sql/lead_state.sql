--
-- followup.lead_state: labels and order are part of the contract
--
SELECT enum_range(NULL::followup.lead_state);
SELECT 'thinking'::followup.lead_state < 'installment_rejected' AS ordered;
SELECT 'maybe'::followup.lead_state;
