import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createMeter, householdWithMeter, putSeason, residentToken } from '../helpers/registry.js';
import { postReadings } from '../helpers/scene.js';

t.test('GET /v1/readings and GET /v1/households/{id}/meters, within the caller\'s scope', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await putSeason(app, alpha.headers, 'alpha', 2025);
  await putSeason(app, beta.headers, 'beta', 2025);
  const east = await householdWithMeter(app, alpha.headers, 'alpha', 'EAST-1');
  const west = await householdWithMeter(app, alpha.headers, 'alpha', 'WEST-1');
  const far = await householdWithMeter(app, beta.headers, 'beta', 'FAR-1');
  const eastAccount = await createAccount(app, alpha.headers, east.household.id, { openedOn: '2025-10-02' });
  await createAccount(app, alpha.headers, west.household.id, { openedOn: '2025-10-02' });

  await postReadings(app, alpha.headers, [
    ['EAST-1', '2025-11-30T20:00:00', '100'],
    ['EAST-1', '2025-12-31T20:00:00', '250'],
    ['WEST-1', '2025-11-30T21:00:00', '80'],
    ['WEST-1', '2025-12-31T21:00:00', '90'],
  ]);
  await postReadings(app, beta.headers, [['FAR-1', '2025-11-30T20:00:00', '5']]);
  // East's meter is replaced in January: the old one ends at 300, the new one starts at 0.
  await createMeter(app, alpha.headers, east.household.id, {
    serial: 'EAST-2',
    installedAt: '2026-01-10T09:00:00',
    initialReading: '0',
    replaces: 'EAST-1',
    finalReading: '300',
  });
  await postReadings(app, alpha.headers, [['EAST-2', '2026-01-31T20:00:00', '40']]);

  const list = async (query: string, headers = alpha.headers) => {
    const response = await app.inject({ url: `/v1/readings${query}`, headers });
    t.equal(response.statusCode, 200, query);
    return response.json();
  };
  const values = async (query: string, headers = alpha.headers) =>
    (await list(query, headers)).items.map((r: { meterSerial: string; value: string }) => `${r.meterSerial}=${r.value}`);

  t.test('filters', async (t) => {
    const all = await list('');
    t.same(
      all.items.map((r: { meterSerial: string; value: string }) => `${r.meterSerial}=${r.value}`),
      ['EAST-1=100', 'WEST-1=80', 'EAST-1=250', 'WEST-1=90', 'EAST-1=300', 'EAST-2=40'],
      'the operator sees its compound only, in time order (the final reading of a replaced meter included)',
    );
    t.equal(all.nextCursor, null);
    t.match(all.items[0], {
      id: Number,
      meterSerial: 'EAST-1',
      householdId: east.household.id,
      compound: 'alpha',
      readAt: '2025-11-30T20:00:00+08:00',
      value: '100',
      source: 'manual',
    });
    t.notOk('correctedFrom' in all.items[0], 'no correctedFrom on an uncorrected reading');
    t.same(await values('?meterSerial=WEST-1'), ['WEST-1=80', 'WEST-1=90']);
    t.same(await values(`?householdId=${east.household.id}`), ['EAST-1=100', 'EAST-1=250', 'EAST-1=300', 'EAST-2=40'], 'across the chain');
    t.same(await values('?from=2025-12-01&to=2026-01-01'), ['EAST-1=250', 'WEST-1=90'], 'local bounds: from inclusive, to exclusive');
    t.same(await values('?from=2025-11-30T12:30:00Z&to=2025-11-30T21:30:00%2B08:00'), ['WEST-1=80'], 'bounds with an offset');
    t.same(await values('?compound=beta'), [], "another provider's compound lists nothing");
    t.same(await values('?meterSerial=FAR-1'), []);
    t.same(await values('?compound=beta', admin), ['FAR-1=5'], 'an admin sees every compound');
    const bad = await app.inject({ url: '/v1/readings?from=yesterday-ish', headers: alpha.headers });
    t.equal(bad.statusCode, 400);
    t.match(bad.json().errors, [{ path: 'querystring.from' }]);
    const badCursor = await app.inject({ url: '/v1/readings?cursor=bm9wZQ', headers: alpha.headers });
    t.equal(badCursor.statusCode, 400);
  });

  t.test('paging across pages', async (t) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      t.ok(page.items.length <= 4);
      seen.push(...page.items.map((r: { meterSerial: string; value: string }) => `${r.meterSerial}=${r.value}`));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    t.equal(pages, 2);
    t.same(seen, ['EAST-1=100', 'WEST-1=80', 'EAST-1=250', 'WEST-1=90', 'EAST-1=300', 'EAST-2=40']);
  });

  t.test('correctedFrom after a correction', async (t) => {
    const [reading] = (await list('?meterSerial=WEST-1')).items;
    for (const value of ['85', '84']) {
      const patch = await app.inject({
        method: 'PATCH',
        url: `/v1/readings/${reading.id}`,
        headers: alpha.headers,
        payload: { value, reason: 'misread' },
      });
      t.equal(patch.statusCode, 200, patch.body);
    }
    const [corrected] = (await list('?meterSerial=WEST-1')).items;
    t.match(corrected, { id: reading.id, value: '84', correctedFrom: '80' }, 'the value before the first correction');
  });

  t.test('household meters: the replacement chain', async (t) => {
    const response = await app.inject({ url: `/v1/households/${east.household.id}/meters`, headers: alpha.headers });
    t.equal(response.statusCode, 200);
    t.match(response.json(), {
      householdId: east.household.id,
      items: [
        { serial: 'EAST-1', initialReading: '0', replaces: null, replacedBy: 'EAST-2', retiredAt: String, finalReading: '300' },
        { serial: 'EAST-2', installedAt: '2026-01-10T09:00:00+08:00', replaces: 'EAST-1', replacedBy: null, retiredAt: null, active: true },
      ],
    });
    const foreign = await app.inject({ url: `/v1/households/${far.household.id}/meters`, headers: alpha.headers });
    t.equal(foreign.statusCode, 404, "another provider's household is not found");
    t.equal(foreign.headers['content-type'], 'application/problem+json; charset=utf-8');
    const missing = await app.inject({ url: '/v1/households/00000000-0000-4000-8000-000000000000/meters', headers: alpha.headers });
    t.equal(missing.statusCode, 404);
    const asAdmin = await app.inject({ url: `/v1/households/${far.household.id}/meters`, headers: admin });
    t.equal(asAdmin.statusCode, 200);
  });

  t.test('a resident sees only its own household', async (t) => {
    const resident = bearer(await residentToken(db, eastAccount.id));
    t.same(await values('', resident), ['EAST-1=100', 'EAST-1=250', 'EAST-1=300', 'EAST-2=40']);
    t.same(await values('?meterSerial=WEST-1', resident), [], "a neighbour's meter lists nothing");
    t.same(await values(`?householdId=${west.household.id}`, resident), []);
    const own = await app.inject({ url: `/v1/households/${east.household.id}/meters`, headers: resident });
    t.equal(own.statusCode, 200);
    t.equal(own.json().items.length, 2);
    const neighbour = await app.inject({ url: `/v1/households/${west.household.id}/meters`, headers: resident });
    t.equal(neighbour.statusCode, 404);
  });
});
