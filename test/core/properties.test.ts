import t from 'tap';
import fc from 'fast-check';
import {
  accountTerms,
  buildSeason,
  computeFinalSettlement,
  computeMonthInvoice,
  dateOfDayNumber,
  dayNumber,
  flatBilledThrough,
  formatArea,
  formatQuantity,
  formatRate,
  meteredSeasonTarget,
  type AccountSeasonFacts,
  type FlatBilling,
  type InvoiceLine,
  type Season,
} from '../../src/core/index.js';
import { usage } from '../helpers/ledger.js';
import { DEFAULT_WINDOWS } from '../helpers/season.js';

const FIRST = dayNumber(DEFAULT_WINDOWS.heating.start);
const LAST = dayNumber(DEFAULT_WINDOWS.cooling.end);
/** CORE_PROPERTY_RUNS=20000 for a deeper search. */
const RUNS = { numRuns: Number(process.env['CORE_PROPERTY_RUNS'] ?? 400) };

/** Independent oracle: round(a × b / d) half up for a, b ≥ 0, written differently from the core. */
const oracleRound = (num: bigint, den: bigint): bigint => {
  const q = num / den;
  return (num % den) * 2n >= den ? q + 1n : q;
};
const oracleGross = (units: bigint, rate: bigint): bigint => oracleRound(units * rate, 100_000n);

const rateArb = fc.bigInt({ min: 0n, max: 20_000n }); // 0 … 2 CNY per unit, 4 decimals
const capPerM2Arb = fc.bigInt({ min: 0n, max: 1_000_000n }); // 0 … 100 CNY per m²
const areaArb = fc.bigInt({ min: 1n, max: 500_000n }); // 0.001 … 500 m², 3 decimals
const unitsArb = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 1n, max: 999n }),
  fc.bigInt({ min: 0n, max: 5_000_000n }),
  fc.bigInt({ min: 0n, max: 50_000_000_000n }),
);
const monthsUnitsArb = fc.array(unitsArb, { minLength: 9, maxLength: 9 });
const dayArb = fc.integer({ min: FIRST - 30, max: LAST + 30 });

function seasonOf(rate: bigint, capPerM2: bigint, flatBilling: FlatBilling = 'installments'): Season {
  return buildSeason({ ...DEFAULT_WINDOWS, unitRate: formatRate(rate), capPerM2: formatRate(capPerM2), flatBilling });
}

/** Independent oracle: service days of the default windows inside [opened, closed), counted day by day. */
function oracleCovered(opened: number, closed: number | null): number {
  const windows = [DEFAULT_WINDOWS.heating, DEFAULT_WINDOWS.cooling].map((w) => [dayNumber(w.start), dayNumber(w.end)] as const);
  let n = 0;
  for (let d = FIRST; d < LAST; d++) if (d >= opened && (closed === null || d < closed) && windows.some(([a, b]) => d >= a && d < b)) n++;
  return n;
}

const ALLOWED_NEGATIVE = new Set(['cap', 'adjustment', 'final_settlement']);
function checkLines(lines: readonly InvoiceLine[], totalFen: number, where: string): void {
  let sum = 0;
  for (const l of lines) {
    if (!Number.isSafeInteger(l.amountFen)) throw new Error(`${where}: ${l.kind} amount ${l.amountFen} not an integer`);
    if (l.amountFen < 0 && !ALLOWED_NEGATIVE.has(l.kind)) throw new Error(`${where}: negative ${l.kind} line ${l.amountFen}`);
    if (Object.is(l.amountFen, -0)) throw new Error(`${where}: -0 amount`);
    sum += l.amountFen;
  }
  if (!Number.isSafeInteger(totalFen) || sum !== totalFen) throw new Error(`${where}: total ${totalFen} ≠ Σ lines ${sum}`);
}

/** Bills the metered months of a season from cumulative readings; returns per-month results. */
function billMetered(facts: AccountSeasonFacts, units: readonly bigint[], start: bigint) {
  let billed = 0;
  let value = start;
  const out: { period: string; units: bigint; gross: number; charge: number; total: number }[] = [];
  facts.season.months.forEach((period, i) => {
    const u = units[i] ?? 0n;
    const inv = computeMonthInvoice(facts, period, usage(formatQuantity(value), formatQuantity(value + u)), billed);
    if (inv === null) return;
    checkLines(inv.lines, inv.totalFen, period);
    const capLine = inv.lines.find((l) => l.kind === 'cap');
    if (inv.capped !== (capLine !== undefined)) throw new Error(`${period}: capped flag`);
    if (capLine !== undefined && !(capLine.amountFen < 0 && capLine.amountFen === inv.chargeFen - inv.grossFen)) {
      throw new Error(`${period}: cap line ${capLine.amountFen}`);
    }
    value += u;
    billed += inv.totalFen;
    out.push({ period, units: u, gross: inv.grossFen, charge: inv.chargeFen, total: inv.totalFen });
  });
  return out;
}

