import { Type } from '@sinclair/typebox';
import type { Season } from '../db/types.js';
import { CompoundCode, Text } from '../http/schemas.js';
import { SeasonSchema, seasonOut } from '../seasons/schemas.js';

export const CompoundSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the compound id' }),
  code: { ...CompoundCode, description: 'the key in URLs; upper-cased in invoice numbers' },
  name: Type.String({ description: 'the name (奥山世纪城小区)' }),
  district: Type.String({ description: 'the district (东湖高新区)' }),
  providerId: Type.String({ format: 'uuid', description: 'the provider that owns it' }),
  timeZone: Type.String({ description: 'IANA zone of its local dates and times (Asia/Shanghai)' }),
  dueDays: Type.Integer({ description: 'days from issuedOn to dueOn' }),
  seasons: Type.Optional(Type.Array(SeasonSchema, { description: 'its season years (on GET of one compound)' })),
}, { title: 'Compound', description: 'A residential compound (小区) billed by one provider.' });

export const CreateCompoundBody = Type.Object(
  {
    code: CompoundCode,
    name: Text({ maxLength: 200 }),
    district: Text({ maxLength: 200 }),
    providerId: Type.Optional(
      Type.String({ format: 'uuid', description: 'required for admin; operators create under their own provider' }),
    ),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, default: 'Asia/Shanghai' })),
    dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, default: 15 })),
  },
  { additionalProperties: false },
);

/** Compound row to API shape, with its seasons when given. */
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
