/**
 * The closing reading of a move-out (SPEC §5 "Final settlement"): the register of the meter in
 * service at the start of closedOn (local time), the instant the occupancy ends; the household's
 * next account opened on closedOn starts from it. Monotonic by the core's rule (core/register.ts).
 */
import { meterInService, type RegisterPoint } from '../core/index.js';
import type { Executor } from '../db/pool.js';
import { conflict, unprocessable } from '../http/problem.js';
import { householdMeters, type MeterWithReading } from '../ledger/repository.js';
import { neighbourReadings } from '../readings/repository.js';
import { quantityOut } from '../shared/quantity.js';
import { assertMonotonic, initialBound, readingBound } from '../shared/register.js';
import { formatInstant, FUTURE_SKEW_MS, startOfLocalDate } from '../shared/time.js';
import * as repo from './repository.js';
import type { SettlementAccount } from './true-up.js';
import { qty } from './values.js';

export interface ClosingReading {
  /** The household's meters with their latest reading before the closing instant. */
  meters: MeterWithReading[];
  /** The meter in service then, with its serial. */
  meter: MeterWithReading & { serial: string };
  closing: RegisterPoint;
}

/** The closing reading: reused when the meter already has that value at that instant, else stored (monotonic). */
async function storeClosingReading(
  tx: Executor,
  account: SettlementAccount,
  meter: MeterWithReading & { serial: string },
  readAt: Date,
  value: string,
): Promise<number> {
  const zone = account.time_zone;
  const same = await repo.readingAt(tx, meter.id, readAt);
  if (same) {
    if (qty(same.value) !== qty(value)) {
      throw conflict(
        `Meter ${meter.serial} already has the reading ${quantityOut(same.value)} at ${formatInstant(readAt, zone)}; ` +
          `the closing reading ${value} conflicts with it.`,
      );
    }
    return same.id;
  }
  const { previous, next } = await neighbourReadings(tx, meter.id, readAt);
  assertMonotonic(
    'body.closingReading',
    value,
    previous ? readingBound(previous, zone, true) : initialBound(meter.initialReading),
    next && readingBound(next, zone, true),
    { meter: meter.serial },
  );
  return repo.insertManualReading(tx, { compoundId: account.compound_id, meterId: meter.id, readAt, value });
}

/** Checks closedOn against now and the meter in service, and stores (or reuses) the closing reading. */
export async function takeClosingReading(
  tx: Executor,
  account: SettlementAccount,
  closedOn: string,
  value: string,
  now: Date,
): Promise<ClosingReading> {
  const zone = account.time_zone;
  const readAt = startOfLocalDate(closedOn, zone);
  if (readAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw unprocessable(`closedOn ${closedOn} is in the future: the closing reading is taken at its start.`, [
      { path: 'body.closedOn', message: 'must not be in the future' },
    ]);
  }
  const meters = (await householdMeters(tx, [account.household_id], readAt)).get(account.household_id) ?? [];
  const serials = new Map((await repo.meterSerials(tx, account.household_id)).map((m) => [m.id, m.serial]));
  const inService = meters[meterInService(meters, readAt)];
  if (!inService) {
    throw unprocessable(`Household ${account.household_id} has no meter to take the closing reading from.`, [
      { path: 'body.closingReading', message: 'the household has no meter' },
    ]);
  }
  const meter = { ...inService, serial: serials.get(inService.id) ?? inService.id };
  if (readAt.getTime() <= meter.installedAt.getTime() || (meter.retiredAt !== null && readAt.getTime() >= meter.retiredAt.getTime())) {
    throw unprocessable(
      `closedOn ${closedOn} is not while meter ${meter.serial} was in service (from ${formatInstant(meter.installedAt, zone)}).`,
      [{ path: 'body.closedOn', message: `must be after the installation of meter ${meter.serial}` }],
    );
  }
  const readingId = await storeClosingReading(tx, account, meter, readAt, value);
  return { meters, meter, closing: { meterId: meter.id, readingId, value, at: readAt } };
}
