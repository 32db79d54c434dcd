import { Type } from '@sinclair/typebox';

/** Shared request/response building blocks. Money is integer fen; decimals travel as strings. */
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
export const Fen = Type.Integer({ description: 'fen, integer (1 CNY = 100 fen)' });
/** Years 2000–2100, the range of every date and instant the API takes (shared/time.ts). */
const YEAR = '(20[0-9]{2}|2100)';
export const IsoDate = Type.String({ format: 'date', pattern: `^${YEAR}-`, description: 'local calendar date YYYY-MM-DD (2000–2100)' });
export const Period = Type.String({ pattern: `^${YEAR}-(0[1-9]|1[0-2])$`, description: 'billing month YYYY-MM' });
export const SeasonLabel = Type.String({ pattern: '^20[0-9]{2}-[0-9]{2}$', description: 'season year, e.g. 2025-26' });
/**
 * A required text field: not blank (only whitespace), and, like every string the API takes, no NUL
 * or lone surrogate (checked for all strings in strict-input.ts).
 */
export const Text = (options: { minLength?: number; maxLength: number; description?: string; pattern?: string }) =>
  Type.String({ minLength: 1, ...options, 'x-not-blank': true });
export const CompoundCode = Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64 });
/** A decimal as a string ("99.00") or a JSON number; parsed exactly by the billing core. */
export const DecimalInput = Type.Union([Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 20 }), Type.Number({ minimum: 0 })]);
export const PlanSchema = Type.Union([Type.Literal('metered'), Type.Literal('flat')]);
