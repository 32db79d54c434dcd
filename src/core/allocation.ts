/**
 * Settling open invoices with money on the account (SPEC §7 payments): the oldest open invoice
 * first, paid from the oldest fund first. A fund is credit on the account: a payment's
 * unallocated part, or what is left of a negative invoice (SPEC §5 "Credit").
 */

/** One fund (a payment, or a negative invoice's credit) spent on one invoice. */
export interface Allocation {
  fundId: string;
  invoiceId: string;
  amountFen: number;
}

export interface Fund {
  id: string;
  availableFen: number;
}

export interface OpenInvoice {
  id: string;
  total_fen: number;
  paid_fen: number;
}

export interface AllocationResult {
  allocations: Allocation[];
  /** Each invoice whose paid amount changed, with its new paid amount. */
  paid: Map<string, number>;
  /** Every fund, in the order given, with what is left of it. */
  remaining: Array<{ id: string; fen: number }>;
}

/** Funds (in the order given: oldest first) settle the invoices (in the order given: oldest first). */
export function allocate(funds: readonly Fund[], invoices: readonly OpenInvoice[]): AllocationResult {
  const remaining = funds.map((f) => ({ id: f.id, fen: f.availableFen }));
  const allocations: Allocation[] = [];
  const paid = new Map<string, number>();
  let f = 0;
  for (const invoice of invoices) {
    let open = invoice.total_fen - invoice.paid_fen;
    let paidFen = invoice.paid_fen;
    while (open > 0 && f < remaining.length) {
      const fund = remaining[f]!;
      const take = Math.min(open, fund.fen);
      if (take > 0) {
        allocations.push({ fundId: fund.id, invoiceId: invoice.id, amountFen: take });
        fund.fen -= take;
        open -= take;
        paidFen += take;
      }
      if (fund.fen === 0) f += 1;
    }
    if (paidFen !== invoice.paid_fen) paid.set(invoice.id, paidFen);
    if (f >= remaining.length) break;
  }
  return { allocations, paid, remaining };
}
