// A CRM worker for followup, with the pg driver.
//
// It listens on its tenant's channel (followup.due_channel()), and whenever
// tasks are made it claims them (any operator's: claim_tasks with team NULL),
// "sends" each message (here: logs it), records the CRM's own outgoing
// message and completes the task with that message's id, in one transaction
// per task.  A task the customer's reply superseded in the meantime (FU002)
// is skipped: the reply is planned as a new task.
//
// Connection settings come from the usual PG* environment variables.
//   FOLLOWUP_TENANT  the shop (default 7)     WORKER_NAME  claimed_by (default worker-1)
//   node worker.js           drain, then listen until SIGTERM
//   node worker.js --once    drain and exit
'use strict';
const { Client } = require('pg');

const tenant = process.env.FOLLOWUP_TENANT || '7';
const worker = process.env.WORKER_NAME || 'worker-1';
const once = process.argv.includes('--once');

const client = new Client();
let draining = Promise.resolve();

// what the task says to send: a planned touch has its rendered message; an
// owed reply is the operator's to write (here, a stand-in)
function body(task) {
  return task.kind === 'reply' ? 'Thanks for your message, here is the answer.' : task.message;
}

async function send(task, lead) {
  // a real worker hands the message to the messenger here
  console.log(`send ${task.kind} task ${task.task_id} to deal ${lead.external_ref} (${task.channel || 'messenger'}): ${body(task)}`);
}

async function handle(task) {
  const messageId = `out-${task.task_id}`;
  await client.query('SAVEPOINT task');
  try {
    const { rows: [lead] } = await client.query(
      'SELECT external_ref FROM followup.lead WHERE tenant_id = $1 AND lead_id = $2',
      [task.tenant_id, task.lead_id]);
    await send(task, lead);
    // the touch, with the CRM's message id; the CRM's own row below is then
    // recognised by that id and not recorded a second time
    await client.query('SELECT followup.complete_task($1, $2, $3, now(), $4)',
      [task.task_id, worker, body(task), messageId]);
    await client.query(
      `INSERT INTO crm.messages (message_id, shop_id, deal_id, kind, sent_at, author, body)
       VALUES ($1, $2, $3, 'outbound', now(), $4, $5)`,
      [messageId, task.tenant_id, lead.external_ref, worker, body(task)]);
    await client.query('RELEASE SAVEPOINT task');
    return 'done';
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT task');
    if (err.code === 'FU002' || err.code === 'FU001') {
      console.log(`task ${task.task_id} skipped: ${err.message}`);
      return 'skipped';
    }
    throw err;
  }
}

async function drain() {
  for (;;) {
    await client.query('BEGIN');
    const { rows: tasks } = await client.query(
      'SELECT * FROM followup.claim_tasks($1, 10, NULL)', [worker]);
    for (const task of tasks) {
      await handle(task);
    }
    await client.query('COMMIT');
    if (tasks.length === 0) {
      return;
    }
  }
}

function drainSoon() {
  // one drain at a time; a notification during a drain queues another
  draining = draining.then(drain).catch((err) => {
    console.error(`worker error: ${err.message}`);
    process.exitCode = 1;
  });
  return draining;
}

async function main() {
  await client.connect();
  await client.query("SELECT pg_catalog.set_config('followup.tenant_id', $1, false)", [tenant]);
  if (once) {
    await drainSoon();
    await client.end();
    return;
  }
  const { rows: [{ channel }] } = await client.query('SELECT followup.due_channel() AS channel');
  client.on('notification', (msg) => {
    console.log(`notified: ${msg.payload}`);
    drainSoon();
  });
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  console.log(`listening for tenant ${tenant}`);
  // what was made before we listened
  await drainSoon();
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
