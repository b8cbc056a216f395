#!/usr/bin/python3
"""A CRM worker for followup in Python, with psycopg 3 (Debian: python3-psycopg).

The same worker as examples/node/worker.js (docs/integration.md#the-worker):
it listens on its tenant's channel, claims any task of the tenant, "sends"
each message (here: prints it), and per task completes it with the CRM's
message id and writes the CRM's own outgoing message in one savepoint.  A
task the customer's reply superseded meanwhile (FU002) or that is already
done (FU001) is skipped.

Connection settings come from the usual PG* environment variables.
  FOLLOWUP_TENANT  the shop (default 7)     WORKER_NAME  claimed_by (default py-worker)
"""
import os
import sys

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

TENANT = os.environ.get("FOLLOWUP_TENANT", "7")
WORKER = os.environ.get("WORKER_NAME", "py-worker")


def handle(conn, task):
    message_id = f"out-{task['task_id']}"
    # an owed reply has no planned message: the operator writes it (a stand-in here)
    body = "Thanks for your message, here is the answer." if task["kind"] == "reply" else task["message"]
    try:
        with conn.transaction():    # a savepoint inside the claim's transaction
            (deal,) = conn.execute(
                "SELECT external_ref FROM followup.lead WHERE tenant_id = %s AND lead_id = %s",
                (task["tenant_id"], task["lead_id"])).fetchone()
            # a real worker hands the message to the messenger here
            print(f"send {task['kind']} task {task['task_id']} to deal {deal}: {body}", flush=True)
            conn.execute("SELECT followup.complete_task(%s, %s, %s, now(), %s)",
                         (task["task_id"], WORKER, body, message_id))
            conn.execute("INSERT INTO crm.messages (message_id, shop_id, deal_id, kind, sent_at, author, body)"
                         " VALUES (%s, %s, %s, 'outbound', now(), %s, %s)",
                         (message_id, task["tenant_id"], deal, WORKER, body))
    except psycopg.Error as err:
        if err.sqlstate not in ("FU001", "FU002"):
            raise
        print(f"task {task['task_id']} skipped: {err.diag.message_primary}", flush=True)


def drain(conn):
    while True:
        with conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            tasks = cur.execute("SELECT * FROM followup.claim_tasks(%s, 10, NULL)", (WORKER,)).fetchall()
            for task in tasks:
                handle(conn, task)
        if not tasks:
            return


def main():
    with psycopg.connect(autocommit=True) as conn:
        conn.execute("SELECT pg_catalog.set_config('followup.tenant_id', %s, false)", (TENANT,))
        (channel,) = conn.execute("SELECT followup.due_channel()").fetchone()
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        print(f"listening for tenant {TENANT}", flush=True)
        drain(conn)     # what was made before we listened
        for note in conn.notifies():
            print(f"notified: {note.payload}", flush=True)
            drain(conn)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
