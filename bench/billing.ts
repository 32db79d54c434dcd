/**
 * Monthly batch benchmark: the real batch (runBilling, the code path of the CLI and
 * POST /v1/billing-runs) for one month of N households against two floors of the same rows.
 *
 *   npx tsx bench/billing.ts [--households 1000000] [--prior 2] [--chunk 5000] [--split-floor]
 *
 * Uses DATABASE_URL when set (a scratch database is created there and dropped after), else an
 * embedded PostgreSQL in a temporary directory. Seeds the eleven compounds, generates N
 * households set-wise in SQL across them (every fifth on the flat plan, areas 60–159 m², one
 * meter and one open account each, one reading at the end of every month of the 2025-26
 * season, every tenth paid 1,000 CNY in advance), bills the `--prior` months before 2026-01
 * (timed and printed, with nothing run between them and January, so the months compare alike:
 * January then has previous invoices, season sums and start readings to look up), then:
 *   1. times the batch for 2026-01 over all compounds (RSS sampled every 50 ms, phases profiled);
 *   2. exports the invoice, line and interval rows the batch wrote (untimed) and times a COPY of
 *      them, re-keyed, into the same three tables with their indexes, foreign keys and triggers,
 *      rolled back (the like-for-like floor);
 *   3. times a COPY of the same rows into three tables of the same columns with only a primary
 *      key each, committed (the raw floor: what writing these rows costs at the least).
 *   4. with --split-floor: the like-for-like floor again with each foreign key and each index
 *      besides the primary keys dropped in turn (in the rolled-back transaction), then with all of
 *      them dropped: what each costs the write path.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { seedCompounds } from '../seeds/seed.js';
import { runBilling, type BillingProgress } from '../src/billing/service.js';
import { INVOICE_TABLES } from '../src/invoices/writer.js';
import { createRawTables, exportBatchRows, splitFloor, timedCopy } from './floors.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const arg = integerArg;

const HOUSEHOLDS = arg('--households', 200_000);
const PRIOR = arg('--prior', 2);
const CHUNK = process.argv.includes('--chunk') ? arg('--chunk', 0) : undefined; // default: the batch's own (DEFAULT_CHUNK_SIZE)
const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];
const PERIOD = '2026-01';
const SPLIT_FLOOR = process.argv.includes('--split-floor');
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const log = (message: string) => process.stdout.write(`${message}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * Where the batch's time goes, measured from outside the batch: every query's time by connection
 * (the connections that COPY are the compounds' writers; the others are snapshot readers and the
 * run's session), each COPY by table, and per compound the time from its last chunk written to its
 * COMMIT (billed month, exceptions, audit, commit) and from there to its end (the credit pass,
 * which runs beside the next compound's writes).
 */
interface Profile {
  on: boolean;
  copyMs: Map<string, number>;
  queryMs: Map<pg.Client, { copyMs: number; otherMs: number; byQuery: Map<string, number> }>;
  commits: number[];
  compounds: Map<string, { lastWrite: number; done: number }>;
}
const profile: Profile = { on: false, copyMs: new Map(), queryMs: new Map(), commits: [], compounds: new Map() };

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const originalQuery = pg.Client.prototype.query as unknown as QueryFn;
(pg.Client.prototype as unknown as { query: QueryFn }).query = function (this: pg.Client, ...args: unknown[]) {
  const result = originalQuery.apply(this, args);
  if (!profile.on) return result;
  const started = performance.now();
  const first = args[0] as string | { text?: string } | undefined;
  const text = (typeof first === 'string' ? first : first?.text) ?? '';
  const copyTable = /^COPY (\w+)/.exec(text)?.[1];
  const entry = profile.queryMs.get(this) ?? { copyMs: 0, otherMs: 0, byQuery: new Map<string, number>() };
  profile.queryMs.set(this, entry);
  const done = () => {
    const ms = performance.now() - started;
    if (copyTable !== undefined) {
      entry.copyMs += ms;
      profile.copyMs.set(copyTable, (profile.copyMs.get(copyTable) ?? 0) + ms);
    } else {
      entry.otherMs += ms;
      const label = queryLabel(text);
      entry.byQuery.set(label, (entry.byQuery.get(label) ?? 0) + ms);
      if (text === 'COMMIT') profile.commits.push(performance.now());
    }
  };
  if (copyTable !== undefined && result instanceof Object && 'once' in result) {
    (result as NodeJS.EventEmitter).once('finish', done);
  } else if (result instanceof Promise) {
    result.then(done, () => {});
  }
  return result;
};

/** A query's first word and the first table it reads: enough to tell the batch's fact queries apart. */
function queryLabel(text: string): string {
  const words = text.trim().split(/\s+/);
  const from = /\bFROM\s+(\w+)/i.exec(text)?.[1];
  return `${words.slice(0, words[0] === 'FETCH' ? 2 : 1).join(' ')}${from === undefined || words[0] === 'FETCH' ? '' : ` … FROM ${from}`}`;
}

