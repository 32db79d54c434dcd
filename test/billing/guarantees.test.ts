import t from 'tap';
import { sql } from 'kysely';
import { admin, testApp } from '../helpers/app.js';
import { cumulative, insertCompound, insertHomeWithReadings, invoiceEnd, invoiceSnapshot, readAt } from '../helpers/billing.js';
import { runBilling } from '../../src/billing/service.js';
import { lockInvoiceNumbering } from '../../src/billing/index.js';
import { inTransaction } from '../../src/db/sql.js';
import type { Database } from '../../src/db/pool.js';

/** A compound with `n` metered homes (units 1000 + 10·k in November) and one flat home. */
async function scene(db: Database, code: string, n = 6) {
  const c = await insertCompound(db, code);
  const homes = [];
  for (let k = 0; k < n; k++) {
    homes.push(
      await insertHomeWithReadings(db, c.compoundId, {
        holderName: `${code}-${k}`,
        readings: cumulative([
          ['2025-11', 1000 + 10 * k],
          ['2025-12', 500],
        ]),
      }),
    );
  }
  homes.push(await insertHomeWithReadings(db, c.compoundId, { holderName: `${code}-flat`, plan: 'flat' }));
  return { ...c, homes };
}

t.test('exactly once: running a month again issues nothing and leaves the invoices identical', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha');
  const first = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  t.match(first, { status: 'succeeded', invoicesIssued: 7, accountsBilled: 7, compound: null });
  const snapshot = await invoiceSnapshot(db);
  const again = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  t.match(
    again,
    { status: 'succeeded', invoicesIssued: 0, accountsBilled: 0, totalFen: 0, alreadyBilledAccounts: 7 },
    'the second run reports 0 new invoices, and that every account was already billed',
  );
  t.same(await invoiceSnapshot(db), snapshot, 'invoices, numbers and lines unchanged');
  const counts = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('compound_id', '=', a.compoundId)
    .executeTakeFirstOrThrow();
  t.equal(Number(counts.n), 7);
});

t.test('concurrency: two runs of the same month at once never duplicate an invoice or a number', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 30);
  const b = await scene(db, 'beta', 30);
  const runs = await Promise.all([
    runBilling({ db, pool }, { period: '2025-11', compound: 'alpha', actor: 'one', chunkSize: 7 }),
    runBilling({ db, pool }, { period: '2025-11', compound: 'alpha', actor: 'two', chunkSize: 7 }),
    runBilling({ db, pool }, { period: '2025-11', compound: 'beta', actor: 'three', chunkSize: 7 }),
    runBilling({ db, pool }, { period: '2025-11', actor: 'four', chunkSize: 7 }),
  ]);
  t.ok(
    runs.every((r) => r.status === 'succeeded'),
    'every run succeeds (the later one waits, then finds nothing to do)',
  );
  const alphaIssued = runs.filter((r) => r.compound === 'alpha').map((r) => r.invoicesIssued);
  const allRun = runs[3]!;
  t.equal(
    alphaIssued.reduce((s, n) => s + n, 0) + allRun.invoicesIssued + runs[2]!.invoicesIssued,
    62,
    'the 62 invoices were issued once in total',
  );
  for (const c of [a, b]) {
    const rows = await db
      .selectFrom('invoices')
      .select(['seq', 'number', 'account_id'])
      .where('compound_id', '=', c.compoundId)
      .orderBy('seq')
      .execute();
    t.equal(rows.length, 31, `${c.code}: one invoice per account`);
    t.equal(new Set(rows.map((r) => r.account_id)).size, 31, `${c.code}: no account twice`);
    t.same(
      rows.map((r) => r.seq),
      Array.from({ length: 31 }, (_, i) => i + 1),
      `${c.code}: gapless 1..31`,
    );
    const homes = await db
      .selectFrom('invoices as i')
      .innerJoin('households as h', 'h.id', 'i.household_id')
      .select(['h.household_no'])
      .where('i.compound_id', '=', c.compoundId)
      .orderBy('i.seq')
      .execute();
    const order = homes.map((h) => h.household_no);
    t.same(
      order,
      [...order].sort((x, y) => x - y),
      `${c.code}: numbered in household order`,
    );
  }
});

