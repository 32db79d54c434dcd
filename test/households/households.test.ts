import t from 'tap';
import { admin, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold, createMeter, householdWithMeter } from '../helpers/registry.js';
import { insertReadings } from '../helpers/data.js';

t.test('households: create, decimal area, duplicates 409, detail with meters and accounts, scope', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  const created = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', room: '1501', areaM2: 99 },
  });
  t.equal(created.statusCode, 201);
  const household = created.json();
  t.match(household, { compound: 'alpha', building: '3', unit: '2', room: '1501', areaM2: '99.00' });
  t.match(household.id, /^[0-9a-f-]{36}$/);
  const precise = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', room: '1502', areaM2: '88.125' },
  });
  t.equal(precise.json().areaM2, '88.125');

  const duplicate = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', room: '1501', areaM2: '80' },
  });
  t.equal(duplicate.statusCode, 409);
  const zero = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', room: '1503', areaM2: '0' },
  });
  t.equal(zero.statusCode, 422);
  t.match(zero.json().errors, [{ path: 'body.areaM2', message: /greater than 0/ }]);
  const tooPrecise = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', room: '1503', areaM2: '80.1234' },
  });
  t.equal(tooPrecise.statusCode, 422);
  const missing = await app.inject({
    method: 'POST',
    url: '/v1/compounds/alpha/households',
    headers: a.headers,
    payload: { building: '3', unit: '2', areaM2: '80' },
  });
  t.equal(missing.statusCode, 400);
  t.match(missing.json().errors, [{ path: 'body.room' }]);

  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/compounds/alpha/households',
        headers: b.headers,
        payload: { building: '1', unit: '1', room: '1', areaM2: '80' },
      })
    ).statusCode,
    404,
  );
  t.equal((await app.inject({ url: `/v1/households/${household.id}`, headers: b.headers })).statusCode, 404, 'other provider: 404');
  t.equal((await app.inject({ url: '/v1/households/00000000-0000-4000-8000-000000000000', headers: a.headers })).statusCode, 404);

  const meter = await createMeter(app, a.headers, household.id, { serial: 'HM-1', initialReading: '12.5' });
  const account = await createAccount(app, a.headers, household.id);
  const detail = await app.inject({ url: `/v1/households/${household.id}`, headers: a.headers });
  t.equal(detail.statusCode, 200);
  t.match(detail.json(), {
    id: household.id,
    areaM2: '99.00',
    meters: [{ id: meter.id, serial: 'HM-1', initialReading: '12.5', active: true }],
    accounts: [{ id: account.id }],
  });
  t.equal((await app.inject({ url: `/v1/households/${household.id}`, headers: admin })).statusCode, 200, 'admin sees all');
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'household.create').execute()).length, 2);
});

t.test('meters: install, local installedAt, duplicates and second active meter 409, scope', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  const household = await createHousehold(app, a.headers, 'alpha');
  const url = `/v1/households/${household.id}/meters`;
  const meter = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'WH-0001', installedAt: '2025-10-01T09:30:00', initialReading: 100 },
  });
  t.equal(meter.statusCode, 201);
  t.match(meter.json(), {
    serial: 'WH-0001',
    installedAt: '2025-10-01T09:30:00+08:00',
    initialReading: '100',
    active: true,
    replaces: null,
    retiredAt: null,
    householdId: household.id,
  });

  const second = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'WH-0002', installedAt: '2025-10-02T00:00:00Z', initialReading: 0 },
  });
  t.equal(second.statusCode, 409);
  t.match(second.json().detail, /WH-0001/);
  const other = await createHousehold(app, a.headers, 'alpha');
  const sameSerial = await app.inject({
    method: 'POST',
    url: `/v1/households/${other.id}/meters`,
    headers: a.headers,
    payload: { serial: 'WH-0001', installedAt: '2025-10-02T00:00:00Z', initialReading: 0 },
  });
  t.equal(sameSerial.statusCode, 409);
  const future = await app.inject({
    method: 'POST',
    url: `/v1/households/${other.id}/meters`,
    headers: a.headers,
    payload: { serial: 'WH-9', installedAt: '2099-01-01T00:00:00', initialReading: 0 },
  });
  t.equal(future.statusCode, 422);
  t.match(future.json().errors, [{ path: 'body.installedAt', message: /future/ }]);
  const badInput = await app.inject({
    method: 'POST',
    url: `/v1/households/${other.id}/meters`,
    headers: a.headers,
    payload: { serial: 'WH-9', installedAt: 'the day before yesterday', initialReading: '1.2345' },
  });
  t.equal(badInput.statusCode, 422);
  t.match(badInput.json().errors, [{ path: 'body.installedAt' }, { path: 'body.initialReading' }]);
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url,
        headers: b.headers,
        payload: { serial: 'WH-3', installedAt: '2025-10-01T00:00:00', initialReading: 0 },
      })
    ).statusCode,
    404,
    'other provider',
  );
});

