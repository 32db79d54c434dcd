/**
 * Personal data in resident-facing output (SPEC §4, §7): phones as `138****5678`, holder names
 * keep their first character (`王*`, `J***`).
 */

/** `13812345678` → `138****5678`: the digits keep their first three and last four. */
export function maskPhone(phone: string | null): string | null {
  if (phone === null) return null;
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 8) return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
  if (digits.length <= 2) return '*'.repeat(digits.length);
  return `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

/** `王芳` → `王*`, `欧阳娜娜` → `欧***`: the first character (code point) and one star per other one. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}
