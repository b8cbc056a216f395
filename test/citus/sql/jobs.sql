-- run_due through the coordinator on distributed tables: the work done
-- tenant by tenant on the tenant's shards, and the notification of new
-- tasks sent from the coordinator, where the CRM listens.
SET client_min_messages = warning;
CREATE EXTENSION followup;
SELECT followup.distribute();
RESET client_min_messages;
SET timezone = 'UTC';
-- run_due_tenant is distributed by its tenant, with the leads
SELECT p.pronamespace::regnamespace AS schema, p.proname, d.distribution_argument_index,
       d.colocationid = (SELECT colocationid FROM pg_dist_partition
                         WHERE logicalrelid = 'followup.lead'::regclass) AS with_leads
FROM pg_dist_object d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE p.proname = 'run_due_tenant';
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES
    (71, 'n1', '2026-11-02 10:00+00'), (71, 'n2', '2026-11-02 11:00+00'),
    (72, 'm1', '2026-11-02 10:00+00');
-- the CRM of tenant 71 listens on the coordinator
SET followup.tenant_id = 71;
SELECT followup.due_channel() AS chan \gset
RESET followup.tenant_id;
LISTEN :"chan";
\o test/citus/output/jobs.notify
SELECT * FROM followup.run_due('2026-11-05 00:00+00');
\o
\! sed -E 's/followup_due_71_[0-9a-f]{24}/followup_due_71_(random)/; s/PID [0-9]+/PID (n)/' test/citus/output/jobs.notify
-- the tasks were made on the workers, one per lead
SELECT tenant_id, lead_id, kind, status FROM followup.task ORDER BY tenant_id, lead_id;
-- nothing again at the same time, and no notification
\o test/citus/output/jobs.notify
SELECT * FROM followup.run_due('2026-11-05 00:00+00');
\o
\! cat test/citus/output/jobs.notify
-- followup.notify off: the tasks, no notification
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (71, 'n3', '2026-11-08 10:00+00');
SET followup.notify = off;
\o test/citus/output/jobs.notify
SELECT * FROM followup.run_due('2026-11-09 00:00+00');
\o
\! cat test/citus/output/jobs.notify
RESET followup.notify;
UNLISTEN *;
-- one tenant's jobs called alone, as a scheduler per tenant could
INSERT INTO followup.lead (tenant_id, external_ref, created_at) VALUES (72, 'm2', '2026-11-20 10:00+00');
SELECT * FROM followup.run_due_tenant(72, '2026-11-30 00:00+00');
SELECT tenant_id, lead_id, kind, status, created_at FROM followup.task ORDER BY tenant_id, lead_id;