t.test('a taken serial or compound code: one answer, whoever has it, naming nothing', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  await householdWithMeter(app, a.headers, 'alpha', 'WH-SECRET-1');
  const install = async (headers: Record<string, string>, compound: string, serial: string) => {
    const household = await createHousehold(app, headers, compound);
    return app.inject({
      method: 'POST',
      url: `/v1/households/${household.id}/meters`,
      headers,
      payload: { serial, installedAt: '2025-10-01T00:00:00', initialReading: 0 },
    });
  };
  const elsewhere = await install(b.headers, 'beta', 'WH-SECRET-1');
  const own = await install(a.headers, 'alpha', 'WH-SECRET-1');
  t.equal(elsewhere.statusCode, 409, "another provider's serial");
  t.equal(own.statusCode, 409, "the caller's own serial");
  t.same(elsewhere.json(), own.json(), 'the same answer either way');
  t.notMatch(elsewhere.body, /WH-SECRET|alpha|exists/i, 'the serial and its compound are not named');
  t.match(elsewhere.json().detail, /cannot be used/);
  t.equal((await install(b.headers, 'beta', 'WH-FREE-1')).statusCode, 201, 'a free serial is installed');

  const compound = (headers: Record<string, string>, code: string) =>
    app.inject({ method: 'POST', url: '/v1/compounds', headers, payload: { code, name: `${code} 小区`, district: '洪山区' } });
  const otherCode = await compound(b.headers, 'alpha');
  const ownCode = await compound(a.headers, 'alpha');
  t.equal(otherCode.statusCode, 409, "another provider's code");
  t.equal(ownCode.statusCode, 409, "the caller's own code");
  t.same(otherCode.json(), ownCode.json(), 'the same answer either way');
  t.notMatch(otherCode.body, /alpha|exists/i, 'the code is not named, nor said to exist');
  t.match(otherCode.json().detail, /cannot be used/);
  t.equal((await compound(b.headers, 'gamma')).statusCode, 201, 'a free code is created');
});

t.test('meters: a replacement retires the old meter, stores its final reading and installs the new one', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { household, meter } = await householdWithMeter(app, a.headers, 'alpha', 'OLD-1');
  await insertReadings(db, a.compound.id, meter.id, [['2025-12-01T00:00:00+08:00', '1500']]);
  const url = `/v1/households/${household.id}/meters`;

  const noFinal = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'OLD-1' },
  });
  t.equal(noFinal.statusCode, 422);
  t.match(noFinal.json().errors, [{ path: 'body.finalReading', message: /required/ }]);
  const lower = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'OLD-1', finalReading: 1400 },
  });
  t.equal(lower.statusCode, 422);
  t.match(lower.json().errors, [{ path: 'body.finalReading', message: /lower than the reading 1500 of 2025-12-01T00:00:00\+08:00/ }]);
  const wrongMeter = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'NOPE', finalReading: 1600 },
  });
  t.equal(wrongMeter.statusCode, 422);
  t.match(wrongMeter.json().errors, [{ path: 'body.replaces' }]);
  t.equal((await db.selectFrom('meters').select('id').execute()).length, 1, 'nothing stored by refused replacements');

  const replaced = await app.inject({
    method: 'POST',
    url,
    headers: a.headers,
    payload: { serial: 'NEW-1', installedAt: '2026-01-10T10:00:00', initialReading: 3, replaces: 'OLD-1', finalReading: '1620.5' },
  });
  t.equal(replaced.statusCode, 201);
  t.match(replaced.json(), { serial: 'NEW-1', replaces: 'OLD-1', active: true, initialReading: '3' });

  const detail = (await app.inject({ url: `/v1/households/${household.id}`, headers: a.headers })).json();
  t.match(detail.meters, [
    { serial: 'OLD-1', active: false, retiredAt: '2026-01-10T10:00:00+08:00', finalReading: '1620.5' },
    { serial: 'NEW-1', active: true },
  ]);
  const finalRow = await db
    .selectFrom('readings')
    .select(['value', 'read_at'])
    .where('meter_id', '=', meter.id)
    .orderBy('read_at', 'desc')
    .executeTakeFirstOrThrow();
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
