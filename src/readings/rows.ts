/**
 * Row-level checks of a reading (SPEC §4), done while streaming: each row becomes one line of
 * PostgreSQL COPY text for the staging table, or a field error. Checks that need the database
 * (meter, time zone, monotonicity, duplicates) are done set-wise in SQL afterwards.
 */
import { formatThousandths, parseQuantity, QTY_SCALE, type DecimalInput } from '../core/index.js';
import { parseInstantText, type InstantText } from '../shared/time.js';

/** A reading's fields; `columns` is a CSV row's own defect (not as many cells as the header). */
export type ReadingField = 'meterSerial' | 'readAt' | 'value' | 'source' | 'columns';

/** One row as received: strings from CSV, strings or numbers from JSON. */
export interface RawReading {
  meterSerial?: unknown;
  readAt?: unknown;
  value?: unknown;
  source?: unknown;
  /** CSV only: why the row's cells do not line up with the header (then its cells are not read). */
  columns?: string;
}

export interface RowError {
  line: number;
  field: ReadingField;
  message: string;
  /** Stable, snake_case (SPEC §7). */
  code?: string;
}

/** Register values are numeric(15, 3): at most 12 integer digits. */
const MAX_VALUE_THOUSANDTHS = 10n ** BigInt(12 + QTY_SCALE);

export type ParsedInstant = InstantText;

/**
 * A reading's readAt: with an offset (or Z) it is an instant; without one it is the compound's
 * local time, resolved in SQL once the meter (hence the compound) is known. The same parser as
 * every other instant of the API (shared/time.ts).
 */
export function parseReadAt(text: string): ParsedInstant | undefined {
  return parseInstantText(text);
}

/** COPY text format escaping (backslash, tab, newline, carriage return). */
function copyText(s: string): string {
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : s;
}

function stripField(message: string): string {
  const i = message.indexOf(': ');
  return i >= 0 && message.startsWith('value') ? message.slice(i + 2) : message;
}

/**
 * Checks one row; returns its COPY line (line, serial, absolute, local, value, source) or pushes
 * its errors into `errors` (all invalid fields of the row) and returns undefined.
 */
export function rowToCopyLine(row: RawReading, line: number, errors: (e: RowError) => void): string | undefined {
  if (row.columns !== undefined) {
    errors({ line, field: 'columns', message: row.columns, code: 'column_count' });
    return undefined;
  }
  let ok = true;
  const serial = row.meterSerial;
  if (typeof serial !== 'string' || serial.length === 0) {
    errors({ line, field: 'meterSerial', message: 'is required', code: 'required' });
    ok = false;
  } else if (serial.length > 64) {
    errors({ line, field: 'meterSerial', message: `unknown meter "${serial.slice(0, 64)}…"`, code: 'unknown_meter' });
    ok = false;
  }

  let instant: ParsedInstant | undefined;
  const readAt = row.readAt;
  if (typeof readAt !== 'string' || readAt.length === 0) {
    errors({ line, field: 'readAt', message: 'is required', code: 'required' });
    ok = false;
  } else {
    instant = parseReadAt(readAt);
    if (instant === undefined) {
      errors({ line, field: 'readAt', message: `"${readAt.slice(0, 50)}" is not an RFC 3339 date-time in 2000–2100`, code: 'format' });
      ok = false;
    }
  }

  let value: string | undefined;
  const raw = row.value;
  if (raw === undefined || raw === null || raw === '') {
    errors({ line, field: 'value', message: 'is required', code: 'required' });
    ok = false;
  } else if (typeof raw !== 'string' && typeof raw !== 'number') {
    errors({ line, field: 'value', message: 'must be a decimal number', code: 'wrong_type' });
    ok = false;
  } else {
    try {
      const q = parseQuantity(raw as DecimalInput, 'value');
      if (q >= MAX_VALUE_THOUSANDTHS) throw new Error('value: must be below 1000000000000');
      value = formatThousandths(Number(q));
    } catch (error) {
      const message = stripField((error as Error).message);
      const negative = /negative/.test(message);
      const code = negative || /below/.test(message) ? 'out_of_range' : 'format';
      errors({ line, field: 'value', message: negative ? `must be ≥ 0 (got ${String(raw)})` : message, code });
      ok = false;
    }
  }

  let source = 'manual';
  const rawSource = row.source;
  if (rawSource !== undefined && rawSource !== null && rawSource !== '') {
    if (rawSource === 'manual' || rawSource === 'automatic') source = rawSource;
    else {
      const message = `must be manual or automatic, got "${String(rawSource).slice(0, 50)}"`;
      errors({ line, field: 'source', message, code: 'not_allowed' });
      ok = false;
    }
  }
  if (!ok || instant === undefined || value === undefined) return undefined;
  return `${line}\t${copyText(serial as string)}\t${instant.absolute ?? '\\N'}\t${instant.local ?? '\\N'}\t${value}\t${source}\n`;
}
