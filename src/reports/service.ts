import { sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { findCompoundInScope } from '../compounds/repository.js';
import { formatQuantity, parseQuantity } from '../core/index.js';
import type { Database, Executor } from '../db/pool.js';
import type { Plan } from '../db/types.js';
import { notFound } from '../http/problem.js';

/**
 * A compound's month, over its non-void invoices of that period (monthly and final):
 * - accountsBilled: distinct accounts invoiced;
 * - usageUnits: sum of the invoices' usage units (decimal string);
 * - grossFen: usage lines + flat lines (flat_installment, flat_upfront), before the cap;
 * - capSavingsFen: −(sum of cap lines), what the season cap saved residents (≥ 0);
 * - adjustmentsFen: adjustment + final_settlement lines;
 * - netBilledFen: invoice totals = grossFen − capSavingsFen + adjustmentsFen;
 * - paidFen: paid_fen of those invoices; outstandingFen = netBilledFen − paidFen;
 * - cappedAccounts: distinct accounts with a cap line.
 */
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

export interface CompoundReport extends ReportFigures {
  compound: string;
  period: string;
  byPlan: Record<Plan, ReportFigures>;
}

const PLANS: readonly Plan[] = ['metered', 'flat'];

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

function empty(): ReportFigures {
  return {
    accountsBilled: 0,
    usageUnits: '0',
    grossFen: 0,
    capSavingsFen: 0,
    adjustmentsFen: 0,
    netBilledFen: 0,
    paidFen: 0,
    outstandingFen: 0,
    cappedAccounts: 0,
  };
}

export async function compoundReport(db: Database, principal: Principal, code: string, period: string): Promise<CompoundReport> {
  const compound = await findCompoundInScope(db, code, principal);
  if (!compound) throw notFound('Compound');
  const rows = await reportRows(db, compound.id, period);
  const byPlan = { metered: empty(), flat: empty() };
  const total = empty();
  let totalUnits = 0n;
  for (const plan of PLANS) {
    const row = rows.find((r) => r.plan === plan);
    if (!row) continue;
    const units = parseQuantity(row.usage_units ?? '0', 'usage_units');
    const figures: ReportFigures = {
      accountsBilled: row.accounts_billed,
      usageUnits: formatQuantity(units),
      grossFen: Number(row.gross_fen ?? 0),
      capSavingsFen: Number(row.cap_savings_fen ?? 0),
      adjustmentsFen: Number(row.adjustments_fen ?? 0),
      netBilledFen: row.net_fen,
      paidFen: row.paid_fen,
      outstandingFen: row.net_fen - row.paid_fen,
      cappedAccounts: Number(row.capped_accounts ?? 0),
    };
    byPlan[plan] = figures;
    totalUnits += units;
    total.accountsBilled += figures.accountsBilled;
    total.grossFen += figures.grossFen;
    total.capSavingsFen += figures.capSavingsFen;
    total.adjustmentsFen += figures.adjustmentsFen;
    total.netBilledFen += figures.netBilledFen;
    total.paidFen += figures.paidFen;
    total.outstandingFen += figures.outstandingFen;
    total.cappedAccounts += figures.cappedAccounts;
  }
  total.usageUnits = formatQuantity(totalUnits);
  return { compound: compound.code, period, ...total, byPlan };
}

/** CSV columns, in order: one row per plan then a total row. */
export const REPORT_COLUMNS = [
  'compound',
  'period',
  'plan',
  'accountsBilled',
  'usageUnits',
  'grossFen',
  'capSavingsFen',
  'adjustmentsFen',
  'netBilledFen',
  'paidFen',
  'outstandingFen',
  'cappedAccounts',
] as const;

export function reportCsvRows(report: CompoundReport): Array<Record<(typeof REPORT_COLUMNS)[number], string | number>> {
  const row = (plan: string, f: ReportFigures) => ({ compound: report.compound, period: report.period, plan, ...f });
  return [row('metered', report.byPlan.metered), row('flat', report.byPlan.flat), row('total', report)].map((r) => ({
    compound: r.compound,
    period: r.period,
    plan: r.plan,
    accountsBilled: r.accountsBilled,
    usageUnits: r.usageUnits,
    grossFen: r.grossFen,
    capSavingsFen: r.capSavingsFen,
    adjustmentsFen: r.adjustmentsFen,
    netBilledFen: r.netBilledFen,
    paidFen: r.paidFen,
    outstandingFen: r.outstandingFen,
    cappedAccounts: r.cappedAccounts,
  }));
}
