import t from 'tap';
import { admin, testApp } from '../helpers/app.js';
import { insertInvoice, meteredLines, twoProviderScene } from '../helpers/invoices.js';
import { insertHome } from '../helpers/data.js';

t.test('GET /v1/invoices/{id}: the SPEC shape, decimals trimmed, lines in order', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 6);
  const june = s.invoicesA[5]!;
  const response = await app.inject({ url: `/v1/invoices/${june.id}`, headers: s.alpha.headers });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /application\/json/);
  t.same(response.json(), {
    id: june.id,
    number: 'ALPHA-202606-000001',
    accountId: s.homeA.accountId,
    householdId: s.homeA.householdId,
    compound: 'alpha',
    period: '2026-06',
    issuedOn: '2026-06-28',
    dueOn: '2026-07-13',
    status: 'issued',
    totalFen: 3_300,
    paidFen: 0,
    overdue: true,
    noReading: false,
    lines: [
      { kind: 'usage', description: '用量 Usage: 500 × 0.33', units: '500', unitRate: '0.33', amountFen: 16_500 },
      { kind: 'cap', description: '封顶减免 Cap reduction', amountFen: -13_200 },
    ],
  });
  const fractional = await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: s.homeA2.accountId,
    householdId: s.homeA2.householdId,
    period: '2025-12',
    lines: meteredLines('12.500', 413),
  });
  const body = (await app.inject({ url: `/v1/invoices/${fractional.id}`, headers: admin })).json();
  t.equal(body.lines[0].units, '12.5');
  t.equal(body.lines[0].unitRate, '0.33');
});

t.test('GET /v1/invoices/{id}: who may see which invoice', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db);
  const own = s.invoicesA[0]!.id;
  const url = `/v1/invoices/${own}`;
  t.equal((await app.inject({ url })).statusCode, 401, 'no token');
  t.equal((await app.inject({ url, headers: admin })).statusCode, 200, 'admin');
  t.equal((await app.inject({ url, headers: s.alpha.headers })).statusCode, 200, 'operator of the compound');
  t.equal((await app.inject({ url, headers: s.residentA })).statusCode, 200, 'resident of the account');

  const foreignOp = await app.inject({ url, headers: s.beta.headers });
  t.equal(foreignOp.statusCode, 404, "another provider's operator: 404");
  const foreignRes = await app.inject({ url, headers: s.residentB });
  t.equal(foreignRes.statusCode, 404, "another account's resident: 404");
  const neighbour = await app.inject({ url: `/v1/invoices/${s.invoicesA2[0]!.id}`, headers: s.residentA });
  t.equal(neighbour.statusCode, 404, 'a neighbour in the same compound: 404');
  const missing = await app.inject({ url: '/v1/invoices/00000000-0000-4000-8000-000000000000', headers: s.beta.headers });
  t.same(foreignOp.json(), { ...missing.json() }, 'foreign answers exactly like missing');
  t.equal((await app.inject({ url: '/v1/invoices/not-a-uuid', headers: admin })).statusCode, 400);
});

