import t from 'tap';
import { bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';
import { runMonths, monthReadAt, seasonTotal, SEASON_MONTHS } from '../helpers/corrections.js';
import type { Database } from '../../src/db/pool.js';

const WORKED = ['1500', '4100', '7100', '9500', '10400', '10900', '12100', '13200', '13200'];

async function meteredHome(db: Database, compoundId: string, options: Parameters<typeof insertHome>[2] = {}) {
  const h = await insertHome(db, compoundId, options);
  await insertReadings(db, compoundId, h.meterId, SEASON_MONTHS.map((p, i) => [monthReadAt(p), WORKED[i]!]));
  return h;
}

async function invoiceOf(db: Database, accountId: string, period: string) {
  return db.selectFrom('invoices').selectAll().where('account_id', '=', accountId).where('period', '=', period).executeTakeFirstOrThrow();
}

t.test('metered: void an invoice a later one started from; the next invoice re-bills it; the season equals a clean run', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await meteredHome(db, op.compound.id, { areaM2: '150' });
  const clean = await meteredHome(db, op.compound.id, { areaM2: '150' });
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 3));
  const december = await invoiceOf(db, a.accountId, '2025-12');

  const voided = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${december.id}/void`,
    headers: op.headers,
    payload: { reason: 'wrong holder' },
  });
  t.equal(voided.statusCode, 200, voided.body);
  t.match(voided.json(), { id: december.id, number: december.number, status: 'void', totalFen: 85_800, paidFen: 0 });
  const row = await invoiceOf(db, a.accountId, '2025-12');
  t.equal(row.void_reason, 'wrong holder');
  t.ok(row.voided_at);
  const adjustment = await db.selectFrom('account_adjustments').selectAll().executeTakeFirstOrThrow();
  t.match(adjustment, { amount_fen: 85_800, source_invoice_id: december.id, applied_invoice_id: null });
  t.match(adjustment.description, december.number);
  const log = await db.selectFrom('audit_log').selectAll().where('action', '=', 'invoice.void').executeTakeFirstOrThrow();
  t.match(log.details, { number: december.number, reason: 'wrong holder' });

  const again = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${december.id}/void`,
    headers: op.headers,
    payload: { reason: 'twice' },
  });
  t.equal(again.statusCode, 409, 'already void');

  await runMonths(db, pool, ['2026-02']);
  const february = (await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-02`, headers: op.headers })).json().items[0];
  t.match(february.lines, [{ kind: 'usage', units: '2400', amountFen: 79_200 }, { kind: 'adjustment', amountFen: 85_800 }]);
  t.equal(february.totalFen, 79_200 + 85_800);
  await runMonths(db, pool, SEASON_MONTHS.slice(4));
  t.equal(await seasonTotal(db, a.accountId), await seasonTotal(db, clean.accountId), 'the season total equals a clean run');
  t.equal(await seasonTotal(db, a.accountId), 13_200 * 33, '150 m² cap not reached: every unit once');
  const numbers = await db.selectFrom('invoices').select('seq').where('period', '=', '2025-12').orderBy('seq').execute();
  t.same(numbers.map((n) => n.seq), [1, 2], 'the void invoice keeps its number: still gapless');
});

t.test('metered: void the latest invoice; the next month starts from its end reading and carries it as an adjustment', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await meteredHome(db, op.compound.id);
  const clean = await meteredHome(db, op.compound.id);
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 3));
  const january = await invoiceOf(db, a.accountId, '2026-01');
  const voided = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${january.id}/void`,
    headers: op.headers,
    payload: { reason: 'x' },
  });
  t.equal(voided.statusCode, 200);
  const adjustment = await db.selectFrom('account_adjustments').selectAll().executeTakeFirstOrThrow();
  t.match(adjustment, { amount_fen: 99_000, source_invoice_id: january.id });
  await runMonths(db, pool, ['2026-02']);
  const february = (await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-02`, headers: op.headers })).json().items[0];
  t.match(february.lines, [{ kind: 'usage', units: '2400', amountFen: 79_200 }, { kind: 'adjustment', amountFen: 99_000 }]);
  await runMonths(db, pool, SEASON_MONTHS.slice(4));
  t.equal(await seasonTotal(db, a.accountId), await seasonTotal(db, clean.accountId));
  t.equal(await seasonTotal(db, a.accountId), 346_500);
});

t.test('metered: voiding the last invoice of the season keeps its usage in that season', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await meteredHome(db, op.compound.id, { areaM2: '150' });
  await runMonths(db, pool, SEASON_MONTHS);
  const august = await invoiceOf(db, a.accountId, '2026-08');
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/invoices/${august.id}/void`, headers: op.headers, payload: { reason: 'x' } })).statusCode,
    200,
  );
  const adjustment = await db.selectFrom('account_adjustments').selectAll().executeTakeFirstOrThrow();
  t.match(
    adjustment,
    { amount_fen: 36_300, season_label: '2025-26', applied_invoice_id: null },
    'pending for the next invoice, counted in 2025-26',
  );
  t.equal((await seasonTotal(db, a.accountId)) + adjustment.amount_fen, 13_200 * 33);
});

t.test('flat: a void installment is re-billed by the next invoice; the season still sums to the fee', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await meteredHome(db, op.compound.id, { plan: 'flat' });
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  const december = await invoiceOf(db, a.accountId, '2025-12');
  t.equal(december.total_fen, 50_667);
  const voided = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${december.id}/void`,
    headers: op.headers,
    payload: { reason: 'x' },
  });
  t.equal(voided.statusCode, 200);
  const adjustment = await db.selectFrom('account_adjustments').selectAll().executeTakeFirstOrThrow();
  t.match(adjustment, { amount_fen: 50_667 });
  await runMonths(db, pool, ['2026-01']);
  const january = (await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-01`, headers: op.headers })).json().items[0];
  t.match(january.lines, [{ kind: 'flat_installment', amountFen: 50_668 }, { kind: 'adjustment', amountFen: 50_667 }]);
  await runMonths(db, pool, SEASON_MONTHS.slice(3));
  t.equal(await seasonTotal(db, a.accountId), 346_500, 'the fee, once');
});

t.test('refused: paid, part-paid, other provider, resident', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  const other = await operatorWithCompound(app, 'other');
  await insertDefaultSeason(db, op.compound.id);
  const a = await meteredHome(db, op.compound.id);
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  const november = await invoiceOf(db, a.accountId, '2025-11');
  const december = await invoiceOf(db, a.accountId, '2025-12');
  await db.updateTable('invoices').set({ paid_fen: 100, status: 'partially_paid' }).where('id', '=', november.id).execute();
  const paid = await app.inject({ method: 'POST', url: `/v1/invoices/${november.id}/void`, headers: op.headers, payload: { reason: 'x' } });
  t.equal(paid.statusCode, 409);
  t.match(paid.json().detail, /payments/);
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/invoices/${december.id}/void`, headers: other.headers, payload: { reason: 'x' } }))
      .statusCode,
    404,
  );
  const resident = await residentToken(db, a.accountId);
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/invoices/${december.id}/void`, headers: bearer(resident), payload: { reason: 'x' } }))
      .statusCode,
    403,
  );
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/invoices/${december.id}/void`, headers: op.headers, payload: {} })).statusCode,
    400,
  );
  t.equal((await invoiceOf(db, a.accountId, '2025-12')).status, 'issued', 'nothing changed');
});
