/**
 * API read benchmark: the resident statement and GET /v1/invoices/{id} of the real app against a
 * bare Fastify route that runs one indexed SELECT through the same pool.
 *
 *   npx tsx bench/api.ts [--households 100000] [--duration 10] [--connections 64] [--tokens 2000] [--pool 20]
 *
 * Uses DATABASE_URL when set (a scratch database is created on that server and dropped after),
 * else an embedded PostgreSQL in a temporary directory. Creates, set-wise in SQL: one compound with
 * the default 2025-26 season, `--households` households with an open metered account each, the
 * season's nine invoices per account shaped like the monthly batch's (the SPEC §5 worked example:
 * usage lines, cap lines from June; each invoice in its ledger slot, each line naming its season,
 * with its register interval between two readings, as the batch writes them), the first three
 * months paid by one payment; the season running today with its months so far billed and a
 * reading an hour ago (so its statement computes the usage so far, SPEC §9); and `--tokens`
 * resident tokens. Then the real app and the bare route listen on free ports; autocannon drives
 * each route for `--duration` seconds with `--connections` connections, every request picking a
 * random resident (its token, its account, one of its invoices), so the per-token rate limit
 * (1000/min) never bites. Prints requests/s, p50/p99 latency and the ratios to the bare route.
 *
 * The statement route runs for each season twice: as configured (its cache warm: every token's
 * statement was read in the warm-up, so each request checks a stamp and sends cached bytes) and on
 * a second app with the cache off (every request computes its statement: the first read of each
 * account). The running season's computed statement adds the usage so far: the batch's own facts
 * of the account for the month, priced by the core.
 *
 * The servers run in a child process (bench/api-server.ts): autocannon parsing responses in the
 * servers' own event loop would charge its work to them, the more so the larger the response.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import autocannon from 'autocannon';
import pg from 'pg';
import type { ServerPorts } from './api-server.js';
import { integerArg, openScratchDatabase } from './scratch.js';

const arg = (name: string, fallback: number) => integerArg(name, fallback, 1);

const HOUSEHOLDS = arg('--households', 100_000);
const DURATION = arg('--duration', 10);
const CONNECTIONS = arg('--connections', 64);
const TOKENS = arg('--tokens', 2000);
/** pg connections of the servers' one pool (the app's default is 20). */
const POOL = arg('--pool', 20);
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (message: string) => process.stdout.write(`${message}\n`);

/** The worked example (SPEC §5): period, units, grossFen, cap line. */
const MONTHS: Array<[string, number, number, number]> = [
  ['2025-11', 1500, 49_500, 0],
  ['2025-12', 2600, 85_800, 0],
  ['2026-01', 3000, 99_000, 0],
  ['2026-02', 2400, 79_200, 0],
  ['2026-03', 900, 29_700, 0],
  ['2026-06', 500, 16_500, -13_200],
  ['2026-07', 1200, 39_600, -39_600],
  ['2026-08', 1100, 36_300, -36_300],
  ['2026-09', 0, 0, 0],
];

/**
 * The season running today (its heating starts on 15 November): its label, its dates, and its
 * months already billed (each 1,000 units, far under the cap). Its statement computes the usage so
 * far (SPEC §9), which a finished season's never does.
 */
