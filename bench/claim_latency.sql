-- one operator's claim of its next task, given back (rolled back), for the
-- claim's latency under churn
\set op random(1, 4)
BEGIN;
SELECT count(*) FROM followup.claim_tasks((ARRAY['ana', 'beka', 'carl', 'dato'])[:op], 1);
ROLLBACK;
