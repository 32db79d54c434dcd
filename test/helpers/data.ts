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
