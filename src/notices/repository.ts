import type { Executor } from '../db/pool.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { PAYMENT_DETAIL_COLUMNS } from '../providers/repository.js';
import { overdueOn } from '../invoices/overdue.js';

/**
 * The account of a notice with its home, compound and provider (with its payment details), when the caller may see it:
 * admins any, operators their provider's, residents only their own (else undefined: 404).
 */
export async function findNoticeAccount(db: Executor, accountId: string, principal: Principal) {
  return db
    .selectFrom('accounts as a')
    .innerJoin('households as h', 'h.id', 'a.household_id')
    .innerJoin('compounds as c', 'c.id', 'a.compound_id')
    .innerJoin('providers as p', 'p.id', 'c.provider_id')
    .select([
      'a.id',
      'a.holder_name',
      'a.phone',
      'h.building',
      'h.unit',
      'h.room',
      'c.id as compound_id',
      'c.code as compound_code',
      'c.name as compound_name',
      'c.time_zone',
      'p.name as provider_name',
      ...PAYMENT_DETAIL_COLUMNS.map((column) => `p.${column}` as const),
    ])
    .where('a.id', '=', accountId)
    .where((eb) => inScope(eb, principal, { provider: 'c.provider_id', account: 'a.id' }))
    .executeTakeFirst();
}

export type NoticeAccount = NonNullable<Awaited<ReturnType<typeof findNoticeAccount>>>;

/** The account's overdue invoices on `asOf` (SPEC §9, ../invoices/overdue.ts), oldest due first. */
export async function overdueInvoices(db: Executor, accountId: string, asOf: string) {
  return db
    .selectFrom('invoices')
    .select(['number', 'period', 'due_on', 'total_fen', 'paid_fen'])
    .where('account_id', '=', accountId)
    .where(overdueOn('invoices', asOf))
    .orderBy('due_on')
    .orderBy('number')
    .execute();
}

export type OverdueInvoice = Awaited<ReturnType<typeof overdueInvoices>>[number];
