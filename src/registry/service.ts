import { seasonFromRow } from '../compounds/season.js';
import type { Principal } from '../auth/principal.js';
import { audit } from '../audit/audit.js';
import { findAccountInScope } from '../accounts/scope.js';
import { findCompoundInScope, listSeasons } from '../compounds/repository.js';
import { seasonOut } from '../compounds/schemas.js';
import {
  dayNumber,
  formatQuantity,
  formatRate,
  parseQuantity,
  parseRate,
  seasonForDate,
  type DecimalInput,
} from '../core/index.js';
import type { Database, Executor } from '../db/pool.js';
import type { FlatBilling, Plan } from '../db/types.js';
import { conflict, notFound, unprocessable, type FieldError } from '../http/problem.js';
import * as repo from './repository.js';
import { accountOut, householdOut, meterOut, quantityOut } from './schemas.js';
import { FUTURE_SKEW_MS, formatInstant, localToday, parseLocalInstant, startOfLocalDate } from './time.js';

/** Collects field errors of one request and throws them together as 422. */
class Checks {
  readonly errors: FieldError[] = [];
  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  /** A decimal (up to `scale` places) below 10^intDigits, as canonical text; undefined when invalid. */
  quantity(input: DecimalInput, path: string, options: { positive?: boolean; intDigits: number }): string | undefined {
    try {
      const q = parseQuantity(input, path);
      if (options.positive && q <= 0n) return void this.add(path, 'must be greater than 0');
      if (q >= 10n ** BigInt(options.intDigits + 3)) return void this.add(path, `must be below ${10n ** BigInt(options.intDigits)}`);
      return formatQuantity(q);
    } catch (error) {
      this.add(path, messageOf(error, path));
      return undefined;
    }
  }
  rate(input: DecimalInput, path: string): string | undefined {
    try {
      const r = parseRate(input, path);
      if (r >= 10n ** 12n) return void this.add(path, 'must be below 100000000');
      return formatRate(r);
    } catch (error) {
      this.add(path, messageOf(error, path));
      return undefined;
    }
  }
  throwIfAny(detail: string): void {
    if (this.errors.length > 0) throw unprocessable(`${detail}: ${this.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, this.errors);
  }
}

/** The core's messages start with the field name it was given; keep only the reason. */
function messageOf(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}

async function compoundOr404(db: Executor, code: string, principal: Principal) {
  const compound = await findCompoundInScope(db, code, principal);
  if (!compound) throw notFound('Compound');
  return compound;
}

// ---------------------------------------------------------------------------------------------
// Seasons

export interface SeasonInput {
  heating: { start: string; end: string };
  cooling: { start: string; end: string };
  unitRate: DecimalInput;
  capPerM2: DecimalInput;
  flatBilling?: FlatBilling | undefined;
}

/**
 * Creates or replaces a season year. Windows are half-open local date ranges, heating first,
 * both inside the label's two calendar years, not overlapping another season of the compound.
 * Refused (409) once the season has invoices: tariffs change by defining the next season.
 */
export async function putSeason(db: Database, principal: Principal, code: string, label: string, input: SeasonInput) {
  const checks = new Checks();
  const first = Number(label.slice(0, 4));
  if (Number(label.slice(5)) !== (first + 1) % 100) checks.add('params.label', `must name two consecutive years, e.g. ${first}-${String((first + 1) % 100).padStart(2, '0')}`);
  const dates: Array<[string, string]> = [
    ['body.heating.start', input.heating.start],
    ['body.heating.end', input.heating.end],
    ['body.cooling.start', input.cooling.start],
    ['body.cooling.end', input.cooling.end],
  ];
  const days: number[] = [];
  for (const [path, date] of dates) {
    try {
      days.push(dayNumber(date, path));
    } catch (error) {
      checks.add(path, messageOf(error, path));
    }
  }
  if (days.length === 4) {
    const [hs, he, cs, ce] = days as [number, number, number, number];
    if (he <= hs) checks.add('body.heating.end', 'must be after heating.start (windows are half-open [start, end))');
    if (cs < he) checks.add('body.cooling.start', 'must be on or after heating.end (heating comes before cooling)');
    if (ce <= cs) checks.add('body.cooling.end', 'must be after cooling.start');
    if (Number.isInteger(first)) {
      if (dayNumber(`${first}-01-01`) > hs || hs >= dayNumber(`${first + 1}-01-01`)) checks.add('body.heating.start', `must be in ${first}, the first year of season ${label}`);
      if (ce > dayNumber(`${first + 2}-01-01`)) checks.add('body.cooling.end', `must be in ${first + 1}, the second year of season ${label}`);
    }
  }
  const unitRate = checks.rate(input.unitRate, 'body.unitRate');
  const capPerM2 = checks.rate(input.capPerM2, 'body.capPerM2');
  checks.throwIfAny('The season is invalid');

  return db.transaction().execute(async (tx) => {
    const compound = await compoundOr404(tx, code, principal);
    // Lock the compound's seasons: two writers of the same label serialise here.
    await tx.selectFrom('compounds').select('id').where('id', '=', compound.id).forUpdate().execute();
    const existing = await repo.findSeason(tx, compound.id, label, true);
    if (existing && (await repo.seasonHasInvoices(tx, compound.id, label))) {
      throw conflict(`Season ${label} of ${code} already has invoices and cannot change; define the next season instead.`);
    }
    const others = (await listSeasons(tx, compound.id)).filter((s) => s.label !== label);
    const overlapping = others.find((s) => s.heating_start < input.cooling.end && input.heating.start < s.cooling_end);
    if (overlapping) {
      throw unprocessable(`Season ${label} overlaps season ${overlapping.label} (${overlapping.heating_start} to ${overlapping.cooling_end}).`, [
        { path: 'body', message: `overlaps season ${overlapping.label}` },
      ]);
    }
    const values = {
      heating_start: input.heating.start,
      heating_end: input.heating.end,
      cooling_start: input.cooling.start,
      cooling_end: input.cooling.end,
      unit_rate: unitRate as string,
      cap_per_m2: capPerM2 as string,
      flat_billing: input.flatBilling ?? 'installments',
    };
    const season = existing
      ? await tx
          .updateTable('seasons')
          .set({ ...values, updated_at: new Date() })
          .where('compound_id', '=', compound.id)
          .where('label', '=', label)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await tx.insertInto('seasons').values({ compound_id: compound.id, label, ...values }).returningAll().executeTakeFirstOrThrow();
    await audit(tx, {
      actor: principal.actor,
      action: existing ? 'season.replace' : 'season.create',
      entity: 'season',
      entityId: `${code}/${label}`,
      compoundId: compound.id,
      details: { ...seasonOut(season), ...(existing ? { previous: seasonOut(existing) } : {}) },
    });
    return { season: seasonOut(season), created: !existing };
  });
}

// ---------------------------------------------------------------------------------------------
// Households

export async function createHousehold(
  db: Database,
  principal: Principal,
  code: string,
  input: { building: string; unit: string; room: string; areaM2: DecimalInput },
) {
  const checks = new Checks();
  const areaM2 = checks.quantity(input.areaM2, 'body.areaM2', { positive: true, intDigits: 7 });
  checks.throwIfAny('The household is invalid');
  return db.transaction().execute(async (tx) => {
    const compound = await compoundOr404(tx, code, principal);
    const row = await repo.insertHousehold(tx, { compoundId: compound.id, building: input.building, unit: input.unit, room: input.room, areaM2: areaM2 as string });
    if (!row) throw conflict(`${code} already has a household at building ${input.building}, unit ${input.unit}, room ${input.room}.`);
    const out = householdOut({ ...row, compound_code: compound.code });
    await audit(tx, { actor: principal.actor, action: 'household.create', entity: 'household', entityId: row.id, compoundId: compound.id, details: out });
    return out;
  });
}

export async function getHousehold(db: Database, principal: Principal, householdId: string) {
  const household = await repo.findHouseholdInScope(db, householdId, principal);
  if (!household) throw notFound('Household');
  const meters = await repo.listMeters(db, householdId);
  const accounts = await repo.listAccounts(db, householdId);
  const plans = await repo.listPlans(db, accounts.map((a) => a.id));
  return {
    ...householdOut(household),
    meters: meters.map((m) => meterOut(m, household.compound_code, household.time_zone)),
    accounts: accounts.map((a) => accountOut(a, household.compound_code, plans.filter((p) => p.account_id === a.id))),
  };
}

// ---------------------------------------------------------------------------------------------
// Meters

export interface MeterInput {
  serial: string;
  installedAt: string;
  initialReading: DecimalInput;
  replaces?: string | undefined;
  finalReading?: DecimalInput | undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Installs a meter. A replacement (`replaces` = serial or id of the household's active meter)
 * retires the old meter at the new one's installedAt with its finalReading, stores that final
 * reading as a reading of the old meter (so billing sees it) and installs the new meter, in one
 * transaction.
 */
export async function createMeter(db: Database, principal: Principal, householdId: string, input: MeterInput, now = new Date()) {
  return db.transaction().execute(async (tx) => {
    const household = await repo.findHouseholdInScope(tx, householdId, principal);
    if (!household) throw notFound('Household');
    const zone = household.time_zone;
    const checks = new Checks();
    const installedAt = parseLocalInstant(input.installedAt, zone);
    if (!installedAt) checks.add('body.installedAt', 'must be an ISO 8601 date-time (without offset: the compound local time)');
    else if (installedAt.getTime() > now.getTime() + FUTURE_SKEW_MS) checks.add('body.installedAt', 'must not be in the future');
    const initialReading = checks.quantity(input.initialReading, 'body.initialReading', { intDigits: 12 });
    const finalReading = input.finalReading === undefined ? undefined : checks.quantity(input.finalReading, 'body.finalReading', { intDigits: 12 });
    if (input.replaces === undefined && input.finalReading !== undefined) checks.add('body.finalReading', 'is only accepted with replaces');
    if (input.replaces !== undefined && input.finalReading === undefined) checks.add('body.finalReading', 'is required when replacing a meter');
    checks.throwIfAny('The meter is invalid');

    await repo.lockHousehold(tx, householdId);
    await repo.lockCompoundReadings(tx, household.compound_id);
    const taken = await repo.findMeterBySerial(tx, input.serial);
    if (taken) throw conflict(`A meter with serial "${input.serial}" already exists.`);
    const active = await repo.findActiveMeter(tx, householdId);

    let replaced: { id: string; serial: string } | null = null;
    if (input.replaces === undefined) {
      if (active) throw conflict(`Household ${householdId} already has the active meter ${active.serial}; name it in "replaces" to replace it.`);
    } else {
      const matches = active && (active.serial === input.replaces || (UUID_RE.test(input.replaces) && active.id === input.replaces.toLowerCase()));
      if (!active || !matches) {
        throw unprocessable(`"${input.replaces}" is not the active meter of this household${active ? ` (${active.serial} is)` : ' (it has none)'}.`, [
          { path: 'body.replaces', message: active ? `must name the active meter ${active.serial}` : 'the household has no active meter' },
        ]);
      }
      const last = await repo.lastReading(tx, active.id);
      const final = parseQuantity(finalReading as string);
      const floor = last ? parseQuantity(last.value) : parseQuantity(active.initial_reading);
      const errors: FieldError[] = [];
      if (final < floor) {
        errors.push({
          path: 'body.finalReading',
          message: last
            ? `${finalReading} is lower than the reading ${quantityOut(last.value)} of ${formatInstant(last.read_at, zone)} of meter ${active.serial}`
            : `${finalReading} is lower than the initial reading ${quantityOut(active.initial_reading)} of meter ${active.serial}`,
        });
      }
      const after = last ? last.read_at : active.installed_at;
      if ((installedAt as Date).getTime() <= after.getTime()) {
        errors.push({
          path: 'body.installedAt',
          message: `must be after ${last ? 'the last reading' : 'the installation'} of meter ${active.serial} (${formatInstant(after, zone)})`,
        });
      }
      if (errors.length > 0) throw unprocessable(`The replacement of meter ${active.serial} is invalid.`, errors);
      await repo.retireMeter(tx, active.id, installedAt as Date, finalReading as string);
      await repo.insertReading(tx, { compoundId: household.compound_id, meterId: active.id, readAt: installedAt as Date, value: finalReading as string });
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
    if (!meter) throw conflict(`A meter with serial "${input.serial}" already exists.`);
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
    await audit(tx, { actor: principal.actor, action: 'meter.install', entity: 'meter', entityId: meter.id, compoundId: household.compound_id, details: out });
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Accounts

export interface AccountInput {
  householdId: string;
  holderName: string;
  phone?: string | null | undefined;
  openedOn: string;
  openingReading?: DecimalInput | undefined;
  plan?: Plan | undefined;
}

async function accountView(db: Executor, account: { id: string; compound_code: string } & Parameters<typeof accountOut>[0]) {
  return accountOut(account, account.compound_code, await repo.listPlans(db, [account.id]));
}

/**
 * Opens an account. One open account per household (409 naming it); a new one opens on or after
 * the previous account's closedOn. `plan` is stored for the season whose span contains openedOn,
 * else for the next season defined after openedOn; with no such season it is refused (422).
 * openingReading defaults to the active meter's latest reading at or before the start of
 * openedOn (local), else that meter's initial reading (null when the household has no meter).
 */
export async function createAccount(db: Database, principal: Principal, input: AccountInput) {
  const checks = new Checks();
  try {
    dayNumber(input.openedOn, 'body.openedOn');
  } catch (error) {
    checks.add('body.openedOn', messageOf(error, 'body.openedOn'));
  }
  const openingReading = input.openingReading === undefined ? undefined : checks.quantity(input.openingReading, 'body.openingReading', { intDigits: 12 });
  checks.throwIfAny('The account is invalid');

  return db.transaction().execute(async (tx) => {
    const household = await repo.findHouseholdInScope(tx, input.householdId, principal);
    if (!household) throw notFound('Household');
    await repo.lockHousehold(tx, household.id);
    const accounts = await repo.listAccounts(tx, household.id);
    const open = accounts.find((a) => a.closed_on === null);
    if (open) throw conflict(`Household ${household.id} already has the open account ${open.id} (${open.holder_name}); close it first.`);
    const lastClosed = accounts.reduce<string | null>((max, a) => (a.closed_on !== null && (max === null || a.closed_on > max) ? a.closed_on : max), null);
    if (lastClosed !== null && input.openedOn < lastClosed) {
      throw conflict(`openedOn ${input.openedOn} is before ${lastClosed}, when the previous account of household ${household.id} closed.`);
    }

    let planSeason: string | undefined;
    if (input.plan !== undefined) {
      const calendars = (await listSeasons(tx, household.compound_id)).map(seasonFromRow);
      const season = seasonForDate(calendars, input.openedOn) ?? calendars.find((c) => c.spanStart > input.openedOn);
      if (!season) {
        throw unprocessable(`No season of ${household.compound_code} contains or follows ${input.openedOn}; define the season before choosing a plan.`, [
          { path: 'body.plan', message: `no season defined for ${input.openedOn}` },
        ]);
      }
      planSeason = season.label;
    }

    let opening: string | null = openingReading ?? null;
    if (opening === null) {
      const meter = await repo.findActiveMeter(tx, household.id);
      if (meter) {
        const reading = await repo.readingAtOrBefore(tx, meter.id, startOfLocalDate(input.openedOn, household.time_zone));
        opening = quantityOut(reading ? reading.value : meter.initial_reading);
      }
    }

    const account = await repo.insertAccount(tx, {
      compoundId: household.compound_id,
      householdId: household.id,
      holderName: input.holderName,
      phone: input.phone ?? null,
      openedOn: input.openedOn,
      openingReading: opening,
    });
    if (planSeason !== undefined && input.plan !== undefined) {
      await repo.upsertPlan(tx, { accountId: account.id, compoundId: household.compound_id, season: planSeason, plan: input.plan });
    }
    const out = await accountView(tx, { ...account, compound_code: household.compound_code });
    await audit(tx, { actor: principal.actor, action: 'account.open', entity: 'account', entityId: account.id, compoundId: household.compound_id, details: out });
    return out;
  });
}

export async function getAccount(db: Database, principal: Principal, accountId: string) {
  const account = await findAccountInScope(db, accountId, principal);
  if (!account) throw notFound('Account');
  return accountView(db, account);
}

/**
 * Sets an account's plan for a season: 404 when the season is not defined for the compound;
 * 409 once the season has started (today, local, ≥ heating.start) unless the plan is unchanged.
 */
export async function setPlan(db: Database, principal: Principal, accountId: string, label: string, plan: Plan, now = new Date()) {
  return db.transaction().execute(async (tx) => {
    const account = await findAccountInScope(tx, accountId, principal);
    if (!account) throw notFound('Account');
    await tx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
    const season = await repo.findSeason(tx, account.compound_id, label);
    if (!season) throw notFound(`Season ${label} of ${account.compound_code}`);
    const current = (await repo.listPlans(tx, [accountId])).find((p) => p.season_label === label)?.plan ?? 'metered';
    if (current === plan) return accountView(tx, account);
    const compound = await tx.selectFrom('compounds').select('time_zone').where('id', '=', account.compound_id).executeTakeFirstOrThrow();
    const today = localToday(compound.time_zone, now);
    if (today >= season.heating_start) {
      throw conflict(`Season ${label} started on ${season.heating_start}; its plan (${current}) can no longer change.`);
    }
    if (account.closed_on !== null && account.closed_on <= season.heating_start) {
      throw conflict(`Account ${accountId} closed on ${account.closed_on}, before season ${label}.`);
    }
    await repo.upsertPlan(tx, { accountId, compoundId: account.compound_id, season: label, plan });
    await audit(tx, {
      actor: principal.actor,
      action: 'account.plan',
      entity: 'account',
      entityId: accountId,
      compoundId: account.compound_id,
      details: { season: label, from: current, to: plan },
    });
    return accountView(tx, account);
  });
}
