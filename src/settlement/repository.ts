import { sql, type Transaction } from 'kysely';
import { planOrDefault } from '../core/index.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import type { DB, Plan } from '../db/types.js';

export { findSeason } from '../seasons/repository.js';

/** A reading the caller may see (scope in the query), locked for the transaction when `lock`. */
export async function findReadingInScope(db: Transaction<DB>, id: number, principal: Principal, lock: boolean) {
  const query = db
    .selectFrom('readings as r')
    .innerJoin('meters as m', 'm.id', 'r.meter_id')
    .innerJoin('compounds as c', 'c.id', 'r.compound_id')
    .select([
      'r.id',
      'r.compound_id',
      'r.meter_id',
      'r.read_at',
      'r.value',
      'r.source',
      'm.serial',
      'm.household_id',
      'm.initial_reading',
      'm.installed_at',
      'm.retired_at',
      'm.final_reading',
      'c.code as compound_code',
      'c.time_zone',
    ])
    .where('r.id', '=', id)
    .where((eb) => inScope(eb, principal, { provider: 'c.provider_id' }));
  return (lock ? query.forUpdate('r') : query).executeTakeFirst();
}

export async function readingAt(db: Executor, meterId: string, at: Date) {
  return db.selectFrom('readings').select(['id', 'value']).where('meter_id', '=', meterId).where('read_at', '=', at).executeTakeFirst();
}

/** The account with its household's area and its compound (no scope: callers scope first). */
export async function accountContext(db: Executor, accountId: string) {
  return db
    .selectFrom('accounts as a')
    .innerJoin('households as h', 'h.id', 'a.household_id')
    .innerJoin('compounds as c', 'c.id', 'a.compound_id')
    .selectAll('a')
    .select(['h.area_m2', 'c.code as compound_code', 'c.time_zone', 'c.due_days'])
    .where('a.id', '=', accountId)
    .executeTakeFirstOrThrow();
}

export async function planOf(db: Executor, accountId: string, seasonLabel: string): Promise<Plan> {
  const row = await db
    .selectFrom('account_plans')
    .select('plan')
    .where('account_id', '=', accountId)
    .where('season_label', '=', seasonLabel)
    .executeTakeFirst();
  return planOrDefault(row?.plan);
}

/** The account's adjustments not yet carried by an invoice, oldest first. */
export async function pendingAdjustments(db: Executor, accountId: string) {
  return db
    .selectFrom('account_adjustments')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('applied_invoice_id', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertAdjustment(
  db: Executor,
  row: {
    compoundId: string;
    accountId: string;
    amountFen: number;
    description: string;
    seasonLabel: string;
    sourceInvoiceId: string | null;
    createdBy: string;
  },
) {
  return db
    .insertInto('account_adjustments')
    .values({
      compound_id: row.compoundId,
      account_id: row.accountId,
      amount_fen: row.amountFen,
      description: row.description,
      season_label: row.seasonLabel,
      source_invoice_id: row.sourceInvoiceId,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An invoice the caller may see (scope in the query), locked when `lock`. */
/**
 * An invoice's row locked for the transaction, with its compound's code. Scope it first with the
 * one scope rule, invoices/repository's findInvoiceInScope (404 outside it, before any lock).
 */
export async function lockInvoice(db: Transaction<DB>, id: string) {
  return db
    .selectFrom('invoices as i')
    .innerJoin('compounds as c', 'c.id', 'i.compound_id')
    .selectAll('i')
    .select('c.code as compound_code')
    .where('i.id', '=', id)
    .forUpdate('i')
    .executeTakeFirstOrThrow();
}

export async function hasFinalInvoice(db: Executor, accountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('invoices')
    .select('id')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'final')
    .where('status', '<>', 'void')
    .executeTakeFirst();
  return row !== undefined;
}

/** The seasons of a compound, in label order. */
export async function compoundSeasons(db: Executor, compoundId: string) {
  return db.selectFrom('seasons').selectAll().where('compound_id', '=', compoundId).orderBy('label').execute();
}

/** The plans an account chose per season (absent: metered). */
export async function plansOf(db: Executor, accountId: string): Promise<Map<string, Plan>> {
  const rows = await db.selectFrom('account_plans').select(['season_label', 'plan']).where('account_id', '=', accountId).execute();
  return new Map(rows.map((r) => [r.season_label, r.plan]));
}

/** The periods the account's monthly invoices that are not void billed. */
export async function billedPeriods(db: Executor, accountId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('invoices')
    .select('period')
    .where('account_id', '=', accountId)
    .where('kind', '=', 'monthly')
    .where('status', '<>', 'void')
    .execute();
  return new Set(rows.map((r) => r.period));
}

/** The serials of a household's meters. */
export async function meterSerials(db: Executor, householdId: string) {
  return db.selectFrom('meters').select(['id', 'serial']).where('household_id', '=', householdId).execute();
}

/** The closing reading of a move-out, entered by hand. */
export async function insertManualReading(db: Executor, row: { compoundId: string; meterId: string; readAt: Date; value: string }) {
  const inserted = await db
    .insertInto('readings')
    .values({ compound_id: row.compoundId, meter_id: row.meterId, read_at: row.readAt, value: row.value, source: 'manual' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

export async function setReadingValue(db: Executor, readingId: number, value: string) {
  await db.updateTable('readings').set({ value }).where('id', '=', readingId).execute();
}

export async function markClosed(db: Executor, accountId: string, closedOn: string, closingReading: string) {
  await db.updateTable('accounts').set({ closed_on: closedOn, closing_reading: closingReading }).where('id', '=', accountId).execute();
}

/** Pending adjustments now carried by an invoice. */
export async function applyAdjustments(db: Executor, adjustmentIds: string[], invoiceId: string) {
  await db.updateTable('account_adjustments').set({ applied_invoice_id: invoiceId }).where('id', 'in', adjustmentIds).execute();
}

export async function markVoid(db: Executor, invoiceId: string, reason: string) {
  await db
    .updateTable('invoices')
    .set({ status: 'void', voided_at: sql<Date>`now()`, void_reason: reason, unallocated_credit_fen: 0 })
    .where('id', '=', invoiceId)
    .execute();
}

/** The adjustments an invoice carried, pending again; their ids and amounts. */
export async function releaseAdjustments(db: Executor, invoiceId: string) {
  return db
    .updateTable('account_adjustments')
    .set({ applied_invoice_id: null })
    .where('applied_invoice_id', '=', invoiceId)
    .returning(['id', 'amount_fen'])
    .execute();
}

/** An invoice's lines that charge a season, with that season. */
export async function seasonLines(db: Executor, invoiceId: string) {
  return db
    .selectFrom('invoice_lines')
    .select(['season_label', 'kind', 'amount_fen'])
    .where('invoice_id', '=', invoiceId)
    .where('season_label', 'is not', null)
    .execute();
}
