/**
 * Exact decimals and money (SPEC §2). No binary float ever touches a money value.
 *
 * Conventions used by every module in src/core:
 * - Money is integer fen, returned as a JS `number` that is always a safe integer
 *   (`toFen` asserts it when converting from bigint).
 * - Quantities (areas in m², meter register values, units) are `Qty`: a bigint holding
 *   thousandths (scale 3): "12345.6" → 12345600n, "99" → 99000n.
 * - Rates (unitRate CNY/unit, capPerM2 CNY/m²) are `Rate`: a bigint holding
 *   ten-thousandths (scale 4): "0.33" → 3300n, "35" → 350000n.
 * - Qty × Rate is CNY at scale 7, i.e. fen at scale 5: `fenOf` divides by 10^5 and rounds
 *   half up once per computed amount, never on intermediate sums.
 * Inputs may be decimal strings or JSON numbers; a number is read through its shortest
 * round-trip decimal string (`String(n)`), so 0.1 means exactly "0.1".
 * Hot path: `fastFixed` / `fastFenOf` compute the same integers with doubles only while
 * every value and product is a safe integer (hence exact), else callers use the bigint path.
 */

/** Thousandths of a unit / m² (scale 3). */
export type Qty = bigint;
/** Ten-thousandths of a CNY per unit / per m² (scale 4). */
export type Rate = bigint;
/** A decimal as it arrives from JSON, CSV or PostgreSQL `numeric`. */
export type DecimalInput = string | number;

export const QTY_SCALE = 3;
export const RATE_SCALE = 4;
/** Qty × Rate has scale 7 CNY = scale 5 fen. */
const FEN_DIVISOR = 100_000n;
const HALF_FEN_DIVISOR = 50_000n;
/** Integer digits accepted; keeps every product far inside exact range and rejects junk. */
const MAX_INT_DIGITS = 15;
const MAX_FAST = BigInt(Number.MAX_SAFE_INTEGER);

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Plain (non-exponent) shortest decimal string of a finite number. */
function numberToDecimalString(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand exponent notation ("1.5e-7", "1e+21") without changing the digits.
  const mantissa = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const neg = mantissa.startsWith('-');
  const m = neg ? mantissa.slice(1) : mantissa;
  const dot = m.indexOf('.');
  const digits = dot < 0 ? m : m.slice(0, dot) + m.slice(dot + 1);
  const pointAt = (dot < 0 ? m.length : dot) + exp;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (neg ? '-' : '') + out;
}

/**
 * Parses a non-negative decimal into a bigint at `scale` decimals. Rejects NaN, Infinity,
 * negatives, exponent strings, empty/odd strings, and more than `scale` significant decimals
 * (extra trailing zeros, as PostgreSQL prints them, are fine: "0.33000").
 */
export function parseFixed(input: DecimalInput, scale: number, what = 'value'): bigint {
  if (typeof input === 'string') {
    const fast = scanFixedNum(input, scale);
    if (fast >= 0) return BigInt(fast);
  }
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`${what}: ${input} is not a finite number`);
    text = numberToDecimalString(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new Error(`${what}: expected a decimal string or number, got ${input === null ? 'null' : typeof input}`);
  }
  const m = DECIMAL_RE.exec(text);
  if (m === null) throw new Error(`${what}: "${text}" is not a plain decimal number (e.g. "12345.6")`);
  const intPart = m[2] as string;
  let frac = m[3] ?? '';
  if (frac.length > scale) {
    if (/[^0]/.test(frac.slice(scale))) {
      throw new Error(`${what}: "${text}" has more than ${scale} decimal places`);
    }
    frac = frac.slice(0, scale);
  }
  const digits = intPart.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_INT_DIGITS) throw new Error(`${what}: "${text}" is too large`);
  const value = BigInt(digits + frac.padEnd(scale, '0'));
  if (m[1] === '-' && value !== 0n) throw new Error(`${what}: "${text}" must not be negative`);
  return value;
}

/**
 * Fast path for the common well-formed string whose digits fit a double exactly
 * (intDigits + scale ≤ 15): the fixed-point value as a safe integer, or -1 for anything
 * else, which the regex path then decides (with its error messages).
 */
function scanFixedNum(s: string, scale: number): number {
  const n = s.length;
  let i = 0;
  let v = 0;
  let c = 0;
  while (i < n) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  if (i === 0 || i + scale > 15) return -1;
  let frac = 0;
  if (i < n) {
    if (c !== 46 || i === n - 1) return -1;
    i++;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      if (frac < scale) {
        v = v * 10 + (c - 48);
        frac++;
      } else if (c !== 48) {
        return -1;
      }
      i++;
    }
  }
  for (; frac < scale; frac++) v *= 10;
  return v;
}

/**
 * Hot-path helper (internal): the fixed-point value of a plain decimal string as a safe
 * integer number, or -1 when the caller must use the bigint parser (numbers, big values,
 * malformed input). Same value as parseFixed whenever it is not -1.
 */
export function fastFixed(input: DecimalInput, scale: number): number {
  return typeof input === 'string' ? scanFixedNum(input, scale) : -1;
}

/**
 * Hot-path helper (internal): round(a × b / 10^5) half up for safe integers a, b ≥ 0 when
 * the product is exact in a double, else -1 (use fenOf). Same result as fenOf.
 */