t.test('property: a metered season total = min(Σ round(units × rate), cap) and never exceeds the cap', async (t) => {
  fc.assert(
    fc.property(
      rateArb,
      capPerM2Arb,
      areaArb,
      monthsUnitsArb,
      dayArb,
      fc.option(dayArb),
      fc.bigInt({ min: 0n, max: 10n ** 14n }),
      (rate, capPerM2, area, units, opened, closed, start) => {
        const season = seasonOf(rate, capPerM2);
        const openedOn = dateOfDayNumber(opened);
        const closedOn = closed === null ? null : dateOfDayNumber(Math.max(opened, closed));
        const facts: AccountSeasonFacts = { plan: 'metered', areaM2: formatArea(area), openedOn, closedOn, season };
        const fullCap = oracleRound(area * capPerM2, 100_000n);
        const covered = BigInt(oracleCovered(opened, closed === null ? null : Math.max(opened, closed)));
        const cap = Number(oracleRound(fullCap * covered, 212n));
        if (accountTerms(facts).capFen !== cap) throw new Error(`cap ${accountTerms(facts).capFen} ≠ ${cap}`);
        const months = billMetered(facts, units, start);
        let total = 0;
        let grossSum = 0n;
        for (const m of months) {
          if (BigInt(m.gross) !== oracleGross(m.units, rate)) throw new Error(`${m.period}: gross ${m.gross}`);
          total += m.total;
          grossSum += BigInt(m.gross);
        }
        if (total > cap) throw new Error(`total ${total} > cap ${cap}`);
        const expected = grossSum < BigInt(cap) ? Number(grossSum) : cap;
        if (total !== expected) throw new Error(`total ${total} ≠ min(Σ gross, cap) = ${expected}`);
        // The season target that corrections and final settlements true up to is the same total.
        if (
          meteredSeasonTarget(
            months.map((m) => m.units),
            season,
            cap,
          ) !== total
        ) { throw new Error('the season target differs from the invoices'); }
      },
    ),
    RUNS,
  );
  t.pass('held');
});

/*
 * Per-month rounding versus rounding the season's units once.
 * Let x_i = u_i × r × 100 fen (a multiple of 10^-5), k = number of months with x_i not an
 * integer (at most the months with usage), D = Σ round(x_i) − round(Σ x_i). Writing
 * a = #{frac(x_i) ≥ ½}: Σ round(x_i) = Σ floor(x_i) + a and Σ frac(x_i) ∈ [a/2, a + (k−a)/2),
 * so −floor(k/2) ≤ D ≤ floor(a/2) ≤ floor(k/2). Hence |D| ≤ floor(k/2), and since
 * |min(A, C) − min(B, C)| ≤ |A − B|, the capped totals differ by at most floor(k/2) fen too.
 * The bound is attained on both sides (tests below), so the rough "(k − 1)/2" is too tight
 * for even k.
 */
const bound = (units: readonly bigint[]) => Math.floor(units.filter((u) => u > 0n).length / 2);

t.test('property: per-month rounding vs one rounding differ by at most floor(k/2) fen', async (t) => {
  fc.assert(
    fc.property(rateArb, capPerM2Arb, areaArb, monthsUnitsArb, (rate, capPerM2, area, units) => {
      const season = seasonOf(rate, capPerM2);
      const facts: AccountSeasonFacts = { plan: 'metered', areaM2: formatArea(area), openedOn: '2020-01-01', season };
      const cap = accountTerms(facts).capFen;
      const total = billMetered(facts, units, 0n).reduce((s, m) => s + m.total, 0);
      const sumUnits = units.reduce((a, b) => a + b, 0n);
      const once = Number(oracleGross(sumUnits, rate));
      const onceCapped = Math.min(once, cap);
      const perMonth = units.reduce((s, u) => s + Number(oracleGross(u, rate)), 0);
      const k = bound(units);
      if (Math.abs(perMonth - once) > k) throw new Error(`uncapped |${perMonth} − ${once}| > ${k}`);
      if (Math.abs(total - onceCapped) > k) throw new Error(`capped |${total} − ${onceCapped}| > ${k}`);
    }),
    { numRuns: RUNS.numRuns * 3 },
  );
  t.pass('held');
});

