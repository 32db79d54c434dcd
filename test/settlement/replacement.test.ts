import t from 'tap';
import { testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createMeter } from '../helpers/registry.js';
import { runMonths, monthReadAt, seasonTotal, SEASON_MONTHS } from '../helpers/corrections.js';
import type { Database } from '../../src/db/pool.js';

const WORKED = [1500, 4100, 7100, 9500, 10400, 10900, 12100, 13200, 13200];

async function readingId(db: Database, meterId: string, value: string) {
  return (
    await db
      .selectFrom('readings')
      .select('id')
      .where('meter_id', '=', meterId)
      .where('value', '=', value)
      .orderBy('read_at')
      .executeTakeFirstOrThrow()
  ).id;
}

t.test('a meter replaced between two billing months: usage billed once, corrections across the swap', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await insertHome(db, op.compound.id, { areaM2: '150' });
  const twin = await insertHome(db, op.compound.id, { areaM2: '150' });
  await insertReadings(db, op.compound.id, a.meterId, SEASON_MONTHS.slice(0, 2).map((p, i) => [monthReadAt(p), String(WORKED[i])]));
  await insertReadings(db, op.compound.id, twin.meterId, SEASON_MONTHS.map((p, i) => [monthReadAt(p), String(WORKED[i])]));
  const bill = async (periods: string[]) => {
    await runMonths(db, pool, periods);
  };
  await bill(SEASON_MONTHS.slice(0, 2));

  // Old meter retired on 2026-01-10 at 5000; the new one starts at 0: register = worked − 5000.
  const meter = await createMeter(app, op.headers, a.householdId, {
    serial: 'NEW-1',
    installedAt: '2026-01-10T00:00:00',
    initialReading: '0',
    replaces: a.serial,
    finalReading: '5000',
  });
  await insertReadings(db, op.compound.id, meter.id, SEASON_MONTHS.slice(2).map((p, i) => [monthReadAt(p), String(WORKED[i + 2]! - 5000)]));
  await bill(['2026-01']);
  const january = (await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-01`, headers: op.headers })).json().items[0];
  t.match(january.lines, [{ kind: 'usage', units: '3000', amountFen: 99_000 }], '(5000 − 4100) + (2100 − 0): once');
  t.equal(await seasonTotal(db, a.accountId), await seasonTotal(db, twin.accountId));

  // December's end (old meter) down 100: December −100, January (across the swap) +100.
  const dec = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${await readingId(db, a.meterId, '4100')}`,
    headers: op.headers,
    payload: { value: '4000', reason: 'x' },
  });
  t.equal(dec.statusCode, 200, dec.body);
  t.equal(dec.json().adjustment, null, 'units move across the replacement; the total does not change');
  // January's end (new meter) down 100: January −100 units.
  const jan = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${await readingId(db, meter.id, '2100')}`,
    headers: op.headers,
    payload: { value: '2000', reason: 'x' },
  });
  t.equal(jan.json().adjustment.amountFen, -3_300);
  // The twin without a replacement gets the same corrections.
  for (const [from, to] of [['4100', '4000'], ['7100', '7000']] as const) {
    const r = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${await readingId(db, twin.meterId, from)}`,
      headers: op.headers,
      payload: { value: to, reason: 'twin' },
    });
    t.equal(r.statusCode, 200);
  }

  const final = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${await readingId(db, a.meterId, '5000')}`,
    headers: op.headers,
    payload: { value: '5100', reason: 'x' },
  });
  t.equal(final.statusCode, 409, 'the final reading of a replaced meter is part of the replacement');

  await bill(SEASON_MONTHS.slice(3));
  t.equal(
    await seasonTotal(db, a.accountId),
    await seasonTotal(db, twin.accountId),
    'the whole season equals the twin without a replacement',
  );
  t.equal(await seasonTotal(db, a.accountId), 13_200 * 33);
});

t.test('a move-out after a meter replacement: the final bill counts both registers once', async (t) => {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  const a = await insertHome(db, op.compound.id, { openedOn: '2025-11-01' });
  await insertReadings(db, op.compound.id, a.meterId, SEASON_MONTHS.slice(0, 2).map((p, i) => [monthReadAt(p), String(WORKED[i])]));
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 2));
  t.equal(await seasonTotal(db, a.accountId), 135_300);

  // Billing ended at 4100 on the old meter; it was retired at 5000 and the new one read 1000 at the move-out.
  await createMeter(app, op.headers, a.householdId, {
    serial: 'NEW-1',
    installedAt: '2026-01-10T00:00:00',
    initialReading: '0',
    replaces: a.serial,
    finalReading: '5000',
  });
  const close = await app.inject({
    method: 'POST',
    url: `/v1/accounts/${a.accountId}/close`,
    headers: op.headers,
    payload: { closedOn: '2026-01-20', closingReading: '1000' },
  });
  t.equal(close.statusCode, 201, close.body);
  // (5000 − 4100) + (1000 − 0) = 1,900 units: the same final bill as a move-out at 6000 on one meter
  // (close.test.ts): all above the prorated cap round(346,500 × 66 / 212) = 107,873.
  t.match(close.json().lines, [
    { kind: 'usage', units: '1900', amountFen: 62_700 },
    { kind: 'cap', amountFen: -62_700 },
    { kind: 'final_settlement', amountFen: -27_427 },
  ]);
  t.equal(await seasonTotal(db, a.accountId), 107_873);
});

t.test(
  'an account opened while its household had no meter in service starts on the next meter, in the batch and in a move-out bill',
  async (t) => {
    const { app, db, pool } = await testApp(t);
    const op = await operatorWithCompound(app, 'lanjing');
    await insertDefaultSeason(db, op.compound.id);
    // Meter A (to 3000) retired on 5 November; meter B, replacing it, installed on 20 November at 0;
    // the account opened on 10 November, in between, with no opening reading of its own.
    const gap = async () => {
      const home = await insertHome(db, op.compound.id, { openedOn: '2025-11-10', openingReading: null });
      await db
        .updateTable('meters')
        .set({ retired_at: new Date('2025-11-05T00:00:00+08:00'), final_reading: '3000' })
        .where('id', '=', home.meterId)
        .execute();
      const b = await db
        .insertInto('meters')
        .values({
          compound_id: op.compound.id,
          household_id: home.householdId,
          serial: `B-${home.serial}`,
          installed_at: '2025-11-20T00:00:00+08:00',
          initial_reading: '0',
          replaces_meter_id: home.meterId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await insertReadings(db, op.compound.id, b.id, [[monthReadAt('2025-11'), '100']]);
      return home;
    };

    const billed = await gap();
    await runMonths(db, pool, ['2025-11']);
    const november = (await app.inject({ url: `/v1/invoices?accountId=${billed.accountId}&period=2025-11`, headers: op.headers })).json()
      .items[0];
    t.match(november.lines, [{ kind: 'usage', units: '100', amountFen: 3_300 }], "meter B from 0 to 100: none of meter A's register");

    const movedOut = await gap(); // after the batch: no invoice yet, so the final bill starts at the opening
    const close = await app.inject({
      method: 'POST',
      url: `/v1/accounts/${movedOut.accountId}/close`,
      headers: op.headers,
      payload: { closedOn: '2025-12-01', closingReading: '150' },
    });
    t.equal(close.statusCode, 201, close.body);
    t.match(close.json().lines, [{ kind: 'usage', units: '150', amountFen: 4_950 }], 'the final bill starts on meter B too');
  },
);