t.test('one bad account never blocks the rest: it is listed as an exception, the others commit', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 8);
  await scene(db, 'beta', 3);
  // The last home of alpha: a second meter that does not replace the first (bad data) read last.
  const last = await insertHomeWithReadings(db, a.compoundId, { holderName: 'broken', readings: [['2025-11-10T12:00:00+08:00', '5']] });
  await db
    .updateTable('meters')
    .set({ retired_at: new Date('2025-11-11T00:00:00+08:00'), final_reading: '5' })
    .where('id', '=', last.meterId)
    .execute();
  const stray = await db
    .insertInto('meters')
    .values({
      compound_id: a.compoundId,
      household_id: last.householdId,
      serial: 'STRAY-1',
      installed_at: '2025-11-12T00:00:00+08:00',
      initial_reading: '0',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('readings')
    .values({ compound_id: a.compoundId, meter_id: stray.id, read_at: readAt('2025-11'), value: '7' })
    .execute();

  const run = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', chunkSize: 3 });
  t.equal(run.status, 'succeeded', 'the run succeeds');
  t.equal(run.invoicesIssued, 9 + 4, 'every healthy account of alpha and beta is billed');
  t.strictSame(run.exceptions, [
    {
      accountId: last.accountId,
      householdId: last.householdId,
      reason: 'the meter of the latest reading does not descend from the meter billing stands on',
    },
  ]);
  const alpha = await db.selectFrom('invoices').select('seq').where('compound_id', '=', a.compoundId).orderBy('seq').execute();
  t.same(
    alpha.map((r) => r.seq),
    Array.from({ length: 9 }, (_, i) => i + 1),
    'numbers stay gapless',
  );

  // Fixed data: the rerun bills only the account that was left out.
  await db.updateTable('meters').set({ replaces_meter_id: last.meterId }).where('id', '=', stray.id).execute();
  const rerun = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', chunkSize: 3 });
  t.match(rerun, { status: 'succeeded', invoicesIssued: 1, exceptions: [] });
  const broken = await db.selectFrom('invoices').selectAll().where('account_id', '=', last.accountId).executeTakeFirstOrThrow();
  t.equal(broken.usage_units, '12.000', 'usage across the replacement: (5 − 0) + (7 − 0)');
  t.equal(broken.total_fen, 396);
  t.equal(broken.seq, 10, 'numbered after the others');
});

t.test('whole compound or nothing: a failure mid-compound leaves no invoice of it', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 8);
  const b = await scene(db, 'beta', 3);
  // The database refuses the invoice of alpha's last home, written in the compound's third chunk.
  const last = a.homes[a.homes.length - 1]!;
  await sql`CREATE FUNCTION refuse_invoice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.account_id = ${sql.lit(last.accountId)}::uuid THEN RAISE EXCEPTION 'disk full (simulated)'; END IF;
    RETURN NEW;
  END $$`.execute(db);
  await sql`CREATE TRIGGER refuse_invoice BEFORE INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION refuse_invoice()`.execute(db);
  const run = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', chunkSize: 3 });
  t.equal(run.status, 'partial', 'the run bills some compounds, not all');
  t.match(run.error, /alpha: .*disk full/, 'and says which compound and why');
  t.match(run.compounds, [
    { compound: 'alpha', status: 'failed', reason: /disk full/ },
    { compound: 'beta', status: 'succeeded' },
  ]);
  t.equal(run.invoicesIssued, 4, 'beta was billed');
  t.equal(
    (await db.selectFrom('invoices').select('id').where('compound_id', '=', a.compoundId).execute()).length,
    0,
    'no invoice of alpha, although earlier chunks had been written',
  );
  t.equal((await db.selectFrom('invoices').select('id').where('compound_id', '=', b.compoundId).execute()).length, 4);
  const stored = await db.selectFrom('billing_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
  t.match(stored, { status: 'partial', error: /alpha/, invoices_issued: 4 }, 'the run record keeps outcome and error');
  await sql`DROP TRIGGER refuse_invoice ON invoices`.execute(db);
  const rerun = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', chunkSize: 3 });
  t.match(rerun, { status: 'succeeded', invoicesIssued: 9 }, 'the rerun bills alpha completely');
});

