import t from 'tap';
import fc from 'fast-check';
import {
  addDays,
  dateOfDayNumber,
  dayNumber,
  lateFeeAccrual,
  parseLateFeeRate,
  type LateFeeInput,
  type LateFeePayment,
} from '../../src/core/index.js';

const RUNS = { numRuns: Number(process.env['CORE_PROPERTY_RUNS'] ?? 400) };
const HALF_PER_MILLE = parseLateFeeRate('0.5');

t.test('late fee: hand-worked figures (SPEC §9)', async (t) => {
  const base: LateFeeInput = { totalFen: 100_000, dueOn: '2026-01-15', payments: [], rate: HALF_PER_MILLE, throughOn: '2026-01-31' };
  // 16 days (Jan 16–31) × 100,000 fen × 0.5 / 1000 = 800 fen.
  t.same(lateFeeAccrual(base), { feeFen: 800, fromOn: '2026-01-16', throughOn: '2026-01-31', accruingDays: 16 });
  // 60,000 paid on Jan 20: Jan 16–20 on 100,000 (500,000 fen-days), Jan 21–31 on 40,000 (440,000): 470 fen.
  t.equal(lateFeeAccrual({ ...base, payments: [{ on: '2026-01-20', amountFen: 60_000 }] }).feeFen, 470);
  // Paid in full on Jan 20: 5 days on 100,000, nothing after: 250 fen.
  const paid = lateFeeAccrual({ ...base, payments: [{ on: '2026-01-20', amountFen: 100_000 }] });
  t.same([paid.feeFen, paid.accruingDays], [250, 5]);
  // Paid on the due date or before: nothing.
  t.equal(lateFeeAccrual({ ...base, payments: [{ on: '2026-01-15', amountFen: 100_000 }] }).feeFen, 0);
  // A later month's batch bills from the day after the last billed one: Feb 1–28 on 100,000 = 1,400 fen.
  t.same(lateFeeAccrual({ ...base, fromOn: '2026-02-01', throughOn: '2026-02-28' }), {
    feeFen: 1400,
    fromOn: '2026-02-01',
    throughOn: '2026-02-28',
    accruingDays: 28,
  });
  // Rounded once per line, half up: 12,345 × 7 days × 0.3‰ = 25.9245 → 26; 10,000 × 1 × 0.05‰ = 0.5 → 1.
  t.equal(lateFeeAccrual({ ...base, totalFen: 12_345, rate: parseLateFeeRate('0.3'), throughOn: '2026-01-22' }).feeFen, 26);
  t.equal(lateFeeAccrual({ ...base, totalFen: 10_000, rate: parseLateFeeRate('0.05'), throughOn: '2026-01-16' }).feeFen, 1);
  t.equal(lateFeeAccrual({ ...base, totalFen: 9_999, rate: parseLateFeeRate('0.05'), throughOn: '2026-01-16' }).feeFen, 0);
  // Off, not yet due, nothing owed.
  t.equal(lateFeeAccrual({ ...base, rate: parseLateFeeRate('0') }).feeFen, 0);
  t.equal(lateFeeAccrual({ ...base, throughOn: '2026-01-15' }).feeFen, 0);
  t.equal(lateFeeAccrual({ ...base, totalFen: -500 }).feeFen, 0);
  t.throws(() => parseLateFeeRate('-1'), /lateFeePerMillePerDay.*negative/);
  t.throws(() => parseLateFeeRate('0.5‰'), /lateFeePerMillePerDay/);
});

/** An oracle written day by day: what was unpaid in the morning of each late day, × rate, summed, rounded once. */
function oracle(input: LateFeeInput): number {
  const first = Math.max(dayNumber(input.dueOn) + 1, input.fromOn ? dayNumber(input.fromOn) : 0);
  let sum = 0n;
  for (let d = first; d <= dayNumber(input.throughOn); d++) {
    const paid = input.payments.filter((p) => dayNumber(p.on) < d).reduce((s, p) => s + p.amountFen, 0);
    const unpaid = input.totalFen - paid;
    if (unpaid > 0 && input.totalFen > 0) sum += BigInt(unpaid) * input.rate;
  }
  const fee = sum / 10_000_000n;
  return Number(sum % 10_000_000n >= 5_000_000n ? fee + 1n : fee);
}

