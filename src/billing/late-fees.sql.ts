/**
 * The late fee's queries (SPEC §9 "Late fee"), set-wise: a compound's (or one account's) invoices
 * that may owe a fee, and what settled them when. Raw SQL because the batch runs on a raw pg
 * client; the notice passes its Kysely executor (queryRows takes either).
 */

/**
 * Whether any season of compound $1 sets a late fee: when none does (the default) the batch reads
 * no invoice for it, whatever plan the join below would get.
 */
export const COMPOUND_HAS_LATE_FEE_SQL = `
SELECT EXISTS (SELECT 1 FROM seasons WHERE compound_id = $1 AND late_fee_per_mille_per_day > 0) AS has`;

/** A non-void invoice with something to ask for, of a season with a late fee, due before the day. */
export interface LateFeeCandidateRow {
  id: string;
  account_id: string;
  number: string;
  due_on: string;
  total_fen: number;
  paid_fen: number;
  /** The season's rate per mille a day, numeric text. */
  rate: string;
  /** The last day a batch already billed (late_fee_charges), null when none. */
  billed_through: string | null;
}

/*
 * $1 compound, $2 the last day to bill through, $3 one account or null (all the compound's).
 * Paid invoices are read too: one paid late still owes the days until it was paid; the caller
 * finds them owing nothing once billed through their payment.
 */
export const LATE_FEE_CANDIDATES_SQL = `
SELECT i.id, i.account_id, i.number, i.due_on, i.total_fen, i.paid_fen, s.late_fee_per_mille_per_day::text AS rate,
       (SELECT max(f.through_on) FROM late_fee_charges f WHERE f.invoice_id = i.id) AS billed_through
FROM invoices i
JOIN seasons s ON s.compound_id = i.compound_id AND s.label = i.season_label
WHERE i.compound_id = $1
  AND s.late_fee_per_mille_per_day > 0
  AND i.status <> 'void'
  AND i.total_fen > 0
  AND i.due_on < $2::date
  AND ($3::uuid IS NULL OR i.account_id = $3::uuid)
ORDER BY i.account_id, i.due_on, i.number`;

export interface SettlementRow {
  invoice_id: string;
  /** The local date the amount settled the invoice on. */
  on: string;
  amount_fen: number;
}

/*
 * What settled each of the invoices $1, by local date in the zone $2: a payment on the day it was
 * paid, credit (a negative invoice) on the day it was applied.
 */
export const SETTLEMENTS_SQL = `
SELECT pa.invoice_id, (p.paid_at AT TIME ZONE $2::text)::date AS on, pa.amount_fen
FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
WHERE pa.invoice_id = ANY($1::uuid[])
UNION ALL
SELECT ca.invoice_id, (ca.created_at AT TIME ZONE $2::text)::date AS on, ca.amount_fen
FROM credit_allocations ca
WHERE ca.invoice_id = ANY($1::uuid[])`;

/** The days of fees a batch billed, with the invoice carrying them: $1 compound, then one array per column. */
export const RECORD_LATE_FEE_CHARGES_SQL = `
INSERT INTO late_fee_charges (compound_id, invoice_id, charged_invoice_id, from_on, through_on, amount_fen)
SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::date[], $5::date[], $6::bigint[])`;
