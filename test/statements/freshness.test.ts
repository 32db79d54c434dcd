import t from 'tap';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import type { Statement } from '../../src/statements/service.js';
import { admin, bearer, testApp } from '../helpers/app.js';
import { postRun } from '../helpers/billing.js';
import { monthReadAt, runMonths, SEASON_MONTHS } from '../helpers/corrections.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { created, operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken, seasonBody } from '../helpers/registry.js';

/**
 * A statement must never be stale: for every way the data behind GET /v1/accounts/{id}/statement
 * changes, each kind of reader reads it at least twice first (so a per-process cache is warm),
 * the change is made through the real route (or the batch's service function), and the next read
 * shows the change, to the fen.
 */

type Headers = Record<string, string>;

// SPEC §5 worked example: cumulative register values at the 28th of each billable month (99 m²).
const WORKED = ['1500', '4100', '7100', '9500', '10400', '10900', '12100', '13200', '13200'];
const CAP = 346_500; // 99 m² × 35

async function read(app: FastifyInstance, url: string, headers: Headers): Promise<Statement> {
  const response = await app.inject({ url, headers });
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
  return response.json() as Statement;
}

/** Every reader reads `url` twice (warming any cache); both reads must agree. The first of each. */
async function warm<K extends string>(
  t: Test,
  app: FastifyInstance,
  url: string,
  readers: Record<K, Headers>,
): Promise<Record<K, Statement>> {
  const out = {} as Record<K, Statement>;
  for (const who of Object.keys(readers) as K[]) {
    const first = await read(app, url, readers[who]);
    const second = await read(app, url, readers[who]);
    t.same(second, first, `${who}: two reads of ${url} agree`);
    out[who] = first;
  }
  return out;
}

/** One read per reader, after a change. */
async function readAll<K extends string>(app: FastifyInstance, url: string, readers: Record<K, Headers>): Promise<Record<K, Statement>> {
  const out = {} as Record<K, Statement>;
  for (const who of Object.keys(readers) as K[]) out[who] = await read(app, url, readers[who]);
  return out;
}

const statementUrl = (accountId: string, season?: string) => `/v1/accounts/${accountId}/statement${season ? `?season=${season}` : ''}`;

/**
 * Compound `lanjing` (2025-26 default season) with one metered 99 m² home carrying the worked
 * example's readings, billed by the real batch for the first `billedMonths` months; a rival
 * provider with its own compound; readers of the home's statement as resident, operator, admin.
 */
async function scene(t: Test, billedMonths: number) {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  const rival = await operatorWithCompound(app, 'rival');
  await insertDefaultSeason(db, op.compound.id);
  await insertDefaultSeason(db, rival.compound.id);
  const home = await insertHome(db, op.compound.id, { areaM2: '99.00', holderName: '王芳', phone: '13812345678' });
  await insertReadings(db, op.compound.id, home.meterId, SEASON_MONTHS.map((p, i) => [monthReadAt(p), WORKED[i]!]));
  const readings = await db.selectFrom('readings').select('id').where('meter_id', '=', home.meterId).orderBy('read_at').execute();
  const readingOf = (period: string) => readings[SEASON_MONTHS.indexOf(period)]!.id;
  await runMonths(db, pool, SEASON_MONTHS.slice(0, billedMonths));
  const resident = bearer(await residentToken(db, home.accountId));
  const readers = { resident, operator: op.headers, admin };
  return { app, db, pool, op, rival, home, readingOf, resident, readers, url: statementUrl(home.accountId) };
}

