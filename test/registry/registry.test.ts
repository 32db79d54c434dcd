import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold, createMeter, householdWithMeter, putSeason, seasonBody, seasonLabel } from '../helpers/registry.js';
import { insertReadings } from '../helpers/data.js';

const THIS_YEAR = new Date().getUTCFullYear();
/** A season that has started (its heating began last November) and one that has not. */
const STARTED = THIS_YEAR - 1;
const LATER = THIS_YEAR + 1;

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
  });
  const replaced = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025, { unitRate: 0.35, flatBilling: 'upfront' }) });
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
  const wrongYears = await app.inject({ method: 'PUT', url: '/v1/compounds/alpha/seasons/2027-28', headers: a.headers, payload: seasonBody(2025) });
  t.equal(wrongYears.statusCode, 422);
  t.match(wrongYears.json().errors, [{ path: 'body.heating.start' }]);
  const badRate = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025, { unitRate: '0.33333' }) });
  t.equal(badRate.statusCode, 422);
  t.match(badRate.json().errors, [{ path: 'body.unitRate', message: /decimal places/ }]);
  const badLabel = await app.inject({ method: 'PUT', url: '/v1/compounds/alpha/seasons/2025-27', headers: a.headers, payload: seasonBody(2025) });
  t.equal(badLabel.statusCode, 422);
  const overlapping = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/alpha/seasons/2026-27',
    headers: a.headers,
    payload: seasonBody(2026, { heating: { start: '2026-09-01', end: '2027-03-15' } }),
  });
  t.equal(overlapping.statusCode, 422, 'overlaps 2025-26');
  const notDate = await app.inject({ method: 'PUT', url, headers: a.headers, payload: seasonBody(2025, { heating: { start: 'soon', end: '2026-03-15' } }) });
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

t.test('households: create, decimal area, duplicates 409, detail with meters and accounts, scope', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  const created = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', room: '1501', areaM2: 99 } });
  t.equal(created.statusCode, 201);
  const household = created.json();
  t.match(household, { compound: 'alpha', building: '3', unit: '2', room: '1501', areaM2: '99.00' });
  t.match(household.id, /^[0-9a-f-]{36}$/);
  const precise = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', room: '1502', areaM2: '88.125' } });
  t.equal(precise.json().areaM2, '88.125');

  const duplicate = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', room: '1501', areaM2: '80' } });
  t.equal(duplicate.statusCode, 409);
  const zero = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', room: '1503', areaM2: '0' } });
  t.equal(zero.statusCode, 422);
  t.match(zero.json().errors, [{ path: 'body.areaM2', message: /greater than 0/ }]);
  const tooPrecise = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', room: '1503', areaM2: '80.1234' } });
  t.equal(tooPrecise.statusCode, 422);
  const missing = await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: a.headers, payload: { building: '3', unit: '2', areaM2: '80' } });
  t.equal(missing.statusCode, 400);
  t.match(missing.json().errors, [{ path: 'body.room' }]);

  t.equal((await app.inject({ method: 'POST', url: '/v1/compounds/alpha/households', headers: b.headers, payload: { building: '1', unit: '1', room: '1', areaM2: '80' } })).statusCode, 404);
  t.equal((await app.inject({ url: `/v1/households/${household.id}`, headers: b.headers })).statusCode, 404, 'other provider: 404');
  t.equal((await app.inject({ url: '/v1/households/00000000-0000-4000-8000-000000000000', headers: a.headers })).statusCode, 404);

  const meter = await createMeter(app, a.headers, household.id, { serial: 'HM-1', initialReading: '12.5' });
  const account = await createAccount(app, a.headers, household.id);
  const detail = await app.inject({ url: `/v1/households/${household.id}`, headers: a.headers });
  t.equal(detail.statusCode, 200);
  t.match(detail.json(), { id: household.id, areaM2: '99.00', meters: [{ id: meter.id, serial: 'HM-1', initialReading: '12.5', active: true }], accounts: [{ id: account.id }] });
  t.equal((await app.inject({ url: `/v1/households/${household.id}`, headers: admin })).statusCode, 200, 'admin sees all');
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'household.create').execute()).length, 2);
});

