import { Type } from '@sinclair/typebox';
import type { Season } from '../db/types.js';
import { CompoundCode, IsoDate, SeasonLabel } from '../http/schemas.js';

export const DateRange = Type.Object({ start: IsoDate, end: IsoDate }, { additionalProperties: false });

export const SeasonSchema = Type.Object({
  label: SeasonLabel,
  heating: DateRange,
  cooling: DateRange,
  unitRate: Type.String({ description: 'CNY per meter unit, decimal string' }),
  capPerM2: Type.String({ description: 'CNY per m² per season year, decimal string' }),
  flatBilling: Type.Union([Type.Literal('installments'), Type.Literal('upfront')]),
});

export const CompoundSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: CompoundCode,
  name: Type.String(),
  district: Type.String(),
  providerId: Type.String({ format: 'uuid' }),
  timeZone: Type.String(),
  dueDays: Type.Integer(),
  seasons: Type.Optional(Type.Array(SeasonSchema)),
});

export const CreateCompoundBody = Type.Object(
  {
    code: CompoundCode,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    district: Type.String({ minLength: 1, maxLength: 200 }),
    providerId: Type.Optional(Type.String({ format: 'uuid', description: 'required for admin; operators create under their own provider' })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'Asia/Shanghai' })),
    dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, default: 15 })),
  },
  { additionalProperties: false },
);

/** Compound row to API shape. Rates drop the database's trailing zeros ("0.3300" → "0.33"). */
export function compoundOut(
  row: { id: string; code: string; name: string; district: string; provider_id: string; time_zone: string; due_days: number },
  seasons?: Season[],
) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    district: row.district,
    providerId: row.provider_id,
    timeZone: row.time_zone,
    dueDays: row.due_days,
    ...(seasons ? { seasons: seasons.map(seasonOut) } : {}),
  };
}

export function trimDecimal(value: string): string {
  return value.includes('.') ? value.replace(/\.?0+$/, '') : value;
}

export function seasonOut(season: Season) {
  return {
    label: season.label,
    heating: { start: season.heating_start, end: season.heating_end },
    cooling: { start: season.cooling_start, end: season.cooling_end },
    unitRate: trimDecimal(season.unit_rate),
    capPerM2: trimDecimal(season.cap_per_m2),
    flatBilling: season.flat_billing,
  };
}
