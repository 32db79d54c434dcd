/**
 * Stored rows → the core's register bounds (core/register.ts), and a breach → its 422, so every
 * writer of a register value checks and words monotonicity the same way.
 */
import {
  breachMessage,
  parseQuantity,
  registerBreach,
  type BreachWording,
  type MonotonicBreach,
  type RegisterBound,
} from '../core/index.js';
import { unprocessable, type FieldError } from '../http/problem.js';
import { formatInstant } from './time.js';

/** A stored reading as a bound; `named` puts its id in the message. */
export function readingBound(row: { id?: number; value: string; read_at: Date }, zone: string, named: boolean): RegisterBound {
  const bound: RegisterBound = { kind: 'reading', value: parseQuantity(row.value), at: formatInstant(row.read_at, zone) };
  return named && row.id !== undefined ? { ...bound, id: row.id } : bound;
}

/** A meter's initial reading as a bound (its installation instant, when the message should say it). */
export function initialBound(value: string, installedAt?: Date, zone?: string): RegisterBound {
  const at = installedAt && zone ? formatInstant(installedAt, zone) : undefined;
  return at === undefined ? { kind: 'initial', value: parseQuantity(value) } : { kind: 'initial', value: parseQuantity(value), at };
}

/** The field error of a breach at `path` (e.g. body.closingReading). */
export function breachError(path: string, breach: MonotonicBreach, wording: BreachWording): FieldError {
  return { path, message: breachMessage(breach, wording), code: breach.code };
}

/**
 * Throws the 422 of a register value at `path` that breaks monotonicity between `previous` (the
 * reading just before, else the initial reading) and `next` (the stored reading just after).
 */
export function assertMonotonic(
  path: string,
  value: string,
  previous: RegisterBound | undefined,
  next: RegisterBound | undefined,
  wording: BreachWording = {},
): void {
  const breach = registerBreach(parseQuantity(value), previous, next);
  if (!breach) return;
  const error = breachError(path, breach, wording);
  const field = path.slice(path.lastIndexOf('.') + 1);
  throw unprocessable(`${field} ${value} ${error.message}.`, [error]);
}
