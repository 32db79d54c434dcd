/**
 * Arrears benchmark: GET /v1/compounds/{code}/arrears of the real app (JSON and CSV) for one
 * compound of N households, beside its one query alone (the floor: what PostgreSQL takes).
 *
 *   npx tsx bench/arrears.ts [--households 100000] [--runs 5]
 *
 * Uses DATABASE_URL when set (a scratch database is created there and dropped after), else an
 * embedded PostgreSQL in a temporary directory. Creates, set-wise in SQL: one compound with the
 * 2025-26 season, N households with an open account each, and the season's nine monthly invoices
 * per account (due 15 days after the 28th), paid or not by the household's last digit so that
 * the arrears fall in every bucket as of 2026-10-31: 0–4 all paid; 5–6 the last two months open;
 * 7 the last month partly paid; 8 the last four months open; 9 everything from January open but
 * February void. No lines: the arrears never read them. Then `VACUUM ANALYZE`, one warm-up
 * request, and `--runs` timed requests of each kind through app.inject (routing, scope check,
 * query, masking, serialisation; no socket). The compound totals are checked against a sum over
 * the invoices written by a query of the bench's own; a mismatch fails the bench.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const HOUSEHOLDS = integerArg('--households', 100_000, 1);
const RUNS = integerArg('--runs', 5, 1);
const AS_OF = '2026-10-31';
const PERIODS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09'];
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (message: string) => process.stdout.write(`${message}\n`);
const ms = (value: number) => `${value.toFixed(0)} ms`;

async function setup(query: (text: string, values?: unknown[]) => Promise<unknown>): Promise<void> {
  await query("INSERT INTO providers (name) VALUES ('bench')");
  await query(
    "INSERT INTO compounds (code, name, district, provider_id) SELECT 'bench', 'bench 小区', '洪山区', id FROM providers",
  );
  await query(
    `INSERT INTO seasons (compound_id, label, heating_start, heating_end, cooling_start, cooling_end, unit_rate, cap_per_m2)
     SELECT id, '2025-26', '2025-11-15', '2026-03-15', '2026-06-15', '2026-09-15', 0.33, 35 FROM compounds`,
  );
  await query(
    `INSERT INTO households (compound_id, building, unit, room, area_m2)
     SELECT c.id, (g / 1000 + 1)::text, (g % 4 + 1)::text, g::text, 99 FROM compounds c, generate_series(0, $1 - 1) g`,
    [HOUSEHOLDS],
  );
  await query(
    `INSERT INTO accounts (compound_id, household_id, holder_name, phone, opened_on, opening_reading)
     SELECT h.compound_id, h.id, '王芳' || h.room, '138' || lpad(h.room, 8, '0'), '2025-11-01', 0 FROM households h`,
  );
  // k: the month's place in the season (1–9); d: the household's last digit; the status and paid
  // amount follow the doc comment above.
  await query(
    `WITH m AS (SELECT p AS period, k::int FROM unnest($1::text[]) WITH ORDINALITY AS u(p, k)),
          r AS (SELECT a.id AS account_id, a.household_id, a.compound_id, h.household_no % 10 AS d, m.period, m.k,
                       row_number() OVER (PARTITION BY m.period ORDER BY h.household_no) AS seq,
                       20000 + (h.household_no % 97) * 100 AS total
                FROM accounts a JOIN households h ON h.id = a.household_id CROSS JOIN m),
          s AS (SELECT r.*, CASE
                  WHEN d = 9 AND k = 4 THEN 'void'
                  WHEN d = 9 AND k >= 3 THEN 'issued'
                  WHEN d = 8 AND k >= 6 THEN 'issued'
                  WHEN d = 7 AND k = 9 THEN 'partially_paid'
                  WHEN d IN (5, 6) AND k >= 8 THEN 'issued'
                  ELSE 'paid' END AS status
                FROM r)
     INSERT INTO invoices (compound_id, account_id, household_id, season_label, period, seq, number, issued_on, due_on,
                           account_seq, plan, total_fen, paid_fen, status, usage_units, void_reason, voided_at)
     SELECT compound_id, account_id, household_id, '2025-26', period, seq,
            'BENCH-' || replace(period, '-', '') || '-' || lpad(seq::text, 6, '0'),
            (period || '-28')::date, (period || '-28')::date + 15, k, 'metered', total,
            CASE status WHEN 'paid' THEN total WHEN 'partially_paid' THEN total / 2 ELSE 0 END,
            status, 0,
            CASE WHEN status = 'void' THEN 'bench' END, CASE WHEN status = 'void' THEN now() END
     FROM s`,
    [PERIODS],
  );
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('arrears', { log });
  try {
    const started = performance.now();
    const client = await scratch.pool.connect();
    try {
      await setup((text, values) => client.query(text, values));
      await client.query('VACUUM ANALYZE');
    } finally {
      client.release();
    }
    const counts = await scratch.pool.query<{ invoices: number; open: number }>(
      "SELECT count(*)::int AS invoices, count(*) FILTER (WHERE status IN ('issued', 'partially_paid'))::int AS open FROM invoices",
    );
    const { invoices, open } = counts.rows[0]!;
    log(`setup: ${HOUSEHOLDS} households, ${invoices} invoices (${open} open) in ${ms(performance.now() - started)}`);

    const config = { ...loadConfig({}), adminToken: ADMIN_TOKEN, logLevel: 'silent', databaseUrl: scratch.url };
    const app = await buildApp({ config, db: scratch.db, pool: scratch.pool });
    try {
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const url = `/v1/compounds/bench/arrears?asOf=${AS_OF}`;
      const timed = async (accept: string) => {
        const times: number[] = [];
        let cpu = 0;
        let body = '';
        for (let run = 0; run <= RUNS; run += 1) {
          const t0 = performance.now();
          const cpu0 = process.cpuUsage();
          const response = await app.inject({ url, headers: { ...headers, accept } });
          const elapsed = performance.now() - t0;
          const used = process.cpuUsage(cpu0);
          if (response.statusCode !== 200) throw new Error(`arrears answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
          if (run > 0) {
            // run 0 warms up
            times.push(elapsed);
            cpu += (used.user + used.system) / 1000;
          }
          body = response.body;
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        return { median, best: times[0]!, worst: times.at(-1)!, cpu: cpu / RUNS, bytes: Buffer.byteLength(body), body };
      };
      const json = await timed('application/json');
      const csv = await timed('text/csv');

      const explain = await scratch.pool.query<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON)
         SELECT i.account_id, sum(i.total_fen - i.paid_fen) FROM invoices i
         WHERE i.status IN ('issued', 'partially_paid') AND i.due_on < $1::date AND i.total_fen > i.paid_fen GROUP BY i.account_id`,
        [AS_OF],
      );
      const floor = explain.rows[0]!['QUERY PLAN'][0]!['Execution Time'];

      type Totals = { accounts: number; invoices: number; overdueFen: number; buckets: Record<string, number> };
      const arrears = JSON.parse(json.body) as { totals: Totals };
      const check = await scratch.pool.query<{ accounts: number; invoices: number; fen: number }>(
        `SELECT count(DISTINCT account_id)::int AS accounts, count(*)::int AS invoices,
                coalesce(sum(total_fen - paid_fen), 0)::bigint AS fen
         FROM invoices WHERE status IN ('issued', 'partially_paid') AND due_on < $1::date AND total_fen > paid_fen`,
        [AS_OF],
      );
      const want = check.rows[0]!;
      const { buckets } = arrears.totals;
      const bucketSum = Object.values(buckets).reduce((a, b) => a + b, 0);
      const { totals } = arrears;
      const same = totals.overdueFen === want.fen && bucketSum === want.fen;
      if (!same || totals.accounts !== want.accounts || totals.invoices !== want.invoices) {
        throw new Error(`totals do not reconcile: ${JSON.stringify(arrears.totals)} vs ${JSON.stringify(want)}`);
      }
      log(`arrears as of ${AS_OF}: ${want.accounts} accounts, ${want.invoices} invoices, ${(want.fen / 100).toFixed(2)} CNY (reconciled)`);
      log(`  buckets ${JSON.stringify(buckets)}`);
      const line = (name: string, r: typeof json) =>
        `GET arrears ${name} median ${ms(r.median)} (best ${ms(r.best)}, worst ${ms(r.worst)}; Node CPU ${ms(r.cpu)} a request), ` +
        `${(r.bytes / 1024 / 1024).toFixed(1)} MiB`;
      log(line('JSON', json));
      log(line('CSV ', csv));
      log(`floor: the overdue invoices summed per account, alone in PostgreSQL: ${ms(floor)}`);
      log(`target ≤ 2000 ms: ${Math.max(json.median, csv.median) <= 2000 ? 'met' : 'MISSED'} (${RUNS} runs each, after one warm-up)`);
      log(`load average during the runs: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    } finally {
      await app.close();
    }
  } finally {
    await scratch.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
