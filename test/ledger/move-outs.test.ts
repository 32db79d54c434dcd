import t from 'tap';
import { readAt } from '../helpers/billing.js';
import { createAccount, householdWithMeter, seasonBody } from '../helpers/registry.js';
import {
  billMonths,
  ledgerScene,
  openInvoices,
  payBalance,
  postReadings,
  seasonCharged,
  statementOf,
  unitsBilled,
  type Headers,
} from '../helpers/scene.js';
import type { FastifyInstance } from 'fastify';

/**
 * Issue "Move-outs and credit that settle every real case" (SPEC §5 "Final settlement" and
 * "Credit"): late move-outs, closings in the next season, negative invoices as credit.
 */

const units = (n: number) => BigInt(n) * 1000n;
const BOTH_SEASONS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08'];

async function close(app: FastifyInstance, headers: Headers, accountId: string, closedOn: string, closingReading: string) {
  return app.inject({ method: 'POST', url: `/v1/accounts/${accountId}/close`, headers, payload: { closedOn, closingReading } });
}

t.test('a move-out reported late credits what was billed beyond the closing reading', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'late-out');
  const { household, meter } = await householdWithMeter(app, headers, code);
  const first = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await postReadings(app, headers, [
    [meter.serial, '2025-11-30T12:00:00+08:00', 1000],
    [meter.serial, '2025-12-31T12:00:00+08:00', 2000],
    [meter.serial, '2026-01-31T12:00:00+08:00', 3000],
  ]);
  await billMonths(app, headers, code, ['2025-11', '2025-12', '2026-01']);
  await payBalance(app, headers, first.id);

  // January was billed to the Jan 31 reading; the resident left on Jan 20 with 2600 on the register.
  const response = await close(app, headers, first.id, '2026-01-20', '2600');
  t.equal(response.statusCode, 201, response.body);
  const final = response.json();
  t.match(final.lines, [{ kind: 'usage', units: '-400', amountFen: -13_200 }]);
  t.equal(final.totalFen, -13_200, 'under the prorated cap of 107,873: only the usage comes back');
  t.equal(await unitsBilled(db, first.id), units(2600), 'the advance of the occupancy: 0 → 2600');
  t.equal(await seasonCharged(db, first.id, '2025-26'), 85_800);

  const statement = await statementOf(app, headers, first.id);
  t.equal(statement.creditFen, 13_200, 'the credit is shown');
  t.equal(statement.balanceFen, -13_200, 'credit in hand');
  t.same(await openInvoices(db, first.id), []);

  const next = await createAccount(app, headers, household.id, { holderName: '李娜', openedOn: '2026-01-20' });
  t.equal(next.openingReading, '2600', 'the next account starts from the closing reading');
  await postReadings(app, headers, [[meter.serial, readAt('2026-02'), 3500]]);
  await billMonths(app, headers, code, ['2026-02']);
  t.equal(await unitsBilled(db, next.id), units(900), '2600 → 3500, January included');
  t.equal((await unitsBilled(db, first.id)) + (await unitsBilled(db, next.id)), units(3500), 'the household: its meter advance');
});

t.test('a flat account closed in the next season settles both seasons, one line each', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'flat-out', [2025, 2026]);
  const { household } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01', plan: 'flat' });
  await db
    .insertInto('account_plans')
    .values({
      account_id: account.id,
      compound_id: (await db.selectFrom('compounds').select('id').executeTakeFirstOrThrow()).id,
      season_label: '2026-27',
      plan: 'flat',
    })
    .execute();
  await billMonths(app, headers, code, BOTH_SEASONS);
  t.ok((await seasonCharged(db, account.id, '2025-26')) < 346_500, 'September is not yet billed');

  const response = await close(app, headers, account.id, '2026-11-20', '0');
  t.equal(response.statusCode, 201, response.body);
  const settlements = response.json().lines.filter((l: { kind: string }) => l.kind === 'final_settlement');
  t.equal(settlements.length, 2, 'one final_settlement line per season');
  t.equal(await seasonCharged(db, account.id, '2025-26'), 346_500, 'the whole fee of the season lived in');
  // 2026-11-15 … 2026-11-19: 5 of 212 service days, round(346,500 × 5 / 212).
  t.equal(await seasonCharged(db, account.id, '2026-27'), 8_172);
  const statement = await payBalance(app, headers, account.id, '2026-27');
  t.equal(statement.balanceFen, 0);
  t.same(await openInvoices(db, account.id), [], 'nothing left open once the balance is paid');
});

t.test('a metered account closed in the next season: September in its own season, the rest against the new cap', async (t) => {
  const { app, db, headers, code } = await ledgerScene(t, 'metered-out', [2025, 2026]);
  const { household, meter } = await householdWithMeter(app, headers, code);
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await postReadings(
    app,
    headers,
    BOTH_SEASONS.map((period, i): [string, string, number] => [meter.serial, readAt(period), 500 * (i + 1)]),
  );
  await billMonths(app, headers, code, BOTH_SEASONS);
  await postReadings(app, headers, [[meter.serial, readAt('2026-09'), 4600]]);

  const response = await close(app, headers, account.id, '2026-11-20', '5200');
  t.equal(response.statusCode, 201, response.body);
  t.equal(await seasonCharged(db, account.id, '2025-26'), 4600 * 33, "September's 600 units priced in 2025-26, under its cap");
  t.equal(await seasonCharged(db, account.id, '2026-27'), 8_172, '600 units (19,800) capped at the prorated 8,172');
  t.equal(await unitsBilled(db, account.id), units(5200));
  await payBalance(app, headers, account.id, '2026-27');
  t.same(await openInvoices(db, account.id), []);
});

t.test('a negative final invoice is credit: it settles the open invoices, and paying the balance leaves nothing open', async (t) => {
  const { app, db, headers } = await ledgerScene(t, 'credit-out', []);
  const season = await app.inject({
    method: 'PUT',
    url: '/v1/compounds/credit-out/seasons/2025-26',
    headers,
    payload: seasonBody(2025, { flatBilling: 'upfront' }),
  });
  t.equal(season.statusCode, 201, season.body);
  const { household } = await householdWithMeter(app, headers, 'credit-out');
  const account = await createAccount(app, headers, household.id, { openedOn: '2025-11-01', plan: 'flat' });
  await billMonths(app, headers, 'credit-out', ['2025-11']);

  const response = await close(app, headers, account.id, '2025-12-01', '0');
  t.equal(response.statusCode, 201, response.body);
  // 2025-11-15 … 2025-11-30: 16 of 212 days, fee round(346,500 × 16 / 212) = 26,151.
  t.match(response.json(), { totalFen: 26_151 - 346_500, status: 'paid' });

  const before = await statementOf(app, headers, account.id);
  t.equal(before.balanceFen, 26_151);
  t.equal(before.creditFen, 0, 'the credit was spent on the November invoice at once');
  t.match(before.invoices[0], { status: 'partially_paid', paidFen: 320_349 });

  const after = await payBalance(app, headers, account.id);
  t.equal(after.balanceFen, 0);
  t.same(await openInvoices(db, account.id), [], 'no invoice issued or partially paid');
});