t.test('a payment: balance, the invoices it settles and the payments list', async (t) => {
  const { app, home, op, readers, url } = await scene(t, 3);
  const before = await warm(t, app, url, readers);
  t.equal(before.resident.balanceFen, 49_500 + 85_800 + 99_000);
  t.same(before.resident.invoices.map((i) => [i.status, i.paidFen]), [['issued', 0], ['issued', 0], ['issued', 0]]);
  t.same(before.resident.payments, []);

  const pay = (key: string, amountFen: number, reference: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...op.headers, 'idempotency-key': key },
      payload: { accountId: home.accountId, amountFen, paidAt: '2026-02-01T09:30:00+08:00', reference },
    });
  const first = await pay('pay-1', 100_000, 'WX-1');
  t.equal(first.statusCode, 201, first.body);

  const after = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = after[who];
    t.not(s.balanceFen, before[who].balanceFen, `${who}: the balance moved`);
    t.equal(s.balanceFen, 234_300 - 100_000, `${who}: balance invoiced − paid`);
    t.same(
      s.invoices.map((i) => [i.period, i.status, i.paidFen]),
      [
        ['2025-11', 'paid', 49_500],
        ['2025-12', 'partially_paid', 50_500],
        ['2026-01', 'issued', 0],
      ],
      `${who}: oldest invoices settled first`,
    );
    t.same(
      s.payments,
      [{ id: first.json().id, amountFen: 100_000, paidAt: '2026-02-01T09:30:00+08:00', reference: 'WX-1', unallocatedFen: 0 }],
      `${who}: the payment is listed`,
    );
    t.equal(s.billedFen, 234_300, `${who}: a payment bills nothing`);
  }

  // A replay of the same key stores nothing: the statement stays as it is.
  const replay = await pay('pay-1', 100_000, 'WX-1');
  t.equal(replay.statusCode, 200);
  const replayed = await warm(t, app, url, readers);
  t.same(replayed.resident, after.resident, 'a replay changes nothing');

  // An overpayment: the rest of the invoices settled and a credit (negative balance).
  const second = await pay('pay-2', 200_000, 'WX-2');
  t.equal(second.statusCode, 201, second.body);
  const credit = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = credit[who];
    t.not(s.balanceFen, replayed[who].balanceFen);
    t.equal(s.balanceFen, 234_300 - 300_000, `${who}: credit is a negative balance`);
    t.same(s.invoices.map((i) => [i.status, i.paidFen]), [['paid', 49_500], ['paid', 85_800], ['paid', 99_000]]);
    t.same(
      s.payments.map((p) => [p.reference, p.amountFen, p.unallocatedFen]),
      [
        ['WX-1', 100_000, 0],
        ['WX-2', 200_000, 200_000 - 35_300 - 99_000],
      ],
    );
  }
});

t.test('a void: the invoice shows void, leaves billedFen and usage; the next month re-bills it', async (t) => {
  const { app, db, op, readers, url } = await scene(t, 3);
  const before = await warm(t, app, url, readers);
  const december = before.operator.invoices[1]!;
  t.equal(december.period, '2025-12');
  t.equal(december.status, 'issued');
  t.equal(before.operator.billedFen, 234_300);
  t.equal(before.operator.remainingCapFen, CAP - 234_300);

  const voided = await app.inject({
    method: 'POST',
    url: `/v1/invoices/${december.id}/void`,
    headers: op.headers,
    payload: { reason: 'wrong holder' },
  });
  t.equal(voided.statusCode, 200, voided.body);

  const after = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = after[who];
    t.equal(s.invoices.length, 3, `${who}: the void invoice is still listed`);
    t.not(s.invoices[1]!.status, before[who].invoices[1]!.status);
    t.match(s.invoices[1], { id: december.id, number: december.number, status: 'void', totalFen: 85_800, paidFen: 0 });
    t.not(s.billedFen, before[who].billedFen);
    t.equal(s.billedFen, 49_500 + 99_000, `${who}: a void invoice is not billed`);
    t.equal(s.balanceFen, 49_500 + 99_000);
    t.equal(s.remainingCapFen, CAP - 148_500);
    t.same(s.usage, [
      { period: '2025-11', units: '1500', amountFen: 49_500 },
      { period: '2026-01', units: '3000', amountFen: 99_000 },
    ]);
  }

  // February carries what the void invoice carried.
  await warm(t, app, url, readers);
  const run = await postRun(app, op.headers, { period: '2026-02', compound: 'lanjing' });
  t.equal(run.statusCode, 201, run.body);
  const rebilled = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = rebilled[who];
    t.equal(s.invoices.length, 4);
    t.match(s.invoices[3], {
      period: '2026-02',
      totalFen: 79_200 + 85_800,
      lines: [
        { kind: 'usage', units: '2400', amountFen: 79_200 },
        { kind: 'adjustment', amountFen: 85_800 },
      ],
    });
    t.equal(s.billedFen, 148_500 + 165_000);
    t.equal(s.remainingCapFen, CAP - 313_500);
  }
  t.equal(
    (await db.selectFrom('account_adjustments').select('applied_invoice_id').executeTakeFirstOrThrow()).applied_invoice_id,
    rebilled.operator.invoices[3]!.id,
  );
});

