import { Type } from '@sinclair/typebox';
import type { Season } from '../db/types.js';
import { CompoundCode, DecimalInput, IsoDate, SeasonLabel } from '../http/schemas.js';

export const DateRange = Type.Object({ start: IsoDate, end: IsoDate }, { additionalProperties: false });

export const SeasonSchema = Type.Object({
  label: SeasonLabel,
  heating: { ...DateRange, description: 'the heating window, both dates included' },
  cooling: { ...DateRange, description: 'the cooling window, both dates included' },
  unitRate: Type.String({ description: 'CNY per meter unit, decimal string' }),
  capPerM2: Type.String({ description: 'CNY per m² per season year, decimal string' }),
  flatBilling: Type.Union([Type.Literal('installments'), Type.Literal('upfront')], {
    description: 'how flat (一口价) accounts pay the fee: monthly installments or upfront',
  }),
  lateFeePerMillePerDay: Type.String({ description: 'late fee, per mille of the unpaid amount per day, decimal string; "0" is off' }),
}, { title: 'Season', description: "A season year's windows and tariff (SPEC §3)." });

/** SPEC §9 "Late fee": up to 4 decimals, below 1000 ‰; a negative or malformed value is 400, never dropped. */
export const LateFeeRateInput = Type.Union(
  [Type.String({ pattern: '^[0-9]{1,3}(\\.[0-9]{1,4})?$', maxLength: 8 }), Type.Number({ minimum: 0, maximum: 999.9999 })],
  { description: 'late fee (滞纳金), per mille of the unpaid amount per day, e.g. "0.5"; default "0" (off)' },
);

export const SeasonParams = Type.Object({ code: CompoundCode, label: SeasonLabel });
export const PutSeasonBody = Type.Object(
  {
    heating: DateRange,
    cooling: DateRange,
    unitRate: DecimalInput,
    capPerM2: DecimalInput,
    flatBilling: Type.Optional(Type.Union([Type.Literal('installments'), Type.Literal('upfront')], { default: 'installments' })),
    lateFeePerMillePerDay: Type.Optional(LateFeeRateInput),
  },
  { additionalProperties: false },
);

export function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

/** Season row to API shape. Rates drop the database's trailing zeros ("0.3300" → "0.33"). */
export function seasonOut(season: Season) {
  return {
    label: season.label,
    heating: { start: season.heating_start, end: season.heating_end },
    cooling: { start: season.cooling_start, end: season.cooling_end },
    unitRate: trimDecimal(season.unit_rate),
    capPerM2: trimDecimal(season.cap_per_m2),
    flatBilling: season.flat_billing,
    lateFeePerMillePerDay: trimDecimal(season.late_fee_per_mille_per_day),
  };
}