function runningSeason(today = new Date()) {
  const year = today.getUTCMonth() >= 9 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
  const label = `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
  if (label === '2025-26') throw new Error('the running season must follow the finished 2025-26 season: check the clock');
  const months = [`${year}-11`, `${year}-12`, ...['01', '02', '03', '06', '07', '08', '09'].map((m) => `${year + 1}-${m}`)];
  const current = today.toISOString().slice(0, 7);
  const billed = months.filter((period) => period < current).map((period): [string, number, number, number] => [period, 1000, 33_000, 0]);
  const dates = [`${year}-11-15`, `${year + 1}-03-15`, `${year + 1}-06-15`, `${year + 1}-09-15`];
  return { label, dates, billed };
}
const RUNNING = runningSeason();

async function setup(client: pg.PoolClient): Promise<void> {
  const provider = await client.query<{ id: string }>("INSERT INTO providers (name) VALUES ('bench') RETURNING id");
  const compound = await client.query<{ id: string }>(
    "INSERT INTO compounds (code, name, district, provider_id) VALUES ('bench', 'bench 小区', '洪山区', $1) RETURNING id",
    [provider.rows[0]!.id],
  );
  const c = compound.rows[0]!.id;
  await client.query(
    `INSERT INTO seasons (compound_id, label, heating_start, heating_end, cooling_start, cooling_end, unit_rate, cap_per_m2)
     VALUES ($1, '2025-26', '2025-11-15', '2026-03-15', '2026-06-15', '2026-09-15', 0.33, 35),
            ($1, $2, $3, $4, $5, $6, 0.33, 35)`,
    [c, RUNNING.label, ...RUNNING.dates],
  );
  await client.query(
    `INSERT INTO households (compound_id, building, unit, room, area_m2)
     SELECT $1, (g / 1000)::text, '1', g::text, 99 FROM generate_series(0, $2 - 1) g`,
    [c, HOUSEHOLDS],
  );
  await client.query(
    `INSERT INTO accounts (compound_id, household_id, holder_name, phone, opened_on, opening_reading)
     SELECT $1, h.id, '王芳' || h.room, '138' || lpad(h.room, 8, '0'), '2025-11-01', 0 FROM households h WHERE h.compound_id = $1`,
    [c],
  );
  await client.query(
    `INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
     SELECT $1, h.id, 'BENCH-' || h.room, '2025-10-01T00:00:00+08:00', 0 FROM households h WHERE h.compound_id = $1`,
    [c],
  );
  await billedMonths(client, c);
  await client.query(
    `INSERT INTO payments (compound_id, account_id, amount_fen, paid_at, reference, idempotency_key, request_hash, unallocated_fen,
                           created_by)
     SELECT $1, a.id, 234300, '2026-02-05T10:00:00+08:00', 'WX-' || a.id, 'bench:' || a.id, 'bench', 0, 'bench'
     FROM accounts a WHERE a.compound_id = $1`,
    [c],
  );
  // The running season's usage so far: a reading an hour ago, 123.5 units past the last invoice's.
  await client.query(
    `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
     SELECT $1, m.id, now() - interval '1 hour', r.value + 123.5, 'automatic'
     FROM meters m CROSS JOIN LATERAL (SELECT value FROM readings r WHERE r.meter_id = m.id ORDER BY read_at DESC LIMIT 1) r
     WHERE m.compound_id = $1`,
    [c],
  );
  await client.query(
    `INSERT INTO api_tokens (token_hash, role, account_id, created_by)
     SELECT sha256(convert_to('hpb_bench_' || a.id, 'UTF8')), 'resident', a.id, 'bench'
     FROM (SELECT id FROM accounts WHERE compound_id = $1 ORDER BY random() LIMIT $2) a`,
    [c, TOKENS],
  );
}

/**
 * Every billed month of both seasons, as the batch leaves it: a reading on the 28th (the meter's
 * cumulative units), an invoice in its ledger slot, its usage line (and cap line) naming its
 * season, and its register interval from the month before's reading (the account's opening, 0,
 * for the first).
 */
async function billedMonths(client: pg.PoolClient, c: string): Promise<void> {
  const months = JSON.stringify([
    ...MONTHS.map(([period, units, gross, cap]) => ({ period, units, gross, cap, season: '2025-26' })),
    ...RUNNING.billed.map(([period, units, gross, cap]) => ({ period, units, gross, cap, season: RUNNING.label })),
  ]);
  const monthRows = `SELECT m.*, row_number() OVER (ORDER BY m.period)::int AS k, sum(m.units) OVER (ORDER BY m.period) AS cumulative
                     FROM jsonb_to_recordset($2::jsonb) AS m(period text, units int, gross bigint, cap bigint, season text)`;
  await client.query(
    `INSERT INTO readings (compound_id, meter_id, read_at, value, source)
     SELECT $1, mt.id, (m.period || '-28T12:00:00+08:00')::timestamptz, m.cumulative, 'automatic'
     FROM meters mt CROSS JOIN (${monthRows}) m WHERE mt.compound_id = $1`,
    [c, months],
  );
  await client.query(
    `WITH m AS (${monthRows}),
          rows AS (
            SELECT a.id AS account_id, a.household_id, m.*, row_number() OVER (PARTITION BY m.period ORDER BY h.household_no) AS seq
            FROM accounts a JOIN households h ON h.id = a.household_id CROSS JOIN m
            WHERE a.compound_id = $1)
     INSERT INTO invoices (compound_id, account_id, household_id, season_label, period, seq, number, issued_on, due_on,
                           account_seq, plan, total_fen, paid_fen, status, usage_units)
     SELECT $1, account_id, household_id, season, period, seq,
            'BENCH-' || replace(period, '-', '') || '-' || lpad(seq::text, 6, '0'),
            (period || '-28')::date, (period || '-28')::date + 15, k, 'metered', gross + cap,
            CASE WHEN period <= '2026-01' THEN gross + cap ELSE 0 END,
            CASE WHEN period <= '2026-01' OR gross + cap = 0 THEN 'paid' ELSE 'issued' END, units
     FROM rows`,
    [c, months],
  );
  await client.query(
    `INSERT INTO invoice_lines (invoice_id, line_no, compound_id, season_label, kind, description, units, unit_rate, amount_fen)
     SELECT i.id, 1, i.compound_id, i.season_label, 'usage', '用量 Usage ' || i.period || ': ' || i.usage_units::int || ' × 0.33',
            i.usage_units, 0.33, round(i.usage_units * 33)::bigint
     FROM invoices i WHERE i.compound_id = $1`,
    [c],
  );
  await client.query(
    `INSERT INTO invoice_lines (invoice_id, line_no, compound_id, season_label, kind, description, amount_fen)
     SELECT i.id, 2, i.compound_id, i.season_label, 'cap', '封顶减免 Cap reduction (cap 3465.00 CNY)',
            i.total_fen - round(i.usage_units * 33)::bigint
     FROM invoices i WHERE i.compound_id = $1 AND i.total_fen < round(i.usage_units * 33)::bigint`,
    [c],
  );
  await client.query(
    `INSERT INTO invoice_intervals (invoice_id, interval_no, compound_id, season_label, meter_id,
                                    from_reading_id, from_value, from_at, to_reading_id, to_value, to_at)
     SELECT i.id, 1, i.compound_id, i.season_label, mt.id, prev.id, coalesce(prev.value, 0),
            coalesce(prev.read_at, '2025-11-01T00:00:00+08:00'), r.id, r.value, r.read_at
     FROM invoices i
     JOIN meters mt ON mt.household_id = i.household_id
     JOIN readings r ON r.meter_id = mt.id AND r.read_at = (i.period || '-28T12:00:00+08:00')::timestamptz
     LEFT JOIN LATERAL (SELECT p.id, p.value, p.read_at FROM readings p WHERE p.meter_id = mt.id AND p.read_at < r.read_at
                        ORDER BY p.read_at DESC LIMIT 1) prev ON true
     WHERE i.compound_id = $1`,
    [c],
  );
}

/** The running season's statement computes the usage so far: a bench that never reached that path would measure nothing. */
async function checkRunningStatement(port: number, request: { path: string; headers: Record<string, string> }): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, { headers: request.headers });
  const body = (await response.json()) as { usageToDate?: { units: string } | null };
  if (response.status !== 200 || body.usageToDate?.units !== '123.5') {
    throw new Error(`the running season's statement has no usage so far: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function drive(name: string, port: number, pick: () => { path: string; headers: Record<string, string> }): Promise<Result> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, ...pick() }) }],
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The app and the bare route, in a child process of their own (see the header). */
async function startServers(url: string): Promise<ServerPorts & { server: ChildProcess }> {
  const server = fork(new URL('./api-server.ts', import.meta.url), {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_ADMIN_TOKEN: ADMIN_TOKEN, BENCH_POOL_SIZE: String(POOL) },
  });
  const exited = once(server, 'exit').then(([code]) => {
    throw new Error(`bench/api-server.ts exited with ${String(code)} before listening`);
  });
  const [ports] = (await Promise.race([once(server, 'message'), exited])) as [ServerPorts];
  exited.catch(() => {});
  return { server, ...ports };
}

