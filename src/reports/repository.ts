import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';

/** Per plan, one query: invoices of the compound and period joined to their lines (both indexed). */
export async function reportRows(db: Executor, compoundId: string, period: string) {
  return db
    .with('inv', (qb) =>
      qb
        .selectFrom('invoices')
        .select(['id', 'plan', 'account_id', 'usage_units', 'total_fen', 'paid_fen'])
        .where('compound_id', '=', compoundId)
        .where('period', '=', period)
        .where('status', '<>', 'void'),
    )
    .with('ln', (qb) =>
      qb
        .selectFrom('invoice_lines as l')
        .innerJoin('inv', 'inv.id', 'l.invoice_id')
        .select([
          'inv.plan',
          sql<number>`coalesce(sum(l.amount_fen) filter (where l.kind in ('usage', 'flat_installment', 'flat_upfront')), 0)::bigint`.as(
            'gross_fen',
          ),
          sql<number>`coalesce(-sum(l.amount_fen) filter (where l.kind = 'cap'), 0)::bigint`.as('cap_savings_fen'),
          sql<number>`coalesce(sum(l.amount_fen) filter (where l.kind in ('adjustment', 'final_settlement')), 0)::bigint`.as(
            'adjustments_fen',
          ),
          sql<number>`count(distinct inv.account_id) filter (where l.kind = 'cap')::int`.as('capped_accounts'),
        ])
        .groupBy('inv.plan'),
    )
    .with('agg', (qb) =>
      qb
        .selectFrom('inv')
        .select([
          'inv.plan',
          sql<number>`count(distinct inv.account_id)::int`.as('accounts_billed'),
          sql<string>`sum(inv.usage_units)::text`.as('usage_units'),
          sql<number>`sum(inv.total_fen)::bigint`.as('net_fen'),
          sql<number>`sum(inv.paid_fen)::bigint`.as('paid_fen'),
        ])
        .groupBy('inv.plan'),
    )
    .selectFrom('agg')
    .leftJoin('ln', 'ln.plan', 'agg.plan')
    .select([
      'agg.plan',
      'agg.accounts_billed',
      'agg.usage_units',
      'agg.net_fen',
      'agg.paid_fen',
      'ln.gross_fen',
      'ln.cap_savings_fen',
      'ln.adjustments_fen',
      'ln.capped_accounts',
    ])
    .execute();
}
