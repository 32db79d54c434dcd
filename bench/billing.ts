/**
 * Monthly batch benchmark: the real batch (runBilling, the code path of the CLI and
 * POST /v1/billing-runs) for one month of N households against a bare COPY of the same number
 * of invoice and line rows into the same tables.
 *
 *   npx tsx bench/billing.ts [--households 1000000] [--prior 2] [--chunk 5000]
 *
 * Uses DATABASE_URL when set (a scratch database is created there and dropped after), else an
 * embedded PostgreSQL in a temporary directory. Seeds the eleven compounds, generates N
 * households set-wise in SQL across them (every fifth on the flat plan, areas 60–159 m², one
 * meter and one open account each, one reading at the end of every month of the 2025-26
 * season, every tenth paid 1,000 CNY in advance), bills the `--prior` months before 2026-01 (untimed, so January has previous
 * invoices, season sums and start readings to look up), then:
 *   1. times the batch for 2026-01 over all compounds (RSS sampled every 50 ms);
 *   2. times a bare COPY of as many invoice rows and line rows as the batch wrote, into
 *      invoices and invoice_lines, in a transaction that is rolled back.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { seedCompounds } from '../seeds/seed.js';
import { runBilling } from '../src/billing/service.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const arg = integerArg;

const HOUSEHOLDS = arg('--households', 200_000);
const PRIOR = arg('--prior', 2);
const CHUNK = process.argv.includes('--chunk') ? arg('--chunk', 0) : undefined; // default: the batch's own (DEFAULT_CHUNK_SIZE)
const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];
const PERIOD = '2026-01';
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const log = (message: string) => process.stdout.write(`${message}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

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

    for (const period of MONTHS.slice(0, MONTHS.indexOf(PERIOD)).slice(-PRIOR)) {
      const t = Date.now();
      const run = await runBilling({ db, pool }, { period, actor: 'bench', chunkSize: CHUNK });
      log(`prior month ${period}: ${run.invoicesIssued} invoices in ${seconds(Date.now() - t)} s (${run.status})`);
    }
    await pool.query('VACUUM ANALYZE invoices, invoice_lines');

    // 1. The batch.
    let peak = process.memoryUsage().rss;
    const baseline = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const tBatch = Date.now();
    const run = await runBilling({ db, pool }, { period: PERIOD, actor: 'bench', chunkSize: CHUNK });
    const batchMs = Date.now() - tBatch;
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

    // 2. The COPY floor: as many rows, same tables, same indexes and foreign keys, rolled back.
    // The floor carries the same foreign keys the batch's rows carry (end reading, billing run).
    const endReadings = (
      await pool.query('SELECT end_reading_id FROM invoices WHERE period = $1 ORDER BY compound_id, seq', [PERIOD])
    ).rows.map((r: { end_reading_id: number | null }) => (r.end_reading_id === null ? '\\N' : String(r.end_reading_id)));
    const accounts = (await pool.query('SELECT a.id, a.household_id, a.compound_id FROM accounts a ORDER BY a.id')).rows as Array<{
      id: string;
      household_id: string;
      compound_id: string;
    }>;
    const ids = accounts.map(() => randomUUID());
    const floor = await pool.connect();
    let floorMs = 0;
    try {
      await floor.query('BEGIN');
      const tFloor = Date.now();
      await pipeline(
        Readable.from(
          (function * () {
            let buf: string[] = [];
            for (let k = 0; k < run.invoicesIssued; k++) {
              const a = accounts[k % accounts.length]!;
              buf.push(
                `${ids[k % ids.length]}\t${a.compound_id}\t${a.id}\t${a.household_id}\t2025-26\t2026-02\t${k + 1}\t` +
                  `BENCH-202602-${String(k + 1).padStart(6, '0')}\t2026-02-01\t2026-02-16\tmetered\t${k % 50_000}\tissued\tf\t` +
                  `${endReadings[k] ?? '\\N'}\t${k}.000\t${k % 400}.000\t${run.id}\n`,
              );
              if (buf.length === 10_000) {
                yield buf.join('');
                buf = [];
              }
            }
            if (buf.length > 0) yield buf.join('');
          })(),
        ),
        floor.query(
          copyFrom(
            'COPY invoices (id, compound_id, account_id, household_id, season_label, period, seq, number, issued_on, due_on, plan, ' +
              'total_fen, status, no_reading, end_reading_id, end_value, usage_units, billing_run_id) FROM STDIN',
          ),
        ),
      );
      await pipeline(
        Readable.from(
          (function * () {
            let buf: string[] = [];
            for (let k = 0; k < lines; k++) {
              const a = accounts[k % accounts.length]!;
              const inv = ids[k % run.invoicesIssued]!;
              const lineNo = Math.floor(k / run.invoicesIssued) + 1;
              buf.push(
                `${inv}\t${lineNo}\t${a.compound_id}\tusage\t用量 Usage 2026-02: ${k % 400} × 0.33\t${k % 400}.000\t0.33\t${k % 50_000}\n`,
              );
              if (buf.length === 10_000) {
                yield buf.join('');
                buf = [];
              }
            }
            if (buf.length > 0) yield buf.join('');
          })(),
        ),
        floor.query(
          copyFrom('COPY invoice_lines (invoice_id, line_no, compound_id, kind, description, units, unit_rate, amount_fen) FROM STDIN'),
        ),
      );
      floorMs = Date.now() - tFloor;
      await floor.query('ROLLBACK');
    } finally {
      floor.release();
    }
    log(`bare COPY of ${run.invoicesIssued} invoices + ${lines} lines: ${seconds(floorMs)} s`);
    log('');
    log(`households/s (batch):   ${Math.round((HOUSEHOLDS / batchMs) * 1000)}`);
    log(`ratio batch / COPY:     ${(batchMs / floorMs).toFixed(2)}×`);
    log(`peak RSS during batch:  ${mib(peak)} (baseline before the batch ${mib(baseline)})`);
  } finally {
    await scratch.close();
  }
}

await main();
