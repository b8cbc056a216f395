-- an operator claims and completes a task (pgbench script)
\set tenant random(1, 3)
\set op random(1, 3)
SELECT soak_operator(:tenant, (ARRAY['ana', 'beka', 'carl'])[:op]);
