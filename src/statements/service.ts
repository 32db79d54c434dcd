import { seasonFromRow } from '../seasons/from-row.js';
import { accountTerms, type Season, formatArea, formatQuantity, parseQuantity, parseSignedQuantity, planOrDefault } from '../core/index.js';
import type { Principal } from '../auth/principal.js';
import type { Plan } from '../db/types.js';
import { notFound } from '../http/problem.js';
import { invoiceOut, type InvoiceOut } from '../invoices/schemas.js';
import { formatInstant } from '../shared/time.js';
import { maskName, maskPhone } from './mask.js';
import type { StatementCache } from './cache.js';
import type { Queryable } from '../db/sql.js';
import type { Executor } from '../db/pool.js';
import { overdueInvoices } from '../notices/repository.js';
import { paymentDetailsOut, type PaymentDetails } from '../providers/schemas.js';
import { loadStatement, loadStatementStamp, type StatementRow, type StatementStamp } from './repository.js';
import { usageSoFar, type UsageSoFar } from './usage-so-far.js';

export interface Statement {
  account: { id: string; holderName: string; phone: string | null };
  household: { id: string; compound: string; compoundName: string; building: string; unit: string; room: string; areaM2: string };
  season: string;
  seasons: string[];
  plan: Plan;
  capFen: number;
  billedFen: number;
  remainingCapFen: number;
  capSavedFen: number;
  balanceFen: number;
  creditFen: number;
  invoices: InvoiceOut[];
  payments: Array<{ id: string; amountFen: number; paidAt: string; reference: string; unallocatedFen: number }>;
  pendingAdjustments: Array<{ id: string; amountFen: number; description: string; createdAt: string }>;
  usage: Array<{ period: string; units: string; amountFen: number }>;
  usageToDate: UsageSoFar['usageToDate'];
  projectedSeasonFen: number;
  due: Due;
  provider: { name: string; paymentDetails: PaymentDetails | null };
}

/** What the account owes now, by when, and what to quote (SPEC §9): the resident page's first screen. */
export interface Due {
  amountFen: number;
  earliestDueOn: string | null;
  overdue: boolean;
  overdueFen: number;
  invoiceNumbers: string[];
}

/** Where a statement is read: the pg pool (its one named statement) and Kysely (the notice's overdue query). */
export interface StatementSources {
  pool: Queryable;
  db: Executor;
}

/**
 * The open invoices' sum, earliest due date and numbers from the statement's own row (the same
 * snapshot as its balance), and what is overdue today from the payment notice's own query, so
 * the page and the notice never disagree on what is overdue.
 */
async function dueNow(db: Executor, row: StatementRow): Promise<Due> {
  const overdue = await overdueInvoices(db, row.id, row.today);
  return {
    amountFen: row.open_due.fen,
    earliestDueOn: row.open_due.earliest_due_on,
    overdue: overdue.length > 0,
    overdueFen: overdue.reduce((sum, invoice) => sum + invoice.total_fen - invoice.paid_fen, 0),
    invoiceNumbers: row.open_due.numbers,
  };
}

/**
 * An account's statement for a season, as the route's JSON. Served from `cache` when the account
 * was read before (same role, same `season` query) and a one-row check of its stamp, in the
 * caller's scope, finds nothing changed since (db/migrations/0010_statement_versions.sql); else
 * computed by `statementOf` from one statement and cached. `serialize` is the route's serializer.
 */
export async function getStatementJson(
  { pool: db, db: kysely }: StatementSources,
  cache: StatementCache,
  principal: Principal,
  accountId: string,
  seasonLabel: string | undefined,
  serialize: (statement: Statement) => string,
): Promise<Buffer> {
  const key = `${principal.role}|${accountId}|${seasonLabel ?? ''}`;
  const cached = cache.get(key);
  if (cached) {
    const stamp = await loadStatementStamp(db, accountId, principal);
    if (!stamp) throw notFound('Account');
    if (sameStamp(stamp, cached.stamp)) return cached.json;
  }
  const row = await loadStatement(db, accountId, principal, seasonLabel);
  if (!row) throw notFound('Account');
  if (!row.season) throw notFound(seasonLabel === undefined ? 'Season' : `Season ${seasonLabel}`);
  const season = seasonFromRow(row.season);
  const soFar = await usageSoFar(db, row, season);
  const due = await dueNow(kysely, row);
  const json = Buffer.from(serialize(statementOf(row, season, principal, soFar, due)));
  cache.set(key, { stamp: row, json });
  return json;
}