export function fastFenOf(a: number, b: number): number {
  const p = a * b;
  if (p > Number.MAX_SAFE_INTEGER) return -1;
  // floor(p / 1e5) exactly: the float quotient can only round up past an integer.
  let q = Math.floor(p / 100_000);
  let r = p - q * 100_000;
  if (r < 0) {
    q -= 1;
    r += 100_000;
  }
  return r >= 50_000 ? q + 1 : q;
}

/** A Rate as a safe integer number for fastFenOf, or -1 when it does not fit. */
export function rateAsNumber(r: Rate): number {
  return r >= 0n && r <= MAX_FAST ? Number(r) : -1;
}

/** Area, meter value or units (up to 3 decimals) → Qty thousandths. */
export function parseQuantity(input: DecimalInput, what = 'quantity'): Qty {
  return parseFixed(input, QTY_SCALE, what);
}

/**
 * A quantity that may be negative (units credited back by a late move-out) → Qty thousandths.
 * Register values, areas and rates are never negative: they use parseQuantity / parseRate.
 */
export function parseSignedQuantity(input: DecimalInput, what = 'quantity'): Qty {
  if (typeof input === 'string' && input.startsWith('-')) return -parseFixed(input.slice(1), QTY_SCALE, what);
  if (typeof input === 'number' && input < 0) return -parseFixed(-input, QTY_SCALE, what);
  return parseFixed(input, QTY_SCALE, what);
}

/** Tariff rate (up to 4 decimals) → Rate ten-thousandths. */
export function parseRate(input: DecimalInput, what = 'rate'): Rate {
  return parseFixed(input, RATE_SCALE, what);
}

/** Formats a fixed-point bigint with at least `minDecimals` and no needless trailing zeros. */
export function formatFixed(value: bigint, scale: number, minDecimals = 0): string {
  const neg = value < 0n;
  const abs = (neg ? -value : value).toString().padStart(scale + 1, '0');
  const intPart = abs.slice(0, abs.length - scale);
  let frac = abs.slice(abs.length - scale);
  let end = frac.length;
  while (end > minDecimals && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  return (neg ? '-' : '') + intPart + (frac.length > 0 ? '.' + frac : '');
}

/** Units / readings for output: minimal decimals ("1500", "12345.6"). */
export function formatQuantity(q: Qty): string {
  return q >= 0n && q <= MAX_FAST ? formatThousandths(Number(q)) : formatFixed(q, QTY_SCALE, 0);
}

/** formatQuantity for a safe non-negative integer number of thousandths (hot path). */
export function formatThousandths(n: number): string {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) return formatFixed(BigInt(n), QTY_SCALE, 0);
  const r = n % 1000;
  const i = (n - r) / 1000;
  return r === 0 ? String(i) : String(i) + (QTY_FRACTIONS[r] as string);
}

/** ".001" … ".999" without trailing zeros, indexed by thousandths. */
const QTY_FRACTIONS: readonly string[] = Array.from({ length: 1000 }, (_, r) =>
  r === 0 ? '' : '.' + String(r).padStart(3, '0').replace(/0+$/, ''),
);

/** Areas for output: at least two decimals ("99.00", "88.125"). */
export function formatArea(q: Qty): string {
  return formatFixed(q, QTY_SCALE, 2);
}

/** Rates for output: minimal decimals ("0.33", "35"). */
export function formatRate(r: Rate): string {
  return formatFixed(r, RATE_SCALE, 0);
}

/** Fen as a CNY string with two decimals ("3465.00", "-12.50"). */
export function formatFenAsCny(fen: number): string {
  assertFen(fen, 'amount');
  const abs = fen < 0 ? -fen : fen;
  const cents = abs % 100;
  return `${fen < 0 ? '-' : ''}${(abs - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * n / d rounded half up (SPEC §2). For negative quotients "half up" is taken as half away
 * from zero (commercial rounding), so round(-0.5) = -1; amounts computed by the core are
 * never negative before rounding.
 */
export function roundDiv(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new Error('roundDiv: divisor must be positive');
  if (n >= 0n) return (2n * n + d) / (2n * d);
  return -((2n * -n + d) / (2n * d));
}

/** bigint fen → number, asserting it is a safe integer. */
export function toFen(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${value} fen is outside the safe integer range`);
  return n;
}

/** Throws unless `fen` is a safe integer. */
export function assertFen(fen: number, what = 'amountFen'): void {
  if (!Number.isSafeInteger(fen)) throw new Error(`${what} must be an integer number of fen, got ${fen}`);
}

/** round(qty × rate × 100) in fen, half up, once (grossFen and capFen of SPEC §2/§5). */
export function fenOf(qty: Qty, rate: Rate): number {
  const p = qty * rate;
  // Half up for p ≥ 0 with an even divisor: floor((p + d/2) / d).
  return toFen(p >= 0n ? (p + HALF_FEN_DIVISOR) / FEN_DIVISOR : roundDiv(p, FEN_DIVISOR));
}

/** round(fen × num / den), half up (proration and cumulative installments, SPEC §5). */
export function prorateFen(fen: number, num: number, den: number): number {
  assertFen(fen, 'fen');
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den <= 0 || num < 0) {
    throw new Error(`prorateFen: bad ratio ${num}/${den}`);
  }
  if (num === den) return fen;
  const p = fen * num;
  if (Number.isSafeInteger(p) && p >= 0) {
    // Exact integer arithmetic on doubles: remainder and quotient of safe integers.
    const r = p % den;
    const q = (p - r) / den;
    return 2 * r >= den ? q + 1 : q;
  }
  return toFen(roundDiv(BigInt(fen) * BigInt(num), BigInt(den)));
}
