import type { Selectable } from 'kysely';

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

import type {
  ProvidersTable,
  CompoundsTable,
  SeasonsTable,
  HouseholdsTable,
  MetersTable,
  AccountsTable,
  AccountPlansTable,
  ReadingsTable,
  ApiTokensTable,
  AuditLogTable,
} from './tables/registry.js';
import type {
  BillingRunsTable,
  InvoicesTable,
  InvoiceLinesTable,
  InvoiceIntervalsTable,
  BilledMonthsTable,
  BillingRunCompoundsTable,
  BillingRunExceptionsTable,
  BillingRunNoReadingsTable,
  CreditAllocationsTable,
  AccountAdjustmentsTable,
  PaymentsTable,
  PaymentAllocationsTable,
  LateFeeChargesTable,
} from './tables/billing.js';

export type * from './tables/registry.js';
export type * from './tables/billing.js';

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
