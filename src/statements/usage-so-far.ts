/**
 * Usage so far and projection (SPEC §9): the usage since the last invoice, priced against today's
 * cap room, and the season it puts the account on course for. "What the next invoice would bill
 * now" is computed as the batch computes that invoice: the account's facts gathered by the
 * batch's own query path (billing/facts.ts accountMonthFacts) and priced by the core
 * (billing/compute.ts), for the next billable month of the season from today on. So when no
 * further reading arrives, the batch bills exactly this.
 */
import { accountTerms, dayNumber, formatQuantity, periodOfDate, planOrDefault, projectedSeasonFen, type Season } from '../core/index.js';
import { accountMonthFacts, billingMonth, type BillingCompound } from '../billing/facts.js';
import { computeAccountInvoice } from '../billing/compute.js';
import type { Queryable } from '../db/sql.js';
import { formatInstant } from '../shared/time.js';
import type { StatementRow } from './repository.js';

export interface UsageToDate {
  /** The latest reading the usage runs to. */
  readAt: string;
  units: string;
  /** The usage charge the next invoice would bill now: its usage line after the cap. */
  amountFen: number;
}

export interface UsageSoFar {
  usageToDate: UsageToDate | null;
  projectedSeasonFen: number;
}

/** The season's next billable month from today's on; undefined when the season has none left. */
function nextBillableMonth(season: Season, today: string): string | undefined {
  const current = periodOfDate(today);
  return season.months.find((period) => period >= current);
}

/**
 * The usage the next invoice would bill now; null for a flat account, a season with no billable
 * month left, an account the month would not bill (closed before it, settled), or no reading
 * since where billing stands.
 */
async function usageToDate(q: Queryable, row: StatementRow, season: Season): Promise<UsageToDate | null> {
  if (planOrDefault(row.plan) !== 'metered') return null;
  const period = nextBillableMonth(season, row.today);
  if (period === undefined) return null;
  const compound: BillingCompound = {
    id: row.compound_id,
    code: row.compound_code,
    providerId: row.provider_id,
    timeZone: row.time_zone,
    dueDays: row.due_days,
    seasons: [season],
  };
  const month = billingMonth(compound, period);
  const facts = (await accountMonthFacts(q, month, row.id))?.due[0];
  if (facts === undefined) return null;
  const computed = computeAccountInvoice(month, facts);
  if (computed === null || computed.invoice.noReading) return null;
  const end = computed.invoice.intervals.at(-1)!.to;
  return {
    readAt: formatInstant(end.at, row.time_zone),
    units: formatQuantity(computed.invoice.usageUnits),
    amountFen: computed.invoice.chargeFen,
  };
}

/** Usage so far and the projection of the statement's season (SPEC §9). */
export async function usageSoFar(q: Queryable, row: StatementRow, season: Season): Promise<UsageSoFar> {
  const plan = planOrDefault(row.plan);
  const soFar = await usageToDate(q, row, season);
  const terms = accountTerms({ plan, areaM2: row.area_m2, openedOn: row.opened_on, closedOn: row.closed_on, season });
  const charged = row.season_charges_fen + (soFar?.amountFen ?? 0);
  return { usageToDate: soFar, projectedSeasonFen: projectedSeasonFen(plan, season, terms, charged, dayNumber(row.today)) };
}
