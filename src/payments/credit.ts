/**
 * Credit on an account settles its open invoices whenever either side appears: a payment is
 * recorded (payments/service.ts), the monthly batch issues a compound's invoices
 * (billing/compound.ts), a final invoice is issued (settlement/close-account.ts). Credit is the
 * unallocated part of the account's payments and of its negative invoices (a final credit, a
 * negative month): SPEC §5 "Credit" makes the two exactly alike. One rule for all: the core's
 * allocate, oldest open invoice first (issued_on, number), oldest credit first (when it arose:
 * paid_at for a payment, issue for an invoice).
 *
 * Runs on a Kysely transaction or on the batch's raw pg client inside a transaction. Lock order,
 * the same as every other writer of payments: the accounts (FOR NO KEY UPDATE, by id: it does not
 * wait on the foreign-key locks of a batch inserting invoices for them), then their open
 * invoices, then their credit invoices, then their payments.
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

const CREDIT_INVOICES_SQL = `
SELECT id, account_id, unallocated_credit_fen AS available_fen, created_at AS arose_at FROM invoices
WHERE account_id = ANY($1::uuid[]) AND unallocated_credit_fen > 0
ORDER BY account_id, created_at, id
FOR UPDATE`;

const PAYMENT_CREDITS_SQL = `
SELECT id, account_id, unallocated_fen AS available_fen, paid_at AS arose_at FROM payments
WHERE account_id = ANY($1::uuid[]) AND unallocated_fen > 0
ORDER BY account_id, paid_at, created_at, id
FOR UPDATE`;

/**
 * Accounts of a compound with both credit (indexes payments_credit_idx, invoices_credit_idx) and
 * an open invoice. The LATERAL … LIMIT 1 probes each account's invoices by index; as an EXISTS
 * the planner chose a semi-join that read every invoice of every compound.
 */
const COMPOUND_ACCOUNTS_SQL = `
SELECT DISTINCT c.account_id FROM (
  SELECT account_id FROM payments WHERE compound_id = $1 AND unallocated_fen > 0
  UNION
  SELECT account_id FROM invoices WHERE compound_id = $1 AND unallocated_credit_fen > 0
) c
CROSS JOIN LATERAL (
  SELECT 1 FROM invoices i
  WHERE i.account_id = c.account_id AND i.status IN ('issued', 'partially_paid') AND i.total_fen > i.paid_fen
  LIMIT 1
) open_invoice`;

const SET_PAID_SQL = `
UPDATE invoices i SET paid_fen = v.paid_fen, status = CASE WHEN v.paid_fen >= i.total_fen THEN 'paid' ELSE 'partially_paid' END
FROM unnest($1::uuid[], $2::bigint[]) AS v(id, paid_fen)
WHERE i.id = v.id`;

const ADD_PAYMENT_ALLOCATIONS_SQL = `
INSERT INTO payment_allocations (payment_id, invoice_id, compound_id, amount_fen)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[])
ON CONFLICT (payment_id, invoice_id) DO UPDATE SET amount_fen = payment_allocations.amount_fen + excluded.amount_fen`;

const ADD_CREDIT_ALLOCATIONS_SQL = `
INSERT INTO credit_allocations (credit_invoice_id, invoice_id, compound_id, amount_fen)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[])
ON CONFLICT (credit_invoice_id, invoice_id) DO UPDATE SET amount_fen = credit_allocations.amount_fen + excluded.amount_fen`;

const SET_PAYMENT_UNALLOCATED_SQL = `
UPDATE payments p SET unallocated_fen = v.fen
FROM unnest($1::uuid[], $2::bigint[]) AS v(id, fen)
WHERE p.id = v.id`;

const SET_INVOICE_UNALLOCATED_SQL = `
UPDATE invoices i SET unallocated_credit_fen = v.fen
FROM unnest($1::uuid[], $2::bigint[]) AS v(id, fen)
WHERE i.id = v.id`;

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
  available_fen: number;
  arose_at: Date;
}

type FundKind = 'payment' | 'invoice';

/** Oldest first: when the credit arose, then payments before invoices of the same instant, then id. */
function oldestFirst(a: CreditRow & { kind: FundKind }, b: CreditRow & { kind: FundKind }): number {
  return (
    a.arose_at.getTime() - b.arose_at.getTime() ||
    (a.kind === b.kind ? 0 : a.kind === 'payment' ? -1 : 1) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Writes what one kind of fund spent: allocations and what is left of each fund. */
async function recordSpent(
  q: InTransaction,
  kind: FundKind,
  allocations: readonly Allocation[],
  left: ReadonlyMap<string, number>,
  compoundOf: ReadonlyMap<string, string>,
): Promise<void> {
  if (allocations.length > 0) {
    await queryCount(q, kind === 'payment' ? ADD_PAYMENT_ALLOCATIONS_SQL : ADD_CREDIT_ALLOCATIONS_SQL, [
      allocations.map((a) => a.fundId),
      allocations.map((a) => a.invoiceId),
      allocations.map((a) => compoundOf.get(a.invoiceId)!),
      allocations.map((a) => a.amountFen),
    ]);
  }
  if (left.size > 0) {
    await queryCount(q, kind === 'payment' ? SET_PAYMENT_UNALLOCATED_SQL : SET_INVOICE_UNALLOCATED_SQL, [
      [...left.keys()],
      [...left.values()],
    ]);
  }
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
  const credits = [
    ...(await queryRows<CreditRow>(q, CREDIT_INVOICES_SQL, [ids])).map((c) => ({ ...c, kind: 'invoice' as const })),
    ...(await queryRows<CreditRow>(q, PAYMENT_CREDITS_SQL, [ids])).map((c) => ({ ...c, kind: 'payment' as const })),
  ].sort(oldestFirst);
  const fundsBy = groupBy(credits, (c) => c.account_id);
  if (fundsBy.size === 0) return [];

  const kindOf = new Map(credits.map((c) => [c.id, c.kind]));
  const compoundOf = new Map(invoices.map((i) => [i.id, i.compound_id]));
  const allocations: Allocation[] = [];
  const paid = new Map<string, number>();
  const left = { payment: new Map<string, number>(), invoice: new Map<string, number>() };
  for (const [accountId, open] of groupBy(invoices, (i) => i.account_id)) {
    const funds = fundsBy.get(accountId);
    if (!funds) continue;
    const result = allocate(
      funds.map((c) => ({ id: c.id, availableFen: c.available_fen })),
      open,
    );
    allocations.push(...result.allocations);
    for (const [invoiceId, paidFen] of result.paid) paid.set(invoiceId, paidFen);
    for (const [i, fund] of result.remaining.entries()) {
      const was = funds[i]!;
      if (fund.fen !== was.available_fen) left[was.kind].set(fund.id, fund.fen);
    }
  }
  if (allocations.length === 0) return [];
  await queryCount(q, SET_PAID_SQL, [[...paid.keys()], [...paid.values()]]);
  await recordSpent(
    q,
    'payment',
    allocations.filter((a) => kindOf.get(a.fundId) === 'payment'),
    left.payment,
    compoundOf,
  );
  await recordSpent(
    q,
    'invoice',
    allocations.filter((a) => kindOf.get(a.fundId) === 'invoice'),
    left.invoice,
    compoundOf,
  );
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