t.test('the floor(k/2) bound is attained on both sides', async (t) => {
  // rate 0.1, 0.05 units: each month is exactly 0.5 fen → 1 fen.
  const up = seasonOf(1000n, 1_000_000n);
  const facts: AccountSeasonFacts = { plan: 'metered', areaM2: '100', openedOn: '2020-01-01', season: up };
  const two = billMetered(facts, [50n, 50n], 0n).reduce((s, m) => s + m.total, 0);
  t.equal(two, 2, 'two months of 0.5 fen bill 2 fen');
  t.equal(Number(oracleGross(100n, 1000n)), 1, 'one rounding of 1.0 fen gives 1');
  t.equal(two - 1, bound([50n, 50n]), 'D = floor(2/2) = 1 > (2 − 1)/2');
  const nine = billMetered(facts, Array(9).fill(50n), 0n).reduce((s, m) => s + m.total, 0);
  t.equal(nine - Number(oracleGross(450n, 1000n)), 4, '9 − round(4.5) = 4 = floor(9/2)');
  // rate 4.9999, 0.001 units: each month is 0.49999 fen → 0.
  const down = seasonOf(49_999n, 1_000_000n);
  const f2: AccountSeasonFacts = { ...facts, season: down };
  const nineDown = billMetered(f2, Array(9).fill(1n), 0n).reduce((s, m) => s + m.total, 0);
  t.equal(nineDown, 0);
  t.equal(nineDown - Number(oracleGross(9n, 49_999n)), -4, '0 − round(4.49991) = −4 = −floor(9/2)');
});

t.test('property: installments always sum to the fee and follow the cumulative formula', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000_000_000 }),
      fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 14 }).filter((d) => d.some((x) => x > 0)),
      (fee, days) => {
        const total = days.reduce((a, b) => a + b, 0);
        let through = 0;
        const inst = days.map((d) => {
          const before = flatBilledThrough(fee, through, total, 'installments');
          through += d;
          return flatBilledThrough(fee, through, total, 'installments') - before;
        });
        if (inst.reduce((a, b) => a + b, 0) !== fee) throw new Error('sum');
        let cum = 0;
        inst.forEach((x, i) => {
          const prev = Number(oracleRound(BigInt(fee) * BigInt(cum), BigInt(total)));
          cum += days[i] ?? 0;
          const next = Number(oracleRound(BigInt(fee) * BigInt(cum), BigInt(total)));
          if (x !== next - prev || x < 0 || !Number.isSafeInteger(x)) throw new Error(`inst ${i} = ${x}`);
        });
      },
    ),
    { numRuns: RUNS.numRuns * 5 },
  );
  t.pass('held');
});

t.test('property: a flat season bills exactly the (prorated) fee, never a negative line', async (t) => {
  fc.assert(
    fc.property(
      capPerM2Arb,
      areaArb,
      dayArb,
      fc.option(dayArb),
      fc.constantFrom<FlatBilling>('installments', 'upfront'),
      (capPerM2, area, opened, closed, mode) => {
        const season = seasonOf(3300n, capPerM2, mode);
        const openedOn = dateOfDayNumber(opened);
        const closedOn = closed === null ? null : dateOfDayNumber(Math.max(opened, closed));
        const facts: AccountSeasonFacts = { plan: 'flat', areaM2: formatArea(area), openedOn, closedOn, season };
        const terms = accountTerms(facts);
        let billed = 0;
        let invoices = 0;
        for (const p of season.months) {
          const inv = computeMonthInvoice(facts, p, null, billed);
          if (inv === null) continue;
          invoices++;
          checkLines(inv.lines, inv.totalFen, p);
          billed += inv.totalFen;
        }
        if (terms.coveredDays === 0 ? invoices !== 0 : billed !== terms.capFen) {
          throw new Error(`billed ${billed} ≠ fee ${terms.capFen} (${invoices} invoices)`);
        }
      },
    ),
    RUNS,
  );
  t.pass('held');
});