t.test('a new month billed by the batch (route and service): a new invoice, billedFen, usage', async (t) => {
  const { app, db, pool, op, readers, url } = await scene(t, 2);
  const before = await warm(t, app, url, readers);
  t.equal(before.resident.invoices.length, 2);
  t.equal(before.resident.billedFen, 135_300);
  t.equal(before.resident.remainingCapFen, CAP - 135_300);

  // A dry run stores nothing: nothing to see.
  const dry = await postRun(app, op.headers, { period: '2026-01', compound: 'lanjing', dryRun: true });
  t.equal(dry.statusCode, 201, dry.body);
  t.match(dry.json(), { status: 'succeeded', invoicesIssued: 1, totalFen: 99_000 });
  t.same((await readAll(app, url, readers)).resident, before.resident, 'a dry run changes no statement');

  const run = await postRun(app, op.headers, { period: '2026-01', compound: 'lanjing' });
  t.equal(run.statusCode, 201, run.body);
  t.match(run.json(), { status: 'succeeded', invoicesIssued: 1, totalFen: 99_000 });
  const after = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = after[who];
    t.not(s.invoices.length, before[who].invoices.length, `${who}: the new invoice shows`);
    t.equal(s.invoices.length, 3);
    t.match(s.invoices[2], {
      number: 'LANJING-202601-000001',
      period: '2026-01',
      status: 'issued',
      totalFen: 99_000,
      paidFen: 0,
      noReading: false,
      lines: [{ kind: 'usage', units: '3000', amountFen: 99_000 }],
    });
    t.equal(s.billedFen, 234_300);
    t.equal(s.balanceFen, 234_300);
    t.equal(s.remainingCapFen, CAP - 234_300);
    t.same(s.usage[2], { period: '2026-01', units: '3000', amountFen: 99_000 });
  }

  // The batch's service function (the CLI's and the schedule's path), through June: the cap bites.
  await warm(t, app, url, readers);
  await runMonths(db, pool, ['2026-02', '2026-03', '2026-06'], 'lanjing');
  const capped = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = capped[who];
    t.equal(s.invoices.length, 6);
    t.equal(s.billedFen, CAP, `${who}: billed up to the cap`);
    t.equal(s.remainingCapFen, 0);
    t.same(s.usage.slice(3), [
      { period: '2026-02', units: '2400', amountFen: 79_200 },
      { period: '2026-03', units: '900', amountFen: 29_700 },
      { period: '2026-06', units: '500', amountFen: 3_300 },
    ]);
    t.match(s.invoices[5]!.lines, [{ kind: 'usage', amountFen: 16_500 }, { kind: 'cap', amountFen: -13_200 }]);
    t.equal(s.capSavedFen, 13_200, `${who}: what the cap saved this season`);
    t.match(s.household, { compound: 'lanjing', compoundName: 'lanjing 小区' }, `${who}: the compound's name beside its code`);
    t.same(s.seasons, ['2025-26'], `${who}: the seasons a statement can be asked for`);
  }
});

