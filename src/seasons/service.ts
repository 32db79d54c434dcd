import type { Principal } from '../auth/principal.js';
import { audit } from '../audit/audit.js';
import { lockCompound, writeTransaction } from '../db/locks.js';
import { compoundOr404 } from '../compounds/service.js';
import { dayNumber, formatRate, parseLateFeeRate, type DecimalInput } from '../core/index.js';
import type { Database } from '../db/pool.js';
import type { FlatBilling } from '../db/types.js';
import { badRequest, conflict, unprocessable } from '../http/problem.js';
import { Checks, messageOf } from '../shared/checks.js';
import * as repo from './repository.js';
import { seasonOut } from './schemas.js';

export interface SeasonInput {
  heating: { start: string; end: string };
  cooling: { start: string; end: string };
  unitRate: DecimalInput;
  capPerM2: DecimalInput;
  flatBilling?: FlatBilling | undefined;
  lateFeePerMillePerDay?: DecimalInput | undefined;
}

/** The late fee rate as stored text; 400 naming the field when the schema let a malformed number through. */
function lateFeeRateText(input: DecimalInput | undefined): string {
  const path = 'body.lateFeePerMillePerDay';
  try {
    return formatRate(parseLateFeeRate(input ?? '0', path));
  } catch (error) {
    const message = messageOf(error, path);
    throw badRequest(`lateFeePerMillePerDay ${message}.`, [{ path, message, code: 'format' }]);
  }
}

/**
 * Creates or replaces a season year. Windows are half-open local date ranges, heating first,
 * both inside the label's two calendar years, not overlapping another season of the compound.
 * Refused (409) once the season has invoices: tariffs change by defining the next season.
 */
export async function putSeason(db: Database, principal: Principal, code: string, label: string, input: SeasonInput) {
  const lateFee = lateFeeRateText(input.lateFeePerMillePerDay);
  const checks = new Checks();
  const first = Number(label.slice(0, 4));
  if (Number(label.slice(5)) !== (first + 1) % 100) {
    checks.add('params.label', `must name two consecutive years, e.g. ${first}-${String((first + 1) % 100).padStart(2, '0')}`);
  }
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
      if (dayNumber(`${first}-01-01`) > hs || hs >= dayNumber(`${first + 1}-01-01`)) {
        checks.add('body.heating.start', `must be in ${first}, the first year of season ${label}`);
      }
      if (ce > dayNumber(`${first + 2}-01-01`)) {
        checks.add('body.cooling.end', `must be in ${first + 1}, the second year of season ${label}`);
      }
    }
  }
  const unitRate = checks.rate(input.unitRate, 'body.unitRate');
  const capPerM2 = checks.rate(input.capPerM2, 'body.capPerM2');
  checks.throwIfAny('The season is invalid');

  return writeTransaction(db, async (tx) => {
    const compound = await compoundOr404(tx, code, principal);
    // The compound's lock: two writers of a season serialise here, and a batch billing the compound finishes first.
    await lockCompound(tx, compound.id);
    const existing = await repo.findSeasonForUpdate(tx, compound.id, label);
    if (existing && (await repo.seasonHasInvoices(tx, compound.id, label))) {
      throw conflict(`Season ${label} of ${code} already has invoices and cannot change; define the next season instead.`);
    }
    const others = (await repo.listSeasons(tx, compound.id)).filter((s) => s.label !== label);
    const overlapping = others.find((s) => s.heating_start < input.cooling.end && input.heating.start < s.cooling_end);
    if (overlapping) {
      throw unprocessable(
        `Season ${label} overlaps season ${overlapping.label} (${overlapping.heating_start} to ${overlapping.cooling_end}).`,
        [{ path: 'body', message: `overlaps season ${overlapping.label}` }],
      );
    }
    const values = {
      heating_start: input.heating.start,
      heating_end: input.heating.end,
      cooling_start: input.cooling.start,
      cooling_end: input.cooling.end,
      unit_rate: unitRate as string,
      cap_per_m2: capPerM2 as string,
      flat_billing: input.flatBilling ?? 'installments',
      late_fee_per_mille_per_day: lateFee,
    };
    const season = existing
      ? await repo.updateSeason(tx, compound.id, label, values)
      : await repo.insertSeason(tx, compound.id, label, values);
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