t.test('every compound its own unit: one out of month order is refused and listed, the others are billed', async (t) => {
  const { app, db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 3);
  const b = await scene(db, 'beta', 3);
  t.match(await runBilling({ db, pool }, { period: '2025-11', compound: 'alpha', actor: 'cli' }), { status: 'succeeded' });

  // alpha has billed November, not December; beta has billed nothing of the season, so any month may come first.
  const response = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers: admin, payload: { period: '2026-01' } });
  t.equal(response.statusCode, 201, response.body);
  const run = response.json();
  t.match(run, { status: 'partial', compound: null, invoicesIssued: 4 });
  t.same(run.compounds, [
    { compound: 'alpha', status: 'refused', reason: '2025-12 has not been billed; bill it before 2026-01.' },
    { compound: 'beta', status: 'succeeded' },
  ]);
  const invoicesOf = async (compoundId: string) =>
    (await db.selectFrom('invoices').select('id').where('compound_id', '=', compoundId).execute()).length;
  t.equal(await invoicesOf(b.compoundId), 4, 'beta billed');
  t.equal(await invoicesOf(a.compoundId), 4, 'alpha: November only');
  const read = await app.inject({ url: `/v1/billing-runs/${run.id}`, headers: admin });
  t.same(read.json().compounds, run.compounds, 'the run record keeps each compound\'s outcome');

  // A single compound out of order, or every compound refusing the month, is still 409 and records no run.
  const alone = await app.inject({
    method: 'POST',
    url: '/v1/billing-runs',
    headers: admin,
    payload: { period: '2026-01', compound: 'alpha' },
  });
  t.equal(alone.statusCode, 409);
  t.match(alone.json().detail, /alpha: 2025-12 has not been billed/);
  const runs = await db.selectFrom('billing_runs').select('id').execute();
  const none = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers: admin, payload: { period: '2099-01' } });
  t.equal(none.statusCode, 409, none.body);
  t.match(none.json().detail, /alpha: 2099-01 has not ended.*beta: 2099-01 has not ended/);
  t.equal((await db.selectFrom('billing_runs').select('id').execute()).length, runs.length, 'no run recorded');
});

t.test('dry run: the same figures, no invoice stored', async (t) => {
  const { db, pool } = await testApp(t);
  await scene(db, 'alpha', 5);
  await scene(db, 'beta', 4);
  const dry = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', dryRun: true });
  t.match(dry, { status: 'succeeded', dryRun: true, invoicesIssued: 11 });
  t.equal((await db.selectFrom('invoices').select('id').execute()).length, 0, 'nothing stored');
  const real = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  for (const key of ['accountsBilled', 'invoicesIssued', 'totalFen', 'cappedAccounts'] as const) {
    t.equal(real[key], dry[key], `${key} as in the dry run`);
  }
  t.ok(dry.totalFen > 0);
});

t.test('a second session holding the month waits; the run then finds nothing to do', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 3);
  const holder = await pool.connect();
  await lockInvoiceNumbering(await inTransaction(holder), a.compoundId, '2025-11');
  let done = false;
  const pending = runBilling({ db, pool }, { period: '2025-11', compound: 'alpha', actor: 'cli' }).then((r) => {
    done = true;
    return r;
  });
  // Meanwhile the other session issues a final invoice of the month under the same lock.
  const home = a.homes[0]!;
  await holder.query(
    `INSERT INTO invoices (compound_id, account_id, household_id, season_label, period, kind, seq, number, account_seq, issued_on, due_on,
                           plan, total_fen, status)
     VALUES ($1, $2, $3, '2025-26', '2025-11', 'final', 1, 'ALPHA-202511-000001', 1, '2025-11-20', '2025-12-05', 'metered', 100, 'issued')`,
    [a.compoundId, home.accountId, home.householdId],
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(done, false, 'the run waits for the lock');
  await holder.query('COMMIT');
  holder.release();
  const run = await pending;
  t.match(run, { status: 'succeeded', invoicesIssued: 3 }, 'the account with a final invoice is not billed monthly');
  const seqs = await db.selectFrom('invoices').select(['seq', 'kind']).where('compound_id', '=', a.compoundId).orderBy('seq').execute();
  t.same(
    seqs.map((r) => r.seq),
    [1, 2, 3, 4],
    'numbering continues after the final invoice, gapless',
  );
});

