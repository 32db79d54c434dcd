import t from 'tap';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { addDays } from '../../src/core/index.js';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { residentToken } from '../helpers/registry.js';

interface Buckets {
  days1to30: number;
  days31to60: number;
  days61to90: number;
  days91plus: number;
}
interface Arrears {
  compound: string;
  asOf: string;
  items: Array<{
    accountId: string;
    home: string;
    building: string;
    unit: string;
    room: string;
    holderName: string;
    phone: string | null;
    overdueFen: number;
    buckets: Buckets;
    oldestDueOn: string;
    daysOverdue: number;
    invoiceNumbers: string[];
  }>;
  totals: { accounts: number; invoices: number; overdueFen: number; buckets: Buckets };
}
interface Invoice {
  number: string;
  accountId: string;
  dueOn: string;
  status: string;
  totalFen: number;
  paidFen: number;
}

const DUE = '2026-01-10';

/** Whole days from a to b (ISO dates). */
const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await insertDefaultSeason(db, alpha.compound.id);
  await insertDefaultSeason(db, beta.compound.id);
  const c = alpha.compound.id;
  const wang = await insertHome(db, c, { holderName: '王芳', phone: '13812345678' });
  const li = await insertHome(db, c, { holderName: '李雷', phone: null });
  const zhao = await insertHome(db, c, { holderName: 'John Smith' });
  const other = await insertHome(db, beta.compound.id, { holderName: '张伟' });
  type More = { status?: 'partially_paid' | 'void' | 'paid'; paidFen?: number };
  const inv = (home: typeof wang, period: string, dueOn: string, fen: number, more: More = {}) =>
    insertInvoice(db, {
      compoundId: c,
      accountId: home.accountId,
      householdId: home.householdId,
      period,
      dueOn,
      issuedOn: addDays(dueOn, -15),
      lines: meteredLines('100', fen),
      ...more,
    });
  // 王芳: one unpaid, one partially paid (3,000 of 5,000 still owed).
  await inv(wang, '2025-12', DUE, 10_000);
  await inv(wang, '2026-01', '2026-02-10', 5_000, { status: 'partially_paid', paidFen: 2_000 });
  // 李雷: a void invoice and a paid one (never in arrears), an open one due later.
  await inv(li, '2025-12', DUE, 7_000, { status: 'void' });
  await inv(li, '2026-01', '2026-02-10', 4_000, { status: 'paid', paidFen: 4_000 });
  await inv(li, '2026-02', '2026-03-12', 2_500);
  // John Smith: due on the same day as 王芳's first.
  await inv(zhao, '2025-12', DUE, 1_234);
  // Another provider's compound: never in alpha's arrears.
  await insertInvoice(db, {
    compoundId: beta.compound.id,
    accountId: other.accountId,
    householdId: other.householdId,
    period: '2025-12',
    dueOn: DUE,
    issuedOn: '2025-12-26',
    lines: meteredLines('100', 9_999),
  });
  return { app, db, alpha, beta, wang, li, zhao, other };
}

async function arrears(app: FastifyInstance, headers: Record<string, string>, asOf?: string): Promise<Arrears> {
  const response = await app.inject({ url: `/v1/compounds/alpha/arrears${asOf ? `?asOf=${asOf}` : ''}`, headers });
  if (response.statusCode !== 200) throw new Error(`arrears answered ${response.statusCode}: ${response.body}`);
  return response.json() as Arrears;
}

async function invoices(app: FastifyInstance, headers: Record<string, string>): Promise<Invoice[]> {
  const response = await app.inject({ url: '/v1/invoices?compound=alpha&limit=200', headers });
  return (response.json() as { items: Invoice[] }).items;
}

/** The arrears the invoices imply, computed independently of the route. */
function expected(list: Invoice[], asOf: string) {
  const buckets: Buckets = { days1to30: 0, days31to60: 0, days61to90: 0, days91plus: 0 };
  const byAccount = new Map<string, { fen: number; numbers: string[]; oldest: string }>();
  for (const invoice of list) {
    if (invoice.status !== 'issued' && invoice.status !== 'partially_paid') continue;
    const days = daysBetween(invoice.dueOn, asOf);
    const owed = invoice.totalFen - invoice.paidFen;
    if (days < 1 || owed <= 0) continue;
    const key = days <= 30 ? 'days1to30' : days <= 60 ? 'days31to60' : days <= 90 ? 'days61to90' : 'days91plus';
    buckets[key] += owed;
    const account = byAccount.get(invoice.accountId) ?? { fen: 0, numbers: [], oldest: invoice.dueOn };
    account.fen += owed;
    account.numbers.push(invoice.number);
    if (invoice.dueOn < account.oldest) account.oldest = invoice.dueOn;
    byAccount.set(invoice.accountId, account);
  }
  const overdueFen = [...byAccount.values()].reduce((sum, a) => sum + a.fen, 0);
  return { buckets, overdueFen, byAccount };
}