t.test('meters: install, local installedAt, duplicates and second active meter 409, scope', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  const household = await createHousehold(app, a.headers, 'alpha');
  const url = `/v1/households/${household.id}/meters`;
  const meter = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'WH-0001', installedAt: '2025-10-01T09:30:00', initialReading: 100 } });
  t.equal(meter.statusCode, 201);
  t.match(meter.json(), { serial: 'WH-0001', installedAt: '2025-10-01T09:30:00+08:00', initialReading: '100', active: true, replaces: null, retiredAt: null, householdId: household.id });

  const second = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'WH-0002', installedAt: '2025-10-02T00:00:00Z', initialReading: 0 } });
  t.equal(second.statusCode, 409);
  t.match(second.json().detail, /WH-0001/);
  const other = await createHousehold(app, a.headers, 'alpha');
  const sameSerial = await app.inject({ method: 'POST', url: `/v1/households/${other.id}/meters`, headers: a.headers, payload: { serial: 'WH-0001', installedAt: '2025-10-02T00:00:00Z', initialReading: 0 } });
  t.equal(sameSerial.statusCode, 409);
  const future = await app.inject({ method: 'POST', url: `/v1/households/${other.id}/meters`, headers: a.headers, payload: { serial: 'WH-9', installedAt: '2099-01-01T00:00:00', initialReading: 0 } });
  t.equal(future.statusCode, 422);
  t.match(future.json().errors, [{ path: 'body.installedAt', message: /future/ }]);
  const badInput = await app.inject({ method: 'POST', url: `/v1/households/${other.id}/meters`, headers: a.headers, payload: { serial: 'WH-9', installedAt: 'the day before yesterday', initialReading: '1.2345' } });
  t.equal(badInput.statusCode, 422);
  t.match(badInput.json().errors, [{ path: 'body.installedAt' }, { path: 'body.initialReading' }]);
  t.equal((await app.inject({ method: 'POST', url, headers: b.headers, payload: { serial: 'WH-3', installedAt: '2025-10-01T00:00:00', initialReading: 0 } })).statusCode, 404, 'other provider');
});

t.test('meters: a replacement retires the old meter, stores its final reading and installs the new one', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { household, meter } = await householdWithMeter(app, a.headers, 'alpha', 'OLD-1');
  await insertReadings(db, a.compound.id, meter.id, [['2025-12-01T00:00:00+08:00', '1500']]);
  const url = `/v1/households/${household.id}/meters`;

  const noFinal = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'OLD-1' } });
  t.equal(noFinal.statusCode, 422);
  t.match(noFinal.json().errors, [{ path: 'body.finalReading', message: /required/ }]);
  const lower = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'OLD-1', finalReading: 1400 } });
  t.equal(lower.statusCode, 422);
  t.match(lower.json().errors, [{ path: 'body.finalReading', message: /lower than the reading 1500 of 2025-12-01T00:00:00\+08:00/ }]);
  const wrongMeter = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'NOPE', finalReading: 1600 } });
  t.equal(wrongMeter.statusCode, 422);
  t.match(wrongMeter.json().errors, [{ path: 'body.replaces' }]);
  t.equal((await db.selectFrom('meters').select('id').execute()).length, 1, 'nothing stored by refused replacements');

  const replaced = await app.inject({ method: 'POST', url, headers: a.headers, payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 3, replaces: 'OLD-1', finalReading: '1620.5' } });
  t.equal(replaced.statusCode, 201);
  t.match(replaced.json(), { serial: 'NEW-1', replaces: 'OLD-1', active: true, initialReading: '3' });

  const detail = (await app.inject({ url: `/v1/households/${household.id}`, headers: a.headers })).json();
  t.match(detail.meters, [
    { serial: 'OLD-1', active: false, retiredAt: '2026-01-10T10:00:00+08:00', finalReading: '1620.5' },
    { serial: 'NEW-1', active: true },
  ]);
  const finalRow = await db.selectFrom('readings').select(['value', 'read_at']).where('meter_id', '=', meter.id).orderBy('read_at', 'desc').executeTakeFirstOrThrow();
  t.equal(finalRow.value, '1620.500', 'final reading stored as a reading of the old meter');
  t.equal(finalRow.read_at.toISOString(), '2026-01-10T02:00:00.000Z');
  const byId = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'NEW-2', installedAt: '2026-02-01T00:00:00', initialReading: 0, replaces: replaced.json().id, finalReading: 10 },
  });
  t.equal(byId.statusCode, 201, 'replaces may name the id');
  t.same((await db.selectFrom('audit_log').select('action').where('entity', '=', 'meter').orderBy('id').execute()).map((r) => r.action), [
    'meter.install',
    'meter.retire',
    'meter.install',
    'meter.retire',
    'meter.install',
  ]);
});

