/**
 * Credit on an account (the unallocated part of its payments) settles its open invoices whenever
 * either side appears: a payment is recorded (payments/service.ts), the monthly batch issues a
 * compound's invoices (billing/service.ts), a final invoice is issued (settlement/service.ts).
 * One rule for all three: the core's allocate, oldest open invoice first (issued_on, number),
 * oldest credit first (paid_at, then when it was recorded).
 *
 * Runs on a Kysely transaction or on the batch's raw pg client inside a transaction. Lock order,
 * the same as every other writer of payments: the accounts (FOR NO KEY UPDATE, by id: it does not
 * wait on the foreign-key locks of a batch inserting invoices for them), then their open
 * invoices, then their payments.
 */
import { allocate, type Allocation } from '../core/index.js';
import { queryCount, queryRows, type InTransaction } from '../db/sql.js';
import { groupBy } from '../db/group.js';

const LOCK_ACCOUNTS_SQL = 'SELECT id FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE';

const OPEN_INVOICES_SQL = `
SELECT id, account_id, compound_id, total_fen, paid_fen FROM invoices
WHERE account_id = ANY($1::uuid[]) AND status IN ('issued', 'partially_paid') AND total_fen > paid_fen
ORDER BY account_id, issued_on, number
FOR UPDATE`;

const CREDITS_SQL = `
SELECT id, account_id, unallocated_fen FROM payments
WHERE account_id = ANY($1::uuid[]) AND unallocated_fen > 0
ORDER BY account_id, paid_at, created_at, id
FOR UPDATE`;

/**
 * Accounts of a compound with both credit (index payments_credit_idx) and an open invoice. The
 * LATERAL … LIMIT 1 probes each account's invoices by index; as an EXISTS the planner chose a
 * semi-join that read every invoice of every compound.
 */
const COMPOUND_ACCOUNTS_SQL = `
SELECT DISTINCT p.account_id FROM payments p
CROSS JOIN LATERAL (
  SELECT 1 FROM invoices i
  WHERE i.account_id = p.account_id AND i.status IN ('issued', 'partially_paid') AND i.total_fen > i.paid_fen
  LIMIT 1
) open_invoice
WHERE p.compound_id = $1 AND p.unallocated_fen > 0`;

const SET_PAID_SQL = `
UPDATE invoices i SET paid_fen = v.paid_fen, status = CASE WHEN v.paid_fen >= i.total_fen THEN 'paid' ELSE 'partially_paid' END
FROM unnest($1::uuid[], $2::bigint[]) AS v(id, paid_fen)
WHERE i.id = v.id`;

const ADD_ALLOCATIONS_SQL = `
INSERT INTO payment_allocations (payment_id, invoice_id, compound_id, amount_fen)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[])
ON CONFLICT (payment_id, invoice_id) DO UPDATE SET amount_fen = payment_allocations.amount_fen + excluded.amount_fen`;

const SET_UNALLOCATED_SQL = `
UPDATE payments p SET unallocated_fen = v.unallocated_fen
FROM unnest($1::uuid[], $2::bigint[]) AS v(id, unallocated_fen)
WHERE p.id = v.id`;

interface OpenInvoiceRow {
  id: string;
  account_id: string;
  compound_id: string;
  total_fen: number;
  paid_fen: number;
}

interface CreditRow {
  id: string;
  account_id: string;
  unallocated_fen: number;
}

/**
 * Settles the open invoices of these accounts from their credit, set-wise (a fixed number of
 * statements whatever the number of accounts). Call inside a transaction. Returns what was allocated.
 */
export async function applyCredit(q: InTransaction, accountIds: readonly string[]): Promise<Allocation[]> {
  if (accountIds.length === 0) return [];
  const ids = [...new Set(accountIds)];
  await queryRows(q, LOCK_ACCOUNTS_SQL, [ids]);
  const invoices = await queryRows<OpenInvoiceRow>(q, OPEN_INVOICES_SQL, [ids]);
  if (invoices.length === 0) return [];
  const credits = groupBy(await queryRows<CreditRow>(q, CREDITS_SQL, [ids]), (c) => c.account_id);
  if (credits.size === 0) return [];

  const compoundOf = new Map(invoices.map((i) => [i.id, i.compound_id]));
  const allocations: Allocation[] = [];
  const paid = new Map<string, number>();
  const unallocated = new Map<string, number>();
  for (const [accountId, open] of groupBy(invoices, (i) => i.account_id)) {
    const funds = credits.get(accountId);
    if (!funds) continue;
    const result = allocate(
      funds.map((c) => ({ id: c.id, availableFen: c.unallocated_fen })),
      open,
    );
    allocations.push(...result.allocations);
    for (const [invoiceId, paidFen] of result.paid) paid.set(invoiceId, paidFen);
    for (const [i, fund] of result.remaining.entries()) {
      if (fund.fen !== funds[i]!.unallocated_fen) unallocated.set(fund.id, fund.fen);
    }
  }
  if (allocations.length === 0) return [];
  await queryCount(q, SET_PAID_SQL, [[...paid.keys()], [...paid.values()]]);
  await queryCount(q, ADD_ALLOCATIONS_SQL, [
    allocations.map((a) => a.paymentId),
    allocations.map((a) => a.invoiceId),
    allocations.map((a) => compoundOf.get(a.invoiceId)!),
    allocations.map((a) => a.amountFen),
  ]);
  await queryCount(q, SET_UNALLOCATED_SQL, [[...unallocated.keys()], [...unallocated.values()]]);
  return allocations;
}

/** Settles every account of a compound that has both credit and an open invoice. Call inside a transaction. */
export async function applyCompoundCredit(q: InTransaction, compoundId: string): Promise<Allocation[]> {
  const accounts = await queryRows<{ account_id: string }>(q, COMPOUND_ACCOUNTS_SQL, [compoundId]);
  return applyCredit(
    q,
    accounts.map((a) => a.account_id),
  );
}
