import t from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { cumulative, insertCompound, insertHomeWithReadings } from '../helpers/billing.js';
import { runBilling } from '../../src/billing/service.js';
import { statisticsAreStale } from '../../src/billing/statistics.sql.js';
import type { Database } from '../../src/db/pool.js';

/** When each invoice table was last analysed by a command (null: never in this database). */
async function lastAnalysed(db: Database): Promise<Record<string, string | null>> {
  const { rows } = await sql<{ relname: string; last_analyze: Date | null }>`
    SELECT relname, last_analyze FROM pg_stat_user_tables
    WHERE relname IN ('invoices', 'invoice_lines', 'invoice_intervals')`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.relname, r.last_analyze?.toISOString() ?? null]));
}

async function homes(db: Database, compoundId: string, n: number) {
  for (let k = 0; k < n; k++) {
    const readings = cumulative([['2025-11', 100 + k], ['2025-12', 50]]);
    await insertHomeWithReadings(db, compoundId, { holderName: `home-${k}`, readings });
  }
}

t.test('the rule is autovacuum default: 50 rows and a tenth of the table', async (t) => {
  t.notOk(statisticsAreStale(50, 0), 'fifty rows into an empty table: not yet');
  t.ok(statisticsAreStale(51, 0));
  t.ok(statisticsAreStale(51, -1), 'a table never analysed counts as empty');
  t.notOk(statisticsAreStale(1_050, 10_000));
  t.ok(statisticsAreStale(1_051, 10_000));
});

t.test('a run that grows the invoice tables past the rule analyses them; a small run or a dry run does not', async (t) => {
  const { db, pool } = await testApp(t);
  const small = await insertCompound(db, 'small');
  await homes(db, small.compoundId, 3);
  await runBilling({ db, pool }, { period: '2025-11', compound: 'small', actor: 'cli' });
  t.same(await lastAnalysed(db), { invoices: null, invoice_lines: null, invoice_intervals: null }, 'three invoices: left to autovacuum');

  const large = await insertCompound(db, 'large');
  await homes(db, large.compoundId, 60);
  const dry = await runBilling({ db, pool }, { period: '2025-11', compound: 'large', actor: 'cli', dryRun: true });
  t.equal(dry.invoicesIssued, 60);
  t.same(await lastAnalysed(db), { invoices: null, invoice_lines: null, invoice_intervals: null }, 'a dry run writes nothing to analyse');

  const run = await runBilling({ db, pool }, { period: '2025-11', compound: 'large', actor: 'cli' });
  t.equal(run.invoicesIssued, 60);
  const analysed = await lastAnalysed(db);
  for (const table of ['invoices', 'invoice_lines', 'invoice_intervals']) {
    t.ok(analysed[table], `${table} analysed right after the run`);
  }
  const { rows } = await sql<{ reltuples: number }>`
    SELECT reltuples::float8 AS reltuples FROM pg_class WHERE relname = 'invoices'`.execute(db);
  t.equal(rows[0]!.reltuples, 63, 'the planner now knows the invoices the run wrote');
});
