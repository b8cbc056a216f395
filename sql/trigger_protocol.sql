--
-- followup's C trigger functions refuse, with SQLSTATE 39P01 (trigger
-- protocol violated), to be fired at a time or level they are not written
-- for; a column they need that the table lacks is 42703 (undefined column).
--
\set SHOW_CONTEXT never
CREATE TABLE public.fu_protocol (tenant_id int8, lead_id int8, at timestamptz);

-- the lead trigger is BEFORE ... FOR EACH ROW
CREATE TRIGGER t AFTER INSERT ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.lead_trigger();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;
CREATE TRIGGER t BEFORE INSERT ON public.fu_protocol
    FOR EACH STATEMENT EXECUTE FUNCTION followup.lead_trigger();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;
-- fired rightly on a table without the lead's columns
CREATE TRIGGER t BEFORE INSERT ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.lead_trigger();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;

-- the interaction trigger is BEFORE INSERT ... FOR EACH ROW
CREATE TRIGGER t BEFORE UPDATE ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.interaction_trigger();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
UPDATE public.fu_protocol SET lead_id = 2;
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;

-- the state log is AFTER ... FOR EACH ROW
CREATE TRIGGER t BEFORE INSERT ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.log_state_change();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;

-- the rollup marks are AFTER ... FOR EACH ROW, with a time column
CREATE TRIGGER t AFTER INSERT ON public.fu_protocol
    FOR EACH STATEMENT EXECUTE FUNCTION followup.rollup_mark_row('at');
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;
CREATE TRIGGER t AFTER INSERT ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.rollup_mark_row();
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;
-- a time column the table does not have
CREATE TRIGGER t AFTER INSERT ON public.fu_protocol
    FOR EACH ROW EXECUTE FUNCTION followup.rollup_mark_row('no_such_column');
INSERT INTO public.fu_protocol VALUES (1, 1, now());
SELECT :'LAST_ERROR_SQLSTATE';
DROP TRIGGER t ON public.fu_protocol;

-- the refused statements wrote nothing: only the row the UPDATE refused remains
SELECT count(*) FROM public.fu_protocol;
DROP TABLE public.fu_protocol;