const DUE = dayNumber('2026-01-15');
const day = (offset: number) => dateOfDayNumber(DUE + offset);
const arbitraryInvoice = fc
  .record({
    totalFen: fc.integer({ min: 1, max: 100_000_000 }),
    rate: fc.bigInt({ min: 0n, max: 100_000n }),
    parts: fc.array(fc.record({ offset: fc.integer({ min: -20, max: 120 }), share: fc.integer({ min: 1, max: 100 }) }), { maxLength: 4 }),
    through: fc.integer({ min: -5, max: 150 }),
  })
  .map(({ totalFen, rate, parts, through }) => {
    // Payments never exceed the total: each takes a share of what is left.
    let left = totalFen;
    const payments: LateFeePayment[] = [];
    for (const p of parts) {
      const amountFen = Math.floor((left * p.share) / 100);
      if (amountFen <= 0) continue;
      left -= amountFen;
      payments.push({ on: day(p.offset), amountFen });
    }
    return { totalFen, dueOn: day(0), payments, rate, throughOn: day(through) } satisfies LateFeeInput;
  });

t.test('late fee properties', async (t) => {
  t.test('right to the fen against a day-by-day oracle, partial payments included', async () => {
    fc.assert(
      fc.property(arbitraryInvoice, (input) => lateFeeAccrual(input).feeFen === oracle(input)),
      RUNS,
    );
  });

  t.test('a mid-month partial payment lowers the base from the next day, exactly', async () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10_000_000 }),
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 15 }),
        (totalFen, percent, paidOffset) => {
          const part = Math.max(1, Math.floor((totalFen * percent) / 100));
          const input = { totalFen, dueOn: '2026-01-15', rate: HALF_PER_MILLE, throughOn: '2026-01-31' };
          const paidOn = day(paidOffset);
          const fenDays = BigInt(totalFen) * BigInt(paidOffset) + BigInt(totalFen - part) * BigInt(16 - paidOffset);
          const expected = Number((fenDays * HALF_PER_MILLE * 2n + 10_000_000n) / 20_000_000n);
          return lateFeeAccrual({ ...input, payments: [{ on: paidOn, amountFen: part }] }).feeFen === expected;
        },
      ),
      RUNS,
    );
  });

  t.test('never accrues on a paid amount: after the full payment, nothing more', async () => {
    fc.assert(
      fc.property(arbitraryInvoice, fc.integer({ min: -10, max: 100 }), fc.integer({ min: 1, max: 200 }), (input, paidOffset, more) => {
        const paidOn = day(paidOffset);
        const paid = input.payments.reduce((s, p) => s + p.amountFen, 0);
        const payments = [...input.payments, { on: paidOn, amountFen: input.totalFen - paid }].filter((p) => p.amountFen > 0);
        const full = { ...input, payments };
        const lastDayPaid = payments.reduce((last, p) => (p.on > last ? p.on : last), input.dueOn);
        const afterPaid = lateFeeAccrual({ ...full, fromOn: addDays(lastDayPaid, 1), throughOn: addDays(lastDayPaid, more) });
        const untilPaid = lateFeeAccrual({ ...full, throughOn: lastDayPaid }).feeFen;
        const later = lateFeeAccrual({ ...full, throughOn: addDays(lastDayPaid, more) }).feeFen;
        return afterPaid.feeFen === 0 && later === untilPaid;
      }),
      RUNS,
    );
  });

  t.test('accrues once per day: an unpaid invoice accrues exactly days × unpaid × rate, and split ranges add up', async () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 400 }), (
        totalFen,
        days,
        cut,
      ) => {
        const input = { totalFen, dueOn: day(0), payments: [], rate: 10_000n, throughOn: day(days) };
        // At 1‰ a day the fen-days divide by 1000: days × total / 1000 rounded half up.
        const whole = lateFeeAccrual(input);
        const exact = BigInt(totalFen) * BigInt(days);
        if (whole.accruingDays !== days || BigInt(whole.feeFen) !== (exact * 2n + 1000n) / 2000n) return false;
        // The same days billed as two lines: each day in exactly one of them.
        const first = lateFeeAccrual({ ...input, throughOn: day(Math.min(cut, days)) });
        const second = lateFeeAccrual({ ...input, fromOn: day(Math.min(cut, days) + 1) });
        return first.accruingDays + second.accruingDays === days && Math.abs(first.feeFen + second.feeFen - whole.feeFen) <= 1;
      }),
      RUNS,
    );
  });

  t.test('0 when the rate is 0', async () => {
    fc.assert(
      fc.property(arbitraryInvoice, (input) => lateFeeAccrual({ ...input, rate: 0n }).feeFen === 0),
      RUNS,
    );
  });
});