t.test('arrears reconcile with the invoices at several dates, bucket edges included', async (t) => {
  const { app, alpha } = await scene(t);
  const list = await invoices(app, alpha.headers);
  t.equal(list.length, 6);
  const dates = [...[0, 1, 30, 31, 60, 61, 90, 91].map((days) => addDays(DUE, days)), '2026-03-01', '2026-12-31'];
  for (const asOf of dates) {
    const got = await arrears(app, alpha.headers, asOf);
    const want = expected(list, asOf);
    t.equal(got.asOf, asOf);
    t.same(got.totals.buckets, want.buckets, `buckets as of ${asOf}`);
    t.equal(got.totals.overdueFen, want.overdueFen, `total as of ${asOf}`);
    t.equal(got.totals.accounts, want.byAccount.size);
    t.equal(got.totals.invoices, [...want.byAccount.values()].reduce((n, a) => n + a.numbers.length, 0));
    const { days1to30, days31to60, days61to90, days91plus } = got.totals.buckets;
    t.equal(days1to30 + days31to60 + days61to90 + days91plus, got.totals.overdueFen, 'the buckets add up to the total');
    for (const item of got.items) {
      const account = want.byAccount.get(item.accountId);
      t.ok(account, 'an account of the invoices');
      t.equal(item.overdueFen, account!.fen);
      t.same([...item.invoiceNumbers].sort(), [...account!.numbers].sort());
      t.equal(item.oldestDueOn, account!.oldest);
      t.equal(item.daysOverdue, daysBetween(account!.oldest, asOf));
      const b = item.buckets;
      t.equal(b.days1to30 + b.days31to60 + b.days61to90 + b.days91plus, item.overdueFen);
    }
  }
});

t.test('arrears: the day after dueOn opens 1–30; 30/31, 60/61 and 90/91 are the edges', async (t) => {
  const { app, alpha, wang, zhao } = await scene(t);
  const at = async (days: number) =>
    (await arrears(app, alpha.headers, addDays(DUE, days))).items.find((i) => i.accountId === zhao.accountId);
  t.equal(await at(0), undefined, 'due today is not overdue');
  t.same((await at(1))!.buckets, { days1to30: 1_234, days31to60: 0, days61to90: 0, days91plus: 0 });
  t.same((await at(30))!.buckets, { days1to30: 1_234, days31to60: 0, days61to90: 0, days91plus: 0 });
  t.same((await at(31))!.buckets, { days1to30: 0, days31to60: 1_234, days61to90: 0, days91plus: 0 });
  t.same((await at(60))!.buckets, { days1to30: 0, days31to60: 1_234, days61to90: 0, days91plus: 0 });
  t.same((await at(61))!.buckets, { days1to30: 0, days31to60: 0, days61to90: 1_234, days91plus: 0 });
  t.same((await at(90))!.buckets, { days1to30: 0, days31to60: 0, days61to90: 1_234, days91plus: 0 });
  t.same((await at(91))!.buckets, { days1to30: 0, days31to60: 0, days61to90: 0, days91plus: 1_234 });
  t.equal((await at(91))!.daysOverdue, 91);

  // 王芳 at 2026-03-01: 10,000 due 2026-01-10 (50 days) and 3,000 still owed of 2026-02-10 (19 days).
  const got = await arrears(app, alpha.headers, '2026-03-01');
  const item = got.items.find((i) => i.accountId === wang.accountId)!;
  t.match(item, {
    home: `${item.building}-${item.unit}-${item.room}`,
    holderName: '王*',
    phone: '138****5678',
    overdueFen: 13_000,
    buckets: { days1to30: 3_000, days31to60: 10_000, days61to90: 0, days91plus: 0 },
    oldestDueOn: DUE,
    daysOverdue: 50,
  });
  t.equal(item.invoiceNumbers.length, 2);
  const keys = ['accountId', 'householdId', 'building', 'unit', 'room', 'home', 'holderName', 'phone', 'overdueFen', 'buckets',
    'oldestDueOn', 'daysOverdue', 'invoiceNumbers'];
  t.same(Object.keys(item).sort(), keys.sort(), 'the schema\'s fields, no other');
  t.same(Object.keys(got).sort(), ['asOf', 'compound', 'items', 'totals']);
  t.same(got.totals, {
    accounts: 2,
    invoices: 3,
    overdueFen: 13_000 + 1_234,
    buckets: { days1to30: 3_000, days31to60: 11_234, days61to90: 0, days91plus: 0 },
  });
  t.equal(got.items[1]!.holderName, 'J*********', 'every name masked');
});