function onBatchProgress(event: BillingProgress): void {
  const entry = profile.compounds.get(event.code) ?? { lastWrite: performance.now(), done: 0 };
  profile.compounds.set(event.code, entry);
  if (event.type === 'compound-progress') entry.lastWrite = performance.now();
  if (event.type === 'compound-done' || event.type === 'compound-failed') entry.done = performance.now();
}

function printPhases(p: Profile, batchMs: number): void {
  let writerOther = 0;
  let otherQueries = 0;
  const readerQueries = new Map<string, number>();
  const writerQueries = new Map<string, number>();
  for (const { copyMs, otherMs, byQuery } of p.queryMs.values()) {
    if (copyMs > 0) {
      writerOther += otherMs;
      for (const [label, ms] of byQuery) writerQueries.set(label, (writerQueries.get(label) ?? 0) + ms);
      continue;
    }
    otherQueries += otherMs;
    for (const [label, ms] of byQuery) readerQueries.set(label, (readerQueries.get(label) ?? 0) + ms);
  }
  let toCommit = 0;
  let credit = 0;
  // Only the last compound's credit pass holds up the batch: each other one runs beside the next compound's writes.
  let lastDone = 0;
  let creditOnPath = 0;
  for (const { lastWrite, done } of p.compounds.values()) {
    const commit = p.commits.find((t) => t >= lastWrite && t <= done) ?? done;
    toCommit += commit - lastWrite;
    credit += done - commit;
    if (done > lastDone) [lastDone, creditOnPath] = [done, done - commit];
  }
  const copy = [...p.copyMs.values()].reduce((a, b) => a + b, 0);
  log('where the batch time goes (sums over compounds; the writer\'s steps run one after another, the credit passes beside them):');
  for (const [table, ms] of p.copyMs) log(`  writer COPY ${table.padEnd(19)} ${seconds(ms)} s`);
  log(`  writer COPY, all tables         ${seconds(copy)} s`);
  log(`  last chunk written → COMMIT     ${seconds(toCommit)} s (billed month, exceptions, audit, commit)`);
  log(`  COMMIT → compound done          ${seconds(credit)} s (the credit passes; the last one's ${seconds(creditOnPath)} s in line)`);
  const rest = batchMs - copy - toCommit - creditOnPath;
  log(`  the rest of the batch           ${seconds(rest)} s (waiting for facts and compute, locks, start)`);
  log(`  other queries on the writers    ${seconds(writerOther)} s (within the above: locks, numbering, small compounds' facts, credit)`);
  for (const [label, ms] of [...writerQueries].sort((a, b) => b[1] - a[1]).slice(0, 8)) log(`    ${seconds(ms).padStart(7)} s  ${label}`);
  log(`  queries on other connections    ${seconds(otherQueries)} s (snapshot readers' facts and the run's session; overlapped)`);
  const top = [...readerQueries].sort((a, b) => b[1] - a[1]).slice(0, 8);
  for (const [label, ms] of top) log(`    ${seconds(ms).padStart(7)} s  ${label}`);
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('billing', { poolSize: 4, log });
  const { db, pool } = scratch;
  try {
    await seedCompounds(db);
    const t0 = Date.now();
    const client = await pool.connect();
    try {
      await client.query(
        `INSERT INTO households (compound_id, building, unit, room, area_m2)
         SELECT c.id, (g / 1000)::text, '1', g::text, 60 + g % 100
         FROM generate_series(0, $1::int - 1) g
         JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k FROM compounds) c ON c.k = g % 11
         ORDER BY g`,
        [HOUSEHOLDS],
      );
      await client.query(
        `INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
         SELECT compound_id, id, 'BM-' || household_no, '2025-10-01T00:00:00+08:00', 0 FROM households`,
      );
      await client.query(
        `INSERT INTO accounts (compound_id, household_id, holder_name, opened_on, opening_reading)
         SELECT compound_id, id, '住户 ' || household_no, '2025-10-01', 0 FROM households`,
      );
      await client.query(
        `INSERT INTO account_plans (account_id, compound_id, season_label, plan)
         SELECT a.id, a.compound_id, '2025-26', 'flat'
         FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.household_no % 5 = 0`,
      );
      // One reading at the end of every month of the season: 150–449 units a month, cumulative.
      await client.query(
        `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
         SELECT m.compound_id, m.id, (p || '-28T12:00:00+08:00')::timestamptz, k * (150 + (h.household_no * 7) % 300), 'automatic'
         FROM meters m JOIN households h ON h.id = m.household_id
         CROSS JOIN unnest($1::text[]) WITH ORDINALITY AS months(p, k)`,
        [MONTHS],
      );
      // Every tenth household paid in advance (1,000 CNY, about ten months at these rates): the
      // batch settles their invoices from that credit after each compound commits.
      await client.query(
        `INSERT INTO payments (compound_id, account_id, amount_fen, paid_at, reference, idempotency_key, request_hash, unallocated_fen,
                               created_by)
         SELECT a.compound_id, a.id, 100000, '2025-10-20T10:00:00+08:00', 'prepaid', 'bench:' || a.id, 'bench', 100000, 'bench'
         FROM accounts a JOIN households h ON h.id = a.household_id WHERE h.household_no % 10 = 3`,
      );
      await client.query('VACUUM ANALYZE');
    } finally {
      client.release();
    }
    log(`setup: ${HOUSEHOLDS} households, ${HOUSEHOLDS * MONTHS.length} readings in ${seconds(Date.now() - t0)} s`);

    // The prior months run exactly as the timed one does, with nothing in between: whatever the
    // batch leaves behind (statistics, dead rows) the next month meets, as it would in production.
    const monthTimes: Array<[string, number]> = [];
    for (const period of MONTHS.slice(0, MONTHS.indexOf(PERIOD)).slice(-PRIOR)) {
      const t = Date.now();
      const run = await runBilling({ db, pool }, { period, actor: 'bench', chunkSize: CHUNK });
      monthTimes.push([period, Date.now() - t]);
      log(`prior month ${period}: ${run.invoicesIssued} invoices in ${seconds(Date.now() - t)} s (${run.status})`);
    }

    // 1. The batch.
    let peak = process.memoryUsage().rss;
    const baseline = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    profile.on = true;
    const tBatch = Date.now();
    const run = await runBilling({ db, pool }, { period: PERIOD, actor: 'bench', chunkSize: CHUNK, onProgress: onBatchProgress });
    const batchMs = Date.now() - tBatch;
    profile.on = false;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (run.status !== 'succeeded') throw new Error(`batch failed: ${run.error}`);
    const lines = Number(
      (await pool.query('SELECT count(*) AS n FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE i.period = $1', [PERIOD]))
        .rows[0].n,
    );
    const credit = (
      await pool.query<{ n: number; fen: number }>(
        `SELECT count(*)::int AS n, coalesce(sum(pa.amount_fen), 0)::bigint AS fen
         FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id WHERE i.period = $1`,
        [PERIOD],
      )
    ).rows[0]!;
    log(
      `batch ${PERIOD}: ${run.invoicesIssued} invoices, ${lines} lines, ${run.cappedAccounts} capped, ` +
        `${credit.n} settled from credit (${credit.fen} fen), in ${seconds(batchMs)} s`,
    );

    // 2. The floors: the batch's own rows of the month, exported once (untimed) to files and COPYed back.
    const files = await exportBatchRows(pool, scratch.tmpDir, PERIOD);
    const counts = `${run.invoicesIssued} invoices + ${lines} lines + ${files.intervals} intervals`;
    // Like-for-like: into the same tables with their indexes, foreign keys and triggers, rolled back.
    const likeMs = await timedCopy(pool, '', files.paths, 'ROLLBACK');
    log(`like-for-like floor (same tables, indexes, foreign keys, triggers; rolled back), ${counts}: ${seconds(likeMs)} s`);
    // Raw: into tables of the same columns with only a primary key (no foreign keys, no triggers), committed.
    await createRawTables(pool);
    let rawMs = 0;
    try {
      rawMs = await timedCopy(pool, 'raw_', files.paths, 'COMMIT');
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${INVOICE_TABLES.map((t) => `raw_${t.name}`).join(', ')}`);
    }
    log(`raw floor (same columns, primary keys only; committed), ${counts}: ${seconds(rawMs)} s`);
    log('');
    log(`households/s (batch):        ${Math.round((HOUSEHOLDS / batchMs) * 1000)}`);
    log(`batch:                       ${seconds(batchMs)} s`);
    monthTimes.push([PERIOD, batchMs]);
    const first = monthTimes[0]![1];
    const months = monthTimes.map(([p, ms]) => `${p} ${seconds(ms)} s`).join(', ');
    log(`months alike:                ${months} (last / first ${(batchMs / first).toFixed(2)}×)`);
    log(`ratio batch / like-for-like: ${(batchMs / likeMs).toFixed(2)}×`);
    log(`ratio batch / raw floor:     ${(batchMs / rawMs).toFixed(2)}×`);
    log(`peak RSS during batch:       ${mib(peak)} (baseline before the batch ${mib(baseline)})`);
    log('');
    printPhases(profile, batchMs);
    if (SPLIT_FLOOR) {
      log('');
      await splitFloor(pool, files.paths, log);
    }
  } finally {
    await scratch.close();
  }
}

await main();