t.test('closing the account: the final invoice, the prorated cap and the balance', async (t) => {
  const { app, home, op, readers, url } = await scene(t, 2);
  const before = await warm(t, app, url, readers);
  t.equal(before.operator.capFen, CAP);
  t.equal(before.operator.billedFen, 135_300);
  t.equal(before.operator.remainingCapFen, CAP - 135_300);

  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${home.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2026-01-20', closingReading: '6000' },
  });
  t.equal(close.statusCode, 201, close.body);

  // Occupancy [2025-11-01, 2026-01-20): 66 of 212 service days, cap round(346,500 × 66 / 212) = 107,873.
  const after = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = after[who];
    t.not(s.capFen, before[who].capFen, `${who}: the cap is prorated now`);
    t.equal(s.capFen, 107_873);
    t.not(s.billedFen, before[who].billedFen);
    t.equal(s.billedFen, 107_873, `${who}: the season settles at the prorated cap`);
    t.equal(s.balanceFen, 107_873);
    t.equal(s.remainingCapFen, 0);
    t.equal(s.invoices.length, 3);
    t.match(s.invoices[2], {
      id: close.json().id,
      number: 'LANJING-202601-000001',
      period: '2026-01',
      status: 'paid',
      totalFen: -27_427,
      lines: [
        { kind: 'usage', units: '1900', amountFen: 62_700 },
        { kind: 'cap', amountFen: -62_700 },
        { kind: 'final_settlement', amountFen: -27_427 },
      ],
    });
    t.same(s.usage[2], { period: '2026-01', units: '1900', amountFen: -27_427 });
  }
});

t.test('a plan change for a season that has not started (PUT …/plans/{season})', async (t) => {
  const { app, home, op, readers } = await scene(t, 2);
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/lanjing/seasons/2030-31',
    headers: op.headers,
    payload: seasonBody(2030),
  });
  t.equal(put.statusCode, 201, put.body);
  const url = statementUrl(home.accountId, '2030-31');
  const setPlan = (plan: string) =>
    app.inject({ method: 'PUT', url: `/v1/accounts/${home.accountId}/plans/2030-31`, headers: op.headers, payload: { plan } });

  const before = await warm(t, app, url, readers);
  const defaultBefore = await warm(t, app, statementUrl(home.accountId), readers);
  t.match(before.resident, { season: '2030-31', plan: 'metered', capFen: CAP, billedFen: 0, remainingCapFen: CAP, invoices: [] });

  const toFlat = await setPlan('flat');
  t.equal(toFlat.statusCode, 200, toFlat.body);
  const flat = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(flat[who].plan, before[who].plan, `${who}: the plan changed`);
    t.equal(flat[who].plan, 'flat');
    // The flat fee is the season cap (SPEC §1): capFen is the same figure under either plan.
    t.equal(flat[who].capFen, CAP);
    t.equal(flat[who].remainingCapFen, CAP);
  }
  const defaultAfter = await readAll(app, statementUrl(home.accountId), readers);
  t.same(defaultAfter.resident, defaultBefore.resident, 'the current season keeps its plan');

  // And back: the statement follows a second change too.
  await warm(t, app, url, readers);
  t.equal((await setPlan('metered')).statusCode, 200);
  const back = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) t.equal(back[who].plan, 'metered', `${who}: metered again`);

  // A refused change (the season under way) changes nothing.
  const refused = await app.inject({
    method: 'PUT',
    url: `/v1/accounts/${home.accountId}/plans/2025-26`,
    headers: op.headers,
    payload: { plan: 'flat' },
  });
  t.equal(refused.statusCode, 409);
  t.equal((await read(app, statementUrl(home.accountId, '2025-26'), readers.resident)).plan, 'metered');
});

