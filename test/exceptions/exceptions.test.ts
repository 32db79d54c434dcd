import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold, householdWithMeter, putSeason, residentToken } from '../helpers/registry.js';
import { bill, postReadings } from '../helpers/scene.js';

t.test('GET /v1/compounds/{code}/exceptions: each kind, JSON and CSV, in scope', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await putSeason(app, alpha.headers, 'alpha', 2025);
  await putSeason(app, beta.headers, 'beta', 2025);
  const home = async (serial: string, plan: 'metered' | 'flat' = 'metered') => {
    const { household } = await householdWithMeter(app, alpha.headers, 'alpha', serial);
    const account = await createAccount(app, alpha.headers, household.id, { openedOn: '2025-10-02', plan });
    return { householdId: household.id, accountId: account.id, serial };
  };
  // 99 m² each. January's advance: three homes of 100 units (the median, 1.0101 units/m²), one of
  // 250 (2.5× the median: no spike), one of 1000 (a spike), one of 0 (zero usage).
  const normal = [await home('N-1'), await home('N-2'), await home('N-3')];
  const high = await home('HIGH');
  const spike = await home('SPIKE');
  const zero = await home('ZERO');
  const missing = await home('MISSING');
  const flat = await home('FLAT', 'flat');
  // A metered account with no meter at all: the batch leaves it unbilled.
  const bare = await createHousehold(app, alpha.headers, 'alpha');
  const bareAccount = await createAccount(app, alpha.headers, bare.id, { openedOn: '2025-10-02' });
  const december = '2025-12-31T20:00:00';
  const january = '2026-01-31T20:00:00';
  await postReadings(app, alpha.headers, [
    ...normal.flatMap((h): Array<[string, string, number]> => [[h.serial, december, 1000], [h.serial, january, 1100]]),
    [high.serial, december, 1000], [high.serial, january, 1250],
    [spike.serial, december, 1000], [spike.serial, january, 2000],
    [zero.serial, december, 500], [zero.serial, january, 500],
    [missing.serial, december, 300],
    [flat.serial, december, 10],
  ]);

  const get = async (url: string, headers = alpha.headers) => {
    const response = await app.inject({ url, headers });
    t.equal(response.statusCode, 200, url);
    return response;
  };
  const list = async (period: string) => (await get(`/v1/compounds/alpha/exceptions?period=${period}`)).json();
  const kinds = (items: Array<{ kind: string; householdId: string }>, kind: string) =>
    items.filter((i) => i.kind === kind).map((i) => i.householdId);

  const before = await list('2026-01');
  t.equal(before.compound, 'alpha');
  t.equal(before.period, '2026-01');

  t.test('missing_reading', async (t) => {
    t.same(kinds(before.items, 'missing_reading'), [missing.householdId, bare.id],
      'the metered accounts without a January reading; not the flat account, not those with readings');
    t.match(before.items.find((i: { kind: string }) => i.kind === 'missing_reading'), {
      accountId: missing.accountId,
      meterSerial: 'MISSING',
      units: null,
      detail: 'no reading from 2026-01-01 to 2026-01-31',
    });
    t.same(kinds((await list('2026-04')).items, 'missing_reading'), [], 'April is not a billable month');
  });

  t.test('zero_usage', async (t) => {
    t.same(kinds(before.items, 'zero_usage'), [zero.householdId], 'only the home with readings and no advance');
    t.match(before.items.find((i: { kind: string }) => i.kind === 'zero_usage'), {
      accountId: zero.accountId,
      meterSerial: 'ZERO',
      units: '0',
      detail: "0 units in the month while the compound's median is 1.01 units/m²",
    });
    // December: every home's first reading, from its initial reading 0: all advance, none is zero.
    t.same(kinds((await list('2025-12')).items, 'zero_usage'), []);
  });

  t.test('usage_spike', async (t) => {
    t.same(kinds(before.items, 'usage_spike'), [spike.householdId], '1000 units is a spike, 250 (2.5× the median) is not');
    t.match(before.items.find((i: { kind: string }) => i.kind === 'usage_spike'), {
      accountId: spike.accountId,
      units: '1000',
      detail: "10.101 units/m² (1000 units over 99 m²) is above 3× the compound's median of 1.01 units/m²",
    });
  });

  t.test('billing_exception', async (t) => {
    t.same(kinds(before.items, 'billing_exception'), [], 'no run yet');
    const { status, run } = await bill(app, alpha.headers, 'alpha', '2026-01', true);
    t.equal(status, 201);
    t.match(run.exceptions, [{ accountId: bareAccount.id }]);
    const after = (await list('2026-01')).items;
    t.same(kinds(after, 'billing_exception'), [bare.id], 'the account the run left unbilled, and only it');
    t.match(after.find((i: { kind: string }) => i.kind === 'billing_exception'), { accountId: bareAccount.id, detail: String });
    t.same(kinds((await list('2025-12')).items, 'billing_exception'), [], 'another month');
  });

  t.test('CSV', async (t) => {
    for (const request of [
      { url: '/v1/compounds/alpha/exceptions?period=2026-01', headers: { ...alpha.headers, accept: 'text/csv' } },
      { url: '/v1/compounds/alpha/exceptions?period=2026-01&format=csv', headers: alpha.headers },
    ]) {
      const response = await get(request.url, request.headers);
      t.match(response.headers['content-type'], /^text\/csv/);
      const lines = response.body.trim().split('\n');
      t.equal(lines[0], 'kind,period,building,unit,room,householdId,accountId,meterSerial,units,detail');
      t.ok(lines.some((l) => l.startsWith('usage_spike,2026-01,') && l.includes(spike.householdId)));
      t.equal(lines.length, 1 + 5, 'one line per item');
    }
  });

  t.test('scope', async (t) => {
    const foreign = await app.inject({ url: '/v1/compounds/alpha/exceptions?period=2026-01', headers: beta.headers });
    t.equal(foreign.statusCode, 404, "another provider's compound answers 404");
    const unknown = await app.inject({ url: '/v1/compounds/nowhere/exceptions?period=2026-01', headers: alpha.headers });
    t.equal(unknown.statusCode, 404);
    t.equal((await get('/v1/compounds/alpha/exceptions?period=2026-01', admin)).json().items.length, 5);
    t.same((await get('/v1/compounds/beta/exceptions?period=2026-01', beta.headers)).json().items, []);
    const resident = await app.inject({
      url: '/v1/compounds/alpha/exceptions?period=2026-01',
      headers: bearer(await residentToken(db, missing.accountId)),
    });
    t.not(resident.statusCode, 200, 'residents have no exceptions route');
    const bad = await app.inject({ url: '/v1/compounds/alpha/exceptions?period=2026-13', headers: alpha.headers });
    t.equal(bad.statusCode, 400);
  });
});
