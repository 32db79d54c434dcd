/**
 * The row errors of a reading import's set-wise checks (readings/service.ts, ERRORS), in words and
 * stable codes. Monotonicity is worded by the core (core/register.ts), like every other writer's.
 */
import { breachMessage, NOT_MONOTONIC, parseQuantity, type MonotonicFault, type RegisterBound } from '../core/index.js';
import { quantityOut } from '../shared/quantity.js';
import { formatInstant } from '../shared/time.js';
import type { RowError } from './rows.js';
import type { ImportSource } from './service.js';

export interface ErrorRow {
  line: number;
  status: string;
  serial: string;
  read_at: Date | null;
  value: string;
  time_zone: string | null;
  at2: Date | null;
  value2: string | null;
  line2: number | null;
}

/** Stable codes of the set-wise checks (SPEC §7); monotonicity's is the core's (core/register.ts). */
function codeOf(status: string): string {
  if (MONOTONIC_FAULTS[status]) return NOT_MONOTONIC;
  if (status.endsWith('_conflict')) return 'conflict';
  if (status === 'future') return 'in_future';
  if (status === 'before_install' || status === 'after_retire') return 'out_of_service';
  return status;
}

/** The set-wise monotonic statuses of ERRORS, as the core's faults (one rule, one wording). */
const MONOTONIC_FAULTS: Record<string, MonotonicFault | undefined> = {
  lower_initial: 'lower_initial',
  lower_batch: 'lower',
  lower_stored: 'lower',
  higher: 'higher',
};

/**
 * The core's wording of a set-wise breach: ERRORS found it in SQL (the hot path of an import), the
 * bound being the row's neighbour in the merged sequence (test/readings/register-agreement.test.ts
 * pins that it flags what core/register.ts's registerBreach flags).
 */
function monotonicMessage(row: ErrorRow, pathOf: ImportSource['pathOf']): string {
  const fault = MONOTONIC_FAULTS[row.status] as MonotonicFault;
  const zone = row.time_zone ?? 'Asia/Shanghai';
  const at = row.at2 ? formatInstant(row.at2, zone) : undefined;
  const bound: RegisterBound = {
    kind: fault === 'lower_initial' ? 'initial' : 'reading',
    value: parseQuantity(row.value2 as string),
    ...(at === undefined ? {} : { at }),
    ...(row.status === 'lower_batch' ? { where: pathOf(row.line2 as number, 'value') } : {}),
  };
  return breachMessage({ code: NOT_MONOTONIC, fault, bound }, fault === 'lower_initial' ? { meter: row.serial } : {});
}

export function describe(row: ErrorRow, pathOf: ImportSource['pathOf']): RowError {
  return { ...describeRow(row, pathOf), code: codeOf(row.status) };
}

function describeRow(row: ErrorRow, pathOf: ImportSource['pathOf']): RowError {
  const zone = row.time_zone ?? 'Asia/Shanghai';
  const at = (d: Date | null) => (d ? formatInstant(d, zone) : '?');
  const value = quantityOut(row.value);
  const value2 = row.value2 === null ? '?' : quantityOut(row.value2);
  switch (row.status) {
    case 'unknown_meter':
      return { line: row.line, field: 'meterSerial', message: `unknown meter "${row.serial}"` };
    case 'future':
      return { line: row.line, field: 'readAt', message: `${at(row.read_at)} is in the future` };
    case 'before_install':
      return {
        line: row.line,
        field: 'readAt',
        message: `${at(row.read_at)} is not after the installation of meter ${row.serial} at ${at(row.at2)}`,
      };
    case 'after_retire':
      return { line: row.line, field: 'readAt', message: `${at(row.read_at)} is after meter ${row.serial} was retired at ${at(row.at2)}` };
    case 'stored_conflict':
      return {
        line: row.line,
        field: 'value',
        message: `value ${value} conflicts with the stored reading ${value2} of meter ${row.serial} at ${at(row.read_at)}`,
      };
    case 'batch_conflict':
      return {
        line: row.line,
        field: 'value',
        message: `value ${value} conflicts with another row of this batch giving ${value2} for meter ${row.serial} at ${at(row.read_at)}`,
      };
    case 'lower_initial':
    case 'lower_batch':
    case 'lower_stored':
    case 'higher':
      return { line: row.line, field: 'value', message: `value ${value} ${monotonicMessage(row, pathOf)}` };
    default:
      return { line: row.line, field: 'value', message: `is invalid (${row.status})` };
  }
}
