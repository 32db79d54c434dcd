import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { dayNumber } from '../../src/core/index.js';
import type { Database } from '../../src/db/pool.js';
import { cny } from '../../src/invoices/html.js';
import { localToday } from '../../src/shared/time.js';
import { testApp } from '../helpers/app.js';
import { cumulative, insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { seasonBody } from '../helpers/registry.js';

// SPEC §9 "Late fee" through the real batch. Invoices the batch issues today are due in two weeks,
// so the test moves a month's due dates back to when that month would have been due.
const READINGS = cumulative([
  ['2025-11', 1500],
  ['2025-12', 1000],
  ['2026-01', 1000],
]);
const NOV = 49_500;
const DEC = 33_000;

async function setDue(db: Database, compoundId: string, period: string, dueOn: string) {
  await db.updateTable('invoices').set({ due_on: dueOn }).where('compound_id', '=', compoundId).where('period', '=', period).execute();
}

async function pay(app: FastifyInstance, headers: Record<string, string>, accountId: string, amountFen: number, paidAt: string) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...headers, 'idempotency-key': `${accountId}-${paidAt}` },
    payload: { accountId, amountFen, paidAt, reference: `counter ${paidAt}` },
  });
  if (response.statusCode !== 201) throw new Error(`payment answered ${response.statusCode}: ${response.body}`);
}

/** Each account's late fee lines of a month, as [description, amountFen], by holder. */
async function lateFeeLines(db: Database, compoundId: string, period: string) {
  const rows = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['a.holder_name', 'l.description', 'l.amount_fen', 'l.season_label'])
    .where('i.compound_id', '=', compoundId)
    .where('i.period', '=', period)
    .where('l.kind', '=', 'late_fee')
    .orderBy('a.holder_name')
    .orderBy('l.line_no')
    .execute();
  return rows.map((r) => [r.holder_name, r.amount_fen, r.season_label, r.description] as const);
}

async function totalOf(db: Database, compoundId: string, holder: string, period: string) {
  const row = await db
    .selectFrom('invoices as i')
    .innerJoin('accounts as a', 'a.id', 'i.account_id')
    .select(['i.total_fen', 'i.number'])
    .where('i.compound_id', '=', compoundId)
    .where('i.period', '=', period)
    .where('a.holder_name', '=', holder)
    .executeTakeFirstOrThrow();
  return row;
}

