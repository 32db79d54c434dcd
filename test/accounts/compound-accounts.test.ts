import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { createAccount, createHousehold, putSeason, residentToken, type AccountOut, type HouseholdOut } from '../helpers/registry.js';

t.test('GET /v1/compounds/{code}/accounts: household order, households, the month\'s invoices, pages, scope', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await putSeason(app, alpha.headers, 'alpha', 2025);
  const homes: Array<{ household: HouseholdOut; account: AccountOut }> = [];
  for (const [room, areaM2] of [['101', '99'], ['102', '120.5'], ['201', '64.8']] as const) {
    const household = await createHousehold(app, alpha.headers, 'alpha', { building: '3', unit: '2', room, areaM2 });
    const plan = room === '102' ? 'flat' : 'metered';
    homes.push({ household, account: await createAccount(app, alpha.headers, household.id, { holderName: `住户${room}`, plan }) });
  }
  type Home = (typeof homes)[number];
  const [first, second, third] = homes as [Home, Home, Home];
  const of = (home: Home) => ({ compoundId: alpha.compound.id, accountId: home.account.id, householdId: home.household.id });
  const november = await insertInvoice(db, { ...of(first), period: '2025-11', lines: meteredLines('1500', 49_500) });
  await insertInvoice(db, { ...of(first), period: '2025-12', lines: meteredLines('100', 3_300) });
  const flat = await insertInvoice(db, { ...of(second), period: '2025-11', lines: [{ kind: 'flat_installment', amountFen: 31_830 }] });

  const response = await app.inject({ url: '/v1/compounds/alpha/accounts?period=2025-11', headers: alpha.headers });
  t.equal(response.statusCode, 200);
  const body = response.json();
  t.equal(body.nextCursor, null);
  t.same(
    body.items.map((a: { id: string }) => a.id),
    [first.account.id, second.account.id, third.account.id],
    'in household order',
  );
  t.same(body.items[0], {
    ...first.account,
    household: { building: '3', unit: '2', room: '101', areaM2: '99.00' },
    invoices: [{ id: november.id, number: 'ALPHA-202511-000001', status: 'issued', totalFen: 49_500, paidFen: 0 }],
  });
  t.same(body.items[1].plans, [{ season: '2025-26', plan: 'flat' }]);
  t.same(body.items[1].invoices, [{ id: flat.id, number: 'ALPHA-202511-000002', status: 'issued', totalFen: 31_830, paidFen: 0 }]);
  t.same(body.items[2].invoices, [], 'no invoice that month');
  t.equal(body.items[2].household.areaM2, '64.80');

  const december = (await app.inject({ url: '/v1/compounds/alpha/accounts?period=2025-12', headers: alpha.headers })).json();
  t.same(december.items.map((a: { invoices: unknown[] }) => a.invoices.length), [1, 0, 0], 'the invoices of the period asked for');
  const noPeriod = (await app.inject({ url: '/v1/compounds/alpha/accounts', headers: alpha.headers })).json();
  t.ok(noPeriod.items.every((a: { invoices: unknown[] }) => a.invoices.length === 0), 'no period: no invoices');

  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
      await app.inject({ url: `/v1/compounds/alpha/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: alpha.headers })
    ).json();
    t.ok(page.items.length <= 2);
    pages.push(...page.items.map((a) => a.id));
    cursor = page.nextCursor;
  } while (cursor);
  t.same(pages, [first.account.id, second.account.id, third.account.id], 'pages concatenate to the whole list');

  const foreign = await app.inject({ url: '/v1/compounds/alpha/accounts', headers: beta.headers });
  t.equal(foreign.statusCode, 404, "another provider's compound is 404");
  t.equal((await app.inject({ url: '/v1/compounds/nowhere/accounts', headers: admin })).statusCode, 404);
  t.equal((await app.inject({ url: '/v1/compounds/alpha/accounts', headers: admin })).json().items.length, 3, 'admin sees any compound');
  const resident = bearer(await residentToken(db, first.account.id));
  t.equal((await app.inject({ url: '/v1/compounds/alpha/accounts', headers: resident })).statusCode, 403, 'not for residents');
  t.equal((await app.inject({ url: '/v1/compounds/alpha/accounts' })).statusCode, 401);
  const badPeriod = await app.inject({ url: '/v1/compounds/alpha/accounts?period=2025-13', headers: alpha.headers });
  t.equal(badPeriod.statusCode, 400);
  t.match(badPeriod.json().errors, [{ path: 'querystring.period' }]);
  t.equal((await app.inject({ url: '/v1/compounds/alpha/accounts?cursor=bogus', headers: alpha.headers })).statusCode, 400);
  const forged = Buffer.from(JSON.stringify(['x', '2025-11-01', 'y'])).toString('base64url');
  const wrongShape = await app.inject({ url: `/v1/compounds/alpha/accounts?cursor=${forged}`, headers: alpha.headers });
  t.equal(wrongShape.statusCode, 400, 'a cursor of the wrong shape');
});
