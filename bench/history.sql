-- bench/history.sql - one day of a shop's history, for the report
-- benchmarks: psql -v day=D -v days=N -v per_day=L, for D = 0 .. N-1 in
-- order, in tenant 3.  Day N-1 ends yesterday.  Everything goes through the
-- triggers and the jobs; choices come from hashes of the lead, so a run is
-- repeatable.
--
-- Per day: L new leads; the morning run_due makes tasks and the operators do
-- most of them (dato does none); in the afternoon customers of the last two
-- weeks reply, think it over, view proposals, are refused installments,
-- decline Plan B options, order or give up; in the evening operators write
-- to some leads without a task, and run_due runs again.
SET timezone = 'UTC';
SET followup.tenant_id = 3;
SELECT date_trunc('day', now()) - (:days - :day) * interval '1 day' AS d0 \gset

INSERT INTO followup.lead (external_ref, created_at, state, owner)
SELECT 'h' || :day || '-' || i, :'d0'::timestamptz + interval '8 hours' + (i % 120) * interval '1 minute', 'new',
       (ARRAY['ana', 'beka', 'carl', 'dato'])[1 + i % 4]
FROM generate_series(1, :per_day) i;

SELECT followup.run_due(:'d0'::timestamptz + interval '9 hours') IS NOT NULL AS morning;
SELECT count(followup.complete_task(t.task_id, coalesce(t.assignee, 'ana'), NULL,
                                    greatest(t.due_at, :'d0'::timestamptz + interval '9 hours')
                                    + (hashint8(t.task_id) & 255) * interval '1 minute'))
FROM followup.task t
WHERE t.tenant_id = 3 AND t.status = 'open' AND t.assignee IS DISTINCT FROM 'dato'
  AND hashint8(t.task_id) % 10 <> 0;

-- customers: one event per lead of the last 14 days, for about half of them
INSERT INTO followup.interaction (lead_id, occurred_at, kind)
SELECT l.lead_id, :'d0'::timestamptz + interval '13 hours' + (h & 239) * interval '1 minute',
       CASE WHEN l.created_at >= :'d0'::timestamptz THEN
                (ARRAY['think_about_it', 'think_about_it', 'proposal_viewed', 'installment_rejected', 'reply'])[1 + h % 5]
            WHEN l.state = 'installment_rejected' THEN
                (ARRAY['plan_b_declined', 'plan_b_declined', 'reply', 'installment_approved'])[1 + h % 4]
            ELSE (ARRAY['reply', 'reply', 'reply', 'proposal_viewed', 'think_about_it', 'order', 'not_interested'])[1 + h % 7]
       END
FROM followup.lead l
CROSS JOIN LATERAL (SELECT abs(hashint8(l.lead_id * 1000 + :day)) AS h) r
WHERE l.tenant_id = 3 AND l.state NOT IN ('won', 'lost')
  AND l.created_at >= :'d0'::timestamptz - interval '14 days' AND l.created_at < :'d0'::timestamptz + interval '1 day'
  AND r.h % 2 = 0
ORDER BY 2;

-- operators by instinct: a message to a few quiet leads that have no task
INSERT INTO followup.interaction (lead_id, occurred_at, kind, operator)
SELECT l.lead_id, :'d0'::timestamptz + interval '17 hours 30 minutes', 'message', l.owner
FROM followup.lead l
WHERE l.tenant_id = 3 AND l.state NOT IN ('won', 'lost')
  AND l.created_at >= :'d0'::timestamptz - interval '14 days'
  AND abs(hashint8(l.lead_id + :day)) % 20 = 0;

SELECT followup.run_due(:'d0'::timestamptz + interval '18 hours') IS NOT NULL AS evening;