t.test('arrears: void and paid invoices never count; a payment lowers them', async (t) => {
  const { app, db, alpha, li, wang } = await scene(t);
  const got = await arrears(app, alpha.headers, '2026-12-31');
  const item = got.items.find((i) => i.accountId === li.accountId)!;
  t.equal(item.overdueFen, 2_500, 'only the open invoice, not the void 7,000 nor the paid 4,000');
  t.equal(item.phone, null);
  t.equal(item.invoiceNumbers.length, 1);
  const paid = await app.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...alpha.headers, 'idempotency-key': 'arrears-pay-1' },
    payload: { accountId: wang.accountId, amountFen: 10_500, paidAt: '2026-03-01T10:00:00+08:00', reference: 'counter' },
  });
  t.equal(paid.statusCode, 201, paid.body);
  const after = await arrears(app, alpha.headers, '2026-12-31');
  t.equal(after.items.find((i) => i.accountId === wang.accountId)!.overdueFen, 13_000 - 10_500);
  const list = await invoices(app, alpha.headers);
  t.equal(after.totals.overdueFen, expected(list, '2026-12-31').overdueFen);
  void db;
});

t.test('arrears: asOf defaults to today in the compound zone', async (t) => {
  const { app, alpha } = await scene(t);
  const got = await arrears(app, alpha.headers);
  t.match(got.asOf, /^\d{4}-\d{2}-\d{2}$/);
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  t.equal(got.asOf, today);
  const bad = await app.inject({ url: '/v1/compounds/alpha/arrears?asOf=2026-02-30', headers: alpha.headers });
  t.equal(bad.statusCode, 400);
  const worse = await app.inject({ url: '/v1/compounds/alpha/arrears?asOf=yesterday', headers: alpha.headers });
  t.equal(worse.statusCode, 400);
});

t.test('arrears: scope — admin and the owner operator; another provider 404, residents 403 (a role never served)', async (t) => {
  const { app, db, beta, wang } = await scene(t);
  t.equal((await arrears(app, admin, '2026-03-01')).totals.accounts, 2);
  const foreign = await app.inject({ url: '/v1/compounds/alpha/arrears?asOf=2026-03-01', headers: beta.headers });
  t.equal(foreign.statusCode, 404);
  t.match(foreign.headers['content-type'], /application\/problem\+json/);
  const residentHeaders = bearer(await residentToken(db, wang.accountId));
  const resident = await app.inject({ url: '/v1/compounds/alpha/arrears', headers: residentHeaders });
  t.equal(resident.statusCode, 403);
  const missing = await app.inject({ url: '/v1/compounds/nope/arrears', headers: admin });
  t.equal(missing.statusCode, 404);
  const anonymous = await app.inject({ url: '/v1/compounds/alpha/arrears' });
  t.equal(anonymous.statusCode, 401);
  const betaOwn = await app.inject({ url: '/v1/compounds/beta/arrears?asOf=2026-03-01', headers: beta.headers });
  t.equal((betaOwn.json() as Arrears).totals.overdueFen, 9_999);
});

t.test('arrears as CSV: one row per account and a total row', async (t) => {
  const { app, alpha } = await scene(t);
  const url = '/v1/compounds/alpha/arrears?asOf=2026-03-01';
  const response = await app.inject({ url, headers: { ...alpha.headers, accept: 'text/csv' } });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/csv/);
  t.match(response.headers['content-disposition'], /alpha-arrears-2026-03-01\.csv/);
  const rows = parse(response.body, { columns: true }) as Array<Record<string, string>>;
  t.equal(rows.length, 3);
  t.match(rows[0], {
    compound: 'alpha',
    asOf: '2026-03-01',
    holderName: '王*',
    phone: '138****5678',
    overdueFen: '13000',
    days1to30: '3000',
    days31to60: '10000',
  });
  t.match(rows[2], { accountId: 'total', overdueFen: '14234', days1to30: '3000', days31to60: '11234', days61to90: '0', days91plus: '0' });
});