t.test('a season change (PUT …/seasons/{label}): dates and capPerM2 move capFen', async (t) => {
  const { app, db, home, op, readers, url } = await scene(t, 0); // 2025-26 has no invoice: it may change
  const late = await insertHome(db, op.compound.id, { areaM2: '99.00', openedOn: '2026-01-10' });
  const lateResident = bearer(await residentToken(db, late.accountId));
  const lateUrl = statementUrl(late.accountId);
  const lateReaders = { resident: lateResident, operator: op.headers, admin };
  const putSeason = (label: string, year: number, overrides: Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: `/v1/compounds/lanjing/seasons/${label}`, headers: op.headers, payload: seasonBody(year, overrides) });

  const before = await warm(t, app, url, readers);
  const lateBefore = await warm(t, app, lateUrl, lateReaders);
  t.equal(before.resident.capFen, CAP);
  t.equal(lateBefore.resident.capFen, 254_972, 'opened 2026-01-10: 156 of 212 days');

  // Heating from 2025-12-01: the season has 196 service days, of which the late account covers 156.
  const dates = await putSeason('2025-26', 2025, { heating: { start: '2025-12-01', end: '2026-03-15' } });
  t.equal(dates.statusCode, 200, dates.body);
  const lateDates = await readAll(app, lateUrl, lateReaders);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(lateDates[who].capFen, lateBefore[who].capFen, `${who}: the prorated cap follows the windows`);
    t.equal(lateDates[who].capFen, 275_786, 'round(346,500 × 156 / 196)');
  }
  t.equal((await read(app, url, readers.resident)).capFen, CAP, 'a whole-season account keeps the full cap');

  await warm(t, app, url, readers);
  await warm(t, app, lateUrl, lateReaders);
  const cap = await putSeason('2025-26', 2025, { heating: { start: '2025-12-01', end: '2026-03-15' }, capPerM2: '40' });
  t.equal(cap.statusCode, 200, cap.body);
  const after = await readAll(app, url, readers);
  const lateAfter = await readAll(app, lateUrl, lateReaders);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(after[who].capFen, before[who].capFen);
    t.equal(after[who].capFen, 396_000, `${who}: 99 m² × 40`);
    t.equal(after[who].remainingCapFen, 396_000);
    t.equal(lateAfter[who].capFen, 315_184, `${who}: round(396,000 × 156 / 196)`);
  }

  // A later season, asked for explicitly.
  t.equal((await putSeason('2030-31', 2030, {})).statusCode, 201);
  const future = statementUrl(home.accountId, '2030-31');
  const futureBefore = await warm(t, app, future, readers);
  t.equal(futureBefore.resident.capFen, CAP);
  t.equal((await putSeason('2030-31', 2030, { capPerM2: '36.5' })).statusCode, 200);
  const futureAfter = await readAll(app, future, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(futureAfter[who].capFen, futureBefore[who].capFen);
    t.equal(futureAfter[who].capFen, 361_350, `${who}: 99 m² × 36.5`);
  }
});

t.test('a reading correction: issued invoices never change; the next invoice carries the adjustment', async (t) => {
  const { app, op, readers, url, readingOf } = await scene(t, 3);
  const before = await warm(t, app, url, readers);
  t.equal(before.operator.invoices.length, 3);
  t.equal(before.operator.billedFen, 234_300);

  // January's end reading 7100 → 6900: 200 units fewer, −6,600 fen, pending for the next invoice.
  const patch = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${readingOf('2026-01')}`,
    headers: op.headers,
    payload: { value: '6900', reason: 'misread digit' },
  });
  t.equal(patch.statusCode, 200, patch.body);
  t.equal(patch.json().adjustment.amountFen, -6_600);
  const corrected = await warm(t, app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const { pendingAdjustments, ...rest } = corrected[who];
    const { pendingAdjustments: pendingBefore, ...was } = before[who];
    t.same(rest, was, `${who}: issued invoices never change`);
    t.same(pendingBefore, [], `${who}: nothing pending before`);
    t.match(
      pendingAdjustments,
      [{ amountFen: -6_600, description: /Reading correction/ }],
      `${who}: the adjustment shows as pending for the next invoice`,
    );
    t.equal(pendingAdjustments.length, 1);
  }

  const run = await postRun(app, op.headers, { period: '2026-02', compound: 'lanjing' });
  t.equal(run.statusCode, 201, run.body);
  const after = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    const s = after[who];
    t.not(s.invoices.length, corrected[who].invoices.length);
    t.equal(s.invoices.length, 4);
    t.same(s.pendingAdjustments, [], `${who}: carried by February, no longer pending`);
    t.match(
      s.invoices[2],
      { period: '2026-01', totalFen: 99_000, lines: [{ kind: 'usage', units: '3000', amountFen: 99_000 }] },
      `${who}: January as issued`,
    );
    t.match(s.invoices[3], {
      period: '2026-02',
      totalFen: 85_800 - 6_600,
      lines: [
        { kind: 'usage', units: '2600', amountFen: 85_800 },
        { kind: 'adjustment', amountFen: -6_600 },
      ],
    });
    t.equal(s.invoices[3]!.lines.length, 2);
    t.same(s.usage[3], { period: '2026-02', units: '2600', amountFen: 79_200 });
    t.equal(s.billedFen, 234_300 + 79_200);
    t.equal(s.remainingCapFen, CAP - 313_500);
  }

  // The latest billed reading corrected upwards (February 9500 → 9650): +4,950 on March.
  await warm(t, app, url, readers);
  const up = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${readingOf('2026-02')}`,
    headers: op.headers,
    payload: { value: '9650', reason: 'second look' },
  });
  t.equal(up.statusCode, 200, up.body);
  t.equal(up.json().adjustment.amountFen, 4_950);
  t.equal((await postRun(app, op.headers, { period: '2026-03', compound: 'lanjing' })).statusCode, 201);
  const march = await readAll(app, url, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.match(march[who].invoices[4], {
      period: '2026-03',
      totalFen: 24_750 + 4_950,
      lines: [
        { kind: 'usage', units: '750', amountFen: 24_750 },
        { kind: 'adjustment', amountFen: 4_950 },
      ],
    });
    t.equal(march[who].billedFen, 313_500 + 29_700);
  }
});

