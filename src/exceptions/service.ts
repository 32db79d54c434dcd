/**
 * GET /v1/compounds/{code}/exceptions?period= (SPEC §9 "Meter data quality"): what a clerk fixes
 * before billing a month. The rules, each one query in ./queries.sql.ts:
 * - missing_reading: an account open at the month's end, metered for the season, with no reading
 *   in the month on any of its household's meters;
 * - zero_usage: readings in the month but an advance of 0, while the compound's median units per
 *   m² for the month is above 0;
 * - usage_spike: units per m² above 3× that median (the median above 0);
 * - billing_exception: the accounts the latest run of the month left unbilled, with its reason,
 *   unless billed since.
 * The meter kinds are listed for billable months only (SPEC §3); the month's median is over the
 * compound's households with a reading in the month.
 */
import { DateTime } from 'luxon';
import type { Principal } from '../auth/principal.js';
import { compoundOr404 } from '../compounds/service.js';
import { seasonForPeriod } from '../core/index.js';
import type { Database } from '../db/pool.js';
import { seasonFromRow } from '../seasons/from-row.js';
import { listSeasons } from '../seasons/repository.js';
import { quantityOut } from '../shared/quantity.js';
import { startOfLocalDate } from '../shared/time.js';
import { exceptionRows, type ExceptionRow } from './repository.js';
import type { CsvCell } from '../http/csv.js';
import { EXCEPTION_CSV_COLUMNS, EXCEPTION_KINDS } from './schemas.js';

type ExceptionCsvColumn = (typeof EXCEPTION_CSV_COLUMNS)[number];

export interface ExceptionItem {
  kind: ExceptionRow['kind'];
  period: string;
  householdId: string;
  accountId: string | null;
  meterSerial: string | null;
  building: string;
  unit: string;
  room: string;
  units: string | null;
  detail: string;
}

function lastDayOf(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return `${period}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

function detailOf(row: ExceptionRow, period: string): string {
  const median = `${quantityOut(row.median_per_m2 ?? '0')} units/m²`;
  switch (row.kind) {
    case 'missing_reading':
      return `no reading from ${period}-01 to ${lastDayOf(period)}`;
    case 'zero_usage':
      return `0 units in the month while the compound's median is ${median}`;
    case 'usage_spike':
      return `${quantityOut(row.per_m2 ?? '0')} units/m² (${quantityOut(row.units ?? '0')} units over ${quantityOut(row.area_m2)} m²) ` +
        `is above 3× the compound's median of ${median}`;
    case 'billing_exception':
      return row.reason ?? 'left unbilled by the batch';
  }
}

export async function compoundExceptions(db: Database, principal: Principal, code: string, period: string) {
  const compound = await compoundOr404(db, code, principal);
  const season = seasonForPeriod((await listSeasons(db, compound.id)).map(seasonFromRow), period);
  const firstDay = `${period}-01`;
  const nextFirstDay = DateTime.fromISO(firstDay).plus({ months: 1 }).toISODate() as string;
  const kinds = await exceptionRows(db, {
    compoundId: compound.id,
    period,
    seasonLabel: season?.label ?? null,
    start: startOfLocalDate(firstDay, compound.time_zone),
    end: startOfLocalDate(nextFirstDay, compound.time_zone),
    firstDay,
    nextFirstDay,
  });
  const rank = (row: ExceptionRow) => EXCEPTION_KINDS.indexOf(row.kind);
  const rows = kinds.flat().sort((a, b) => a.household_no - b.household_no || rank(a) - rank(b));
  const items: ExceptionItem[] = rows.map((row) => ({
    kind: row.kind,
    period,
    householdId: row.household_id,
    accountId: row.account_id,
    meterSerial: row.meter_serial,
    building: row.building,
    unit: row.unit,
    room: row.room,
    units: row.units === null ? null : quantityOut(row.units),
    detail: detailOf(row, period),
  }));
  return { compound: compound.code, period, items };
}

/** The CSV's rows: the header's columns of each item (nulls as empty cells). */
export function exceptionCsvRows(items: readonly ExceptionItem[]): Array<Record<ExceptionCsvColumn, CsvCell>> {
  return items.map((item) => {
    const cells = EXCEPTION_CSV_COLUMNS.map((column) => [column, item[column] ?? null]);
    return Object.fromEntries(cells) as Record<ExceptionCsvColumn, CsvCell>;
  });
}
