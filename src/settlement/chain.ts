/**
 * The reading chain of an account's invoices (pure, no I/O): which invoice each invoice's usage
 * started from, and the units each invoice WOULD have billed with the readings as they are now.
 *
 * Issued invoices never change, so a corrected reading (or a void) is settled by replaying the
 * season with corrected units through the billing core and carrying the difference as an
 * adjustment (see service.ts). The units of invoice k corrected for every later change are
 *
 *   corrected_k = usage_units_k + Δend_k − Δstart_k
 *   Δend_k   = current value of k's end reading − end_value_k (its value when k was billed)
 *   Δstart_k = current value of the end reading k started from − the value k started from
 *
 * where the value k started from is derived from what k stored:
 *   start_k = end_value_k − usage_units_k + Σ (final − initial) over meter replacements between
 *             the start reading's meter and k's end meter (SPEC §4 usage across a replacement).
 * This holds however many corrections happened before or after k was billed: an invoice billed
 * after a correction started from the corrected value, so its Δstart is 0.
 *
 * "Started from": the monthly batch starts an invoice at the end reading of the account's
 * latest earlier invoice, void or not: a void invoice's end reading is still where the next one
 * starts, and what the void invoice carried is re-billed by an adjustment, so its units still
 * count in the season's replay.
 */
import type { Qty } from '../core/index.js';

export interface ChainInvoice {
  id: string;
  number: string;
  period: string;
  seasonLabel: string;
  kind: 'monthly' | 'final';
  void: boolean;
  /** Creation instant (ms): issue order. */
  createdAt: number;
  endReadingId: number | null;
  /** Meter of the end reading (null without one). */
  endMeterId: string | null;
  /** end_value: the end reading's value when the invoice was billed. */
  endValue: Qty | null;
  /** The end reading's value now. */
  currentEndValue: Qty | null;
  usageUnits: Qty;
}

export interface ChainMeter {
  id: string;
  replacesMeterId: string | null;
  initialReading: Qty;
  finalReading: Qty | null;
}

/** Invoices in issue order: period, then creation. */
export function chainOrder(invoices: readonly ChainInvoice[]): ChainInvoice[] {
  return [...invoices].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.createdAt - b.createdAt));
}

/**
 * The invoice whose end reading invoice k started from: the latest earlier invoice (in issue
 * order, created no later than k) with an end reading, void or not (see above).
 */
function startInvoiceOf(ordered: readonly ChainInvoice[], index: number): ChainInvoice | undefined {
  const k = ordered[index] as ChainInvoice;
  for (let j = index - 1; j >= 0; j--) {
    const p = ordered[j] as ChainInvoice;
    if (p.createdAt > k.createdAt) continue;
    if (p.endReadingId === null) continue;
    return p;
  }
  return undefined;
}

/** Σ (final − initial) over the replacements from meter `from` to meter `to` (0 when the same or unrelated). */
export function replacementGap(meters: ReadonlyMap<string, ChainMeter>, from: string, to: string): Qty {
  let gap = 0n;
  let current = meters.get(to);
  const seen = new Set<string>();
  while (current && current.id !== from && !seen.has(current.id)) {
    seen.add(current.id);
    const older = current.replacesMeterId === null ? undefined : meters.get(current.replacesMeterId);
    if (!older) return 0n;
    gap += (older.finalReading ?? 0n) - current.initialReading;
    current = older;
  }
  return current && current.id === from ? gap : 0n;
}

export interface CorrectedInvoice {
  invoice: ChainInvoice;
  /** The invoice its usage started from (undefined: the opening reading). */
  start: ChainInvoice | undefined;
  correctedUnits: Qty;
}

/** Every invoice with its corrected units (see above). */
export function correctChain(invoices: readonly ChainInvoice[], meters: ReadonlyMap<string, ChainMeter>): CorrectedInvoice[] {
  const ordered = chainOrder(invoices);
  return ordered.map((invoice, i) => {
    const start = startInvoiceOf(ordered, i);
    let corrected = invoice.usageUnits;
    if (invoice.endReadingId !== null && invoice.endValue !== null && invoice.currentEndValue !== null) {
      corrected += invoice.currentEndValue - invoice.endValue;
      if (start && start.currentEndValue !== null && start.endMeterId !== null && invoice.endMeterId !== null) {
        const startedAt = invoice.endValue - invoice.usageUnits + replacementGap(meters, start.endMeterId, invoice.endMeterId);
        corrected -= start.currentEndValue - startedAt;
      }
    }
    return { invoice, start, correctedUnits: corrected };
  });
}

/** The invoices of one season whose corrected units a replay must price, in period order. */
export function seasonUnits(chain: readonly CorrectedInvoice[], seasonLabel: string): CorrectedInvoice[] {
  return chain.filter((c) => c.invoice.seasonLabel === seasonLabel);
}