t.test('scope: warm statements are never served out of scope; a revoked token is refused', async (t) => {
  const { app, db, home, op, rival, url } = await scene(t, 2);
  const neighbour = await insertHome(db, op.compound.id, { holderName: '李雷' });
  const neighbourResident = bearer(await residentToken(db, neighbour.accountId));
  const issued = await created<{ id: string; token: string }>(app, {
    method: 'POST',
    url: `/v1/accounts/${home.accountId}/tokens`,
    headers: op.headers,
    payload: {},
  });
  const resident = bearer(issued.token);
  const seasonUrl = statementUrl(home.accountId, '2025-26');

  for (const u of [url, seasonUrl]) {
    const warmed = await warm(t, app, u, { admin, operator: op.headers, resident });
    t.equal(warmed.resident.account.holderName, '王*');
    t.equal(warmed.operator.account.holderName, '王芳');
  }
  for (const u of [url, seasonUrl]) {
    t.equal((await app.inject({ url: u, headers: neighbourResident })).statusCode, 404, `${u}: another account's resident gets 404`);
    t.equal((await app.inject({ url: u, headers: rival.headers })).statusCode, 404, `${u}: another provider's operator gets 404`);
    t.equal((await app.inject({ url: u })).statusCode, 401, `${u}: no token`);
  }
  const own = await read(app, statementUrl(neighbour.accountId), neighbourResident);
  t.equal(own.account.id, neighbour.accountId, 'the neighbour reads its own statement');
  t.equal(own.account.holderName, '李*');
  t.equal(own.household.id, neighbour.householdId);
  t.equal(own.billedFen, 0);

  const revoke = await app.inject({ method: 'DELETE', url: `/v1/tokens/${issued.id}`, headers: op.headers });
  t.equal(revoke.statusCode, 204, revoke.body);
  for (const u of [url, seasonUrl]) {
    t.equal((await app.inject({ url: u, headers: resident })).statusCode, 401, `${u}: the revoked resident token`);
  }
  t.equal((await app.inject({ url, headers: op.headers })).statusCode, 200, 'the operator still reads it');

  // An operator token revoked after reading.
  const rivalOfLanjing = await created<{ id: string; token: string }>(app, {
    method: 'POST',
    url: `/v1/providers/${op.provider.id}/tokens`,
    headers: admin,
    payload: {},
  });
  await warm(t, app, url, { second: bearer(rivalOfLanjing.token) });
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/tokens/${rivalOfLanjing.id}`, headers: admin })).statusCode, 204);
  t.equal((await app.inject({ url, headers: bearer(rivalOfLanjing.token) })).statusCode, 401, 'the revoked operator token');
});

t.test('the default season and an explicit season each show their own figures, and each stays fresh', async (t) => {
  const { app, db, home, op, readers, url } = await scene(t, 2);
  t.equal(
    (
      await app.inject({
        method: 'PUT',
        url: '/v1/compounds/lanjing/seasons/2030-31',
        headers: op.headers,
        payload: seasonBody(2030, { capPerM2: '40' }),
      })
    ).statusCode,
    201,
  );
  const explicitUrl = statementUrl(home.accountId, '2025-26');
  const futureUrl = statementUrl(home.accountId, '2030-31');

  const dflt = await warm(t, app, url, readers);
  const explicit = await warm(t, app, explicitUrl, readers);
  const future = await warm(t, app, futureUrl, readers);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.match(
      dflt[who],
      { season: '2025-26', capFen: CAP, billedFen: 135_300, balanceFen: 135_300 },
      `${who}: the default is the season begun last`,
    );
    t.equal(dflt[who].invoices.length, 2);
    t.same(explicit[who], dflt[who], `${who}: ?season=2025-26 is the same statement`);
    t.match(future[who], {
      season: '2030-31',
      capFen: 396_000,
      billedFen: 0,
      remainingCapFen: 396_000,
      balanceFen: 135_300,
      invoices: [],
      usage: [],
    });
  }

  // A new month in 2025-26: both of its statements show it; 2030-31 only through the all-time balance.
  t.equal((await postRun(app, op.headers, { period: '2026-01', compound: 'lanjing' })).statusCode, 201);
  const [d1, e1, f1] = [await readAll(app, url, readers), await readAll(app, explicitUrl, readers), await readAll(app, futureUrl, readers)];
  for (const who of ['resident', 'operator', 'admin'] as const) {
    for (const [name, s] of [['default', d1[who]], ['explicit', e1[who]]] as const) {
      t.not(s.billedFen, dflt[who].billedFen, `${who} ${name}: billed moved`);
      t.equal(s.billedFen, 234_300);
      t.equal(s.invoices.length, 3);
      t.equal(s.balanceFen, 234_300);
    }
    t.not(f1[who].balanceFen, future[who].balanceFen, `${who}: the future season's balance is all time`);
    t.match(f1[who], { season: '2030-31', billedFen: 0, balanceFen: 234_300, invoices: [] });
  }

  // A change of 2030-31 moves only its own statement.
  await warm(t, app, url, readers);
  await warm(t, app, futureUrl, readers);
  t.equal(
    (
      await app.inject({
        method: 'PUT',
        url: '/v1/compounds/lanjing/seasons/2030-31',
        headers: op.headers,
        payload: seasonBody(2030, { capPerM2: '45' }),
      })
    ).statusCode,
    200,
  );
  const [d2, f2] = [await readAll(app, url, readers), await readAll(app, futureUrl, readers)];
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(f2[who].capFen, f1[who].capFen);
    t.equal(f2[who].capFen, 445_500, `${who}: 99 m² × 45`);
    t.equal(d2[who].capFen, CAP, `${who}: the default season keeps its cap`);
    t.same(d2[who], d1[who], `${who}: the default statement is unchanged`);
  }

  // The default itself moves when a later season that has begun is defined.
  const old = await operatorWithCompound(app, 'old');
  await insertDefaultSeason(db, old.compound.id, 2024);
  const veteran = await insertHome(db, old.compound.id, { areaM2: '99.00', openedOn: '2024-11-01' });
  const veteranUrl = statementUrl(veteran.accountId);
  const veteranReaders = { resident: bearer(await residentToken(db, veteran.accountId)), operator: old.headers, admin };
  const v1 = await warm(t, app, veteranUrl, veteranReaders);
  t.match(v1.resident, { season: '2024-25', capFen: CAP });
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/old/seasons/2025-26',
    headers: old.headers,
    payload: seasonBody(2025, { capPerM2: '36' }),
  });
  t.equal(put.statusCode, 201, put.body);
  const v2 = await readAll(app, veteranUrl, veteranReaders);
  for (const who of ['resident', 'operator', 'admin'] as const) {
    t.not(v2[who].season, v1[who].season, `${who}: the default season moved`);
    t.match(v2[who], { season: '2025-26', capFen: 356_400 });
  }
  t.match(
    await read(app, statementUrl(veteran.accountId, '2024-25'), veteranReaders.resident),
    { season: '2024-25', capFen: CAP },
    'the old season on request',
  );
});
