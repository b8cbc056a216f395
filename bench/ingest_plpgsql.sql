-- one interaction through the PL/pgSQL triggers of bench/baseline_plpgsql.sql
\set id random(1, :leads)
INSERT INTO plbase.interaction (tenant_id, lead_id, occurred_at, kind)
VALUES (1, :id, clock_timestamp(), CASE WHEN :id % 3 = 0 THEN 'message' ELSE 'reply' END);
