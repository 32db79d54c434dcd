import { Type } from '@sinclair/typebox';

/** Shared request/response building blocks. Money is integer fen; decimals travel as strings. */
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export const Fen = Type.Integer({ description: 'money in fen (1 CNY = 100 fen)' });
export const IsoDate = Type.String({ format: 'date', description: 'local calendar date YYYY-MM-DD' });
export const Period = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'billing month YYYY-MM' });
export const SeasonLabel = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'season year, e.g. 2025-26' });
export const CompoundCode = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 });
/** A decimal as a string ("99.00") or a JSON number; parsed exactly by the billing core. */
export const DecimalInput = Type.Union([Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 20 }), Type.Number({ minimum: 0 })]);
export const PlanSchema = Type.Union([Type.Literal('metered'), Type.Literal('flat')]);
