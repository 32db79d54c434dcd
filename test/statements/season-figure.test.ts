import t, { type Test } from 'tap';
import { testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { monthReadAt, runMonths, SEASON_MONTHS } from '../helpers/corrections.js';

// The worked example's register through March; no reading after it until the move-out.
const WORKED = ['1500', '4100', '7100', '9500', '10400'];

// One "billed this season" figure (SPEC §7: billedFen covers the requested season): a final
// settlement issued in 2026-27 that also charges what 2025-26 left unbilled counts for the season
// each line charges, so billedFen and remainingCapFen never tell two stories on one statement.
/**
 * An account of the worked example (register `march` at the end of March), billed through January
 * only, moved out on 2026-11-20 at `closing`: the final invoice, issued in 2026-27, also settles
 * 2025-26. Its statements for both seasons.
 */
async function movedOutAcrossSeasons(t: Test, march: string, closing: string) {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'twoseason');
  await insertDefaultSeason(db, op.compound.id, 2025);
  await insertDefaultSeason(db, op.compound.id, 2026);
  const a = await insertHome(db, op.compound.id, { openedOn: '2025-11-01' });
  await insertReadings(
    db,
    op.compound.id,
    a.meterId,
    [...WORKED.slice(0, -1), march].map((value, i) => [monthReadAt(SEASON_MONTHS[i]!), value]),
  );
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 3));
  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${a.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2026-11-20', closingReading: closing },
  });
  t.equal(close.statusCode, 201, close.body);
  t.equal(close.json().period, '2026-11');

  const statement = async (season: string) => {
    const res = await app.inject({ url: `/v1/accounts/${a.accountId}/statement?season=${season}`, headers: op.headers });
    t.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  return { previous: await statement('2025-26'), current: await statement('2026-27') };
}

t.test('statement: billedFen and remainingCapFen agree when a final invoice charges the previous season', async (t) => {
  const { previous, current } = await movedOutAcrossSeasons(t, '10400', '10450');

  // 2025-26: 234,300 billed monthly + 3,300 units (7,100 → 10,400) = 108,900 in the final invoice.
  t.equal(previous.capFen, 346_500);
  t.equal(previous.billedFen, 234_300 + 108_900, 'the final invoice line charging 2025-26 counts for 2025-26');
  t.equal(previous.remainingCapFen, 346_500 - 343_200);
  // 2026-27: [2026-11-15, 2026-11-20) is 5 of 212 days, cap round(346,500 × 5 / 212) = 8,172; 50 units.
  t.equal(current.capFen, 8_172);
  t.equal(current.billedFen, 1_650, 'only what the final invoice charges 2026-27');
  t.equal(current.remainingCapFen, 8_172 - 1_650);
  for (const s of [previous, current]) {
    t.equal(s.capFen - s.remainingCapFen, s.billedFen, `${s.season}: one figure behind billedFen and remainingCapFen`);
  }
  t.equal(previous.billedFen + current.billedFen, previous.balanceFen, 'every fen invoiced is billed to one season');
  t.equal(current.invoices.length, 1, 'the final invoice is listed in the season it was issued in');
});

// The cap the final invoice applies to 2025-26 (a cap line of that season on an invoice of 2026-27)
// is a saving of 2025-26, like the charge it caps: capSavedFen follows the lines' own season.
t.test('statement: a cap line on the final invoice counts in the season it caps', async (t) => {
  // 2025-26: 234,300 billed monthly; 3,900 units (7,100 → 11,000) are 128,700 gross, capped at 346,500 − 234,300.
  const { previous, current } = await movedOutAcrossSeasons(t, '11000', '11050');
  t.equal(previous.billedFen, 346_500, 'billed up to the cap');
  t.equal(previous.capSavedFen, 128_700 - 112_200, 'the final invoice capped 2025-26');
  t.equal(previous.remainingCapFen, 0);
  // 2026-27: 50 units, 1,650, under its prorated cap of 8,172.
  t.equal(current.billedFen, 1_650);
  t.equal(current.capSavedFen, 0, 'nothing of 2026-27 was capped, though the invoice was issued in it');
});
