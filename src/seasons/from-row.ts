import { buildSeason, type Season } from '../core/index.js';
import type { FlatBilling } from '../db/types.js';

/** A seasons row as stored (rates as numeric text, windows as local dates). */
export interface SeasonColumns {
  label: string;
  heating_start: string;
  heating_end: string;
  cooling_start: string;
  cooling_end: string;
  unit_rate: string;
  cap_per_m2: string;
  flat_billing?: FlatBilling;
}

const built = new Map<string, Season>();
const CACHE_LIMIT = 10_000;

/**
 * The core's Season of a stored row: calendar and parsed tariff, built once per distinct definition
 * (the key holds every field, so a changed season builds anew) and shared by batch, statements and
 * corrections.
 */
export function seasonFromRow(row: SeasonColumns): Season {
  const flatBilling = row.flat_billing ?? 'installments';
  const key = [
    row.label,
    row.heating_start,
    row.heating_end,
    row.cooling_start,
    row.cooling_end,
    row.unit_rate,
    row.cap_per_m2,
    flatBilling,
  ].join('|');
  let season = built.get(key);
  if (!season) {
    season = buildSeason({
      label: row.label,
      heating: { start: row.heating_start, end: row.heating_end },
      cooling: { start: row.cooling_start, end: row.cooling_end },
      unitRate: row.unit_rate,
      capPerM2: row.cap_per_m2,
      flatBilling,
    });
    if (built.size >= CACHE_LIMIT) built.clear();
    built.set(key, season);
  }
  return season;
}
