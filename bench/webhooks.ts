/**
 * Webhooks benchmark (SPEC §9), two parts:
 *
 *   npx tsx bench/webhooks.ts [--households 200000] [--events 20000] [--concurrency 4] [--batch 500] [--send-concurrency 32] [--lanes 2]
 *
 * 1. What the outbox costs the batch: two compounds of `--households` identical households each
 *    (every fifth flat, 60–159 m², one reading at the end of each month), one of a provider with an
 *    endpoint subscribed to invoice.issued, one of a provider with none. November is billed first
 *    (untimed); then December and January are each billed compound by compound, the order swapped
 *    between the months, and the overhead is the sum with the endpoint against the sum without.
 * 2. Delivery throughput: `--events` payment.recorded events written set-wise into the outbox over
 *    the subscribed compound's accounts (an account's events are one ordered stream), delivered by
 *    the real delivery worker (relay, graphile-worker, batches of `--batch` accounts sent
 *    `--send-concurrency` at once, `--lanes` batches in flight per job, signing, one attempt row
 *    each) to a local HTTP receiver answering 204 (in a worker thread of its own); events/s from
 *    the worker's start to the last attempt recorded.
 *
 * Uses DATABASE_URL when set (a scratch database is created there and dropped after), else an
 * embedded PostgreSQL in a temporary directory.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { defaultSeason } from '../seeds/compounds.js';
import { runBilling } from '../src/billing/service.js';
import type pg from 'pg';
import { DELIVERY_DEFAULTS, startWebhookDelivery } from '../src/webhooks/delivery.js';
import { newSecret } from '../src/webhooks/service.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const HOUSEHOLDS = integerArg('--households', 200_000, 1);
const EVENTS = integerArg('--events', 20_000, 1);
const CONCURRENCY = integerArg('--concurrency', 4, 1);
const BATCH = integerArg('--batch', DELIVERY_DEFAULTS.batchSize, 1);
const SEND_CONCURRENCY = integerArg('--send-concurrency', DELIVERY_DEFAULTS.sendConcurrency, 1);
const LANES = integerArg('--lanes', DELIVERY_DEFAULTS.lanes, 1);
const MONTHS = ['2025-11', '2025-12', '2026-01'];
const log = (message: string) => process.stdout.write(`${message}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);

const silent = {
  level: 'silent',
  fatal() {},
  error() {},
  warn() {},
  info() {},
  debug() {},
  trace() {},
  silent() {},
  child: () => silent,
} as unknown as FastifyBaseLogger;

/** A provider, its compound (the default season) and `HOUSEHOLDS` homes, set-wise; answers the compound's and provider's ids. */
async function seedCompound(pool: pg.Pool, code: string): Promise<{ compoundId: string; providerId: string }> {
  const { rows } = await pool.query<{ id: string; provider_id: string }>(
    `WITH p AS (INSERT INTO providers (name) VALUES ($1) RETURNING id)
     INSERT INTO compounds (code, name, district, provider_id) SELECT $2, $2, 'bench', id FROM p RETURNING id, provider_id`,
    [`Provider ${code}`, code],
  );
  const { id: compoundId, provider_id: providerId } = rows[0]!;
  const season = defaultSeason(2025);
  await pool.query(
    `INSERT INTO seasons (compound_id, label, heating_start, heating_end, cooling_start, cooling_end, unit_rate, cap_per_m2)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [compoundId, season.label, season.heating_start, season.heating_end, season.cooling_start, season.cooling_end, season.unit_rate,
      season.cap_per_m2],
  );
  await pool.query(
    `INSERT INTO households (compound_id, building, unit, room, area_m2)
     SELECT $1, (g / 1000)::text, '1', g::text, 60 + g % 100 FROM generate_series(0, $2::int - 1) g ORDER BY g`,
    [compoundId, HOUSEHOLDS],
  );
  await pool.query(
    `INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
     SELECT compound_id, id, $2 || '-' || room, '2025-10-01T00:00:00+08:00', 0 FROM households WHERE compound_id = $1`,
    [compoundId, code],
  );
  await pool.query(
    `INSERT INTO accounts (compound_id, household_id, holder_name, opened_on, opening_reading)
     SELECT compound_id, id, '住户 ' || room, '2025-10-01', 0 FROM households WHERE compound_id = $1`,
    [compoundId],
  );
  await pool.query(
    `INSERT INTO account_plans (account_id, compound_id, season_label, plan)
     SELECT a.id, a.compound_id, $2, 'flat' FROM accounts a JOIN households h ON h.id = a.household_id
     WHERE a.compound_id = $1 AND h.room::int % 5 = 0`,
    [compoundId, season.label],
  );
  // 150–449 units a month, cumulative, read on the 28th.
  await pool.query(
    `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
     SELECT m.compound_id, m.id, (p || '-28T12:00:00+08:00')::timestamptz, k * (150 + (h.room::int * 7) % 300), 'automatic'
     FROM meters m JOIN households h ON h.id = m.household_id CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS months(p, k)
     WHERE m.compound_id = $1`,
    [compoundId, MONTHS],
  );
  return { compoundId, providerId };
}

async function subscribe(pool: pg.Pool, providerId: string, url: string, events: string[]): Promise<void> {
  await pool.query('INSERT INTO webhook_endpoints (provider_id, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5)', [
    providerId,
    url,
    events,
    newSecret(),
    'bench',
  ]);
}

async function timedRun(db: Parameters<typeof runBilling>[0]['db'], pool: pg.Pool, period: string, compound: string): Promise<number> {
  const started = performance.now();
  const run = await runBilling({ db, pool }, { period, actor: 'bench', compound });
  const ms = performance.now() - started;
  if (run.status !== 'succeeded') throw new Error(`${compound} ${period}: ${run.status}`);
  log(`  ${period} ${compound.padEnd(7)} ${run.invoicesIssued} invoices in ${seconds(ms)} s`);
  return ms;
}

/**
 * The receiver's code, run in a worker thread: its own event loop, as a receiver's server would be,
 * so that it does not take the sender's turns. It answers 204 to every POST and counts them in the
 * shared counter.
 */
const RECEIVER_THREAD = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const counter = new Int32Array(workerData);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => { Atomics.add(counter, 0, 1); res.writeHead(204).end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => parentPort.close()); });
`;

/** A receiver answering 204 to every POST, counting them (in a worker thread). */
async function startReceiver() {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(RECEIVER_THREAD, { eval: true, workerData: counter.buffer });
  const port = await new Promise<number>((resolve) => thread.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received: () => Atomics.load(counter, 0),
    close: async () => {
      thread.postMessage('close');
      await new Promise((resolve) => thread.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('webhooks', { poolSize: 4 + CONCURRENCY + 2, log });
  const { db, pool } = scratch;
  const receiver = await startReceiver();
  try {
    const started = performance.now();
    await seedCompound(pool, 'plain');
    const hooked = await seedCompound(pool, 'hooked');
    await subscribe(pool, hooked.providerId, receiver.url, ['invoice.issued']);
    await pool.query('VACUUM ANALYZE');
    log(`setup: 2 compounds of ${HOUSEHOLDS} households in ${seconds(performance.now() - started)} s`);

    // 1. The batch without and with an endpoint taking invoice.issued.
    for (const code of ['plain', 'hooked']) await runBilling({ db, pool }, { period: MONTHS[0]!, actor: 'bench', compound: code });
    await pool.query('VACUUM ANALYZE invoices, invoice_lines, invoice_intervals');
    let without = 0;
    let withHook = 0;
    without += await timedRun(db, pool, MONTHS[1]!, 'plain');
    withHook += await timedRun(db, pool, MONTHS[1]!, 'hooked');
    withHook += await timedRun(db, pool, MONTHS[2]!, 'hooked');
    without += await timedRun(db, pool, MONTHS[2]!, 'plain');
    const { rows: outbox } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_events WHERE type = 'invoice.issued'");
    log(`batch without an endpoint: ${seconds(without)} s; with one taking invoice.issued: ${seconds(withHook)} s ` +
      `(${outbox[0]!.n} outbox rows): overhead ${(((withHook - without) / without) * 100).toFixed(1)}%`);

    // 2. Delivery: the invoice events are marked done so that only the bench's events are sent.
    await pool.query('UPDATE webhook_events SET dispatched_at = now()');
    await pool.query('DELETE FROM webhook_endpoints');
    await subscribe(pool, hooked.providerId, receiver.url, ['payment.recorded']);
    await pool.query(
      `INSERT INTO webhook_events (type, provider_id, account_id, payload)
       SELECT 'payment.recorded', $1, a.id, jsonb_build_object('paymentId', gen_random_uuid(), 'accountId', a.id, 'amountFen', 100 + g,
         'paidAt', now(), 'reference', 'bench-' || g)
       FROM generate_series(0, $3::int - 1) g
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM accounts WHERE compound_id = $2) a ON a.k = g % $4
       ORDER BY g`,
      [hooked.providerId, hooked.compoundId, EVENTS, Math.min(EVENTS, HOUSEHOLDS)],
    );
    const before = receiver.received();
    const t0 = performance.now();
    const delivery = await startWebhookDelivery({
      db,
      pool,
      logger: silent,
      pollMs: 50,
      concurrency: CONCURRENCY,
      batchSize: BATCH,
      sendConcurrency: SEND_CONCURRENCY,
      lanes: LANES,
    });
    try {
      // The attempts are counted only once the receiver has had every event: counting them all along
      // would take the machine's time from the worker.
      for (;;) {
        if (receiver.received() - before >= EVENTS) {
          const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_deliveries WHERE outcome = 'delivered'");
          if (rows[0]!.n >= EVENTS) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await delivery.stop();
    }
    const ms = performance.now() - t0;
    log(`delivery: ${EVENTS} events over ${Math.min(EVENTS, HOUSEHOLDS)} accounts, ` +
      `batches of ${BATCH} sent ${SEND_CONCURRENCY} at once, ${LANES} lanes, ` +
      `${receiver.received() - before} requests received, in ${seconds(ms)} s: ${Math.round((EVENTS / ms) * 1000)} events/s`);
  } finally {
    await receiver.close();
    await scratch.close();
  }
}

await main();
