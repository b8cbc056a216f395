-- one interaction through followup's triggers
\set id random(1, :leads)
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (1, :id, clock_timestamp(), CASE WHEN :id % 3 = 0 THEN 'message' ELSE 'reply' END);