t.test('GET /v1/invoices/{id} as HTML: a printable page that escapes what it prints', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const evil = await insertHome(db, s.alpha.compound.id, { holderName: '<script>alert("x")</script>', phone: '13912345678' });
  const invoice = await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: evil.accountId,
    householdId: evil.householdId,
    period: '2025-11',
    lines: meteredLines('1500', 49_500).map((l) => ({ ...l, description: 'Usage <b>&</b>' })),
  });
  const response = await app.inject({ url: `/v1/invoices/${invoice.id}`, headers: { ...s.alpha.headers, accept: 'text/html' } });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /text\/html/);
  const html = response.body;
  t.ok(html.includes(invoice.number), 'shows the number');
  t.notOk(html.includes('<script>'), 'no raw script tag');
  t.ok(html.includes('&#60;script&#62;'), 'the name is escaped');
  t.notOk(html.includes('<b>'), 'descriptions escaped');
  t.ok(html.includes('139****5678'), 'phone masked');
  t.notOk(html.includes('13912345678'), 'full phone absent');
  t.ok(html.indexOf('小区') < html.indexOf('Compound'), 'Chinese before English');
  t.ok(html.includes('alpha 小区'), 'compound name');
  t.ok(html.includes('@media print'), 'print CSS');
  t.ok(html.includes('¥495.00'), 'total in CNY');

  // A cap line prints its negative amount as the pages write it: one money formatter.
  const capped = await insertInvoice(db, {
    compoundId: s.alpha.compound.id,
    accountId: evil.accountId,
    householdId: evil.householdId,
    period: '2025-12',
    lines: meteredLines('1211', 39_962, -39_962),
  });
  const cappedHtml = (await app.inject({ url: `/v1/invoices/${capped.id}`, headers: { ...s.alpha.headers, accept: 'text/html' } })).body;
  t.ok(cappedHtml.includes('−¥399.62'), 'a negative amount as −¥, as on the pages');
  t.notOk(cappedHtml.includes('¥-'), 'never ¥-');
  const browser = await app.inject({
    url: `/v1/invoices/${invoice.id}`,
    headers: { ...s.alpha.headers, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
  });
  t.match(browser.headers['content-type'], /text\/html/);
  const json = await app.inject({
    url: `/v1/invoices/${invoice.id}`,
    headers: { ...s.alpha.headers, accept: 'application/json, text/html' },
  });
  t.match(json.headers['content-type'], /application\/json/);
  const foreign = await app.inject({ url: `/v1/invoices/${invoice.id}`, headers: { ...s.beta.headers, accept: 'text/html' } });
  t.equal(foreign.statusCode, 404);
  t.match(foreign.headers['content-type'], /application\/problem\+json/);
});

t.test('GET /v1/invoices: scoped lists, filters and stable cursor pages', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 4);
  const numbers = (body: { items: Array<{ number: string }> }) => body.items.map((i) => i.number);

  const asAlpha = (await app.inject({ url: '/v1/invoices', headers: s.alpha.headers })).json();
  t.equal(asAlpha.items.length, 5, "alpha's operator sees alpha's invoices only");
  t.ok(asAlpha.items.every((i: { compound: string }) => i.compound === 'alpha'));
  t.same(numbers(asAlpha), [
    'ALPHA-202511-000001',
    'ALPHA-202511-000002',
    'ALPHA-202512-000001',
    'ALPHA-202601-000001',
    'ALPHA-202602-000001',
  ]);
  t.ok(asAlpha.items[0].lines.length > 0, 'with lines');

  const foreignFilter = (await app.inject({ url: '/v1/invoices?compound=beta', headers: s.alpha.headers })).json();
  t.same(foreignFilter.items, [], "filtering on another provider's compound finds nothing");
  const foreignAccount = (await app.inject({ url: `/v1/invoices?accountId=${s.homeB.accountId}`, headers: s.alpha.headers })).json();
  t.same(foreignAccount.items, []);

  const resident = (await app.inject({ url: '/v1/invoices', headers: s.residentA })).json();
  t.equal(resident.items.length, 4);
  t.ok(resident.items.every((i: { accountId: string }) => i.accountId === s.homeA.accountId), 'resident: own invoices');
  const sneaky = (await app.inject({ url: `/v1/invoices?accountId=${s.homeA2.accountId}`, headers: s.residentA })).json();
  t.same(sneaky.items, [], "another accountId filter does not widen a resident's scope");
  const sneakyB = (await app.inject({ url: '/v1/invoices?compound=beta', headers: s.residentA })).json();
  t.same(sneakyB.items, []);

  const all = (await app.inject({ url: '/v1/invoices', headers: admin })).json();
  t.equal(all.items.length, 6, 'admin sees every compound');
  const filtered = (await app.inject({ url: '/v1/invoices?compound=alpha&period=2025-11&status=issued', headers: admin })).json();
  t.same(numbers(filtered), ['ALPHA-202511-000001', 'ALPHA-202511-000002']);

  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Array<{ number: string }>; nextCursor: string | null } = (
      await app.inject({ url: `/v1/invoices?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: s.alpha.headers })
    ).json();
    t.ok(page.items.length <= 2);
    pages.push(...numbers(page));
    cursor = page.nextCursor;
  } while (cursor);
  t.same(pages, numbers(asAlpha), 'pages concatenate to the whole list');
  t.equal((await app.inject({ url: '/v1/invoices?cursor=bogus', headers: admin })).statusCode, 400);
  t.equal((await app.inject({ url: '/v1/invoices?status=lost', headers: admin })).statusCode, 400);
  t.equal((await app.inject({ url: '/v1/invoices' })).statusCode, 401);
});
