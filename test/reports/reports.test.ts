import t from 'tap';
import { parse } from 'csv-parse/sync';
import { admin, testApp } from '../helpers/app.js';
import { insertHome } from '../helpers/data.js';
import { insertInvoice, meteredLines, twoProviderScene } from '../helpers/invoices.js';

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 6); // homeA: June 16,500 gross, −13,200 cap
  const c = s.alpha.compound.id;
  const h2 = await insertHome(db, c, { areaM2: '50.00' });
  const june2 = await insertInvoice(db, {
    compoundId: c,
    accountId: h2.accountId,
    householdId: h2.householdId,
    period: '2026-06',
    lines: meteredLines('250.5', 8_267),
  });
  const flat = await insertHome(db, c, { plan: 'flat' });
  await insertInvoice(db, {
    compoundId: c,
    accountId: flat.accountId,
    householdId: flat.householdId,
    period: '2026-06',
    lines: [
      { kind: 'flat_installment', amountFen: 26_151 },
      { kind: 'adjustment', amountFen: -1_000, description: 'reading correction' },
    ],
    paidFen: 10_000,
    status: 'partially_paid',
  });
  const voided = await insertHome(db, c);
  await insertInvoice(db, {
    compoundId: c,
    accountId: voided.accountId,
    householdId: voided.householdId,
    period: '2026-06',
    status: 'void',
    lines: meteredLines('9999', 329_967),
  });
  await insertInvoice(db, {
    compoundId: c,
    accountId: h2.accountId,
    householdId: h2.householdId,
    period: '2026-07',
    lines: meteredLines('10', 330),
  });
  await db.updateTable('invoices').set({ paid_fen: 3_300, status: 'paid' }).where('id', '=', s.invoicesA[5]!.id).execute();
  return { app, db, s, june2 };
}

t.test('report: the month of a compound, per plan and in total', async (t) => {
  const { app, s } = await scene(t);
  const response = await app.inject({ url: '/v1/compounds/alpha/reports/2026-06', headers: s.alpha.headers });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /application\/json/);
  const metered = {
    accountsBilled: 2,
    usageUnits: '750.5',
    grossFen: 16_500 + 8_267,
    capSavingsFen: 13_200,
    adjustmentsFen: 0,
    netBilledFen: 3_300 + 8_267,
    paidFen: 3_300,
    outstandingFen: 8_267,
    cappedAccounts: 1,
  };
  const flat = {
    accountsBilled: 1,
    usageUnits: '0',
    grossFen: 26_151,
    capSavingsFen: 0,
    adjustmentsFen: -1_000,
    netBilledFen: 25_151,
    paidFen: 10_000,
    outstandingFen: 15_151,
    cappedAccounts: 0,
  };
  t.same(response.json(), {
    compound: 'alpha',
    period: '2026-06',
    accountsBilled: 3,
    usageUnits: '750.5',
    grossFen: metered.grossFen + flat.grossFen,
    capSavingsFen: 13_200,
    adjustmentsFen: -1_000,
    netBilledFen: metered.netBilledFen + flat.netBilledFen,
    paidFen: 13_300,
    outstandingFen: metered.outstandingFen + flat.outstandingFen,
    cappedAccounts: 1,
    byPlan: { metered, flat },
  });
  const body = response.json();
  t.equal(body.netBilledFen, body.grossFen - body.capSavingsFen + body.adjustmentsFen, 'net = gross − cap savings + adjustments');
  const empty = (await app.inject({ url: '/v1/compounds/alpha/reports/2026-10', headers: admin })).json();
  t.equal(empty.accountsBilled, 0);
  t.equal(empty.netBilledFen, 0);
});

t.test('report: CSV parses back to the JSON figures', async (t) => {
  const { app, s } = await scene(t);
  const json = (await app.inject({ url: '/v1/compounds/alpha/reports/2026-06', headers: s.alpha.headers })).json();
  const response = await app.inject({ url: '/v1/compounds/alpha/reports/2026-06', headers: { ...s.alpha.headers, accept: 'text/csv' } });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/csv/);
  const rows: Array<Record<string, string>> = parse(response.body, { columns: true });
  t.same(rows.map((r) => r.plan), ['metered', 'flat', 'total']);
  const numeric = (r: Record<string, string>) => {
    const { compound, period, plan, usageUnits, ...rest } = r;
    return { compound, period, plan, usageUnits, ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Number(v)])) };
  };
  const { byPlan, ...total } = json;
  t.same(numeric(rows[0]!), { compound: 'alpha', period: '2026-06', plan: 'metered', ...byPlan.metered });
  t.same(numeric(rows[1]!), { compound: 'alpha', period: '2026-06', plan: 'flat', ...byPlan.flat });
  t.same(numeric(rows[2]!), { plan: 'total', ...total });
});

t.test('report: who may read it', async (t) => {
  const { app, s } = await scene(t);
  const url = '/v1/compounds/alpha/reports/2026-06';
  t.equal((await app.inject({ url })).statusCode, 401);
  t.equal((await app.inject({ url, headers: s.residentA })).statusCode, 403, 'residents: 403');
  t.equal((await app.inject({ url, headers: s.beta.headers })).statusCode, 404, "another provider's compound: 404");
  t.equal((await app.inject({ url: '/v1/compounds/nowhere/reports/2026-06', headers: admin })).statusCode, 404);
  const csvForeign = await app.inject({ url, headers: { ...s.beta.headers, accept: 'text/csv' } });
  t.equal(csvForeign.statusCode, 404);
  t.match(csvForeign.headers['content-type'], /problem\+json/);
  t.equal((await app.inject({ url: '/v1/compounds/alpha/reports/2026-13', headers: admin })).statusCode, 400);
  t.equal((await app.inject({ url, headers: admin })).statusCode, 200);
});
