--
-- The public surface: every object commented, config tables dumped,
-- shipped defaults as docs/reference.md says.
--
-- every table, column, view and function of the extension has a comment
SELECT c.relname, a.attname
FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'followup')
  AND c.relkind IN ('r', 'v')
  AND (obj_description(c.oid, 'pg_class') IS NULL
       OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
ORDER BY 1, 2;
SELECT p.oid::regprocedure AS uncommented_function
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'followup')
  AND obj_description(p.oid, 'pg_proc') IS NULL
  AND p.proname NOT LIKE 'cadence\_%'
ORDER BY 1;
SELECT t.typname AS uncommented_type
FROM pg_depend d JOIN pg_type t ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'followup')
  AND obj_description(t.oid, 'pg_type') IS NULL
  -- a table's row type and array types (members too from PostgreSQL 17 on)
  AND t.oid NOT IN (SELECT typarray FROM pg_type)
  AND NOT EXISTS (SELECT FROM pg_class c WHERE c.reltype = t.oid AND c.relkind <> 'c')
ORDER BY 1;

-- tables and their keys: tenant_id first everywhere
SELECT c.relname, pg_get_constraintdef(k.oid) AS primary_key
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.contype = 'p' AND c.relnamespace = 'followup'::regnamespace ORDER BY 1;
SELECT enum_range(NULL::followup.next_action), enum_range(NULL::followup.task_status);

-- no function is SECURITY DEFINER; every function declares its volatility honestly
SELECT count(*) AS security_definer FROM pg_proc WHERE pronamespace = 'followup'::regnamespace AND prosecdef;
SELECT proname, provolatile, proisstrict, proparallel FROM pg_proc
WHERE pronamespace = 'followup'::regnamespace AND prorettype <> 'trigger'::regtype
  AND proname NOT LIKE 'cadence\_%' ORDER BY proname;

-- settings (defined when the library loads, which the first followup call does)
SELECT followup.current_tenant();
SHOW followup.tenant_id;
SHOW followup.half_life;
SHOW followup.notify;

-- the shipped policies, signals and rules (tenant 0)
SELECT state, cadence, reply_within, close_after, on_exhausted, escalate_after,
       work_days, work_start, work_end, timezone
FROM followup.policy WHERE tenant_id = 0 ORDER BY state;
SELECT kind, direction, weight FROM followup.signal WHERE tenant_id = 0 ORDER BY kind;
SELECT kind, coalesce(from_state::text, 'any') AS from_state, coalesce(to_state::text, 'keep') AS to_state,
       effect, due_in, min_momentum, close_reason, priority
FROM followup.rule WHERE tenant_id = 0 ORDER BY kind, priority, rule_id;
SELECT state, count(*) AS steps, string_agg(purpose, ', ' ORDER BY step_no) AS purposes
FROM followup.step WHERE tenant_id = 0 GROUP BY state ORDER BY state;
-- every active or parked state has a policy and a step per touch of its cadence
SELECT p.state, followup.steps(p.cadence) AS touches, count(s.*) AS steps
FROM followup.policy p LEFT JOIN followup.step s USING (tenant_id, state)
WHERE p.tenant_id = 0 GROUP BY p.state, p.cadence ORDER BY p.state;
-- no template says "just checking in"
SELECT count(*) FROM followup.step WHERE template ILIKE '%checking in%';
