import t from 'tap';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase } from '../helpers/app.js';
import { cumulative, insertCompound, insertHomeWithReadings, invoiceSnapshot } from '../helpers/billing.js';
import { lockInvoiceNumbering } from '../../src/billing/numbering.js';
import { inTransaction } from '../../src/db/sql.js';
import { INTERRUPTED_ERROR } from '../../src/billing/repository.js';
import type { Database } from '../../src/db/pool.js';
import { insertHomesSetwise } from '../helpers/data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CODES = ['aaa-one', 'bbb-two', 'ccc-three'];

/** The same scene in any database: three compounds, metered, flat and silent homes. */
async function scene(db: Database) {
  const ids: Record<string, string> = {};
  for (const [c, code] of CODES.entries()) {
    const { compoundId } = await insertCompound(db, code);
    ids[code] = compoundId;
    for (let k = 0; k < 5; k++) {
      await insertHomeWithReadings(db, compoundId, {
        holderName: `${code}-${k}`,
        areaM2: `${60 + 10 * k}.50`,
        plan: k === 3 ? 'flat' : 'metered',
        readings: k === 4 ? [] : cumulative([['2025-11', 900 + 100 * k + c], ['2025-12', 2000 + k]]),
      });
    }
  }
  return ids;
}

interface Cli {
  child: ReturnType<typeof spawn>;
  output: () => string;
  exit: Promise<number | null>;
}

function cli(url: string, args: string[]): Cli {
  // node --import tsx: the billing process itself, so a kill reaches it (no npx wrapper).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/billing.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exit };
}

async function waitFor(condition: () => boolean, what: string, ms = 60_000) {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

t.test('a run killed after the first compound commits, run again, equals one clean run', async (t) => {
  const crashed = await testDatabase(t);
  const clean = await testDatabase(t);
  const ids = await scene(crashed.db);
  await scene(clean.db);

  // Hold the second compound's month so the CLI is surely between compounds when killed.
  const holder = await crashed.pool.connect();
  await lockInvoiceNumbering(await inTransaction(holder), ids['bbb-two']!, '2025-11');
  const first = cli(crashed.url, ['--period', '2025-11']);
  await waitFor(() => first.output().includes('committed aaa-one'), 'the first compound to commit');
  first.child.kill('SIGKILL');
  t.not(await first.exit, 0, 'killed');
  await holder.query('ROLLBACK');
  holder.release();
  t.notMatch(first.output(), /committed bbb-two/);

  const partial = await invoiceSnapshot(crashed.db);
  t.same([...new Set(partial.map((i) => i.number.slice(0, 3)))], ['AAA'], 'only the first compound was committed');
  t.equal(partial.length, 5, 'completely');
  const stale = await crashed.db.selectFrom('billing_runs').select('status').executeTakeFirstOrThrow();
  t.equal(stale.status, 'running', 'the killed run stays recorded as running');

  const rerun = cli(crashed.url, ['--period', '2025-11']);
  t.equal(await rerun.exit, 0, 'the rerun exits 0');
  t.match(rerun.output(), /invoices:\s+10\b/, 'the rerun issues only what was missing');
  t.match(rerun.output(), /committed aaa-one: 0 invoices, .*; 5 accounts already billed for the month, left alone/);
  const runs = await crashed.db.selectFrom('billing_runs').select(['status', 'error', 'finished_at']).orderBy('started_at').execute();
  t.equal(runs.length, 2);
  t.match(
    runs[0],
    { status: 'failed', error: INTERRUPTED_ERROR, finished_at: Date },
    'after the rerun, the killed run is recorded as interrupted',
  );
  t.match(runs[1], { status: 'succeeded', error: null }, 'the rerun itself succeeded');

  const once = cli(clean.url, ['--period', '2025-11']);
  t.equal(await once.exit, 0, 'the clean run exits 0');
  t.match(once.output(), /accounts:\s+15\b[\s\S]*invoices:\s+15\b[\s\S]*capped accounts: 0[\s\S]*duration:/, 'summary');

  // And the next month continues identically from both.
  for (const url of [crashed.url, clean.url]) {
    const next = cli(url, ['--period', '2025-12']);
    t.equal(await next.exit, 0, 'the next month exits 0');
  }
  const a = await invoiceSnapshot(crashed.db);
  const b = await invoiceSnapshot(clean.db);
  t.equal(a.length, 30);
  t.same(a, b, 'invoice for invoice: numbers, accounts, totals, statuses, readings and lines');
});

t.test('the CLI exits non-zero on failure and on a bad period', async (t) => {
  const { url } = await testDatabase(t);
  const bad = cli(url, ['--period', '2026-13']);
  t.not(await bad.exit, 0);
  t.match(bad.output(), /YYYY-MM/);
  const unknown = cli(url, ['--period', '2026-01', '--compound', 'nowhere']);
  t.not(await unknown.exit, 0);
  t.match(unknown.output(), /Compound not found/);
});

/**
 * SPEC §6 "a crash leaves the compound all or nothing; a rerun finishes the job", at random points:
 * the CLI is killed with SIGKILL after a random delay (before it connects, while it gathers or
 * writes a compound, between compounds, after it commits), CRASH_KILLS times in all (default 2;
 * 20 for the figure in bench/README.md), spread over three months, and run again after each kill.
 * After each month, the crashed database equals a database where every month ran once, cleanly.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 2);
const HOMES = Number(process.env.CRASH_HOMES ?? 400);
const CRASH_MONTHS = ['2025-11', '2025-12', '2026-01'];

t.test(`killed at ${KILLS} random points and run again each time: every month equals one clean run`, async (t) => {
  const crashed = await testDatabase(t);
  const clean = await testDatabase(t);
  for (const db of [crashed.db, clean.db]) {
    for (const code of CODES) {
      const { compoundId } = await insertCompound(db, code);
      await insertHomesSetwise(db, compoundId, HOMES, CRASH_MONTHS, code);
    }
  }
  const delays: number[] = [];
  for (const [m, period] of CRASH_MONTHS.entries()) {
    const kills = Math.floor((KILLS * (m + 1)) / CRASH_MONTHS.length) - Math.floor((KILLS * m) / CRASH_MONTHS.length);
    for (let k = 0; k < kills; k++) {
      const delay = 500 + Math.floor(Math.random() * 5_000);
      delays.push(delay);
      const doomed = cli(crashed.url, ['--period', period]);
      await new Promise((resolve) => setTimeout(resolve, delay));
      doomed.child.kill('SIGKILL');
      await doomed.exit;
    }
    const rerun = cli(crashed.url, ['--period', period]);
    t.equal(await rerun.exit, 0, `${period}: the run after ${kills} kill(s) succeeds\n${rerun.output()}`);
    const once = cli(clean.url, ['--period', period]);
    t.equal(await once.exit, 0, `${period}: the clean run succeeds`);
    t.same(await invoiceSnapshot(crashed.db), await invoiceSnapshot(clean.db), `${period}: invoice for invoice as one clean run`);
  }
  const left = await crashed.db.selectFrom('billing_runs').select('status').where('status', '=', 'running').execute();
  t.same(left, [], 'no run is left recorded as running');
  t.comment(`kills after ${delays.join(', ')} ms`);
});
