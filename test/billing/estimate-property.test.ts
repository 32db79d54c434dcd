import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { insertHomeWithReadings, readAt, SEASON_MONTHS } from '../helpers/billing.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';

/**
 * Estimated readings through the batch on real PostgreSQL (SPEC §9): over random seasons with
 * random missing months, each month billed with or without estimate, once the season's last
 * month brings a real reading, every account's billed units equal its real meter advance, no
 * season is charged past its cap or below zero, and no account is left an exception (a true-up
 * below an estimate is a credit, not an error). ESTIMATE_PROPERTY_RUNS (default 5) sets the
 * number of seasons; PROPERTY_SEED replays one.
 */
const RUNS = Number(process.env.ESTIMATE_PROPERTY_RUNS ?? 5);
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
const LAST = SEASON_MONTHS.length - 1;

const season = fc.record({
  area: fc.integer({ min: 20, max: 160 }),
  // Tenths of a unit per month (a high month pushes a small home past its cap).
  usage: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: SEASON_MONTHS.length, maxLength: SEASON_MONTHS.length }),
  // Whether each month has a reading (the last always does) and whether its run estimates.
  read: fc.array(fc.boolean(), { minLength: SEASON_MONTHS.length, maxLength: SEASON_MONTHS.length }),
  estimate: fc.array(fc.boolean(), { minLength: SEASON_MONTHS.length, maxLength: SEASON_MONTHS.length }),
  // A neighbour read every month gives the compound a median.
  neighbour: fc.boolean(),
});

t.test('estimated or not, a season bills its real meter advance, never past its cap (SPEC §9)', async (t) => {
  const { app, db } = await testApp(t);
  let n = 0;
  t.comment(`PROPERTY_SEED=${SEED}`);
  await fc.assert(
    fc.asyncProperty(season, async (s) => {
      n += 1;
      const code = `estimate-${n}`;
      const op = await operatorWithCompound(app, code);
      await insertDefaultSeason(db, op.compound.id);
      let tenths = 0;
      const readings: Array<[string, string]> = [];
      SEASON_MONTHS.forEach((period, m) => {
        tenths += s.usage[m]!;
        if (s.read[m] || m === LAST) readings.push([readAt(period), (tenths / 10).toFixed(1)]);
      });
      const home = await insertHomeWithReadings(db, op.compound.id, { areaM2: String(s.area), readings });
      const neighbourReadings = SEASON_MONTHS.map((period, m): [string, string] => [readAt(period), String(500 * (m + 1))]);
      if (s.neighbour) await insertHomeWithReadings(db, op.compound.id, { areaM2: '80', readings: neighbourReadings });
      for (const [m, period] of SEASON_MONTHS.entries()) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/billing-runs',
          headers: op.headers,
          payload: { period, compound: code, estimate: s.estimate[m] },
        });
        t.equal(res.statusCode, 201);
        t.same(res.json().exceptions, [], `${period}: no account left unbilled`);
      }
      const rows = await sql<{ account_id: string; units: string; fen: string }>`
        SELECT i.account_id, round(sum(i.usage_units), 3)::text AS units, sum(i.total_fen)::text AS fen
        FROM invoices i WHERE i.compound_id = ${op.compound.id} GROUP BY i.account_id`.execute(db);
      const billed = rows.rows.find((r) => r.account_id === home.accountId)!;
      t.equal(billed.units, (tenths / 10).toFixed(3), 'units billed = the real meter advance');
      const cap = s.area * 35 * 100;
      t.ok(Number(billed.fen) <= cap && Number(billed.fen) >= 0, `charged ${billed.fen} fen, within 0..${cap}`);
      t.equal(Number(billed.fen), Math.min(cap, Number(billed.fen)), 'never past the cap');
      return true;
    }),
    { numRuns: RUNS, seed: SEED },
  );
});
