/**
 * The late fee (滞纳金, SPEC §9 "Late fee"): pure, in integer fen. An overdue invoice accrues
 * `unpaid × rate / 1000` a day from the day after its dueOn. A payment counts at the end of its
 * local day: that day still accrues on what was owed in the morning, and the base is lower from
 * the next day (so a full payment stops the accrual from the next day). Over the days one line
 * bills, the fen-days are summed exactly and rounded half up once (SPEC §2), never per day.
 */
import { parseRate, roundDiv, toFen, type DecimalInput, type Rate } from './decimal.js';
import { invoiceStatus, sumLines, type InvoiceLine, type MonthInvoice } from './invoice.js';
import { addDays, dayNumber, dateOfDayNumber } from './season.js';

/** An amount that settled part of the invoice on a local date (a payment, or credit applied). */
export interface LateFeePayment {
  on: string;
  amountFen: number;
}

export interface LateFeeInput {
  /** What the invoice asked for (its total); a total of 0 or less never accrues. */
  totalFen: number;
  dueOn: string;
  /** Every amount that settled the invoice, in any order. */
  payments: readonly LateFeePayment[];
  /** Per mille a day, as a Rate (scale 4): "0.5" ‰ → 5000n. */
  rate: Rate;
  /** The first day to bill (inclusive); the day after dueOn when earlier or absent. */
  fromOn?: string | undefined;
  /** The last day to bill (inclusive). */
  throughOn: string;
}

export interface LateFeeAccrual {
  /** round half up of Σ unpaid(day) × rate / 1000 over the billed days. */
  feeFen: number;
  /** The days billed: [fromOn, throughOn]; none when fromOn > throughOn. */
  fromOn: string;
  throughOn: string;
  /** Days in the range on which something was unpaid. */
  accruingDays: number;
}

/** Rate (scale 4) per mille: fen × rate / 10^4 / 1000. */
const FEE_DIVISOR = 10_000_000n;

/** A season's `lateFeePerMillePerDay` as a Rate (throws naming `what` when negative or malformed). */
export function parseLateFeeRate(input: DecimalInput, what = 'lateFeePerMillePerDay'): Rate {
  return parseRate(input, what);
}

/**
 * The fee accrued over [max(fromOn, dueOn + 1), throughOn] (SPEC §9). Zero when the rate is 0,
 * the range is empty or nothing was unpaid on any of its days.
 */
export function lateFeeAccrual(input: LateFeeInput): LateFeeAccrual {
  const firstLate = dayNumber(input.dueOn, 'dueOn') + 1;
  const from = Math.max(firstLate, input.fromOn === undefined ? firstLate : dayNumber(input.fromOn, 'fromOn'));
  const through = dayNumber(input.throughOn, 'throughOn');
  const none = { feeFen: 0, fromOn: dateOfDayNumber(from), throughOn: input.throughOn, accruingDays: 0 };
  if (input.rate < 0n) throw new Error('late fee rate must not be negative');
  if (input.rate === 0n || through < from || input.totalFen <= 0) return none;

  // Segments of constant base: a payment on day p lowers the base from day p + 1.
  const steps = input.payments
    .map((p) => ({ day: dayNumber(p.on, 'payment date') + 1, amountFen: p.amountFen }))
    .sort((a, b) => a.day - b.day);
  let base = BigInt(input.totalFen);
  let fenDays = 0n;
  let accruingDays = 0;
  let day = from;
  let i = 0;
  while (day <= through) {
    while (i < steps.length && steps[i]!.day <= day) base -= BigInt(steps[i++]!.amountFen);
    const next = i < steps.length ? Math.min(steps[i]!.day, through + 1) : through + 1;
    if (base > 0n) {
      fenDays += base * BigInt(next - day);
      accruingDays += next - day;
    }
    day = next;
  }
  return { ...none, feeFen: toFen(roundDiv(fenDays * input.rate, FEE_DIVISOR)), accruingDays };
}

/**
 * The invoice line's text: which invoice, which days, at which rate. Payments only lower the base,
 * so the accruing days are the first `accruingDays` of the range.
 */
export function lateFeeDescription(number: string, accrual: LateFeeAccrual, rateText: string): string {
  const lastOn = addDays(accrual.fromOn, accrual.accruingDays - 1);
  return `滞纳金 Late fee on ${number}: ${accrual.fromOn} to ${lastOn}, ${accrual.accruingDays} days × ${rateText}‰`;
}

/** The last day a month's batch bills a fee through: the month's last local day. */
export function lateFeeThrough(nextFirstDay: string): string {
  return addDays(nextFirstDay, -1);
}

/**
 * The month invoice with its late fee lines added (one per overdue invoice, SPEC §9): the total
 * and the status follow. Late fee lines charge no season, so no cap or flat fee counts them.
 */
export function withLateFeeLines(invoice: MonthInvoice, lateFees: readonly InvoiceLine[]): MonthInvoice {
  if (lateFees.length === 0) return invoice;
  for (const line of lateFees) {
    if (line.kind !== 'late_fee' || line.seasonLabel !== null) throw new Error('a late fee line has kind late_fee and no season');
  }
  const lines = [...invoice.lines, ...lateFees];
  const totalFen = sumLines(lines);
  return { ...invoice, lines, totalFen, status: invoiceStatus(totalFen) };
}
