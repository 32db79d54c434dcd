/** Display only: the API computes every figure, these functions only write them out. */

/** 123456 fen → "¥1,234.56"; negative → "−¥12.00": the server's printed pages write money the same way. */
export { cny } from '../../src/core/cny.js';

/** "2026-01-05T10:00:00+08:00" → "2026-01-05 10:00" (the instant as the API wrote it, local to the compound). */
export function localTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** "2026-01" → "2026年1月". */
export function monthZh(period: string): string {
  const [year, month] = period.split('-');
  return `${year}年${Number(month)}月`;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-01" → "Jan 2026". */
export function monthEn(period: string): string {
  const [year, month] = period.split('-');
  return `${MONTHS_EN[Number(month) - 1] ?? month} ${year}`;
}

/** Percentage for a bar, 0–100, from two API figures. */
export function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((part / whole) * 1000) / 10));
}

/** The calendar month before today's, as a billing period "YYYY-MM" (a default for a month picker). */
export function previousPeriod(today: Date = new Date()): string {
  const year = today.getMonth() === 0 ? today.getFullYear() - 1 : today.getFullYear();
  const month = today.getMonth() === 0 ? 12 : today.getMonth();
  return `${year}-${String(month).padStart(2, '0')}`;
}
