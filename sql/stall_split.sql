--
-- stall_diagnostic splits never into not_yet_due (the first touch of the
-- thinking cadence is not due by as_of) and missed (it was); their sum is
-- never, and a reader role gets the same answer.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE ROLE regress_fu_stall_reader LOGIN;
SELECT followup.grant_reader('regress_fu_stall_reader');

-- four leads of tenant 190 enter thinking on Monday 2026-11-02 (UTC,
-- working window 09:00-21:00): a at 10:00 (touched by rule next day),
-- b at 10:00 (never touched), c at 20:30 (never touched: its first touch,
-- 24h later, falls at 20:30 on Tuesday), d at 22:00 (never: 22:00 Tuesday
-- is outside the window, so Wednesday 09:00)
INSERT INTO followup.lead (tenant_id, lead_id, external_ref, created_at) VALUES
    (190, 190001, 'a', '2026-11-02 09:00+00'), (190, 190002, 'b', '2026-11-02 09:00+00'),
    (190, 190003, 'c', '2026-11-02 09:00+00'), (190, 190004, 'd', '2026-11-02 09:00+00');
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind) VALUES
    (190, 190001, '2026-11-02 10:00+00', 'think_about_it'),
    (190, 190002, '2026-11-02 10:00+00', 'think_about_it'),
    (190, 190003, '2026-11-02 20:30+00', 'think_about_it'),
    (190, 190004, '2026-11-02 22:00+00', 'think_about_it');
SELECT followup.materialize_due('2026-11-03 10:00+00') >= 0 AS ran;
INSERT INTO followup.interaction (tenant_id, lead_id, occurred_at, kind, operator) VALUES
    (190, 190001, '2026-11-03 10:05+00', 'message', 'ann');

SET followup.tenant_id = 190;
-- Tuesday 10:30: b's first touch (10:00) was due: missed; c and d not yet
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-03 10:30+00');
-- Tuesday 21:00: c's (20:30) was due too; d's is Wednesday 09:00
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-03 21:00+00');
-- Wednesday 09:00: d's is due at that very moment: missed
SELECT * FROM followup.stall_diagnostic('30 days', '2026-11-04 09:00+00');
-- the reader gets the same answer, and the sum is never in each
SET ROLE regress_fu_stall_reader;
SELECT never = not_yet_due + missed AS sums, not_yet_due, missed
FROM followup.stall_diagnostic('30 days', '2026-11-03 21:00+00');
RESET ROLE;
RESET followup.tenant_id;

DELETE FROM followup.lead WHERE tenant_id = 190;
REVOKE ALL ON ALL TABLES IN SCHEMA followup FROM regress_fu_stall_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA followup FROM regress_fu_stall_reader;
REVOKE ALL ON SCHEMA followup FROM regress_fu_stall_reader;
DROP ROLE regress_fu_stall_reader;