t.test('pending adjustments become lines of the next invoice and are marked applied', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 1);
  const home = a.homes[0]!;
  await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  const adj = await db
    .insertInto('account_adjustments')
    .values({
      compound_id: a.compoundId,
      account_id: home.accountId,
      amount_fen: -1234,
      description: '读数更正 Reading corrected',
      season_label: '2025-26',
      created_by: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const preview = await runBilling({ db, pool }, { period: '2025-12', actor: 'cli', dryRun: true });
  const run = await runBilling({ db, pool }, { period: '2025-12', actor: 'cli' });
  t.equal(run.status, 'succeeded');
  t.equal(preview.totalFen, run.totalFen, 'the dry run carries the adjustment too');
  const invoice = await db
    .selectFrom('invoices')
    .selectAll()
    .where('account_id', '=', home.accountId)
    .where('period', '=', '2025-12')
    .executeTakeFirstOrThrow();
  t.equal(invoice.total_fen, 16_500 - 1234, '500 units and the adjustment');
  const lines = await db.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoice.id).orderBy('line_no').execute();
  t.match(lines, [
    { kind: 'usage', line_no: 1, amount_fen: 16_500 },
    { kind: 'adjustment', line_no: 2, amount_fen: -1234, description: '读数更正 Reading corrected' },
  ]);
  const applied = await db
    .selectFrom('account_adjustments')
    .select('applied_invoice_id')
    .where('id', '=', adj.id)
    .executeTakeFirstOrThrow();
  t.equal(applied.applied_invoice_id, invoice.id);
  t.equal(
    (await runBilling({ db, pool }, { period: '2025-12', actor: 'cli', dryRun: true })).invoicesIssued,
    0,
    'billed: nothing more is due',
  );
});

t.test('the start is the CURRENT value of the previous end reading, even of a void invoice', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await scene(db, 'alpha', 1);
  const home = a.homes[0]!;
  await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  const nov = await db.selectFrom('invoices').selectAll().where('account_id', '=', home.accountId).executeTakeFirstOrThrow();
  const novEnd = await invoiceEnd(db, nov.id);
  t.equal(novEnd.to_value, '1000.000');
  await db.updateTable('readings').set({ value: '1100' }).where('id', '=', novEnd.to_reading_id!).execute();
  await db.updateTable('invoices').set({ status: 'void', voided_at: new Date(), void_reason: 'test' }).where('id', '=', nov.id).execute();
  await runBilling({ db, pool }, { period: '2025-12', actor: 'cli' });
  const dec = await db
    .selectFrom('invoices')
    .selectAll()
    .where('account_id', '=', home.accountId)
    .where('period', '=', '2025-12')
    .executeTakeFirstOrThrow();
  t.equal(dec.usage_units, '400.000', '1500 − 1100: the corrected value flows through');
});

t.test('accounts: occupancy, final invoices, plans per season', async (t) => {
  const { db, pool } = await testApp(t);
  const a = await insertCompound(db, 'alpha');
  const late = await insertHomeWithReadings(db, a.compoundId, {
    holderName: 'late',
    openedOn: '2026-01-10',
    readings: [['2026-01', '50']],
  });
  const closed = await insertHomeWithReadings(db, a.compoundId, { holderName: 'closed', readings: [['2025-11', '10']] });
  await db.updateTable('accounts').set({ closed_on: '2025-11-15', closing_reading: '10' }).where('id', '=', closed.accountId).execute();
  const run = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli' });
  t.equal(run.invoicesIssued, 0, 'closed on the first service day: no covered day; opened later: not due');
  t.equal((await runBilling({ db, pool }, { period: '2025-12', actor: 'cli' })).invoicesIssued, 0, 'nobody was open in December');
  const jan = await runBilling({ db, pool }, { period: '2026-01', actor: 'cli' });
  t.equal(jan.invoicesIssued, 1);
  const inv = await db.selectFrom('invoices').selectAll().where('account_id', '=', late.accountId).executeTakeFirstOrThrow();
  t.equal(inv.usage_units, '50.000', 'first invoice starts at the opening reading');
});

t.test('a run over many compounds holds at most two compounds (and the run session) on the pool', async (t) => {
  const { db, pool } = await testApp(t);
  for (const code of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) await scene(db, code, 12);
  let inUse = 0;
  let peak = 0;
  const acquired = () => {
    inUse += 1;
    peak = Math.max(peak, inUse);
  };
  const released = () => {
    inUse -= 1;
  };
  pool.on('acquire', acquired);
  pool.on('release', released);
  t.teardown(() => {
    pool.off('acquire', acquired);
    pool.off('release', released);
  });
  const run = await runBilling({ db, pool }, { period: '2025-11', actor: 'cli', chunkSize: 2 });
  t.match(run, { status: 'succeeded', invoicesIssued: 6 * 13 });
  // Run session + two compound writers: a third compound waiting on a busy pool would time out.
  t.ok(peak <= 3, `at most 3 pool connections at once (saw ${peak})`);
});