t.test('property: a final settlement brings the season to min(Σ gross, prorated cap) (metered), the prorated fee (flat)', async (t) => {
  fc.assert(
    fc.property(
      rateArb,
      capPerM2Arb,
      areaArb,
      monthsUnitsArb,
      unitsArb,
      dayArb,
      dayArb,
      fc.constantFrom<FlatBilling>('installments', 'upfront'),
      fc.integer({ min: -5000, max: 5000 }),
      (rate, capPerM2, area, units, closingUnits, a, b, mode, adjustment) => {
        const season = seasonOf(rate, capPerM2, mode);
        const openedOn = dateOfDayNumber(Math.min(a, b));
        const closedDay = Math.max(a, b);
        const closedOn = dateOfDayNumber(closedDay);
        const adjustments = adjustment === 0 ? [] : [{ amountFen: adjustment, description: 'adj', seasonLabel: season.label }];
        for (const plan of ['metered', 'flat'] as const) {
          // Monthly invoices are issued while the account is open, for months ended by closedOn.
          const open: AccountSeasonFacts = { plan, areaM2: formatArea(area), openedOn, closedOn: null, season };
          let billed = 0;
          const billedUnits: bigint[] = [];
          let value = 1000n;
          season.months.forEach((p, i) => {
            if ((season.monthEndDays[i] as number) > closedDay) return;
            const u = units[i] ?? 0n;
            const inv = computeMonthInvoice(open, p, usage(formatQuantity(value), formatQuantity(value + u)), billed);
            if (inv === null) return;
            checkLines(inv.lines, inv.totalFen, p);
            value += u;
            billed += inv.totalFen;
            billedUnits.push(u);
          });
          const facts = { ...open, closedOn };
          const closing = usage(formatQuantity(value), formatQuantity(value + closingUnits));
          const f = computeFinalSettlement(closedOn, [
            { facts, billedFen: billed, billedUnits, usage: closing, adjustments, required: true },
          ]);
          checkLines(f.lines, f.totalFen, `final ${plan}`);
          if (f.lines.filter((l) => l.kind === 'final_settlement').length !== 1) throw new Error('one final_settlement line');
          const cap = accountTerms(facts).capFen;
          const seasonTotal = billed + f.totalFen;
          if (plan === 'metered') {
            const gross = [...billedUnits, closingUnits].reduce((sum, u) => sum + oracleGross(u, rate), 0n);
            const want = gross < BigInt(cap) ? Number(gross) : cap;
            if (seasonTotal !== want) throw new Error(`metered season total ${seasonTotal} ≠ min(Σ gross, cap) ${want}`);
          } else if (seasonTotal !== cap) {
            throw new Error(`flat: ${billed} + ${f.totalFen} ≠ prorated fee ${cap}`);
          }
        }
      },
    ),
    RUNS,
  );
  t.pass('held');
});

t.test('property: a correction trued up on the next invoice makes the season equal the target of the corrected units', async (t) => {
  fc.assert(
    fc.property(
      rateArb,
      areaArb,
      fc.array(fc.tuple(unitsArb, unitsArb), { minLength: 1, maxLength: 8 }),
      unitsArb,
      (rate, area, pairs, nextUnits) => {
        const season = seasonOf(rate, 350_000n);
        const facts: AccountSeasonFacts = { plan: 'metered', areaM2: formatArea(area), openedOn: '2020-01-01', season };
        const cap = accountTerms(facts).capFen;
        const wrong = pairs.map((p) => p[0]);
        const right = pairs.map((p) => p[1]);
        const billed = meteredSeasonTarget(wrong, season, cap);
        const trueUp = meteredSeasonTarget(right, season, cap) - billed;
        const next = season.months[pairs.length] as string;
        const adjustments = trueUp === 0 ? [] : [{ amountFen: trueUp, description: 'correction', seasonLabel: season.label }];
        const inv = computeMonthInvoice(facts, next, usage('0', formatQuantity(nextUnits)), billed, adjustments);
        if (inv === null) throw new Error('next month must be billable');
        checkLines(inv.lines, inv.totalFen, next);
        const want = meteredSeasonTarget([...right, nextUnits], season, cap);
        if (billed + inv.totalFen !== want) throw new Error(`${billed} + ${inv.totalFen} ≠ target ${want}`);
      },
    ),
    RUNS,
  );
  t.pass('held');
});