function sameStamp(a: StatementStamp, b: StatementStamp): boolean {
  return (
    a.statement_version === b.statement_version &&
    a.compound_version === b.compound_version &&
    a.invoice_count === b.invoice_count &&
    a.today === b.today &&
    a.latest_reading === b.latest_reading
  );
}

/**
 * An account's statement for a season (SPEC §7). Figures:
 * - capFen: the core's accountTerms (prorated to the occupancy's covered service days);
 * - billedFen: every charge the season billed so far, the ledger's season_charges (lines by their
 *   own season, so a final settlement or adjustment issued in a later season counts for the season
 *   it charges; the same figure the batch prices the cap room from);
 * - remainingCapFen: max(0, capFen − billedFen), from that one figure so the two always agree;
 * - balanceFen: all time, invoiced − paid − credit: Σ non-void invoice totals (negative invoices
 *   are credit) − payments; negative = credit in hand. Credit settles open invoices whenever it
 *   can, so a zero balance leaves nothing open;
 * - creditFen: the credit not yet spent on an invoice (unallocated payments and negative invoices);
 * - capSavedFen: what the cap took off this season's metered charges (Σ of its cap lines, negated), its
 *   lines by their own season like billedFen, so a final invoice's cap on the previous season counts there;
 * - seasons: the compound's seasons that overlap the occupancy, the ones a statement can be asked for;
 * - usage: per billing month of the season, the units and total of its non-void invoices;
 * - pendingAdjustments: corrections and voids not yet carried by an invoice (the next one will);
 * - usageToDate, projectedSeasonFen: usage-so-far.ts (SPEC §9);
 * - due: dueNow; provider: whom to pay, with its payment details when it has set them.
 * Residents get the holder's name and phone masked.
 */
function statementOf(account: StatementRow, season: Season, principal: Principal, soFar: UsageSoFar, due: Due): Statement {
  const plan: Plan = planOrDefault(account.plan);
  const figures = account;
  const terms = accountTerms({ plan, areaM2: account.area_m2, openedOn: account.opened_on, closedOn: account.closed_on, season });

  const billedFen = figures.season_charges_fen;
  const usage = new Map<string, { units: bigint; amountFen: number }>();
  for (const invoice of figures.invoices) {
    if (invoice.status === 'void') continue;
    const month = usage.get(invoice.period) ?? { units: 0n, amountFen: 0 };
    month.units += parseSignedQuantity(invoice.usage_units, 'usage_units');
    month.amountFen += invoice.total_fen;
    usage.set(invoice.period, month);
  }

  const resident = principal.role === 'resident';
  return {
    account: {
      id: account.id,
      holderName: resident ? maskName(account.holder_name) : account.holder_name,
      phone: resident ? maskPhone(account.phone) : account.phone,
    },
    household: {
      id: account.household_id,
      compound: account.compound_code,
      compoundName: account.compound_name,
      building: account.building,
      unit: account.unit,
      room: account.room,
      areaM2: formatArea(parseQuantity(account.area_m2, 'areaM2')),
    },
    season: season.label,
    seasons: account.seasons,
    plan,
    capFen: terms.capFen,
    billedFen,
    remainingCapFen: Math.max(0, terms.capFen - billedFen),
    capSavedFen: figures.cap_saved_fen,
    balanceFen: figures.invoiced_fen - figures.paid_fen,
    creditFen: figures.credit_fen,
    invoices: figures.invoices.map((invoice) => invoiceOut(invoice, invoice.lines, account.compound_code, account.today)),
    payments: figures.payments.map((p) => ({
      id: p.id,
      amountFen: p.amount_fen,
      paidAt: formatInstant(new Date(p.paid_at), account.time_zone),
      reference: p.reference,
      unallocatedFen: p.unallocated_fen,
    })),
    pendingAdjustments: figures.pending_adjustments.map((d) => ({
      id: d.id,
      amountFen: d.amount_fen,
      description: d.description,
      createdAt: formatInstant(new Date(d.created_at), account.time_zone),
    })),
    usage: [...usage].map(([period, month]) => ({ period, units: formatQuantity(month.units), amountFen: month.amountFen })),
    usageToDate: soFar.usageToDate,
    projectedSeasonFen: soFar.projectedSeasonFen,
    due,
    provider: { name: account.provider_name, paymentDetails: paymentDetailsOut(account) },
  };
}
