import { sql, type Transaction } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import type { DB, Plan } from '../db/types.js';

/** Serialises reading writes per compound (the same key as meter replacements', the imports' and the batch's). */
export { lockCompoundReadings } from '../readings/lock.js';
export { lockAccount } from '../accounts/repository.js';
export { findSeason } from '../seasons/repository.js';

/** A reading the caller may see (scope in the query), locked for the transaction. */
export async function findReadingInScopeForUpdate(db: Transaction<DB>, id: number, principal: Principal) {
  let query = db
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
    .where('r.id', '=', id);
  if (principal.role === 'operator') query = query.where('c.provider_id', '=', principal.providerId);
  if (principal.role === 'resident') return undefined;
  return query.forUpdate('r').executeTakeFirst();
}

/** The meter's nearest readings before and after an instant. */
export async function neighbourReadings(db: Executor, meterId: string, at: Date) {
  const [previous, next] = await Promise.all([
    db
      .selectFrom('readings')
      .select(['id', 'read_at', 'value'])
      .where('meter_id', '=', meterId)
      .where('read_at', '<', at)
      .orderBy('read_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('readings')
      .select(['id', 'read_at', 'value'])
      .where('meter_id', '=', meterId)
      .where('read_at', '>', at)
      .orderBy('read_at', 'asc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return { previous, next };
}

export async function readingAt(db: Executor, meterId: string, at: Date) {
  return db.selectFrom('readings').select(['id', 'value']).where('meter_id', '=', meterId).where('read_at', '=', at).executeTakeFirst();
}

/** Invoices (any status) whose usage ended at a reading, with their account. */
export async function invoicesEndingAt(db: Executor, readingId: number) {
  return db
    .selectFrom('invoices')
    .select(['id', 'account_id', 'number', 'period', 'season_label', 'status', 'kind'])
    .where('end_reading_id', '=', readingId)
    .orderBy('period')
    .orderBy('created_at')
    .execute();
}

/** All invoices of an account with what the reading chain needs (current end reading value and meter). */
export async function chainInvoices(db: Executor, accountId: string) {
  return db
    .selectFrom('invoices as i')
    .leftJoin('readings as r', 'r.id', 'i.end_reading_id')
    .select([
      'i.id',
      'i.number',
      'i.period',
      'i.season_label',
      'i.kind',
      'i.status',
      'i.created_at',
      'i.end_reading_id',
      'i.end_value',
      'i.usage_units',
      'i.plan',
      'r.meter_id as end_meter_id',
      'r.value as current_end_value',
    ])
    .where('i.account_id', '=', accountId)
    .orderBy('i.period')
    .orderBy('i.created_at')
    .execute();
}

export async function householdMeters(db: Executor, householdId: string) {
  return db
    .selectFrom('meters')
    .select(['id', 'replaces_meter_id', 'initial_reading', 'final_reading', 'installed_at', 'retired_at', 'serial'])
    .where('household_id', '=', householdId)
    .orderBy('installed_at')
    .execute();
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
  return row?.plan ?? 'metered';
}

export interface SeasonBilledRow {
  usageFen: number;
  flatFen: number;
}

/**
 * What the account's non-void invoices of a season carried (SPEC §5 billedBefore): usage + cap
 * (+ final_settlement of a metered final) lines, flat lines, plus the adjustments of the season
 * applied on non-void invoices, by what they apply to.
 */
export async function seasonBilled(db: Executor, accountId: string, seasonLabel: string): Promise<SeasonBilledRow> {
  const lines = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select([
      sql<number>`coalesce(sum(l.amount_fen) FILTER (WHERE l.kind IN ('usage', 'cap')
                                                     OR (l.kind = 'final_settlement' AND i.plan = 'metered')), 0)::bigint`.as('usage'),
      sql<number>`coalesce(sum(l.amount_fen) FILTER (WHERE l.kind IN ('flat_installment', 'flat_upfront')
                                                     OR (l.kind = 'final_settlement' AND i.plan = 'flat')), 0)::bigint`.as('flat'),
    ])
    .where('i.account_id', '=', accountId)
    .where('i.season_label', '=', seasonLabel)
    .where('i.status', '<>', 'void')
    .executeTakeFirstOrThrow();
  const adjustments = await db
    .selectFrom('account_adjustments as a')
    .innerJoin('invoices as i', 'i.id', 'a.applied_invoice_id')
    .select([
      sql<number>`coalesce(sum(a.amount_fen) FILTER (WHERE a.applies_to = 'usage'), 0)::bigint`.as('usage'),
      sql<number>`coalesce(sum(a.amount_fen) FILTER (WHERE a.applies_to = 'flat'), 0)::bigint`.as('flat'),
    ])
    .where('a.account_id', '=', accountId)
    .where('a.season_label', '=', seasonLabel)
    .where('i.status', '<>', 'void')
    .executeTakeFirstOrThrow();
  return { usageFen: lines.usage + adjustments.usage, flatFen: lines.flat + adjustments.flat };
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
    appliesTo: 'usage' | 'flat';
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
      applies_to: row.appliesTo,
      season_label: row.seasonLabel,
      source_invoice_id: row.sourceInvoiceId,
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An invoice the caller may see (scope in the query), locked when `lock`. */
export async function findInvoiceInScope(db: Transaction<DB>, id: string, principal: Principal, lock: boolean) {
  if (principal.role === 'resident') return undefined;
  let query = db
    .selectFrom('invoices as i')
    .innerJoin('compounds as c', 'c.id', 'i.compound_id')
    .selectAll('i')
    .select('c.code as compound_code')
    .where('i.id', '=', id);
  if (principal.role === 'operator') query = query.where('c.provider_id', '=', principal.providerId);
  return (lock ? query.forUpdate('i') : query).executeTakeFirst();
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
