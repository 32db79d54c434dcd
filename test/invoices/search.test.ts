import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertInvoice, meteredLines } from '../helpers/invoices.js';
import { createAccount, createHousehold, putSeason, residentToken } from '../helpers/registry.js';

t.test('GET /v1/invoices?number=&room=: invoice search, within the caller\'s scope', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await putSeason(app, alpha.headers, 'alpha', 2025);
  await putSeason(app, beta.headers, 'beta', 2025);
  const home = async (headers: Record<string, string>, code: string, building: string, room: string) => {
    const household = await createHousehold(app, headers, code, { building, room });
    const account = await createAccount(app, headers, household.id);
    return { householdId: household.id, accountId: account.id };
  };
  const east = await home(alpha.headers, 'alpha', '1', '501');
  const west = await home(alpha.headers, 'alpha', '2', '501');
  const other = await home(alpha.headers, 'alpha', '1', '502');
  const foreign = await home(beta.headers, 'beta', '1', '501');
  const issue = (compoundId: string, h: { householdId: string; accountId: string }, period: string, status?: 'paid') =>
    insertInvoice(db, { compoundId, ...h, period, lines: meteredLines('100', 3_300), ...(status ? { status, paidFen: 3_300 } : {}) });
  await issue(alpha.compound.id, east, '2025-11', 'paid');
  await issue(alpha.compound.id, west, '2025-11');
  await issue(alpha.compound.id, other, '2025-11');
  const eastDecember = await issue(alpha.compound.id, east, '2025-12');
  await issue(beta.compound.id, foreign, '2025-11');
  const numbers = async (url: string, headers = alpha.headers) => {
    const response = await app.inject({ url, headers });
    t.equal(response.statusCode, 200, url);
    return response.json().items.map((i: { number: string }) => i.number);
  };

  t.same(await numbers('/v1/invoices?number=ALPHA-202512-000001'), ['ALPHA-202512-000001']);
  t.same(await numbers('/v1/invoices?number=%20alpha-202512-000001%20'), ['ALPHA-202512-000001'], 'any case, trimmed');
  t.same(await numbers('/v1/invoices?number=ALPHA-202512-000009'), []);
  t.same(await numbers('/v1/invoices?number=BETA-202511-000001'), [], "another provider's invoice is not found by number");
  t.same(await numbers('/v1/invoices?number=BETA-202511-000001', admin), ['BETA-202511-000001']);

  const room501 = ['ALPHA-202511-000001', 'ALPHA-202511-000002', 'ALPHA-202512-000001'];
  t.same(await numbers('/v1/invoices?compound=alpha&room=501'), room501, 'room 501 of both buildings');
  t.same(await numbers('/v1/invoices?room=501'), room501, "never beta's room 501");
  t.same(await numbers('/v1/invoices?compound=alpha&room=501&status=issued'), room501.slice(1), 'with status');
  t.same(await numbers('/v1/invoices?compound=alpha&room=501&period=2025-12'), ['ALPHA-202512-000001'], 'with period');
  t.same(await numbers('/v1/invoices?compound=alpha&room=50'), [], 'the room exactly, not a prefix');

  const newest = [...room501].reverse();
  t.same(await numbers('/v1/invoices?compound=alpha&room=501&order=newest'), newest, 'newest first: latest month, then number down');
  t.same(await numbers('/v1/invoices?compound=alpha&room=501&order=oldest'), room501, 'oldest first, the default, by name');
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/invoices?compound=alpha&room=501&order=newest&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
    type InvoicePage = { items: Array<{ number: string }>; nextCursor: string | null };
    const page = (await app.inject({ url, headers: alpha.headers })).json() as InvoicePage;
    paged.push(...page.items.map((i) => i.number));
    cursor = page.nextCursor;
  } while (cursor && paged.length < 10);
  t.same(paged, newest, 'page by page, newest first, each invoice once');
  const badOrder = await app.inject({ url: '/v1/invoices?order=latest', headers: alpha.headers });
  t.equal(badOrder.statusCode, 400);
  t.match(badOrder.json().errors, [{ path: 'querystring.order' }], 'an unknown order names the field');

  const resident = bearer(await residentToken(db, east.accountId));
  t.same(await numbers('/v1/invoices?room=501', resident), ['ALPHA-202511-000001', 'ALPHA-202512-000001'], 'a resident: own invoices only');
  t.same(await numbers(`/v1/invoices?number=${eastDecember.number}`, resident), [eastDecember.number]);
  t.same(await numbers('/v1/invoices?number=ALPHA-202511-000002', resident), [], "a neighbour's invoice is not found by number");

  const empty = await app.inject({ url: '/v1/invoices?room=', headers: alpha.headers });
  t.equal(empty.statusCode, 400);
  t.match(empty.json().errors, [{ path: 'querystring.room' }]);
});