async function main(): Promise<void> {
  const scratch = await openScratchDatabase('api', { log });
  const { pool, url } = scratch;
  try {
    log(`creating ${HOUSEHOLDS} households with a season of invoices …`);
    const t0 = Date.now();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await setup(client);
      await client.query('COMMIT');
      await client.query('VACUUM ANALYZE');
    } finally {
      client.release();
    }
    const counts = await pool.query<{ invoices: number; lines: number }>(
      'SELECT (SELECT count(*) FROM invoices)::int AS invoices, (SELECT count(*) FROM invoice_lines)::int AS lines',
    );
    log(`setup ${((Date.now() - t0) / 1000).toFixed(1)} s: ${counts.rows[0]!.invoices} invoices, ${counts.rows[0]!.lines} lines`);

    const residents = (
      await pool.query<{ account_id: string; invoice_ids: string[] }>(
        `SELECT t.account_id, array_agg(i.id ORDER BY i.period) AS invoice_ids
         FROM api_tokens t JOIN invoices i ON i.account_id = t.account_id GROUP BY t.account_id`,
      )
    ).rows;
    const random = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

    const { server, appPort, uncachedAppPort, barePort } = await startServers(url);
    const statementOf = (season: string) => () => {
      const r = random(residents);
      return {
        path: `/v1/accounts/${r.account_id}/statement?season=${season}`,
        headers: { authorization: `Bearer hpb_bench_${r.account_id}` },
      };
    };
    const statementRequest = statementOf('2025-26');
    const runningRequest = statementOf(RUNNING.label);
    await checkRunningStatement(appPort, runningRequest());
    // Warm up (JIT, pool connections, token and statement caches) before measuring.
    await drive('warm-up', appPort, statementRequest);
    await drive('warm-up', appPort, runningRequest);
    await drive('warm-up', uncachedAppPort, statementRequest);
    const results: Result[] = [];
    results.push(
      await drive('bare indexed SELECT', barePort, () => ({ path: `/bare/${random(residents).account_id}`, headers: {} })),
    );
    results.push(await drive('GET /v1/accounts/{id}/statement (resident)', appPort, statementRequest));
    results.push(await drive('same, statement cache off (every read computed)', uncachedAppPort, statementRequest));
    results.push(await drive(`same, the running season ${RUNNING.label} (usage so far)`, appPort, runningRequest));
    results.push(await drive('running season, statement cache off', uncachedAppPort, runningRequest));
    results.push(
      await drive('GET /v1/invoices/{id} (resident)', appPort, () => {
        const r = random(residents);
        return { path: `/v1/invoices/${random(r.invoice_ids)}`, headers: { authorization: `Bearer hpb_bench_${r.account_id}` } };
      }),
    );
    server.send('close');
    await once(server, 'exit');

    const base = results[0]!.rps;
    log('');
    log(`${HOUSEHOLDS} households, ${CONNECTIONS} connections, ${DURATION} s per route, pool of ${POOL}`);
    log('| route | requests/s | p50 ms | p99 ms | vs bare | non-2xx |');
    log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${((100 * r.rps) / base).toFixed(0)}% | ${r.non2xx + r.errors} |`);
    }
    const statement = results[1]!;
    log('');
    const share = ((100 * statement.rps) / base).toFixed(0);
    log(`statement: ${share}% of bare (target ≥ 80%), p99 ${statement.p99} ms (target ≤ 30 ms on a quiet machine)`);
  } finally {
    await scratch.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
