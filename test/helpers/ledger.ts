import { meterUsage, type LedgerMeter, type MeterUsage, type RegisterPoint } from '../../src/core/index.js';

/** Core-test registers: positions on meters with made-up reading ids and instants (pure data). */
let nextReadingId = 1;
const T0 = Date.UTC(2025, 9, 1);

/** A stored reading of `meterId` (a new id each call) at day `day` after 2025-10-01. */
export function reading(value: string | number, day = 0, meterId = 'M1'): RegisterPoint {
  return { meterId, readingId: nextReadingId++, value: String(value), at: new Date(T0 + day * 86_400_000) };
}

export function meter(id: string, options: Partial<LedgerMeter> = {}): LedgerMeter {
  return {
    id,
    replacesId: null,
    installedAt: new Date(T0 - 86_400_000),
    retiredAt: null,
    initialReading: '0',
    finalReading: null,
    finalReadingId: null,
    ...options,
  };
}

const ONE_METER = [meter('M1')];

/** One register's usage from `start` to `end` (null: no newer reading). */
export function usage(start: string | number, end: string | number | null): MeterUsage {
  const from = reading(start, 0);
  const u = meterUsage(ONE_METER, from, end === null ? null : reading(end, 1));
  if (u === null) throw new Error('unreachable: same meter');
  return u;
}
