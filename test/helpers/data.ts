import { sql } from 'kysely';
import type { Database } from '../../src/db/pool.js';
import type { Plan } from '../../src/db/types.js';
import { defaultSeason } from '../../seeds/compounds.js';

/**
 * Direct-insert fixtures for setting the scene quickly (a season of readings, many households).
 * Behaviour under test still goes through app.inject; these only prepare the data it reads.
 */

export async function insertDefaultSeason(
  db: Database,
  compoundId: string,
  year = 2025,
  overrides: { flat_billing?: 'installments' | 'upfront' } = {},
) {
  await db
    .insertInto('seasons')
    .values({ compound_id: compoundId, ...defaultSeason(year), ...overrides })
    .execute();
}

export interface HomeOptions {
  areaM2?: string;
  plan?: Plan;
  openedOn?: string;
  openingReading?: string | null;
  initialReading?: string;
  serial?: string;
  holderName?: string;
  phone?: string | null;
  season?: string;
}

let serialCounter = 0;

/** A household with a meter and an open account (plan for the season stored when given). */
export async function insertHome(db: Database, compoundId: string, options: HomeOptions = {}) {
  serialCounter += 1;
  const household = await db
    .insertInto('households')
    .values({
      compound_id: compoundId,
      building: '1',
      unit: '1',
      room: `${100 + serialCounter}-${Math.random().toString(36).slice(2, 8)}`,
      area_m2: options.areaM2 ?? '99.00',
    })
    .returning(['id', 'household_no'])
    .executeTakeFirstOrThrow();
  const meter = await db
    .insertInto('meters')
    .values({
      compound_id: compoundId,
      household_id: household.id,
      serial: options.serial ?? `M-${household.household_no}-${serialCounter}`,
      installed_at: '2025-10-01T00:00:00+08:00',
      initial_reading: options.initialReading ?? '0',
    })
    .returning(['id', 'serial'])
    .executeTakeFirstOrThrow();
  const account = await db
    .insertInto('accounts')
    .values({
      compound_id: compoundId,
      household_id: household.id,
      holder_name: options.holderName ?? '王芳',
      phone: options.phone === undefined ? '13812345678' : options.phone,
      opened_on: options.openedOn ?? '2025-11-01',
      opening_reading: options.openingReading === undefined ? (options.initialReading ?? '0') : options.openingReading,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (options.plan) {
    await db
      .insertInto('account_plans')
      .values({ account_id: account.id, compound_id: compoundId, season_label: options.season ?? '2025-26', plan: options.plan })
      .execute();
  }
  return { householdId: household.id, householdNo: household.household_no, meterId: meter.id, serial: meter.serial, accountId: account.id };
}

/** Readings of one meter: [readAt ISO with offset, value]. */
export async function insertReadings(db: Database, compoundId: string, meterId: string, readings: Array<[string, string]>) {
  if (readings.length === 0) return;
  await db
    .insertInto('readings')
    .values(readings.map(([readAt, value]) => ({ compound_id: compoundId, meter_id: meterId, read_at: readAt, value })))
    .execute();
}

/**
 * `count` households of one compound generated set-wise (room k = 0..count−1, 60–159 m²), each with
 * a meter `{serialPrefix}-{k}` from 0, an account opened on 2025-10-01 at 0 and a reading on the
 * 28th of each period given, the m-th (from 0) at `homeReading(k, m)`: thousands of homes in a
 * few statements, for tests that need a compound of realistic size.
 */
export async function insertHomesSetwise(db: Database, compoundId: string, count: number, periods: readonly string[], serialPrefix = 'CM') {
  await sql`
    INSERT INTO households (compound_id, building, unit, room, area_m2)
    SELECT ${compoundId}::uuid, '1', '1', g::text, 60 + g % 100 FROM generate_series(0, ${count}::int - 1) g ORDER BY g`.execute(db);
  await sql`
    INSERT INTO meters (compound_id, household_id, serial, installed_at, initial_reading)
    SELECT compound_id, id, ${serialPrefix} || '-' || room, '2025-10-01T00:00:00+08:00', 0
    FROM households WHERE compound_id = ${compoundId}::uuid`.execute(db);
  await sql`
    INSERT INTO accounts (compound_id, household_id, holder_name, opened_on, opening_reading)
    SELECT compound_id, id, '住户 ' || room, '2025-10-01', 0 FROM households WHERE compound_id = ${compoundId}::uuid`.execute(db);
  await sql`
    INSERT INTO readings (compound_id, meter_id, read_at, value, source)
    SELECT m.compound_id, m.id, (p.period || '-28T12:00:00+08:00')::timestamptz,
           100 + (p.m - 1) * 200 + h.room::int % 50 + (p.m - 1) * (h.room::int % 100), 'automatic'
    FROM meters m JOIN households h ON h.id = m.household_id
    CROSS JOIN unnest(${[...periods]}::text[]) WITH ORDINALITY AS p(period, m)
    WHERE m.compound_id = ${compoundId}::uuid`.execute(db);
  await sql`ANALYZE`.execute(db);
}

/** The value insertHomesSetwise gave home k's reading of its m-th period (from 0), in units. */
export function homeReading(k: number, m: number): number {
  return 100 + m * 200 + (k % 50) + m * (k % 100);
}
