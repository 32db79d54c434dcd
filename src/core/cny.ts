/**
 * How an amount of money is written for people, the one way for the server's printed pages (invoice,
 * payment notice) and the web pages alike (web/shared/format.ts re-exports it): 123456 fen →
 * "¥1,234.56", −1200 → "−¥12.00" (a minus sign, before the currency). Integer arithmetic, never a
 * float division. No imports, so the pages' bundle takes this file alone.
 */
export function cny(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`an amount in fen must be a safe integer, got ${fen}`);
  const abs = Math.abs(fen);
  const yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  return `${fen < 0 ? '−' : ''}¥${yuan}.${cents}`;
}
