import type { Principal } from '../auth/principal.js';
import { findCompoundInScope } from '../compounds/repository.js';
import { formatQuantity, parseQuantity } from '../core/index.js';
import type { Database } from '../db/pool.js';
import type { Plan } from '../db/types.js';
import { notFound } from '../http/problem.js';
import { reportRows } from './repository.js';

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
