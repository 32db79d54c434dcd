/** The season year the core tests compute against (pure data: no database, no app). */

/** 2025-26 with the default windows (SPEC §3): 212 service days over nine billable months. */
export const DEFAULT_WINDOWS = {
  label: '2025-26',
  heating: { start: '2025-11-15', end: '2026-03-15' },
  cooling: { start: '2026-06-15', end: '2026-09-15' },
};

/** The default windows at 0.33 CNY per unit and a cap of 35 CNY per m² (99 m²: 346,500 fen). */
export const DEFAULT_SEASON = { ...DEFAULT_WINDOWS, unitRate: '0.33', capPerM2: '35' };
