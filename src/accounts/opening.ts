/**
 * An account's opening register (SPEC §5 "Billing moves forward"): the meter in service on
 * openedOn (the core's meterInService, the rule the batch and the final bill start from) and its
 * register at the start of that day — its latest reading at or before it, else its initial
 * reading. A given openingReading must not contradict that meter's readings.
 */
import { meterInService, parseQuantity } from '../core/index.js';
import type { Executor } from '../db/pool.js';
import { neighbourReadings } from '../readings/repository.js';
import { quantityOut } from '../shared/quantity.js';
import { assertMonotonic, initialBound, readingBound } from '../shared/register.js';

export interface OpeningRegister {
  /** Null: the household has no meter (yet); the first meter's initial reading applies. */
  value: string | null;
  /** The stored reading the value is, when it is one. */
  readingId: number | null;
}

async function metersOf(db: Executor, householdId: string) {
  return db
    .selectFrom('meters')
    .select(['id', 'serial', 'installed_at', 'retired_at', 'initial_reading'])
    .where('household_id', '=', householdId)
    .orderBy('installed_at')
    .orderBy('id')
    .execute();
}

/** The opening register of a household at `openedAt` (call under the compound's lock), checking `given`. */
export async function openingRegister(
  db: Executor,
  householdId: string,
  openedAt: Date,
  zone: string,
  given: string | undefined,
): Promise<OpeningRegister> {
  const meters = await metersOf(db, householdId);
  const meter =
    meters[
      meterInService(
        meters.map((m) => ({ installedAt: m.installed_at, retiredAt: m.retired_at })),
        openedAt,
      )
    ];
  if (!meter) return { value: given ?? null, readingId: null };
  const { previous: before, next: after } = await neighbourReadings(db, meter.id, openedAt, true);
  const register = before
    ? { value: quantityOut(before.value), readingId: before.id }
    : { value: quantityOut(meter.initial_reading), readingId: null };
  if (given === undefined) return register;
  assertMonotonic(
    'body.openingReading',
    given,
    before ? readingBound(before, zone, false) : initialBound(meter.initial_reading),
    after && readingBound(after, zone, false),
    { meter: meter.serial },
  );
  const v = parseQuantity(given);
  return v === parseQuantity(register.value) ? register : { value: given, readingId: null };
}
