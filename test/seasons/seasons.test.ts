import t from 'tap';
import { testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, householdWithMeter, seasonBody } from '../helpers/registry.js';

t.test('seasons: create 201, replace 200, validation 422, invoices 409, scope 404', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  const url = '/v1/compounds/alpha/seasons/2025-26';

  const createdSeason = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025) });
  t.equal(createdSeason.statusCode, 201);
  t.same(createdSeason.json(), {
    label: '2025-26',
    heating: { start: '2025-11-15', end: '2026-03-15' },
    cooling: { start: '2026-06-15', end: '2026-09-15' },
    unitRate: '0.33',
    capPerM2: '35',
    flatBilling: 'installments',
    lateFeePerMillePerDay: '0',
  });
  const replaced = await app.inject({
    method: 'PUT',
    url,
    headers: a.headers,
    payload: seasonBody(2025, { unitRate: 0.35, flatBilling: 'upfront' }),
  });
  t.equal(replaced.statusCode, 200);
  t.match(replaced.json(), { unitRate: '0.35', flatBilling: 'upfront' });
  const shown = (await app.inject({ url: '/v1/compounds/alpha', headers: a.headers })).json();
  t.match(shown.seasons, [{ label: '2025-26', unitRate: '0.35' }]);

  const backwards = await app.inject({
    method: 'PUT',
    url,
    headers: a.headers,
    payload: seasonBody(2025, { heating: { start: '2025-11-15', end: '2025-11-15' }, cooling: { start: '2025-11-01', end: '2025-10-01' } }),
  });
  t.equal(backwards.statusCode, 422);
  t.match(backwards.headers['content-type'], /application\/problem\+json/);
  t.same(backwards.json().errors.map((e: { path: string }) => e.path), ['body.heating.end', 'body.cooling.start', 'body.cooling.end']);
  const wrongYears = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/alpha/seasons/2027-28',
    headers: a.headers,
    payload: seasonBody(2025),
  });
  t.equal(wrongYears.statusCode, 422);
  t.match(wrongYears.json().errors, [{ path: 'body.heating.start' }]);
  const badRate = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025, { unitRate: '0.33333' }) });
  t.equal(badRate.statusCode, 422);
  t.match(badRate.json().errors, [{ path: 'body.unitRate', message: /decimal places/ }]);
  const badLabel = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/alpha/seasons/2025-27',
    headers: a.headers,
    payload: seasonBody(2025),
  });
  t.equal(badLabel.statusCode, 422);
  const overlapping = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/alpha/seasons/2026-27',
    headers: a.headers,
    payload: seasonBody(2026, { heating: { start: '2026-09-01', end: '2027-03-15' } }),
  });
  t.equal(overlapping.statusCode, 422, 'overlaps 2025-26');
  const notDate = await app.inject({
    method: 'PUT',
    url,
    headers: a.headers,
    payload: seasonBody(2025, { heating: { start: 'soon', end: '2026-03-15' } }),
  });
  t.equal(notDate.statusCode, 400);

  t.equal((await app.inject({ method: 'PUT', url, headers: b.headers, payload: seasonBody(2025) })).statusCode, 404, 'other provider');
  t.equal((await app.inject({ method: 'PUT', url, payload: seasonBody(2025) })).statusCode, 401);

  // An invoice of the season freezes it.
  const home = await householdWithMeter(app, a.headers, 'alpha');
  const account = await createAccount(app, a.headers, home.household.id);
  await db
    .insertInto('invoices')
    .values({
      compound_id: a.compound.id,
      account_id: account.id,
      household_id: home.household.id,
      season_label: '2025-26',
      period: '2025-11',
      seq: 1,
      number: 'ALPHA-202511-000001',
      account_seq: 1,
      issued_on: '2025-12-01',
      due_on: '2025-12-16',
      plan: 'metered',
      total_fen: 100,
      status: 'issued',
    })
    .execute();
  const frozen = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025) });
  t.equal(frozen.statusCode, 409);
  t.match(frozen.json().detail, /invoices/);
  const audited = await db.selectFrom('audit_log').select('action').where('entity', '=', 'season').execute();
  t.same(audited.map((r) => r.action), ['season.create', 'season.replace'], 'each change audited');
});

t.test('seasons: the late fee rate (SPEC §9) is off by default, kept, and 400 naming the field when negative or malformed', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'gamma');
  const url = '/v1/compounds/gamma/seasons/2025-26';
  const put = (lateFeePerMillePerDay: unknown) =>
    app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025, { lateFeePerMillePerDay }) });

  const set = await put('0.50');
  t.equal(set.statusCode, 201);
  t.equal(set.json().lateFeePerMillePerDay, '0.5');
  t.equal((await put(1.25)).json().lateFeePerMillePerDay, '1.25', 'a JSON number is read exactly');
  const shown = (await app.inject({ url: '/v1/compounds/gamma', headers: a.headers })).json();
  t.match(shown.seasons, [{ label: '2025-26', lateFeePerMillePerDay: '1.25' }]);
  const off = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025) });
  t.equal(off.json().lateFeePerMillePerDay, '0', 'a replaced season without the field is off again');

  for (const bad of ['-0.5', -1, 'abc', '0.5‰', '0.12345', 0.00001, '1000', 1000, '', null, true]) {
    const refused = await put(bad);
    t.equal(refused.statusCode, 400, `${JSON.stringify(bad)} is 400`);
    t.match(refused.headers['content-type'], /application\/problem\+json/);
    t.ok(
      refused.json().errors?.some((e: { path: string }) => e.path.includes('lateFeePerMillePerDay')),
      `${JSON.stringify(bad)} names the field: ${refused.body}`,
    );
  }
  const stored = (await app.inject({ url: '/v1/compounds/gamma', headers: a.headers })).json();
  t.equal(stored.seasons[0].lateFeePerMillePerDay, '0', 'nothing stored');
});
