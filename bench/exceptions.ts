/**
 * Meter data quality benchmark: GET /v1/compounds/{code}/exceptions?period=2026-01 of the real app
 * (app.inject, JSON and CSV) for one compound of N households, and each kind's query on its own.
 *
 *   npx tsx bench/exceptions.ts [--households 100000] [--repeat 5]
 *
 * Uses DATABASE_URL when set (a scratch database is created there and dropped after), else an
 * embedded PostgreSQL in a temporary directory. Creates, set-wise in SQL: one compound with the
 * default 2025-26 season, N households (areas 60–159 m²) with one meter and one open account each
 * (every fifth on the flat plan), one reading at the end of every month of the season (9 per meter)
 * with, in January: no reading for every 50th household, no advance for every 97th, 5,000 units
 * more for every 101st; and a dry run of January that left every 500th account unbilled. Then
 * times each kind's query alone (warm), then the route once cold and `--repeat` times warm (the
 * target: under 2 s at 100,000 households). Prints the load average beside the figures.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/sql.js';
import { BILLING_EXCEPTION_SQL, MISSING_READING_SQL, USAGE_SPIKE_SQL, ZERO_USAGE_SQL } from '../src/exceptions/queries.sql.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const HOUSEHOLDS = integerArg('--households', 100_000, 1);
const REPEAT = integerArg('--repeat', 5, 1);
const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];
const PERIOD = '2026-01';
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (message: string) => process.stdout.write(`${message}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(3);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await fn();
  return [performance.now() - started, result];
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('exceptions', { poolSize: 8, log });
  const { db, pool } = scratch;
  try {
    const t0 = Date.now();
    const provider = await pool.query<{ id: string }>("INSERT INTO providers (name) VALUES ('bench') RETURNING id");
    const compound = await pool.query<{ id: string }>(
      "INSERT INTO compounds (code, name, district, provider_id) VALUES ('bench', 'bench 小区', '洪山区', $1) RETURNING id",
      [provider.rows[0]!.id],
    );
    const c = compound.rows[0]!.id;
    await pool.query(
      `INSERT INTO seasons (compound_id, label, heating_start, heating_end, cooling_start, cooling_end, unit_rate, cap_per_m2)
       VALUES ($1, '2025-26', '2025-11-15', '2026-03-15', '2026-06-15', '2026-09-15', 0.33, 35)`,
      [c],
    );
    await pool.query(
      `INSERT INTO households (compound_id, building, unit, room, area_m2)
       SELECT $1, (g / 1000)::text, '1', g::text, 60 + g % 100 FROM generate_series(0, $2::int - 1) g ORDER BY g`,
      [c, HOUSEHOLDS],
    );
    await pool.query(
      `INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
       SELECT compound_id, id, 'BM-' || household_no, '2025-10-01T00:00:00+08:00', 0 FROM households WHERE compound_id = $1`,
      [c],
    );
    await pool.query(
      `INSERT INTO accounts (compound_id, household_id, holder_name, opened_on, opening_reading)
       SELECT compound_id, id, '住户 ' || household_no, '2025-10-01', 0 FROM households WHERE compound_id = $1`,
      [c],
    );
    await pool.query(
      `INSERT INTO account_plans (account_id, compound_id, season_label, plan)
       SELECT a.id, a.compound_id, '2025-26', 'flat'
       FROM accounts a JOIN households h ON h.id = a.household_id WHERE a.compound_id = $1 AND h.household_no % 5 = 0`,
      [c],
    );
    // 150–449 units a month, cumulative; January (k = 3): every 97th no advance, every 101st 5,000 more.
    await pool.query(
      `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
       SELECT m.compound_id, m.id, (p || '-28T12:00:00+08:00')::timestamptz,
              (k - CASE WHEN h.household_no % 97 = 5 AND k >= 3 THEN 1 ELSE 0 END) * (150 + (h.household_no * 7) % 300)
                + CASE WHEN h.household_no % 101 = 9 AND k >= 3 THEN 5000 ELSE 0 END,
              'automatic'
       FROM meters m JOIN households h ON h.id = m.household_id
       CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS months(p, k)
       WHERE m.compound_id = $1 AND NOT (h.household_no % 50 = 7 AND p = $3)`,
      [c, MONTHS, PERIOD],
    );
    const run = await pool.query<{ id: string }>(
      `INSERT INTO billing_runs (period, compound_id, dry_run, status, started_by, finished_at)
       VALUES ($1, $2, true, 'succeeded', 'bench', now()) RETURNING id`,
      [PERIOD, c],
    );
    await pool.query(
      `INSERT INTO billing_run_exceptions (billing_run_id, compound_id, period, account_id, household_id, reason)
       SELECT $1, a.compound_id, $2, a.id, a.household_id, 'bench: an account the batch left unbilled'
       FROM accounts a JOIN households h ON h.id = a.household_id WHERE a.compound_id = $3 AND h.household_no % 500 = 11`,
      [run.rows[0]!.id, PERIOD, c],
    );
    await pool.query('VACUUM ANALYZE');
    log(`setup: 1 compound, ${HOUSEHOLDS} households, ${HOUSEHOLDS * MONTHS.length} readings in ${seconds(Date.now() - t0)} s`);

    const bounds = [new Date('2026-01-01T00:00:00+08:00'), new Date('2026-02-01T00:00:00+08:00'), '2026-01-01', '2026-02-01'];
    const month = [c, PERIOD, '2025-26', ...bounds];
    // Each kind alone, as the route runs it (JIT off, work_mem 64 MB: see src/exceptions/repository.ts).
    const client = await pool.connect();
    await client.query("SET jit = off; SET work_mem = '64MB'");
    for (const [kind, text, params] of [
      ['missing_reading', MISSING_READING_SQL, month],
      ['zero_usage', ZERO_USAGE_SQL, month],
      ['usage_spike', USAGE_SPIKE_SQL, month],
      ['billing_exception', BILLING_EXCEPTION_SQL, [c, PERIOD]],
    ] as const) {
      await queryRows(client, text, params);
      const [ms, rows] = await timed(() => queryRows(client, text, params));
      log(`  query ${kind.padEnd(18)} ${seconds(ms)} s, ${rows.length} items (alone, warm)`);
    }
    await client.query('RESET jit; RESET work_mem');
    client.release();

    const config = { ...loadConfig({}), adminToken: ADMIN_TOKEN, logLevel: 'silent', databaseUrl: scratch.url };
    const app = await buildApp({ config, db, pool });
    try {
      const url = `/v1/compounds/bench/exceptions?period=${PERIOD}`;
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const call = async (accept: string) => {
        const response = await app.inject({ url, headers: { ...headers, accept } });
        if (response.statusCode !== 200) throw new Error(`exceptions answered ${response.statusCode}: ${response.body}`);
        return response;
      };
      const [coldMs, cold] = await timed(() => call('application/json'));
      const items = cold.json<{ items: Array<{ kind: string }> }>().items;
      const counts = new Map<string, number>();
      for (const item of items) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
      log(`route, JSON, cold: ${seconds(coldMs)} s, ${items.length} items (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')})`);
      const warm: number[] = [];
      for (let i = 0; i < REPEAT; i += 1) warm.push((await timed(() => call('application/json')))[0]);
      warm.sort((a, b) => a - b);
      log(`route, JSON, warm: median ${seconds(warm[Math.floor(warm.length / 2)]!)} s, best ${seconds(warm[0]!)} s, ` +
        `worst ${seconds(warm[warm.length - 1]!)} s over ${REPEAT}`);
      const [csvMs, csv] = await timed(() => call('text/csv'));
      log(`route, CSV: ${seconds(csvMs)} s, ${(csv.body.length / 1024).toFixed(0)} KiB`);
      log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    } finally {
      await app.close();
    }
  } finally {
    await scratch.close();
  }
}

await main();
