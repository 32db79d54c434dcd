/**
 * The REST shapes the pages read (SPEC §7, §9). The server's named schemas come from the document it
 * serves (`npm run gen:api-types` writes api-schema.gen.ts from /openapi.json before every type check):
 * rename a field on the server and the pages' type check fails. The rest are still written here.
 * Fields marked "optional" are not served by every version of the API yet: the pages show what is
 * there and hide the rest.
 */
import type { components } from './api-schema.gen.ts';
import type { FieldError } from './errors';

export type { FieldError };

type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Me = Schemas['Me'];

export type InvoiceStatus = Schemas['Invoice']['status'];

export type InvoiceLine = Schemas['InvoiceLine'];

export type Invoice = Schemas['Invoice'] & {
  /** optional (SPEC §9 arrears): not served yet */
  overdue?: boolean;
};

export type Plan = Schemas['Account']['plans'][number]['plan'];

export type Statement = Omit<Schemas['Statement'], 'invoices'> & {
  invoices: Invoice[];
  /** optional (SPEC §9 usage so far): not served yet */
  usageToDate?: { readAt: string; units: string; amountFen: number } | null;
  /** optional (SPEC §9 projection): not served yet */
  projectedSeasonFen?: number | null;
};

export type Season = Schemas['Season'];

export type Compound = Schemas['Compound'];

export type BillingException = Schemas['BillingRun']['exceptions'][number];

export type BillingRun = Schemas['BillingRun'];

export type Report = Schemas['Report'];
export type ReportFigures = Report['byPlan']['metered'];

/** An account of a compound with its household and its invoices of the month asked for. */
export type CompoundAccount = Schemas['CompoundAccount'];

export type Arrears = Schemas['Arrears'];
export type ArrearsItem = Arrears['items'][number];

export interface DataException {
  kind: 'missing_reading' | 'zero_usage' | 'usage_spike' | 'billing_exception' | string;
  accountId: string;
  householdId: string;
  meterSerial: string | null;
  period: string;
  units: string | null;
  detail: string;
}
