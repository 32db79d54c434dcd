/**
 * Prices a whole season for N households in memory with the pure core and prints the
 * month-invoice throughput. Usage: npx tsx bench/core.ts [--households N]
 * Inputs are shaped as the batch sees them: register intervals between decimal strings from
 * PostgreSQL (the ledger's meterUsage), one Season built per season, billed-before carried from
 * month to month.
 */
import {
  buildSeason,
  computeMonthInvoice,
  meterUsage,
  type AccountSeasonFacts,
  type LedgerMeter,
  type MeterUsage,
} from '../src/core/index.js';
import { integerArg } from './scratch.js';

const arg = (name: string, fallback: number) => integerArg(name, fallback, 1);

const households = arg('--households', 1_000_000);

// Small deterministic PRNG (mulberry32) so runs are comparable.
let seed = 0x5eed;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const season = buildSeason({
  label: '2025-26',
  heating: { start: '2025-11-15', end: '2026-03-15' },
  cooling: { start: '2026-06-15', end: '2026-09-15' },
  unitRate: '0.3300',
  capPerM2: '35.0000',
});
const months = season.months;

// Pools of realistic inputs (area strings as numeric(10,3), readings as numeric(15,3)).
const AREAS = Array.from({ length: 997 }, () => (40 + Math.floor(rnd() * 160_000) / 1000).toFixed(3));
const USAGE_POOL = 4096;
const METER: LedgerMeter = {
  id: 'm',
  replacesId: null,
  installedAt: new Date(0),
  retiredAt: null,
  initialReading: '0',
  finalReading: null,
  finalReadingId: null,
};
const point = (value: number, id: number) => ({ meterId: 'm', readingId: id, value: (value / 1000).toFixed(3), at: new Date(id * 1000) });
const usages: MeterUsage[][] = [];
for (let h = 0; h < USAGE_POOL; h++) {
  let value = Math.floor(rnd() * 50_000_000); // thousandths
  const row: MeterUsage[] = [];
  for (let m = 0; m < months.length; m++) {
    const start = point(value, 2 * m + 1);
    if (rnd() >= 0.04) value += Math.floor(rnd() * 4_000_000);
    const end = value === Number(start.value) * 1000 ? null : point(value, 2 * m + 2);
    row.push(meterUsage([METER], start, end) as MeterUsage);
  }
  usages.push(row);
}

const facts: AccountSeasonFacts[] = new Array(households);
for (let i = 0; i < households; i++) {
  const r = rnd();
  facts[i] = {
    plan: r < 0.75 ? 'metered' : 'flat',
    areaM2: AREAS[i % AREAS.length] as string,
    openedOn: rnd() < 0.05 ? '2026-01-10' : '2019-06-01',
    closedOn: null,
    season,
  };
}

let invoices = 0;
let totalFen = 0;
let capped = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < households; i++) {
  const f = facts[i] as AccountSeasonFacts;
  const row = usages[i % USAGE_POOL] as MeterUsage[];
  let billed = 0;
  for (let m = 0; m < months.length; m++) {
    const inv = computeMonthInvoice(f, months[m] as string, row[m] as MeterUsage, billed);
    if (inv === null) continue;
    invoices++;
    totalFen += inv.totalFen;
    if (inv.capped) capped++;
    billed += inv.totalFen;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rate = invoices / seconds;
console.log(
  `core: ${invoices} month-invoices in ${seconds.toFixed(2)} s = ${(rate / 1e6).toFixed(2)}M/s ` +
    `(${households} households, ${capped} capped invoices, total ${totalFen} fen)`,
);
