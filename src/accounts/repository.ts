import { sql } from 'kysely';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import type { Plan } from '../db/types.js';
import { accountOpenings } from '../ledger/repository.js';

/**
 * An account the caller may see, or undefined (answered as 404 by callers): admins see all,
 * operators the accounts of their provider's compounds, residents only their own account.
 */
export async function findAccountInScope(db: Executor, accountId: string, principal: Principal) {
  return db
    .selectFrom('accounts')
    .innerJoin('compounds', 'compounds.id', 'accounts.compound_id')
    .selectAll('accounts')
    .select(['compounds.code as compound_code', 'compounds.provider_id'])
    .where('accounts.id', '=', accountId)
    .where((eb) => inScope(eb, principal, { provider: 'compounds.provider_id', account: 'accounts.id' }))
    .executeTakeFirst();
}

export async function listAccounts(db: Executor, householdId: string) {
  return db.selectFrom('accounts').selectAll().where('household_id', '=', householdId).orderBy('opened_on').execute();
}

/**
 * Account rows with their opening at the ledger's value (ledger/accountOpenings, the opening the
 * batch and the move-out start from), so a corrected opening reading shows on the account.
 */
export async function withLedgerOpenings<T extends { id: string; opening_reading: string | null }>(db: Executor, rows: T[]): Promise<T[]> {
  const openings = await accountOpenings(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, opening_reading: openings.get(r.id)?.value ?? r.opening_reading }));
}

export async function listPlans(db: Executor, accountIds: string[]) {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('account_plans')
    .select(['account_id', 'season_label', 'plan'])
    .where('account_id', 'in', accountIds)
    .orderBy('season_label')
    .execute();
}

export async function insertAccount(
  db: Executor,
  row: {
    compoundId: string;
    householdId: string;
    holderName: string;
    phone: string | null;
    openedOn: string;
    openingReading: string | null;
    openingReadingId: number | null;
  },
) {
  return db
    .insertInto('accounts')
    .values({
      compound_id: row.compoundId,
      household_id: row.householdId,
      holder_name: row.holderName,
      phone: row.phone,
      opened_on: row.openedOn,
      opening_reading: row.openingReading,
      opening_reading_id: row.openingReadingId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function upsertPlan(db: Executor, row: { accountId: string; compoundId: string; season: string; plan: Plan }) {
  await db
    .insertInto('account_plans')
    .values({ account_id: row.accountId, compound_id: row.compoundId, season_label: row.season, plan: row.plan })
    .onConflict((oc) => oc.columns(['account_id', 'season_label']).doUpdateSet({ plan: row.plan, updated_at: sql`now()` }))
    .execute();
}

/** The list's sort key, also its cursor: household order, then opening date, then id. */
export type CompoundAccountCursor = [number, string, string];

/** A page (limit + 1 rows) of a compound's accounts with their households, in household order. */
export async function listCompoundAccounts(db: Executor, compoundId: string, after: CompoundAccountCursor | undefined, limit: number) {
  return db
    .selectFrom('households as h')
    .innerJoin('accounts as a', 'a.household_id', 'h.id')
    .select(['a.id', 'a.household_id', 'a.holder_name', 'a.phone', 'a.opened_on', 'a.closed_on', 'a.opening_reading'])
    .select(['h.household_no', 'h.building', 'h.unit', 'h.room', 'h.area_m2'])
    .where('h.compound_id', '=', compoundId)
    .$if(after !== undefined, (qb) =>
      qb.where((eb) => eb(eb.refTuple('h.household_no', 'a.opened_on', 'a.id'), '>', eb.tuple(after![0], after![1], after![2]))),
    )
    .orderBy('h.household_no')
    .orderBy('a.opened_on')
    .orderBy('a.id')
    .limit(limit + 1)
    .execute();
}

/** The invoices of one period of these accounts (monthly and final), by number. */
export async function listPeriodInvoices(db: Executor, accountIds: string[], period: string) {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('invoices')
    .select(['id', 'account_id', 'number', 'status', 'total_fen', 'paid_fen'])
    .where('account_id', 'in', accountIds)
    .where('period', '=', period)
    .orderBy('number')
    .execute();
}

/** Whether any invoice of the account (void or not) has a line of the season. */
export async function hasChargesInSeason(db: Executor, accountId: string, seasonLabel: string): Promise<boolean> {
  const row = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .select('i.id')
    .where('i.account_id', '=', accountId)
    .where('l.season_label', '=', seasonLabel)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
