// A CRM worker for followup, with the pg driver (docs/integration.md#the-worker).
//
// It listens on its tenant's channel, claims any task of the tenant, "sends"
// each message (here: logs it), and in one transaction per task completes it
// with the CRM's message id and writes the CRM's own outgoing message, which
// the attached table's trigger then recognises by that id.  A task the
// customer's reply superseded meanwhile (FU002) is skipped: the reply is
// planned as a new task.
//
// Connection settings come from the usual PG* environment variables.
//   FOLLOWUP_TENANT  the shop (default 7)     WORKER_NAME  claimed_by (default worker-1)
'use strict';
const { Client } = require('pg');

const tenant = process.env.FOLLOWUP_TENANT || '7';
const worker = process.env.WORKER_NAME || 'worker-1';
const client = new Client();
let draining = Promise.resolve();

async function handle(task) {
  const messageId = `out-${task.task_id}`;
  // an owed reply has no planned message: the operator writes it (a stand-in here)
  const body = task.kind === 'reply' ? 'Thanks for your message, here is the answer.' : task.message;
  await client.query('SAVEPOINT task');
  try {
    const { rows: [lead] } = await client.query(
      'SELECT external_ref FROM followup.lead WHERE tenant_id = $1 AND lead_id = $2', [task.tenant_id, task.lead_id]);
    // a real worker hands the message to the messenger here
    console.log(`send ${task.kind} task ${task.task_id} to deal ${lead.external_ref}: ${body}`);
    await client.query('SELECT followup.complete_task($1, $2, $3, now(), $4)', [task.task_id, worker, body, messageId]);
    await client.query(
      `INSERT INTO crm.messages (message_id, shop_id, deal_id, kind, sent_at, author, body)
       VALUES ($1, $2, $3, 'outbound', now(), $4, $5)`,
      [messageId, task.tenant_id, lead.external_ref, worker, body]);
    await client.query('RELEASE SAVEPOINT task');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT task');
    if (err.code !== 'FU002' && err.code !== 'FU001') throw err;
    console.log(`task ${task.task_id} skipped: ${err.message}`);
  }
}

async function drain() {
  for (;;) {
    await client.query('BEGIN');
    const { rows: tasks } = await client.query('SELECT * FROM followup.claim_tasks($1, 10, NULL)', [worker]);
    for (const task of tasks) await handle(task);
    await client.query('COMMIT');
    if (tasks.length === 0) return;
  }
}

// one drain at a time; a notification during a drain queues another
function drainSoon() {
  draining = draining.then(drain).catch((err) => {
    console.error(`worker error: ${err.message}`);
    process.exitCode = 1;
  });
}

async function main() {
  await client.connect();
  await client.query("SELECT pg_catalog.set_config('followup.tenant_id', $1, false)", [tenant]);
  const { rows: [{ channel }] } = await client.query('SELECT followup.due_channel() AS channel');
  client.on('notification', (msg) => { console.log(`notified: ${msg.payload}`); drainSoon(); });
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  console.log(`listening for tenant ${tenant}`);
  drainSoon();   // what was made before we listened
  process.on('SIGTERM', async () => {
    await draining;
    await client.end();
    process.exit(process.exitCode || 0);
  });
}

main().catch((err) => {
  console.error(`worker failed: ${err.message}`);
  process.exit(1);
});
