import type { Principal } from '../auth/principal.js';
import { audit } from '../audit/audit.js';
import { accountOut } from '../accounts/schemas.js';
import { listAccounts, listPlans, withLedgerOpenings } from '../accounts/repository.js';
import { compoundOr404 } from '../compounds/service.js';
import { parseQuantity, registerBreach, type DecimalInput } from '../core/index.js';
import type { Database } from '../db/pool.js';
import { conflict, notFound, unprocessable, type FieldError } from '../http/problem.js';
import { Checks } from '../shared/checks.js';
import { breachError, initialBound, readingBound } from '../shared/register.js';
import { FUTURE_SKEW_MS, formatInstant, parseLocalInstant } from '../shared/time.js';
import { lockCompound, lockHousehold, writeTransaction } from '../db/locks.js';
import * as repo from './repository.js';
import { householdOut, meterOut } from './schemas.js';

export async function createHousehold(
  db: Database,
  principal: Principal,
  code: string,
  input: { building: string; unit: string; room: string; areaM2: DecimalInput },
) {
  const checks = new Checks();
  const areaM2 = checks.quantity(input.areaM2, 'body.areaM2', { positive: true, intDigits: 7 });
  checks.throwIfAny('The household is invalid');
  return writeTransaction(db, async (tx) => {
    const compound = await compoundOr404(tx, code, principal);
    const row = await repo.insertHousehold(tx, {
      compoundId: compound.id,
      building: input.building,
      unit: input.unit,
      room: input.room,
      areaM2: areaM2 as string,
    });
    if (!row) throw conflict(`${code} already has a household at building ${input.building}, unit ${input.unit}, room ${input.room}.`);
    const out = householdOut({ ...row, compound_code: compound.code });
    await audit(tx, {
      actor: principal.actor,
      action: 'household.create',
      entity: 'household',
      entityId: row.id,
      compoundId: compound.id,
      details: out,
    });
    return out;
  });
}

/** A household's meters in installation order: each names the meter it replaces (SPEC §4, §9). */
export async function listHouseholdMeters(db: Database, principal: Principal, householdId: string) {
  const household = await repo.findReadableHousehold(db, householdId, principal);
  if (!household) throw notFound('Household');
  const meters = await repo.listMeters(db, householdId);
  const replacedBy = new Map(meters.filter((m) => m.replaces_serial !== null).map((m) => [m.replaces_serial!, m.serial]));
  return {
    householdId,
    items: meters.map((m) => ({
      ...meterOut(m, household.compound_code, household.time_zone),
      replacedBy: replacedBy.get(m.serial) ?? null,
    })),
  };
}

export async function getHousehold(db: Database, principal: Principal, householdId: string) {
  const household = await repo.findHouseholdInScope(db, householdId, principal);
  if (!household) throw notFound('Household');
  const meters = await repo.listMeters(db, householdId);
  const accounts = await withLedgerOpenings(db, await listAccounts(db, householdId));
  const plans = await listPlans(db, accounts.map((a) => a.id));
  return {
    ...householdOut(household),
    meters: meters.map((m) => meterOut(m, household.compound_code, household.time_zone)),
    accounts: accounts.map((a) => accountOut(a, household.compound_code, plans.filter((p) => p.account_id === a.id))),
  };
}

export interface MeterInput {
  serial: string;
  installedAt: string;
  initialReading: DecimalInput;
  replaces?: string | undefined;
  finalReading?: DecimalInput | undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Serials are unique across all providers (SPEC §4: readings name their meter by serial alone), so a
 * taken serial must be refused; the answer is the same whoever's meter has it, the caller's own or
 * another provider's, and repeats nothing about it (SPEC §7: nothing outside the caller's scope).
 */
const SERIAL_UNAVAILABLE = 'This serial cannot be used for a new meter; choose another.';

/**
 * Installs a meter. A replacement (`replaces` = serial or id of the household's active meter)
 * retires the old meter at the new one's installedAt with its finalReading, stores that final
 * reading as a reading of the old meter (so billing sees it) and installs the new meter, in one
 * transaction.
 */
