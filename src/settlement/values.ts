/** Input values and output shapes shared by the settlement operations. */
import { formatQuantity, parseQuantity, type Qty } from '../core/index.js';
import { unprocessable } from '../http/problem.js';

const MAX_QTY = 10n ** 15n; // numeric(15, 3)

export function qty(value: string): Qty {
  return parseQuantity(value);
}

/** A register value from the request body, canonical, or 422 naming the field. */
export function parseValue(input: string | number, path: string): string {
  let q: Qty;
  try {
    q = parseQuantity(input, path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw unprocessable(`${path} is invalid: ${message}`, [
      { path, message: message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message },
    ]);
  }
  if (q >= MAX_QTY) throw unprocessable(`${path} must be below 1000000000000.`, [{ path, message: 'must be below 1000000000000' }]);
  return formatQuantity(q);
}

export interface AdjustmentOut {
  id: string;
  accountId: string;
  season: string;
  amountFen: number;
  description: string;
  sourceInvoiceId: string | null;
}

export function adjustmentOut(row: {
  id: string;
  account_id: string;
  season_label: string;
  amount_fen: number;
  description: string;
  source_invoice_id: string | null;
}): AdjustmentOut {
  return {
    id: row.id,
    accountId: row.account_id,
    season: row.season_label,
    amountFen: row.amount_fen,
    description: row.description,
    sourceInvoiceId: row.source_invoice_id,
  };
}
