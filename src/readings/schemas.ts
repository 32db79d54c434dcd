import { Type } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { CompoundCode, Uuid } from '../http/schemas.js';
import { quantityOut } from '../shared/quantity.js';
import { formatInstant } from '../shared/time.js';

const Instant = Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601; without offset = the compound local time' });

export const ReadingListQuery = Type.Object({
  compound: Type.Optional(CompoundCode),
  householdId: Type.Optional(Uuid),
  meterSerial: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  from: Type.Optional({ ...Instant, description: `${Instant.description}; readings at or after it` }),
  to: Type.Optional({ ...Instant, description: `${Instant.description}; readings before it` }),
  ...PageQuery,
});

export const ReadingSchema = Type.Object({
  id: Type.Integer({ description: 'the id PATCH /v1/readings/{id} takes' }),
  meterSerial: Type.String({ description: 'serial of the meter read' }),
  householdId: { ...Uuid, description: "the meter's household" },
  compound: { ...CompoundCode, description: 'the compound code' },
  readAt: Type.String({ description: 'ISO 8601 instant in the compound time zone' }),
  value: Type.String({ description: 'cumulative register value, decimal string' }),
  source: Type.Union([Type.Literal('manual'), Type.Literal('automatic')], { description: 'manual (read by a person) or automatic' }),
  correctedFrom: Type.Optional(Type.String({ description: 'the value before the reading was first corrected' })),
}, { title: 'Reading', description: "A meter's cumulative register value at an instant." });

export interface ReadingRow {
  id: number;
  read_at: Date;
  value: string;
  source: 'manual' | 'automatic';
  serial: string;
  household_id: string;
  compound_code: string;
  time_zone: string;
  corrected_from: string | null;
}

export function readingOut(row: ReadingRow) {
  const value = quantityOut(row.value);
  return {
    id: row.id,
    meterSerial: row.serial,
    householdId: row.household_id,
    compound: row.compound_code,
    readAt: formatInstant(row.read_at, row.time_zone),
    value,
    source: row.source,
    ...(row.corrected_from !== null && row.corrected_from !== value ? { correctedFrom: row.corrected_from } : {}),
  };
}
