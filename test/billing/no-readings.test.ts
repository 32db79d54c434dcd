import t from 'tap';
import { testApp } from '../helpers/app.js';
import { insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';

t.test('a run counts the accounts billed with no reading; a dry run names them (SPEC §7, §9)', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'no-reading');
  const other = await operatorWithCompound(app, 'other-compound');
  await insertDefaultSeason(db, op.compound.id);
  await insertDefaultSeason(db, other.compound.id);
  const read = await insertHomeWithReadings(db, op.compound.id, { readings: [['2025-11', '1500']] });
  const unread = await insertHomeWithReadings(db, op.compound.id);
  // A flat account needs no reading: never counted.
  await insertHomeWithReadings(db, op.compound.id, { plan: 'flat' });
  const lateReader = await insertHomeWithReadings(db, op.compound.id, { readings: [['2025-11', '700']] });
  await insertHomeWithReadings(db, other.compound.id);

  const dry = await postRun(app, op.headers, { period: '2025-11', compound: 'no-reading', dryRun: true });
  t.equal(dry.statusCode, 201);
  t.match(dry.json(), { dryRun: true, invoicesIssued: 4, noReadingAccounts: 1 }, 'one metered account has no reading for the month');
  t.same(dry.json().noReadings, [{ accountId: unread.accountId, householdId: unread.householdId }], 'the dry run names it');
  const got = await app.inject({ url: `/v1/billing-runs/${dry.json().id}`, headers: op.headers });
  t.same(got.json(), dry.json(), 'the recorded dry run says the same');

  const real = await postRun(app, op.headers, { period: '2025-11', compound: 'no-reading' });
  t.match(real.json(), { status: 'succeeded', invoicesIssued: 4, noReadingAccounts: 1, noReadings: [] }, 'a real run counts them');
  const invoices = (await app.inject({ url: '/v1/invoices?compound=no-reading&period=2025-11', headers: op.headers })).json().items;
  const byAccount = new Map(invoices.map((i: { accountId: string }) => [i.accountId, i]));
  t.match(byAccount.get(unread.accountId), { noReading: true, totalFen: 0 }, 'its invoice says noReading');
  t.match(byAccount.get(read.accountId), { noReading: false, totalFen: 49_500 });

  const december = await postRun(app, op.headers, { period: '2025-12', compound: 'no-reading', dryRun: true });
  t.equal(december.json().noReadingAccounts, 3, 'December: no metered account has a reading');
  t.same(
    december.json().noReadings.map((a: { accountId: string }) => a.accountId),
    [read.accountId, unread.accountId, lateReader.accountId],
    'in household order',
  );

  const all = await postRun(app, op.headers, { period: '2025-11', dryRun: true });
  t.equal(all.statusCode, 201);
  t.match(all.json(), { compound: null, noReadingAccounts: 0, alreadyBilledAccounts: 4 }, 'a billed month has none left to bill');
  t.same(all.json().noReadings, []);
  const both = (await postRun(app, other.headers, { period: '2025-11', dryRun: true })).json();
  t.equal(both.noReadingAccounts, 1, "the other provider's compound counts its own");
});
