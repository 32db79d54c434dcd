import { Type } from '@sinclair/typebox';
import { CompoundCode, Period, Uuid } from '../http/schemas.js';

export const EXCEPTION_KINDS = ['missing_reading', 'zero_usage', 'usage_spike', 'billing_exception'] as const;

export const ExceptionSchema = Type.Object({
  kind: Type.Union(EXCEPTION_KINDS.map((k) => Type.Literal(k))),
  period: Period,
  householdId: Uuid,
  accountId: Type.Union([Uuid, Type.Null()], { description: 'the account open at the month\'s end (or the one the batch left unbilled)' }),
  meterSerial: Type.Union([Type.String(), Type.Null()], { description: 'the meter in service at the month\'s end' }),
  building: Type.String(),
  unit: Type.String(),
  room: Type.String(),
  units: Type.Union([Type.String(), Type.Null()], { description: 'the month\'s advance (zero_usage, usage_spike), decimal string' }),
  detail: Type.String({ description: 'what is wrong, in English; for billing_exception the batch\'s reason' }),
});

export const ExceptionListSchema = Type.Object({
  compound: CompoundCode,
  period: Period,
  items: Type.Array(ExceptionSchema, { description: 'in household order, then kind' }),
});

export const EXCEPTION_CSV_COLUMNS = [
  'kind', 'period', 'building', 'unit', 'room', 'householdId', 'accountId', 'meterSerial', 'units', 'detail',
] as const;
