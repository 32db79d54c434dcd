import type { Executor } from '../db/pool.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

/**
 * A household the caller may see (with its compound's code and zone), or undefined (404):
 * operators see their provider's compounds only, admins everything, residents nothing here.
 */
export async function findHouseholdInScope(db: Executor, householdId: string, principal: Principal) {
  return findHousehold(db, householdId, principal, false);
}

/**
 * A household whose meters and readings the caller may read, or undefined (404): as
 * findHouseholdInScope, and residents their own account's household.
 */
export async function findReadableHousehold(db: Executor, householdId: string, principal: Principal) {
  return findHousehold(db, householdId, principal, true);
}

async function findHousehold(db: Executor, householdId: string, principal: Principal, residentsToo: boolean) {
  return db
    .selectFrom('households')
    .innerJoin('compounds', 'compounds.id', 'households.compound_id')
    .selectAll('households')
    .select(['compounds.code as compound_code', 'compounds.time_zone', 'compounds.provider_id'])
    .where('households.id', '=', householdId)
    .where((eb) =>
      inScope(eb, principal, { provider: 'compounds.provider_id', ...(residentsToo ? { household: 'households.id' as const } : {}) }),
    )
    .executeTakeFirst();
}

export async function insertHousehold(
  db: Executor,
  row: { compoundId: string; building: string; unit: string; room: string; areaM2: string },
) {
  return db
    .insertInto('households')
    .values({ compound_id: row.compoundId, building: row.building, unit: row.unit, room: row.room, area_m2: row.areaM2 })
    .onConflict((oc) => oc.columns(['compound_id', 'building', 'unit', 'room']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function listMeters(db: Executor, householdId: string) {
  return db
    .selectFrom('meters as m')
    .leftJoin('meters as old', 'old.id', 'm.replaces_meter_id')
    .select([
      'm.id',
      'm.household_id',
      'm.serial',
      'm.installed_at',
      'm.initial_reading',
      'm.retired_at',
      'm.final_reading',
      'old.serial as replaces_serial',
    ])
    .where('m.household_id', '=', householdId)
    .orderBy('m.installed_at')
    .execute();
}

export async function findMeterBySerial(db: Executor, serial: string) {
  return db.selectFrom('meters').select(['id', 'household_id']).where('serial', '=', serial).executeTakeFirst();
}

export async function findActiveMeter(db: Executor, householdId: string) {
  return db.selectFrom('meters').selectAll().where('household_id', '=', householdId).where('retired_at', 'is', null).executeTakeFirst();
}

/** The meter's latest reading (or undefined). */
export async function lastReading(db: Executor, meterId: string) {
  return db
    .selectFrom('readings')
    .select(['read_at', 'value'])
    .where('meter_id', '=', meterId)
    .orderBy('read_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertMeter(
  db: Executor,
  row: {
    compoundId: string;
    householdId: string;
    serial: string;
    installedAt: Date;
    initialReading: string;
    replacesMeterId: string | null;
  },
) {
  return db
    .insertInto('meters')
    .values({
      compound_id: row.compoundId,
      household_id: row.householdId,
      serial: row.serial,
      installed_at: row.installedAt,
      initial_reading: row.initialReading,
      replaces_meter_id: row.replacesMeterId,
    })
    .onConflict((oc) => oc.column('serial').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function retireMeter(db: Executor, meterId: string, retiredAt: Date, finalReading: string) {
  await db.updateTable('meters').set({ retired_at: retiredAt, final_reading: finalReading }).where('id', '=', meterId).execute();
}

export async function insertReading(db: Executor, row: { compoundId: string; meterId: string; readAt: Date; value: string }) {
  await db
    .insertInto('readings')
    .values({ compound_id: row.compoundId, meter_id: row.meterId, read_at: row.readAt, value: row.value, source: 'manual' })
    .execute();
}
