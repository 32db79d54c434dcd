import t from 'tap';
import { ledgerHeads } from '../../src/ledger/repository.js';
import { readAt } from '../helpers/billing.js';
import { createAccount, householdWithMeter } from '../helpers/registry.js';
import { billMonths, ledgerScene, postReadings } from '../helpers/scene.js';

/**
 * Where billing stands is the latest invoice's last interval, found in one probe; when the latest
 * invoice billed no interval (as an invoice written before the ledger did), the search falls back
 * to the latest invoice that did, while the ledger slot stays the latest invoice's.
 */
t.test('ledger heads: the latest interval, and the fallback past an invoice without intervals', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'heads-court');
  const { household, meter } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await postReadings(app, headers, [
    [meter.serial, readAt('2025-11'), 1000],
    [meter.serial, readAt('2025-12'), 2500],
  ]);
  const none = await ledgerHeads(db, [account.id]);
  t.match(none.get(account.id), { lastSeq: 0, lastPeriod: null, end: null }, 'no invoice yet: no head');

  await billMonths(app, headers, code, ['2025-11', '2025-12']);
  const head = (await ledgerHeads(db, [account.id])).get(account.id);
  t.match(head, { lastSeq: 2, lastPeriod: '2025-12', lastKind: 'monthly', end: { meterId: meter.id } });
  t.equal(head?.end?.value, '2500.000', 'the December reading');

  const december = await db
    .selectFrom('invoices')
    .select('id')
    .where('account_id', '=', account.id)
    .where('account_seq', '=', 2)
    .executeTakeFirstOrThrow();
  await db.deleteFrom('invoice_intervals').where('invoice_id', '=', december.id).execute();
  const fallback = (await ledgerHeads(db, [account.id])).get(account.id);
  t.match(fallback, { lastSeq: 2, lastPeriod: '2025-12', end: { meterId: meter.id } }, 'the slot stays December\'s');
  t.equal(fallback?.end?.value, '1000.000', 'where the November interval ended');
});
