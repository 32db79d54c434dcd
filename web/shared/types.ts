/**
 * The REST shapes the pages read (SPEC §7, §9). Fields marked "optional" are not served by every
 * version of the API yet: the pages show what is there and hide the rest.
 */

import type { FieldError } from './errors';

export type { FieldError };

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  errorsOmitted?: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Me = { role: 'admin' } | { role: 'operator'; providerId: string } | { role: 'resident'; accountId: string };

export type InvoiceStatus = 'issued' | 'partially_paid' | 'paid' | 'void';

export interface InvoiceLine {
  kind: string;
  description: string;
  units?: string;
  unitRate?: string;
  amountFen: number;
  estimated?: boolean;
}

export interface Invoice {
  id: string;
  number: string;
  accountId: string;
  householdId: string;
  compound: string;
  period: string;
  issuedOn: string;
  dueOn: string;
  status: InvoiceStatus;
  totalFen: number;
  paidFen: number;
  noReading: boolean;
  /** optional (SPEC §9 arrears) */
  overdue?: boolean;
  lines: InvoiceLine[];
}

export type Plan = 'metered' | 'flat';

export interface Statement {
  account: { id: string; holderName: string; phone: string | null };
  household: { id: string; compound: string; compoundName: string; building: string; unit: string; room: string; areaM2: string };
  season: string;
  /** the compound's seasons that overlap the occupancy, oldest first */
  seasons: string[];
  plan: Plan;
  capFen: number;
  billedFen: number;
  remainingCapFen: number;
  /** what the cap took off this season's metered usage, as a positive amount */
  capSavedFen: number;
  balanceFen: number;
  /** credit in hand (unallocated payments, negative invoices) the next invoices will use */
  creditFen: number;
  invoices: Invoice[];
  payments: Array<{ id: string; amountFen: number; paidAt: string; reference: string; unallocatedFen: number }>;
  pendingAdjustments?: Array<{ id: string; amountFen: number; description: string; createdAt: string }>;
  usage: Array<{ period: string; units: string; amountFen: number }>;
  /** optional (SPEC §9 usage so far) */
  usageToDate?: { readAt: string; units: string; amountFen: number } | null;
  /** optional (SPEC §9 projection) */
  projectedSeasonFen?: number | null;
}

export interface Season {
  label: string;
  heating: { start: string; end: string };
  cooling: { start: string; end: string };
  unitRate: string;
  capPerM2: string;
  /** Late fee per mille of the unpaid amount per day (SPEC §9); "0" is off. */
  lateFeePerMillePerDay?: string;
}

export interface Compound {
  id: string;
  code: string;
  name: string;
  district: string;
  timeZone: string;
  seasons?: Season[];
}

export interface BillingException {
  accountId: string;
  householdId: string;
  reason: string;
}

export interface BillingRun {
  id: string;
  period: string;
  compound: string | null;
  status: 'running' | 'succeeded' | 'partial' | 'failed';
  /** each compound the run covered, as its own unit */
  compounds: Array<{ compound: string; status: 'succeeded' | 'refused' | 'failed'; reason?: string }>;
  dryRun: boolean;
  accountsBilled: number;
  invoicesIssued: number;
  totalFen: number;
  cappedAccounts: number;
  /** accounts already billed through a later month, left alone */
  skippedAccounts: number;
  /** accounts that already had their invoice of the month (a re-run), left alone */
  alreadyBilledAccounts: number;
  /** accounts billed (a dry run: to be billed) with no new reading: usage 0 (absent from older servers) */
  noReadingAccounts?: number;
  /** a dry run: which accounts those are, in household order */
  noReadings?: Array<{ accountId: string; householdId: string }>;
  /** accounts the run left unbilled, with the reason (SPEC §6) */
  exceptions: BillingException[];
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface ReportFigures {
  accountsBilled: number;
  usageUnits: string;
  grossFen: number;
  capSavingsFen: number;
  adjustmentsFen: number;
  netBilledFen: number;
  paidFen: number;
  outstandingFen: number;
  cappedAccounts: number;
}

export interface Report extends ReportFigures {
  compound: string;
  period: string;
  byPlan: { metered: ReportFigures; flat: ReportFigures };
}

/** An account of a compound with its household and its invoices of the month asked for. */
export interface CompoundAccount {
  id: string;
  householdId: string;
  holderName: string;
  phone: string | null;
  openedOn: string;
  closedOn: string | null;
  plans: Array<{ season: string; plan: Plan }>;
  household: { building: string; unit: string; room: string; areaM2: string };
  invoices: Array<Pick<Invoice, 'id' | 'number' | 'status' | 'totalFen' | 'paidFen'>>;
}

export interface ArrearsItem {
  accountId: string;
  householdId: string;
  building: string;
  unit: string;
  room: string;
  holderName: string;
  overdueFen: number;
  oldestDueOn: string;
  daysOverdue: number;
  invoiceNumbers?: string[];
}

export interface Arrears {
  asOf?: string;
  items: ArrearsItem[];
  totals: {
    accounts: number;
    overdueFen: number;
    buckets: { days1to30: number; days31to60: number; days61to90: number; days91plus: number };
  };
}

export interface DataException {
  kind: 'missing_reading' | 'zero_usage' | 'usage_spike' | 'billing_exception' | string;
  accountId: string;
  householdId: string;
  meterSerial: string | null;
  period: string;
  units: string | null;
  detail: string;
}