t.test('accounts: open, one open account per household, opening reading default, plans, scope', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  await putSeason(app, a.headers, 'alpha', 2025);
  const { household, meter } = await householdWithMeter(app, a.headers, 'alpha', 'AC-1');
  await insertReadings(db, a.compound.id, meter.id, [
    ['2025-10-20T12:00:00+08:00', '40'],
    ['2025-10-31T23:59:00+08:00', '55.5'],
    ['2025-11-01T08:00:00+08:00', '60'],
  ]);
  const opened = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: household.id, holderName: '李雷', phone: '13812345678', openedOn: '2025-11-01', plan: 'flat' },
  });
  t.equal(opened.statusCode, 201);
  const account = opened.json();
  t.same({ ...account, id: undefined }, {
    id: undefined,
    householdId: household.id,
    compound: 'alpha',
    holderName: '李雷',
    phone: '13812345678',
    openedOn: '2025-11-01',
    closedOn: null,
    openingReading: '55.5',
    plans: [{ season: '2025-26', plan: 'flat' }],
  });

  const second = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: household.id, holderName: 'X', openedOn: '2025-12-01' } });
  t.equal(second.statusCode, 409);
  t.match(second.json().detail, new RegExp(account.id));

  // After closing (the close route is someone else's: set the row directly), a new account may open from closedOn on.
  await db.updateTable('accounts').set({ closed_on: '2026-01-15', closing_reading: '900' }).where('id', '=', account.id).execute();
  const tooEarly = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: household.id, holderName: 'X', openedOn: '2026-01-14' } });
  t.equal(tooEarly.statusCode, 409);
  const next = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: household.id, holderName: '韩梅梅', openedOn: '2026-01-15', openingReading: 900 } });
  t.equal(next.statusCode, 201);
  t.match(next.json(), { openingReading: '900', plans: [], phone: null });

  const noSeason = await createHousehold(app, a.headers, 'alpha');
  const refused = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2030-01-01', plan: 'flat' } });
  t.equal(refused.statusCode, 422, 'no season contains or follows openedOn');
  const beforeSeason = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-10-01', plan: 'flat' } });
  t.equal(beforeSeason.statusCode, 201);
  t.same(beforeSeason.json().plans, [{ season: '2025-26', plan: 'flat' }], 'the next season');
  t.equal(beforeSeason.json().openingReading, null, 'no meter: no opening reading');

  const badPhone = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-10-01', phone: 'call me' } });
  t.equal(badPhone.statusCode, 400);
  const badDate = await app.inject({ method: 'POST', url: '/v1/accounts', headers: a.headers, payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-02-30' } });
  t.ok([400, 422].includes(badDate.statusCode), 'impossible date refused');

  t.equal((await app.inject({ method: 'POST', url: '/v1/accounts', headers: b.headers, payload: { householdId: household.id, holderName: 'X', openedOn: '2026-02-01' } })).statusCode, 404);
  t.equal((await app.inject({ url: `/v1/accounts/${account.id}`, headers: b.headers })).statusCode, 404, 'other provider');
  const got = await app.inject({ url: `/v1/accounts/${account.id}`, headers: a.headers });
  t.equal(got.statusCode, 200);
  t.match(got.json(), { id: account.id, closedOn: '2026-01-15', plans: [{ season: '2025-26', plan: 'flat' }] });
  t.equal((await app.inject({ url: `/v1/accounts/${account.id}` })).statusCode, 401);
});

t.test('plans: refused once the season started, idempotent when unchanged, stored for a later season', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  await putSeason(app, a.headers, 'alpha', STARTED);
  await putSeason(app, a.headers, 'alpha', LATER);
  const { household } = await householdWithMeter(app, a.headers, 'alpha');
  const account = await createAccount(app, a.headers, household.id, { openedOn: `${STARTED}-11-01` });
  const started = seasonLabel(STARTED);
  const later = seasonLabel(LATER);

  const refused = await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${started}`, headers: a.headers, payload: { plan: 'flat' } });
  t.equal(refused.statusCode, 409);
  t.match(refused.json().detail, /started/);
  const unchanged = await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${started}`, headers: a.headers, payload: { plan: 'metered' } });
  t.equal(unchanged.statusCode, 200, 'unchanged plan: idempotent');

  const accepted = await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: a.headers, payload: { plan: 'flat' } });
  t.equal(accepted.statusCode, 200);
  t.same(accepted.json().plans, [{ season: later, plan: 'flat' }]);
  const again = await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: a.headers, payload: { plan: 'metered' } });
  t.same(again.json().plans, [{ season: later, plan: 'metered' }]);
  const stored = await db.selectFrom('account_plans').select(['season_label', 'plan']).execute();
  t.same(stored, [{ season_label: later, plan: 'metered' }]);

  t.equal((await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/2040-41`, headers: a.headers, payload: { plan: 'flat' } })).statusCode, 404, 'undefined season');
  t.equal((await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: b.headers, payload: { plan: 'flat' } })).statusCode, 404, 'other provider');
  t.equal((await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: a.headers, payload: { plan: 'cheap' } })).statusCode, 400);
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'account.plan').execute()).length, 2);

  // A resident may not use the operator registry routes.
  const token = await db
    .insertInto('api_tokens')
    .values({ token_hash: (await import('../../src/auth/tokens.js')).hashToken('resident-token-0123456789'), role: 'resident', account_id: account.id, created_by: 'test' })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.ok(token.id);
  t.equal((await app.inject({ url: `/v1/accounts/${account.id}`, headers: bearer('resident-token-0123456789') })).statusCode, 403);
});
