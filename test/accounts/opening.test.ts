import t from 'tap';
import { testApp } from '../helpers/app.js';
import { insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, householdWithMeter } from '../helpers/registry.js';

// Issue 28: an account opened on a reading, say 267, that is then corrected to 265, still showed
// openingReading 267 while the batch and the move-out started from 265. The account now shows the
// ledger's opening (ledger/accountOpenings): the reading's current value.
t.test('a corrected opening reading shows on the account, the household and the compound list', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'opening');
  const { household, meter } = await householdWithMeter(app, op.headers, 'opening', 'M-OPEN');
  await insertReadings(db, op.compound.id, meter.id, [['2026-01-10T12:00:00+08:00', '267']]);
  const reading = await db.selectFrom('readings').select('id').where('meter_id', '=', meter.id).executeTakeFirstOrThrow();
  const account = await createAccount(app, op.headers, household.id, { openedOn: '2026-01-15' });
  t.equal(account.openingReading, '267', 'opened on the meter register at the start of openedOn');

  const corrected = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${reading.id}`,
    headers: op.headers,
    payload: { value: '265', reason: 'misread' },
  });
  t.equal(corrected.statusCode, 200, corrected.body);

  const shown = await app.inject({ url: `/v1/accounts/${account.id}`, headers: op.headers });
  t.equal(shown.statusCode, 200);
  t.equal(shown.json().openingReading, '265', 'the account shows the corrected opening');
  const inHousehold = (await app.inject({ url: `/v1/households/${household.id}`, headers: op.headers })).json();
  t.equal(inHousehold.accounts[0].openingReading, '265', 'so does its household');
  const listed = (await app.inject({ url: '/v1/compounds/opening/accounts', headers: op.headers })).json();
  t.equal(listed.items[0].openingReading, '265', "and the compound's account list");

  // An opening given by hand (not a stored reading) is shown as given.
  const other = await householdWithMeter(app, op.headers, 'opening', 'M-GIVEN');
  const given = await createAccount(app, op.headers, other.household.id, { openedOn: '2026-01-15', openingReading: '12.5' });
  t.equal((await app.inject({ url: `/v1/accounts/${given.id}`, headers: op.headers })).json().openingReading, '12.5');
});
