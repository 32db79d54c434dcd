/**
 * Prices a whole season for N households in memory with the pure core and prints the
 * month-invoice throughput. Usage: npx tsx bench/core.ts [--households N]
 * Inputs are shaped as the batch sees them: decimal strings from PostgreSQL, one Season
 * built per season, billed-before carried from month to month.
 */
import {
  buildSeason,
  computeMonthInvoice,
  type AccountSeasonFacts,
  type MeteredUsage,
  type SeasonBilled,
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
const usages: MeteredUsage[][] = [];
for (let h = 0; h < USAGE_POOL; h++) {
  let value = Math.floor(rnd() * 50_000_000); // thousandths
  const row: MeteredUsage[] = [];
  for (let m = 0; m < months.length; m++) {
    const start = (value / 1000).toFixed(3);
    if (rnd() < 0.04) {
      row.push({ startValue: start, endValue: null });
      continue;
    }
    value += Math.floor(rnd() * 4_000_000);
    row.push({ startValue: start, endValue: (value / 1000).toFixed(3) });
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
  const row = usages[i % USAGE_POOL] as MeteredUsage[];
  const billed: SeasonBilled = { usageFen: 0, flatFen: 0 };
  for (let m = 0; m < months.length; m++) {
    const inv = computeMonthInvoice(f, months[m] as string, f.plan === 'metered' ? (row[m] as MeteredUsage) : null, billed);
    if (inv === null) continue;
    invoices++;
    totalFen += inv.totalFen;
    if (inv.capped) capped++;
    if (f.plan === 'metered') billed.usageFen += inv.chargeFen;
    else billed.flatFen += inv.chargeFen;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rate = invoices / seconds;
console.log(
  `core: ${invoices} month-invoices in ${seconds.toFixed(2)} s = ${(rate / 1e6).toFixed(2)}M/s ` +
    `(${households} households, ${capped} capped invoices, total ${totalFen} fen)`,
);