export async function createMeter(db: Database, principal: Principal, householdId: string, input: MeterInput, now = new Date()) {
  return writeTransaction(db, async (tx) => {
    const household = await repo.findHouseholdInScope(tx, householdId, principal);
    if (!household) throw notFound('Household');
    const zone = household.time_zone;
    const checks = new Checks();
    const installedAt = parseLocalInstant(input.installedAt, zone);
    if (!installedAt) {
      checks.add('body.installedAt', 'must be an RFC 3339 date-time in 2000–2100 (without offset: the compound local time)', 'format');
    } else if (installedAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      checks.add('body.installedAt', 'must not be in the future', 'in_future');
    }
    const initialReading = checks.quantity(input.initialReading, 'body.initialReading', { intDigits: 12 });
    const finalReading =
      input.finalReading === undefined ? undefined : checks.quantity(input.finalReading, 'body.finalReading', { intDigits: 12 });
    if (input.replaces === undefined && input.finalReading !== undefined) checks.add('body.finalReading', 'is only accepted with replaces');
    if (input.replaces !== undefined && input.finalReading === undefined) {
      checks.add('body.finalReading', 'is required when replacing a meter');
    }
    checks.throwIfAny('The meter is invalid');

    await lockCompound(tx, household.compound_id);
    await lockHousehold(tx, householdId);
    const taken = await repo.findMeterBySerial(tx, input.serial);
    if (taken) throw conflict(SERIAL_UNAVAILABLE);
    const active = await repo.findActiveMeter(tx, householdId);

    let replaced: { id: string; serial: string } | null = null;
    if (input.replaces === undefined) {
      if (active) {
        throw conflict(`Household ${householdId} already has the active meter ${active.serial}; name it in "replaces" to replace it.`);
      }
    } else {
      const matches =
        active && (active.serial === input.replaces || (UUID_RE.test(input.replaces) && active.id === input.replaces.toLowerCase()));
      if (!active || !matches) {
        throw unprocessable(
          `"${input.replaces}" is not the active meter of this household${active ? ` (${active.serial} is)` : ' (it has none)'}.`,
          [
            {
              path: 'body.replaces',
              message: active ? `must name the active meter ${active.serial}` : 'the household has no active meter',
            },
          ],
        );
      }
      const last = await repo.lastReading(tx, active.id);
      const breach = registerBreach(
        parseQuantity(finalReading as string),
        last ? readingBound(last, zone, false) : initialBound(active.initial_reading),
        undefined,
      );
      const errors: FieldError[] = breach ? [breachError('body.finalReading', breach, { meter: active.serial })] : [];
      const after = last ? last.read_at : active.installed_at;
      if ((installedAt as Date).getTime() <= after.getTime()) {
        errors.push({
          path: 'body.installedAt',
          message:
            `must be after ${last ? 'the last reading' : 'the installation'} of meter ${active.serial} ` +
            `(${formatInstant(after, zone)})`,
        });
      }
      if (errors.length > 0) throw unprocessable(`The replacement of meter ${active.serial} is invalid.`, errors);
      await repo.retireMeter(tx, active.id, installedAt as Date, finalReading as string);
      await repo.insertReading(tx, {
        compoundId: household.compound_id,
        meterId: active.id,
        readAt: installedAt as Date,
        value: finalReading as string,
      });
      replaced = { id: active.id, serial: active.serial };
    }

    const meter = await repo.insertMeter(tx, {
      compoundId: household.compound_id,
      householdId,
      serial: input.serial,
      installedAt: installedAt as Date,
      initialReading: initialReading as string,
      replacesMeterId: replaced?.id ?? null,
    });
    if (!meter) throw conflict(SERIAL_UNAVAILABLE);
    const out = meterOut({ ...meter, replaces_serial: replaced?.serial ?? null }, household.compound_code, zone);
    if (replaced) {
      await audit(tx, {
        actor: principal.actor,
        action: 'meter.retire',
        entity: 'meter',
        entityId: replaced.id,
        compoundId: household.compound_id,
        details: { serial: replaced.serial, retiredAt: out.installedAt, finalReading, replacedBy: meter.serial },
      });
    }
    await audit(tx, {
      actor: principal.actor,
      action: 'meter.install',
      entity: 'meter',
      entityId: meter.id,
      compoundId: household.compound_id,
      details: out,
    });
    return out;
  });
}
