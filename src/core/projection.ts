/**
 * The season's projection (SPEC §9 "Usage so far and projection"): what an account's season is
 * on course to cost. Pure. Metered: what the season has charged so far (every charge counted
 * towards the cap, plus the usage the next invoice would bill now), extended at its average per
 * elapsed service day over the service days left, never above the cap. Flat: the fee.
 */
import type { AccountTerms } from './invoice.js';
import { coveredDaysBetween, type SeasonCalendar } from './season.js';
import type { Plan } from './tariff.js';

/**
 * projectedSeasonFen = charged + round(charged × remaining / elapsed) (half up, once), at most
 * capFen; `today` a day number. Days are the occupancy's covered service days: elapsed before
 * `today`, remaining from it on. No elapsed service day yet: nothing to extend, the charge so far.
 */
export function projectedSeasonFen(plan: Plan, season: SeasonCalendar, terms: AccountTerms, chargedFen: number, today: number): number {
  if (plan === 'flat') return terms.capFen;
  const charged = Math.max(0, chargedFen);
  const [opened, closed] = terms.occupancy;
  const elapsed = coveredDaysBetween(season, opened, Math.min(today, closed));
  const remaining = coveredDaysBetween(season, Math.max(today, opened), closed);
  const extension = elapsed === 0 ? 0 : Math.floor((2 * charged * remaining + elapsed) / (2 * elapsed));
  return Math.min(terms.capFen, charged + extension);
}
