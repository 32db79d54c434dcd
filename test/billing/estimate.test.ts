import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers/app.js';
import { insertHomeWithReadings, readAt } from '../helpers/billing.js';
import { insertDefaultSeason, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';

interface Line { kind: string; description: string; units?: string; amountFen: number; estimated?: boolean }
interface Invoice { id: string; accountId: string; totalFen: number; noReading: boolean; lines: Line[] }

async function run(app: FastifyInstance, headers: Record<string, string>, payload: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers, payload: { compound: 'estimates', ...payload } });
  if (res.statusCode !== 201) throw new Error(`run answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** The month's invoice of an account, with its lines. */
async function invoiceOf(app: FastifyInstance, headers: Record<string, string>, accountId: string, period: string): Promise<Invoice> {
  const list = await app.inject({ url: `/v1/invoices?compound=estimates&period=${period}&accountId=${accountId}`, headers });
  const [item] = list.json().items;
  return (await app.inject({ url: `/v1/invoices/${item.id}`, headers })).json();
}

t.test('estimate: true bills a month without a reading from an estimate; the next real reading trues it up (SPEC §9)', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'estimates');
  await insertDefaultSeason(db, op.compound.id);
  // Own history: 1,500 units over November's 16 service days.
  const own = await insertHomeWithReadings(db, op.compound.id, { readings: [['2025-11', '1500']] });
  // No history: the compound's median per m² (1,500 / 99 = 15.152 in November) × 50 m².
  const fresh = await insertHomeWithReadings(db, op.compound.id, { areaM2: '50.00' });
  await run(app, op.headers, { period: '2025-11' });

  const dry = await run(app, op.headers, { period: '2025-12', dryRun: true, estimate: true });
  t.match(dry, { estimate: true, estimatedAccounts: 2, noReadingAccounts: 0, noReadings: [] }, 'the dry run counts the estimates');
  const plain = await run(app, op.headers, { period: '2025-12', dryRun: true });
  t.match(plain, { estimate: false, estimatedAccounts: 0, noReadingAccounts: 2 }, 'without estimate: no reading');

  const december = await run(app, op.headers, { period: '2025-12', estimate: true });
  t.match(december, { status: 'succeeded', estimate: true, estimatedAccounts: 2, noReadingAccounts: 0, invoicesIssued: 2 });
  const recorded = (await app.inject({ url: `/v1/billing-runs/${december.id}`, headers: op.headers })).json();
  t.match(recorded, { estimate: true, estimatedAccounts: 2 }, 'recorded on the run');
  // 1,500 × 31 / 16 = 2,906.25 units; × 0.33 = 95,906.25 fen.
  const ownDecember = await invoiceOf(app, op.headers, own.accountId, '2025-12');
  t.match(ownDecember, { noReading: false, totalFen: 95_906 });
  t.match(ownDecember.lines, [{ kind: 'usage', units: '2906.25', amountFen: 95_906, estimated: true }]);
  t.match(ownDecember.lines[0]!.description, /估算 Estimated/);
  // 15.152 × 31 / 16 = 29.357 per m² × 50 = 1,467.85 units; × 0.33 = 48,439.05 fen.
  const freshDecember = await invoiceOf(app, op.headers, fresh.accountId, '2025-12');
  t.match(freshDecember.lines, [{ kind: 'usage', units: '1467.85', amountFen: 48_439, estimated: true }]);

  // January: the real register 4,300 is below the estimated 4,406.25: a negative usage line, a credit.
  await insertReadings(db, op.compound.id, own.meterId, [[readAt('2026-01'), '4300']]);
  const january = await run(app, op.headers, { period: '2026-01' });
  t.match(january, { estimate: false, estimatedAccounts: 0, noReadingAccounts: 1 });
  const ownJanuary = await invoiceOf(app, op.headers, own.accountId, '2026-01');
  t.match(ownJanuary, { totalFen: -3_506, noReading: false });
  t.match(ownJanuary.lines, [{ kind: 'usage', units: '-106.25', amountFen: -3_506 }]);
  t.notOk(ownJanuary.lines[0]!.estimated, 'a real reading is no estimate');
  // No reading and no estimate: usage 0 from the estimated position, which stays the position.
  const freshJanuary = await invoiceOf(app, op.headers, fresh.accountId, '2026-01');
  t.match(freshJanuary, { noReading: true, totalFen: 0 });
  t.notOk(freshJanuary.lines[0]!.estimated);
  t.notMatch(freshJanuary.lines[0]!.description, /估算/);

  // February: the first real reading of the fresh home, 1,000, trues up the estimate of 1,467.85.
  await insertReadings(db, op.compound.id, fresh.meterId, [[readAt('2026-02'), '1000']]);
  await run(app, op.headers, { period: '2026-02' });
  const freshFebruary = await invoiceOf(app, op.headers, fresh.accountId, '2026-02');
  t.match(freshFebruary.lines, [{ kind: 'usage', units: '-467.85', amountFen: -15_439 }]);
  // The ledger: units billed = the real meter advance.
  const units = await db
    .selectFrom('invoices')
    .select(['account_id', db.fn.sum<string>('usage_units').as('units')])
    .where('compound_id', '=', op.compound.id)
    .groupBy('account_id')
    .execute();
  const byAccount = new Map(units.map((u) => [u.account_id, Number(u.units)]));
  t.equal(byAccount.get(own.accountId), 4300);
  t.equal(byAccount.get(fresh.accountId), 1000);
});

t.test('estimate is a boolean on the run', async (t) => {
  const { app } = await testApp(t);
  const op = await operatorWithCompound(app, 'estimates');
  const res = await app.inject({
    method: 'POST',
    url: '/v1/billing-runs',
    headers: op.headers,
    payload: { period: '2025-12', compound: 'estimates', estimate: 'yes' },
  });
  t.equal(res.statusCode, 400);
});
