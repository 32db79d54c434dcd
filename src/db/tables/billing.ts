/**
 * The billing tables (SPEC §5–§9): runs, invoices with their lines and intervals, adjustments,
 * payments, credit, late fees. See ../types.ts for the conversions.
 */
import type { ColumnType, Generated } from 'kysely';
import type { Decimal, Timestamp, CreatedAt, IsoDate } from '../column-types.js';
import type { Plan } from './registry.js';

export type BillingRunStatus = 'running' | 'succeeded' | 'partial' | 'failed';
/** How one compound of a run ended: billed, refused before billing (month order), or failed. */
export type RunCompoundStatus = 'succeeded' | 'refused' | 'failed';

export interface BillingRunsTable {
  id: Generated<string>;
  period: string;
  compound_id: string | null;
  provider_id: string | null;
  dry_run: Generated<boolean>;
  status: Generated<BillingRunStatus>;
  started_by: string;
  accounts_billed: Generated<number>;
  invoices_issued: Generated<number>;
  total_fen: Generated<number>;
  capped_accounts: Generated<number>;
  skipped_accounts: Generated<number>;
  already_billed_accounts: Generated<number>;
  estimate: Generated<boolean>;
  no_reading_accounts: Generated<number>;
  estimated_accounts: Generated<number>;
  error: string | null;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
}

export type InvoiceStatus = 'issued' | 'paid' | 'partially_paid' | 'void';
export type InvoiceKind = 'monthly' | 'final';
export type LineKind = 'usage' | 'cap' | 'flat_installment' | 'flat_upfront' | 'adjustment' | 'final_settlement' | 'late_fee';

export interface InvoicesTable {
  id: Generated<string>;
  compound_id: string;
  account_id: string;
  household_id: string;
  season_label: string;
  period: string;
  kind: ColumnType<InvoiceKind, InvoiceKind | undefined, never>;
  seq: number;
  number: string;
  /** The account's ledger slot (db/migrations/0014_billing_ledger.sql). */
  account_seq: number;
  issued_on: IsoDate;
  due_on: IsoDate;
  plan: Plan;
  total_fen: number;
  paid_fen: Generated<number>;
  status: InvoiceStatus;
  no_reading: Generated<boolean>;
  usage_units: ColumnType<string, string | number | undefined, never>;
  billing_run_id: string | null;
  void_reason: string | null;
  voided_at: Timestamp | null;
  /** A negative invoice's credit not yet spent on other invoices. */
  unallocated_credit_fen: Generated<number>;
  created_at: CreatedAt;
}

export interface InvoiceLinesTable {
  invoice_id: string;
  line_no: number;
  compound_id: string;
  kind: LineKind;
  description: string;
  units: Decimal | null;
  unit_rate: Decimal | null;
  amount_fen: number;
  /** The season the line charges; null only for a late fee. */
  season_label: string | null;
  estimated: Generated<boolean>;
}

export interface InvoiceIntervalsTable {
  invoice_id: string;
  interval_no: number;
  compound_id: string;
  season_label: string;
  meter_id: string;
  from_reading_id: number | null;
  from_value: Decimal;
  from_at: Timestamp;
  to_reading_id: number | null;
  to_value: Decimal;
  to_at: Timestamp;
  estimated: Generated<boolean>;
}

export interface BilledMonthsTable {
  compound_id: string;
  period: string;
  season_label: string;
  billing_run_id: string | null;
  billed_at: Generated<Date>;
}

export interface BillingRunCompoundsTable {
  billing_run_id: string;
  compound_id: string;
  status: RunCompoundStatus;
  reason: string | null;
}

export interface BillingRunExceptionsTable {
  billing_run_id: string;
  compound_id: string;
  period: string;
  account_id: string;
  household_id: string;
  reason: string;
}

export interface BillingRunNoReadingsTable {
  billing_run_id: string;
  compound_id: string;
  account_id: string;
  household_id: string;
}

export interface CreditAllocationsTable {
  credit_invoice_id: string;
  invoice_id: string;
  compound_id: string;
  amount_fen: number;
  created_at: Generated<Date>;
}

export interface AccountAdjustmentsTable {
  id: Generated<string>;
  compound_id: string;
  account_id: string;
  amount_fen: number;
  description: string;
  season_label: string;
  source_invoice_id: string | null;
  applied_invoice_id: string | null;
  created_by: string;
  created_at: CreatedAt;
}

export interface PaymentsTable {
  id: Generated<string>;
  compound_id: string;
  account_id: string;
  amount_fen: number;
  paid_at: Timestamp;
  reference: string;
  idempotency_key: string;
  request_hash: string;
  unallocated_fen: number;
  created_by: string;
  created_at: CreatedAt;
}

export interface PaymentAllocationsTable {
  payment_id: string;
  invoice_id: string;
  compound_id: string;
  amount_fen: number;
}

/** The days of an overdue invoice's late fee a batch billed, and the invoice whose line carries them (0022). */
export interface LateFeeChargesTable {
  invoice_id: string;
  charged_invoice_id: string;
  compound_id: string;
  from_on: IsoDate;
  through_on: IsoDate;
  amount_fen: number;
  created_at: CreatedAt;
}
