import t from 'tap';
import fc from 'fast-check';
import { testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { runMonths, monthReadAt, seasonTotal, SEASON_MONTHS } from '../helpers/corrections.js';
import { formatQuantity, parseQuantity } from '../../src/core/index.js';
import { accountTerms, buildSeason } from '../../src/core/index.js';

/**
 * For random seasons of readings, random corrections (at random moments, before or after the
 * readings were billed, before or after the cap bit) and random voids, what the account is
 * charged in the end (non-void invoices + adjustments still pending) equals what a clean run
 * with the final readings bills, to the fen, and never exceeds the season cap.
 */
const scenario = fc.record({
  area: fc.integer({ min: 15, max: 160 }),
  // Monthly usage in tenths of a unit (fractions exercise the half-up rounding).
  tenths: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 9, maxLength: 9 }),
  events: fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant('correct' as const),
        after: fc.integer({ min: 0, max: 8 }),
        reading: fc.integer({ min: 0, max: 8 }),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      fc.record({ kind: fc.constant('void' as const), after: fc.integer({ min: 0, max: 8 }), month: fc.integer({ min: 0, max: 8 }) }),
    ),
    { maxLength: 6 },
  ),
});

t.test('random corrections and voids: the season bills what a clean run with the final readings bills', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'prop');
  await insertDefaultSeason(db, op.compound.id);
  const season = buildSeason({
    label: '2025-26',
    heating: { start: '2025-11-15', end: '2026-03-15' },
    cooling: { start: '2026-06-15', end: '2026-09-15' },
    unitRate: '0.33',
    capPerM2: '35',
  });
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(scenario, async ({ area, tenths, events }) => {
      runs += 1;
      const a = await insertHome(db, op.compound.id, { areaM2: String(area) });
      let cum = 0;
      const values = tenths.map((x) => (cum += x));
      await insertReadings(
        db,
        op.compound.id,
        a.meterId,
        SEASON_MONTHS.map((p, i) => [monthReadAt(p), formatQuantity(BigInt(values[i]!) * 100n)]),
      );
      const readings = await db.selectFrom('readings').select(['id']).where('meter_id', '=', a.meterId).orderBy('read_at').execute();

      for (let m = 0; m < SEASON_MONTHS.length; m++) {
        await runMonths(db, pool, [SEASON_MONTHS[m]!]);
        for (const e of events.filter((x) => x.after === m)) {
          if (e.kind === 'correct') {
            const current = (
              await db.selectFrom('readings').select('value').where('meter_id', '=', a.meterId).orderBy('read_at').execute()
            ).map((r) => parseQuantity(r.value) / 100n);
            const lo = e.reading === 0 ? 0n : current[e.reading - 1]!;
            const hi = e.reading === 8 ? lo + 20_000n : current[e.reading + 1]!;
            const next = lo + BigInt(Math.floor(Number(hi - lo) * e.at));
            const r = await app.inject({
              method: 'PATCH',
              url: `/v1/readings/${readings[e.reading]!.id}`,
              headers: op.headers,
              payload: { value: formatQuantity(next * 100n), reason: 'property' },
            });
            if (r.statusCode !== 200) throw new Error(`correction refused: ${r.body}`);
          } else {
            const invoice = await db
              .selectFrom('invoices')
              .select(['id', 'status'])
              .where('account_id', '=', a.accountId)
              .where('period', '=', SEASON_MONTHS[e.month]!)
              .executeTakeFirst();
            if (!invoice) continue;
            const r = await app.inject({
              method: 'POST',
              url: `/v1/invoices/${invoice.id}/void`,
              headers: op.headers,
              payload: { reason: 'property' },
            });
            if (r.statusCode !== (invoice.status === 'void' ? 409 : 200)) throw new Error(`void answered ${r.statusCode}: ${r.body}`);
          }
        }
      }
      const pending = await db
        .selectFrom('account_adjustments')
        .select('amount_fen')
        .where('account_id', '=', a.accountId)
        .where('applied_invoice_id', 'is', null)
        .execute();
      const charged = (await seasonTotal(db, a.accountId)) + pending.reduce((s, p) => s + p.amount_fen, 0);

      // The clean run: the final readings from the start, no corrections, no voids.
      const finalValues = await db
        .selectFrom('readings')
        .select(['read_at', 'value'])
        .where('meter_id', '=', a.meterId)
        .orderBy('read_at')
        .execute();
      const clean = await insertHome(db, op.compound.id, { areaM2: String(area) });
      await insertReadings(db, op.compound.id, clean.meterId, finalValues.map((r) => [r.read_at.toISOString(), r.value]));
      await runMonths(db, pool, SEASON_MONTHS);
      const expected = await seasonTotal(db, clean.accountId);

      const cap = accountTerms({ plan: 'metered', areaM2: String(area), openedOn: '2025-11-01', season }).capFen;
      if (charged !== expected || charged > cap) {
        throw new Error(`charged ${charged}, clean run ${expected}, cap ${cap}; events ${JSON.stringify(events)}`);
      }
    }),
    { numRuns: 25, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
  );
  t.equal(runs >= 25, true, 'ran every scenario');
});
