import type { ColumnType, Generated, Selectable } from 'kysely';

/*
 * One DB type from per-table interfaces (Kysely's recommended layout).
 * Conversions are set once in ./pool.ts:
 *  - bigint (int8) columns arrive as JS numbers, checked to be safe integers (money in fen, counts);
 *  - numeric columns (areas, readings, rates) arrive as decimal strings and are parsed by the
 *    billing core, never through parseFloat;
 *  - date columns arrive as 'YYYY-MM-DD' strings (local calendar dates, no time zone shift);
 *  - timestamptz columns arrive as Date.
 * Note that sum() of a bigint column is numeric in PostgreSQL: cast it back with ::bigint.
 */

type Decimal = ColumnType<string, string | number, string | number>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type IsoDate = ColumnType<string, string, string>;

export interface ProvidersTable {
  id: Generated<string>;
  name: string;
  created_at: CreatedAt;
  /** Payment details (0025), all null for a provider that has none. */
  payee_name: string | null;
  bank_name: string | null;
  bank_account: string | null;
  pay_qr: string | null;
  pay_hotline: string | null;
  pay_note_zh: string | null;
  pay_note_en: string | null;
}

export interface CompoundsTable {
  id: Generated<string>;
  code: string;
  name: string;
  district: string;
  provider_id: string;
  time_zone: Generated<string>;
  due_days: Generated<number>;
  /** Bumped by triggers (db/migrations/0010_statement_versions.sql), never written by the app. */
  statement_version: ColumnType<number, never, never>;
  created_at: CreatedAt;
}

export interface SeasonsTable {
  compound_id: string;
  label: string;
  heating_start: IsoDate;
  heating_end: IsoDate;
  cooling_start: IsoDate;
  cooling_end: IsoDate;
  unit_rate: Decimal;
  cap_per_m2: Decimal;
  flat_billing: ColumnType<FlatBilling, FlatBilling | undefined, FlatBilling>;
  /** SPEC §9 "Late fee": per mille of the unpaid amount per day; "0" (the default) is off. */
  late_fee_per_mille_per_day: ColumnType<string, string | number | undefined, string | number>;
  updated_at: Generated<Date>;
}

export interface HouseholdsTable {
  id: Generated<string>;
  household_no: ColumnType<number, never, never>;
  compound_id: string;
  building: string;
  unit: string;
  room: string;
  area_m2: Decimal;
  created_at: CreatedAt;
}

export interface MetersTable {
  id: Generated<string>;
  compound_id: string;
  household_id: string;
  serial: string;
  installed_at: Timestamp;
  initial_reading: Decimal;
  replaces_meter_id: string | null;
  retired_at: Timestamp | null;
  final_reading: Decimal | null;
  created_at: CreatedAt;
}

export interface AccountsTable {
  id: Generated<string>;
  compound_id: string;
  household_id: string;
  holder_name: string;
  phone: string | null;
  opened_on: IsoDate;
  closed_on: IsoDate | null;
  opening_reading: Decimal | null;
  /** The stored reading the opening value was taken from, when it was. */
  opening_reading_id: number | null;
  closing_reading: Decimal | null;
  /** Bumped by triggers (db/migrations/0010_statement_versions.sql), never written by the app. */
  statement_version: ColumnType<number, never, never>;
  created_at: CreatedAt;
}

export type Plan = 'metered' | 'flat';
export type FlatBilling = 'installments' | 'upfront';

export interface AccountPlansTable {
  account_id: string;
  compound_id: string;
  season_label: string;
  plan: Plan;
  updated_at: Generated<Date>;
}

export type ReadingSource = 'manual' | 'automatic';

export interface ReadingsTable {
  id: ColumnType<number, never, never>;
  compound_id: string;
  meter_id: string;
  read_at: Timestamp;
  value: Decimal;
  source: ColumnType<ReadingSource, ReadingSource | undefined, ReadingSource>;
  created_at: CreatedAt;
}

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

export type TokenRole = 'operator' | 'resident';

export interface ApiTokensTable {
  id: Generated<string>;
  token_hash: Buffer;
  role: TokenRole;
  provider_id: string | null;
  account_id: string | null;
  label: string | null;
  created_by: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  id: ColumnType<number, never, never>;
  at: CreatedAt;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  compound_id: string | null;
  details: ColumnType<unknown, string, never>;
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

export interface DB {
  providers: ProvidersTable;
  compounds: CompoundsTable;
  seasons: SeasonsTable;
  households: HouseholdsTable;
  meters: MetersTable;
  accounts: AccountsTable;
  account_plans: AccountPlansTable;
  readings: ReadingsTable;
  billing_runs: BillingRunsTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  invoice_intervals: InvoiceIntervalsTable;
  billed_months: BilledMonthsTable;
  billing_run_compounds: BillingRunCompoundsTable;
  billing_run_exceptions: BillingRunExceptionsTable;
  billing_run_no_readings: BillingRunNoReadingsTable;
  credit_allocations: CreditAllocationsTable;
  account_adjustments: AccountAdjustmentsTable;
  payments: PaymentsTable;
  payment_allocations: PaymentAllocationsTable;
  late_fee_charges: LateFeeChargesTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}

export type Compound = Selectable<CompoundsTable>;
export type Season = Selectable<SeasonsTable>;
export type Household = Selectable<HouseholdsTable>;
export type Meter = Selectable<MetersTable>;
export type Account = Selectable<AccountsTable>;
export type Invoice = Selectable<InvoicesTable>;
export type InvoiceLine = Selectable<InvoiceLinesTable>;
