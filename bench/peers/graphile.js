// bench/peers/graphile.js - graphile-worker (installed by scripts/bench into
// bench/peers/node_modules) processing no-op jobs, for the peers' rows of
// `make bench`.
//
//   node bench/peers/graphile.js CONCURRENCY one|batch SECONDS
//
// Connects with the PG* environment variables (a database of its own on the
// benchmark's cluster), installs graphile-worker's schema, queues enough
// no-op jobs for SECONDS, runs one worker pool at CONCURRENCY and prints the
// jobs completed per second (measured after a one-second warm-up, until the
// time is up or the queue is empty).  one: a job fetched and completed per
// round trip (the defaults); batch: the local queue (size 100) and batched
// completion, graphile-worker's documented high-throughput settings.
"use strict";
const { Pool } = require("pg");
const { run, runMigrations } = require("graphile-worker");

async function main() {
  const [concurrency, mode, seconds] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
  const pgPool = new Pool({ max: concurrency + 4 });
  pgPool.on("error", (e) => console.error(e));
  await runMigrations({ pgPool });
  // more jobs than the pool can do in the time: 60,000 a second batched
  const jobs = (mode === "batch" ? 60000 : 15000) * (seconds + 2);
  await pgPool.query("DELETE FROM graphile_worker._private_jobs");
  for (let done = 0; done < jobs; done += 20000) {
    await pgPool.query(
      `SELECT graphile_worker.add_jobs(ARRAY(
         SELECT json_populate_record(NULL::graphile_worker.job_spec,
                                     json_build_object('identifier', 'noop', 'payload', '{}'::json))
         FROM generate_series(1, $1)))`, [Math.min(20000, jobs - done)]);
  }
  await pgPool.query("VACUUM ANALYZE graphile_worker._private_jobs");
  const preset = mode === "batch"
    ? { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
    : {};
  let completed = 0;
  let start = null;
  let counted = 0;
  let last = null;
  const runner = await run({
    pgPool, concurrency, noHandleSignals: true, pollInterval: 200, preset,
    logger: new (require("graphile-worker").Logger)(() => () => {}),
    taskList: { noop: async () => {} },
  });
  runner.events.on("job:complete", () => {
    completed++;
    if (start !== null) { counted++; last = process.hrtime.bigint(); }
  });
  await new Promise((r) => setTimeout(r, 1000));
  start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (completed >= jobs) break;
  }
  const end = completed >= jobs && last !== null ? last : process.hrtime.bigint();
  const rate = counted / (Number(end - start) / 1e9);
  await runner.stop();
  await pgPool.end();
  console.log(Math.round(rate));
}

main().catch((e) => { console.error(e); process.exit(1); });
