import t from 'tap';
import { addDays } from '../../src/core/index.js';
import { localToday } from '../../src/shared/time.js';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { residentToken } from '../helpers/registry.js';

// The resident page's first screen (issue 29): what is owed, by when, whether anything is overdue,
// and how to pay, all from the statement.

const today = localToday('Asia/Shanghai');

interface StatementBody {
  due: { amountFen: number; earliestDueOn: string | null; overdue: boolean; overdueFen: number; invoiceNumbers: string[] };
  provider: { name: string; paymentDetails: Record<string, unknown> | null };
}

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await insertDefaultSeason(db, alpha.compound.id);
  const home = await insertHome(db, alpha.compound.id);
  const neighbour = await insertHome(db, alpha.compound.id);
  const inv = (period: string, dueOn: string, fen: number, more: { status?: 'partially_paid' | 'void' | 'paid'; paidFen?: number } = {}) =>
    insertInvoice(db, {
      compoundId: alpha.compound.id,
      accountId: home.accountId,
      householdId: home.householdId,
      period,
      dueOn,
      issuedOn: addDays(dueOn, -15),
      lines: meteredLines('100', fen),
      ...more,
    });
  await inv('2025-11', addDays(today, -60), 9_000, { status: 'paid', paidFen: 9_000 });
  await inv('2025-12', addDays(today, -70), 7_000, { status: 'void' });
  const partial = await inv('2026-01', addDays(today, -10), 12_345, { status: 'partially_paid', paidFen: 2_345 });
  const dueToday = await inv('2026-02', today, 4_000);
  const later = await inv('2026-03', addDays(today, 5), 1_500);
  const statement = async (accountId: string, headers: Record<string, string>) =>
    app.inject({ url: `/v1/accounts/${accountId}/statement`, headers });
  return { app, db, alpha, beta, home, neighbour, partial, dueToday, later, statement };
}

t.test('the statement says what is owed, by when, what is overdue and the reference to quote', async (t) => {
  const { db, home, neighbour, partial, dueToday, later, statement } = await scene(t);
  const resident = bearer(await residentToken(db, home.accountId));
  const response = await statement(home.accountId, resident);
  t.equal(response.statusCode, 200);
  const body = response.json() as StatementBody;
  t.same(body.due, {
    amountFen: 10_000 + 4_000 + 1_500,
    earliestDueOn: addDays(today, -10),
    overdue: true,
    overdueFen: 10_000,
    invoiceNumbers: [partial.number, dueToday.number, later.number],
  }, 'open invoices only (paid and void left out); due today is owed but not yet overdue');
  t.same(body.provider, { name: 'Provider of alpha', paymentDetails: null }, 'no payment details set: the provider alone');

  const quiet = (await statement(neighbour.accountId, bearer(await residentToken(db, neighbour.accountId)))).json() as StatementBody;
  t.same(quiet.due, { amountFen: 0, earliestDueOn: null, overdue: false, overdueFen: 0, invoiceNumbers: [] }, 'nothing owed');
});

t.test('nothing overdue yet: owed by the earliest due date, no notice', async (t) => {
  const { db, home, partial, statement } = await scene(t);
  await db.updateTable('invoices').set({ status: 'paid', paid_fen: 12_345 }).where('id', '=', partial.id).execute();
  const body = (await statement(home.accountId, bearer(await residentToken(db, home.accountId)))).json() as StatementBody;
  t.equal(body.due.overdue, false);
  t.equal(body.due.overdueFen, 0);
  t.equal(body.due.earliestDueOn, today);
  t.equal(body.due.amountFen, 5_500);
});

t.test("the provider's payment details reach the statement at once (no stale cache), in scope only", async (t) => {
  const { app, db, alpha, beta, home, statement } = await scene(t);
  const resident = bearer(await residentToken(db, home.accountId));
  t.equal((await statement(home.accountId, resident)).json().provider.paymentDetails, null, 'read (and cached) before');
  const details = {
    payeeName: '武汉地源热泵服务有限公司',
    bankName: '中国建设银行武汉光谷支行',
    bankAccount: '4205 0186 3608 0000 0127',
    hotline: '027-8765 4321',
    noteZh: '物业服务中心缴费窗口。',
    noteEn: 'At the property service counter.',
  };
  const url = `/v1/providers/${alpha.provider.id}/payment-details`;
  const set = await app.inject({ method: 'PUT', url, headers: admin, payload: details });
  t.equal(set.statusCode, 200);
  const body = (await statement(home.accountId, resident)).json() as StatementBody;
  t.same(body.provider, { name: 'Provider of alpha', paymentDetails: { ...details, qr: null } }, 'the details as set, read again');
  t.same((await statement(home.accountId, alpha.headers)).json().provider.paymentDetails, { ...details, qr: null }, 'the operator too');

  const other = bearer(await residentToken(db, (await insertHome(db, alpha.compound.id)).accountId));
  t.equal((await statement(home.accountId, other)).statusCode, 404, 'another resident: 404');
  t.equal((await statement(home.accountId, beta.headers)).statusCode, 404, "another provider's operator: 404");
});