t.test('the batch bills each overdue invoice its late fee once, on the next invoice, right to the fen', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'zhinajin');
  const compoundId = op.compound.id;
  const season = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/zhinajin/seasons/2025-26',
    headers: op.headers,
    payload: seasonBody(2025, { lateFeePerMillePerDay: '0.5' }),
  });
  t.equal(season.statusCode, 201);
  const homes: Record<string, string> = {};
  for (const holder of ['A unpaid', 'B on time', 'C partial', 'D late']) {
    homes[holder] = (await insertHomeWithReadings(db, compoundId, { holderName: holder, readings: READINGS })).accountId;
  }
  // Another compound, rate left at its default 0: its overdue invoices accrue nothing.
  const off = await operatorWithCompound(app, 'wu-zhinajin');
  await insertDefaultSeason(db, off.compound.id);
  const neverCharged = await insertHomeWithReadings(db, off.compound.id, { holderName: 'never charged', readings: READINGS });

  t.equal((await postRun(app, op.headers, { period: '2025-11', compound: 'zhinajin' })).statusCode, 201);
  t.equal((await postRun(app, off.headers, { period: '2025-11', compound: 'wu-zhinajin' })).statusCode, 201);
  await setDue(db, compoundId, '2025-11', '2025-12-16');
  await setDue(db, off.compound.id, '2025-11', '2025-12-16');
  await pay(app, op.headers, homes['B on time']!, NOV, '2025-12-16T18:00:00+08:00');
  await pay(app, op.headers, homes['C partial']!, 30_000, '2025-12-20T10:00:00+08:00');
  await pay(app, op.headers, homes['D late']!, NOV, '2025-12-25T23:30:00+08:00');

  // A crash after the invoices are written, while their fees are recorded: nothing of the compound stays.
  await sql`CREATE FUNCTION refuse_charge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    RAISE EXCEPTION 'disk full (simulated)';
  END $$`.execute(db);
  await sql`CREATE TRIGGER refuse_charge BEFORE INSERT ON late_fee_charges FOR EACH ROW EXECUTE FUNCTION refuse_charge()`.execute(db);
  const crashed = await postRun(app, op.headers, { period: '2025-12', compound: 'zhinajin' });
  t.match(crashed.json(), { status: 'failed', error: /disk full/ }, 'the run failed');
  const decInvoices = () =>
    db.selectFrom('invoices').select('id').where('compound_id', '=', compoundId).where('period', '=', '2025-12').execute();
  t.same(await decInvoices(), [], 'no invoice of the month, so no fee line');
  t.same(await db.selectFrom('late_fee_charges').select('invoice_id').execute(), [], 'and no day recorded as billed');
  await sql`DROP TRIGGER refuse_charge ON late_fee_charges`.execute(db);

  // Run again: the month as one clean run would have billed it.
  t.equal((await postRun(app, op.headers, { period: '2025-12', compound: 'zhinajin' })).statusCode, 201);
  t.equal((await decInvoices()).length, 4);
  t.equal((await postRun(app, off.headers, { period: '2025-12', compound: 'wu-zhinajin' })).statusCode, 201);
  const nov = (holder: string) => totalOf(db, compoundId, holder, '2025-11');
  const decLines = await lateFeeLines(db, compoundId, '2025-12');
  t.same(
    decLines.map(([holder, fen, seasonLabel]) => [holder, fen, seasonLabel]),
    [
      // Dec 17–31, 15 days × 49,500 × 0.5‰ = 371.25.
      ['A unpaid', 371, null],
      // Dec 17–20 on 49,500, Dec 21–31 on 19,500: 412,500 fen-days × 0.5‰ = 206.25.
      ['C partial', 206, null],
      // Paid on Dec 25 (local), after its due date: Dec 17–25, 9 days × 49,500 × 0.5‰ = 222.75.
      ['D late', 223, null],
    ],
    'paid on the due date: no fee; late fees charge no season',
  );
  t.match(decLines[0]![3], `滞纳金 Late fee on ${(await nov('A unpaid')).number}: 2025-12-17 to 2025-12-31, 15 days × 0.5‰`);
  t.equal((await totalOf(db, compoundId, 'A unpaid', '2025-12')).total_fen, DEC + 371, 'the fee is on the total');
  t.equal((await totalOf(db, compoundId, 'B on time', '2025-12')).total_fen, DEC);
  t.same(await lateFeeLines(db, off.compound.id, '2025-12'), [], 'rate 0: no late fee');
  const chargesAfterDec = await db.selectFrom('late_fee_charges').selectAll().orderBy('amount_fen').execute();
  t.same(
    chargesAfterDec.map((c) => [c.from_on, c.through_on, c.amount_fen]),
    [
      ['2025-12-17', '2025-12-31', 206],
      ['2025-12-17', '2025-12-31', 223],
      ['2025-12-17', '2025-12-31', 371],
    ],
    'the days billed are recorded (D\'s through the month: its later days owe nothing)',
  );

  // A second run of the month issues nothing and bills no day twice.
  const again = await postRun(app, op.headers, { period: '2025-12', compound: 'zhinajin' });
  t.match(again.json(), { invoicesIssued: 0 });
  t.equal((await db.selectFrom('late_fee_charges').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n, 3);

  // January: the rest of C's November invoice is paid on Jan 10; December's invoices are due Jan 16.
  await pay(app, op.headers, homes['C partial']!, NOV - 30_000, '2026-01-10T09:00:00+08:00');
  await setDue(db, compoundId, '2025-12', '2026-01-16');
  t.equal((await postRun(app, op.headers, { period: '2026-01', compound: 'zhinajin' })).statusCode, 201);
  const dec = async (holder: string) => (await totalOf(db, compoundId, holder, '2025-12')).total_fen;
  const janFees = (await lateFeeLines(db, compoundId, '2026-01')).map(
    ([holder, fen, , description]) => [holder, fen, description] as const,
  );
  const halfUp = (fenDays: number) => Math.floor((fenDays + 1000) / 2000);
  t.same(
    janFees.map(([holder, fen]) => [holder, fen]),
    [
      // November's invoice again from Jan 1 (never Dec 31 twice): 31 × 49,500 × 0.5‰ = 767.25; December's, Jan 17–31.
      ['A unpaid', 767],
      ['A unpaid', halfUp(15 * (await dec('A unpaid')))],
      ['B on time', halfUp(15 * DEC)],
      // Jan 1–10 on 19,500: 97.5, half up; then paid: nothing after.
      ['C partial', 98],
      ['C partial', halfUp(15 * (await dec('C partial')))],
      // D's November invoice was paid and billed through Dec 25: nothing more.
      ['D late', halfUp(15 * (await dec('D late')))],
    ],
  );
  t.equal(halfUp(15 * (DEC + 371)), 250, 'a figure checked by hand: 15 × 33,371 × 0.5‰ = 250.28');
  t.match(janFees[0]![2], '2026-01-01 to 2026-01-31, 31 days');
  t.match(janFees[3]![2], '2026-01-01 to 2026-01-10, 10 days', 'the description ends on the day it was paid');
  t.match(decLines[2]![3], '2025-12-17 to 2025-12-25, 9 days');

  // The payment notice shows the fee accrued since the last billed day to today, not yet billed.
  const today = localToday('Asia/Shanghai');
  const sinceJan = dayNumber(today) - dayNumber('2026-01-31');
  const notice = (await app.inject({ url: `/v1/accounts/${homes['A unpaid']}/notice`, headers: op.headers })).body;
  const novFee = halfUp(sinceJan * NOV);
  const decFee = halfUp(sinceJan * (await dec('A unpaid')));
  t.match(notice, '滞纳金');
  t.match(notice, `${sinceJan} 天 <span class="en">days</span> × 0.5‰</td><td class="n">${cny(novFee)}`);
  t.match(notice, `${cny(novFee + decFee)}</td></tr></tfoot>`, 'the accrued total');
  t.match(notice, 'from the day after its due date until paid');
  const quiet = (await app.inject({ url: `/v1/accounts/${neverCharged.accountId}/notice`, headers: off.headers })).body;
  t.match(quiet, 'Total overdue');
  t.notMatch(quiet, '滞纳金', 'no late fee where the rate is 0');
});
