/**
 * The register rules (SPEC §4, §5): a meter's register never goes down. Every writer of a register
 * value (a reading import, a correction, a closing reading, an opening reading, a replaced meter's
 * final reading) checks it here, so the rule and its words are written once: a value must not be
 * lower than the value just before it on the meter (its initial reading when no reading precedes
 * it) nor higher than the stored reading just after it. Each breach carries the stable code
 * `not_monotonic` (SPEC §7 "Details clients rely on").
 */
import { formatQuantity, type Qty } from './decimal.js';

export const NOT_MONOTONIC = 'not_monotonic';

/** A value the register is compared with: the meter's initial reading or one of its readings. */
export interface RegisterBound {
  kind: 'initial' | 'reading';
  value: Qty;
  /** When it was read (for the initial reading: the installation), local time text, if known. */
  at?: string;
  /** The stored reading's id, named in the message when given. */
  id?: number;
  /** Where the same request gave it ("readings[0].value"), when it is not stored yet. */
  where?: string;
}

export type MonotonicFault = 'lower_initial' | 'lower' | 'higher';

export interface MonotonicBreach {
  code: typeof NOT_MONOTONIC;
  fault: MonotonicFault;
  bound: RegisterBound;
}

/**
 * Whether `value` breaks the register between `previous` (the reading just before it, else the
 * meter's initial reading) and `next` (the stored reading just after it, if any); undefined if not.
 * Equal values are fine: a register may stand still.
 */
export function registerBreach(
  value: Qty,
  previous: RegisterBound | undefined,
  next: RegisterBound | undefined,
): MonotonicBreach | undefined {
  if (previous && value < previous.value) {
    return { code: NOT_MONOTONIC, fault: previous.kind === 'initial' ? 'lower_initial' : 'lower', bound: previous };
  }
  if (next && value > next.value) return { code: NOT_MONOTONIC, fault: 'higher', bound: next };
  return undefined;
}

export interface BreachWording {
  /** The meter's serial, when the message should name it (a batch row names its meter itself). */
  meter?: string;
  /** The value is a stored reading being corrected: its neighbours are "earlier" and "later". */
  correcting?: boolean;
}

/** The one English wording of a breach, as a field message ("is lower than …"). */
export function breachMessage(breach: MonotonicBreach, wording: BreachWording = {}): string {
  const { bound } = breach;
  const value = formatQuantity(bound.value);
  const ofMeter = wording.meter === undefined ? '' : ` of meter ${wording.meter}`;
  if (breach.fault === 'lower_initial') {
    return `is lower than the initial reading ${value}${ofMeter}${bound.at === undefined ? '' : ` installed at ${bound.at}`}`;
  }
  const at = bound.at ?? '?';
  const ref = bound.id === undefined ? `${value} of ${at}` : `${bound.id} (${value} at ${at})`;
  const where = bound.where === undefined ? '' : ` at ${bound.where}`;
  if (breach.fault === 'lower') return `is lower than the ${wording.correcting ? 'earlier ' : ''}reading ${ref}${ofMeter}${where}`;
  return `is higher than the later reading ${ref}${ofMeter}${where}`;
}
