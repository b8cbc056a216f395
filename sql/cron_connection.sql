--
-- Whether pg_cron can connect to run followup's jobs, from its settings
-- (cron.use_background_workers, cron.host) and the server's
-- (listen_addresses, unix_socket_directories): schedule_jobs warns with
-- this message when it cannot.
--
SELECT bgw, host, listen, sockets, followup.cron_connection_problem(bgw, host, listen, sockets) AS problem
FROM (VALUES
    -- background workers need no connection
    ('on', 'localhost', '', '/var/run/postgresql'),
    ('true', NULL, NULL, NULL),
    -- pg_cron's default: TCP to localhost, fine when the server listens
    ('off', 'localhost', 'localhost', '/var/run/postgresql'),
    ('off', NULL, '*', '/var/run/postgresql'),
    -- a socket-only server: "cron job 1 connection failed"
    ('off', 'localhost', '', '/var/run/postgresql'),
    ('off', '', ' ', '/tmp'),
    (NULL, NULL, '', '/tmp'),
    -- cron.host a socket directory the server has, or not
    ('off', '/var/run/postgresql', '', '/var/run/postgresql, /tmp'),
    ('off', '/tmp', '', '/var/run/postgresql, /tmp'),
    ('off', '/run/pg', '', '/var/run/postgresql')) v(bgw, host, listen, sockets);
-- not for PUBLIC
SELECT has_function_privilege('public', 'followup.cron_connection_problem(text, text, text, text)', 'EXECUTE') AS public_may;
