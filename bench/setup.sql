-- bench/setup.sql - the schema of a benchmark database: followup; the
-- "floor": the same lead, interaction and task tables without triggers, which an
-- application that planned follow-ups itself would write (one INSERT and
-- one UPDATE of the lead per interaction); and plbase, the same planner and
-- rules in PL/pgSQL (baseline_plpgsql.sql).
CREATE EXTENSION followup;
CREATE SCHEMA floor;
CREATE TABLE floor.lead (LIKE followup.lead INCLUDING ALL);
CREATE TABLE floor.interaction (LIKE followup.interaction INCLUDING ALL);
ALTER TABLE floor.interaction ADD FOREIGN KEY (tenant_id, lead_id) REFERENCES floor.lead;
-- tasks, for the floor of claim+complete: the same indexes and keys
CREATE TABLE floor.task (LIKE followup.task INCLUDING ALL);
ALTER TABLE floor.task ADD FOREIGN KEY (tenant_id, lead_id) REFERENCES floor.lead ON DELETE CASCADE;
ALTER TABLE floor.interaction ADD FOREIGN KEY (tenant_id, task_id) REFERENCES floor.task ON DELETE SET NULL (task_id);
\ir baseline_plpgsql.sql

-- an operator role, as a CRM that serves several tenants connects
-- (docs/security.md): followup's own row security applies to it.  The floor's
-- tables get the same policy and grants, so that the same role writes both;
-- scripts/bench enables their row security only while that role writes
-- (enabled, it changes what even the owner's writes cost).
CREATE ROLE bench_operator LOGIN;
SELECT followup.grant_operator('bench_operator');
GRANT USAGE ON SCHEMA floor TO bench_operator;
GRANT SELECT, INSERT ON floor.interaction TO bench_operator;
GRANT SELECT, UPDATE ON floor.lead TO bench_operator;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA floor TO bench_operator;
CREATE POLICY tenant_rows ON floor.lead USING (tenant_id = (SELECT followup.current_tenant()));
CREATE POLICY tenant_rows ON floor.interaction USING (tenant_id = (SELECT followup.current_tenant()));
