import { formatQuantity, parseQuantity } from '../core/index.js';

/** numeric text from PostgreSQL → minimal decimal ("1500.000" → "1500"). */
export function quantityOut(value: string): string;
export function quantityOut(value: string | null): string | null;
export function quantityOut(value: string | null): string | null {
  return value === null ? null : formatQuantity(parseQuantity(value));
}
