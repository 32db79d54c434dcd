import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';
import { overdueOn } from '../invoices/overdue.js';

/** One account's overdue invoices as of a date, summed per aging bucket (SPEC §9 "Arrears"). */
export interface ArrearsRow {
  account_id: string;
  household_id: string;
  building: string;
  unit: string;
  room: string;
  holder_name: string;
  phone: string | null;
  overdue_fen: number;
  days1to30: number;
  days31to60: number;
  days61to90: number;
  days91plus: number;
  oldest_due_on: string;
  days_overdue: number;
  /** The overdue invoices' numbers, oldest due first, separated by spaces (numbers have none). */
  invoice_numbers: string;
}

/**
 * The compound's accounts with overdue invoices as of `asOf`, in household order, one query.
 * Overdue as ../invoices/overdue.ts says (SPEC §9); what an invoice owes is total − paid; its
 * bucket is the days from `dueOn` to `asOf`.
 * The invoices are summed per account first (over the open invoices' index), so only one row
 * per account meets the accounts and households.
 */
export async function arrearsRows(db: Executor, compoundId: string, asOf: string): Promise<ArrearsRow[]> {
  const days = sql<number>`(${asOf}::date - i.due_on)`;
  const owed = sql<number>`(i.total_fen - i.paid_fen)`;
  const bucket = (low: number, high: number | null) =>
    high === null
      ? sql<number>`coalesce(sum(${owed}) filter (where ${days} >= ${sql.lit(low)}), 0)::bigint`
      : sql<number>`coalesce(sum(${owed}) filter (where ${days} between ${sql.lit(low)} and ${sql.lit(high)}), 0)::bigint`;
  return db
    .with('d', (qb) =>
      qb
        .selectFrom('invoices as i')
        .select([
          'i.account_id',
          sql<number>`sum(${owed})::bigint`.as('overdue_fen'),
          bucket(1, 30).as('days1to30'),
          bucket(31, 60).as('days31to60'),
          bucket(61, 90).as('days61to90'),
          bucket(91, null).as('days91plus'),
          sql<string>`min(i.due_on)`.as('oldest_due_on'),
          sql<number>`max(${days})::int`.as('days_overdue'),
          sql<string>`string_agg(i.number, ' ' order by i.due_on, i.number)`.as('invoice_numbers'),
        ])
        .where('i.compound_id', '=', compoundId)
        .where(overdueOn('i', asOf))
        .groupBy('i.account_id'),
    )
    .selectFrom('d')
    .innerJoin('accounts as a', 'a.id', 'd.account_id')
    .innerJoin('households as h', 'h.id', 'a.household_id')
    .select([
      'a.id as account_id',
      'a.household_id',
      'h.building',
      'h.unit',
      'h.room',
      'a.holder_name',
      'a.phone',
      'd.overdue_fen',
      'd.days1to30',
      'd.days31to60',
      'd.days61to90',
      'd.days91plus',
      'd.oldest_due_on',
      'd.days_overdue',
      'd.invoice_numbers',
    ])
    .orderBy('h.household_no')
    .orderBy('a.opened_on')
    .orderBy('a.id')
    .execute();
}
