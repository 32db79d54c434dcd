import t from 'tap';
import { bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold, householdWithMeter, putSeason, seasonLabel } from '../helpers/registry.js';
import { insertReadings } from '../helpers/data.js';

const THIS_YEAR = new Date().getUTCFullYear();
/** A season that has started (its heating began last November) and one that has not. */
const STARTED = THIS_YEAR - 1;
const LATER = THIS_YEAR + 1;

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

  const second = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: household.id, holderName: 'X', openedOn: '2025-12-01' },
  });
  t.equal(second.statusCode, 409);
  t.match(second.json().detail, new RegExp(account.id));

  // After closing (the close route is someone else's: set the row directly), a new account may open from closedOn on.
  await db.updateTable('accounts').set({ closed_on: '2026-01-15', closing_reading: '900' }).where('id', '=', account.id).execute();
  const tooEarly = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: household.id, holderName: 'X', openedOn: '2026-01-14' },
  });
  t.equal(tooEarly.statusCode, 409);
  const next = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: household.id, holderName: '韩梅梅', openedOn: '2026-01-15', openingReading: 900 },
  });
  t.equal(next.statusCode, 201);
  t.match(next.json(), { openingReading: '900', plans: [], phone: null });

  const noSeason = await createHousehold(app, a.headers, 'alpha');
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2030-01-01', plan: 'flat' },
  });
  t.equal(refused.statusCode, 422, 'no season contains or follows openedOn');
  const beforeSeason = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-10-01', plan: 'flat' },
  });
  t.equal(beforeSeason.statusCode, 201);
  t.same(beforeSeason.json().plans, [{ season: '2025-26', plan: 'flat' }], 'the next season');
  t.equal(beforeSeason.json().openingReading, null, 'no meter: no opening reading');

  const badPhone = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-10-01', phone: 'call me' },
  });
  t.equal(badPhone.statusCode, 400);
  const badDate = await app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: a.headers,
    payload: { householdId: noSeason.id, holderName: 'X', openedOn: '2025-02-30' },
  });
  t.ok([400, 422].includes(badDate.statusCode), 'impossible date refused');

  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/accounts',
        headers: b.headers,
        payload: { householdId: household.id, holderName: 'X', openedOn: '2026-02-01' },
      })
    ).statusCode,
    404,
  );
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

  const refused = await app.inject({
    method: 'PUT',
    url: `/v1/accounts/${account.id}/plans/${started}`,
    headers: a.headers,
    payload: { plan: 'flat' },
  });
  t.equal(refused.statusCode, 409);
  t.match(refused.json().detail, /started/);
  const unchanged = await app.inject({
    method: 'PUT',
    url: `/v1/accounts/${account.id}/plans/${started}`,
    headers: a.headers,
    payload: { plan: 'metered' },
  });
  t.equal(unchanged.statusCode, 200, 'unchanged plan: idempotent');

  const accepted = await app.inject({
    method: 'PUT',
    url: `/v1/accounts/${account.id}/plans/${later}`,
    headers: a.headers,
    payload: { plan: 'flat' },
  });
  t.equal(accepted.statusCode, 200);
  t.same(accepted.json().plans, [{ season: later, plan: 'flat' }]);
  const again = await app.inject({
    method: 'PUT',
    url: `/v1/accounts/${account.id}/plans/${later}`,
    headers: a.headers,
    payload: { plan: 'metered' },
  });
  t.same(again.json().plans, [{ season: later, plan: 'metered' }]);
  const stored = await db.selectFrom('account_plans').select(['season_label', 'plan']).execute();
  t.same(stored, [{ season_label: later, plan: 'metered' }]);

  t.equal(
    (await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/2040-41`, headers: a.headers, payload: { plan: 'flat' } }))
      .statusCode,
    404,
    'undefined season',
  );
  t.equal(
    (await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: b.headers, payload: { plan: 'flat' } }))
      .statusCode,
    404,
    'other provider',
  );
  t.equal(
    (await app.inject({ method: 'PUT', url: `/v1/accounts/${account.id}/plans/${later}`, headers: a.headers, payload: { plan: 'cheap' } }))
      .statusCode,
    400,
  );
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'account.plan').execute()).length, 2);

  // A resident may not use the operators' account routes.
  const token = await db
    .insertInto('api_tokens')
    .values({
      token_hash: (await import('../../src/auth/tokens.js')).hashToken('resident-token-0123456789'),
      role: 'resident',
      account_id: account.id,
      created_by: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.ok(token.id);
  t.equal((await app.inject({ url: `/v1/accounts/${account.id}`, headers: bearer('resident-token-0123456789') })).statusCode, 403);
});
