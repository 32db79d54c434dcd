import t from 'tap';
import fc from 'fast-check';
import {
  fastFenOf,
  fastFixed,
  fenOf,
  formatArea,
  formatFenAsCny,
  formatQuantity,
  formatRate,
  parseQuantity,
  parseRate,
  prorateFen,
  roundDiv,
  seasonCapFen,
  toFen,
} from '../../src/core/index.js';

t.test('parses decimal strings exactly into fixed point', async (t) => {
  t.equal(parseQuantity('12345.6'), 12345600n);
  t.equal(parseQuantity('99'), 99000n);
  t.equal(parseQuantity('99.00'), 99000n);
  t.equal(parseQuantity('0.001'), 1n);
  t.equal(parseQuantity('007.5'), 7500n);
  t.equal(parseQuantity('12345.600'), 12345600n, 'PostgreSQL numeric(15,3) output');
  t.equal(parseQuantity('1.5000'), 1500n, 'trailing zeros beyond the scale are exact');
  t.equal(parseRate('0.33'), 3300n);
  t.equal(parseRate('0.3300'), 3300n);
  t.equal(parseRate('35'), 350000n);
  t.equal(parseRate('0.3333'), 3333n);
  t.equal(parseQuantity('123456789012345.999'), 123456789012345999n, 'beyond the double fast path');
});

t.test('JSON numbers go through their shortest decimal string', async (t) => {
  t.equal(parseQuantity(99.5), 99500n);
  t.equal(parseQuantity(0.1), 100n);
  t.equal(parseQuantity(12345.6), 12345600n);
  t.equal(parseQuantity(0), 0n);
  t.equal(parseQuantity(-0), 0n);
  t.equal(parseRate(0.33), 3300n);
  t.equal(parseQuantity(1e21 / 1e10), 100000000000000n);
  t.throws(() => parseQuantity(0.1 + 0.2), { message: /more than 3 decimal places/ }, '0.30000000000000004');
  t.throws(() => parseQuantity(1e-7), { message: /more than 3 decimal places/ });
  t.throws(() => parseQuantity(1e21), { message: /too large/ });
});

t.test('rejects bad input with a clear message', async (t) => {
  t.throws(() => parseQuantity(Number.NaN, 'areaM2'), { message: /^areaM2: NaN is not a finite number/ });
  t.throws(() => parseQuantity(Number.POSITIVE_INFINITY), { message: /not a finite number/ });
  t.throws(() => parseQuantity(-1, 'value'), { message: /^value: "-1" must not be negative/ });
  t.throws(() => parseQuantity('-0.5'), { message: /must not be negative/ });
  t.throws(() => parseQuantity('1.2345'), { message: /more than 3 decimal places/ });
  t.throws(() => parseRate('0.33333'), { message: /more than 4 decimal places/ });
  for (const bad of ['', ' 1', '1 ', '1.', '.5', '1e3', '1,5', 'abc', '+1', '0x10', '١٢']) {
    t.throws(() => parseQuantity(bad), { message: /not a plain decimal number/ }, JSON.stringify(bad));
  }
  t.throws(() => parseQuantity(null as unknown as string), { message: /expected a decimal string or number, got null/ });
  t.throws(() => parseQuantity('1234567890123456'), { message: /too large/ });
});

t.test('formats back to decimal strings', async (t) => {
  t.equal(formatQuantity(1500000n), '1500');
  t.equal(formatQuantity(12345600n), '12345.6');
  t.equal(formatQuantity(1n), '0.001');
  t.equal(formatQuantity(0n), '0');
  t.equal(formatQuantity(123456789012345999n), '123456789012345.999');
  t.equal(formatArea(99000n), '99.00');
  t.equal(formatArea(88125n), '88.125');
  t.equal(formatArea(99500n), '99.50');
  t.equal(formatRate(3300n), '0.33');
  t.equal(formatRate(350000n), '35');
  t.equal(formatRate(3333n), '0.3333');
  t.equal(formatFenAsCny(346500), '3465.00');
  t.equal(formatFenAsCny(-1250), '-12.50');
  t.equal(formatFenAsCny(5), '0.05');
  t.equal(formatFenAsCny(0), '0.00');
});

t.test('half-up rounding to the fen, once', async (t) => {
  t.equal(roundDiv(5n, 10n), 1n, '0.5 rounds up');
  t.equal(roundDiv(4n, 10n), 0n);
  t.equal(roundDiv(15n, 10n), 2n);
  t.equal(roundDiv(-5n, 10n), -1n, 'negative halves round away from zero');
  t.equal(roundDiv(-4n, 10n), 0n);
  // 1.5 units × 0.33 = 0.495 CNY = 49.5 fen → 50
  t.equal(fenOf(parseQuantity('1.5'), parseRate('0.33')), 50);
  // 0.05 × 0.1 = 0.005 CNY = 0.5 fen → 1
  t.equal(fenOf(parseQuantity('0.05'), parseRate('0.1')), 1);
  // 0.015 × 0.33 = 0.495 fen → 0
  t.equal(fenOf(parseQuantity('0.015'), parseRate('0.33')), 0);
  // 1.515 × 0.33 = 49.995 fen → 50
  t.equal(fenOf(parseQuantity('1.515'), parseRate('0.33')), 50);
  // area 10.001 m² × 35 = 350.035 CNY = 35003.5 fen → 35004
  t.equal(seasonCapFen(parseQuantity('10.001'), parseRate('35')), 35004);
  // 88.123 × 35.5 = 3128.3665 CNY → 312836.65 fen → 312837
  t.equal(seasonCapFen(parseQuantity('88.123'), parseRate('35.5')), 312837);
  t.equal(seasonCapFen(parseQuantity('99.00'), parseRate('35')), 346500);
  t.equal(prorateFen(106, 1, 212), 1, '0.5 fen rounds up');
  t.equal(prorateFen(105, 1, 212), 0, '0.495 fen rounds down');
  t.equal(prorateFen(346500, 66, 212), 107873, '346500 × 66 / 212 = 107872.64');
  t.equal(prorateFen(Number.MAX_SAFE_INTEGER, 211, 212), 8964712465803533, 'big fee takes the bigint path');
  t.throws(() => prorateFen(1, 1, 0), { message: /bad ratio/ });
});

t.test('toFen refuses unsafe integers', async (t) => {
  t.equal(toFen(9007199254740991n), Number.MAX_SAFE_INTEGER);
  t.throws(() => toFen(9007199254740992n), { message: /outside the safe integer range/ });
});

t.test('property: parse/format round trip and fast paths agree with the bigint path', async (t) => {
  const decimalString = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }))
    .map(([v, decimals, extraZeros]) => {
      const s = formatQuantity((v / 10n ** BigInt(3 - decimals)) * 10n ** BigInt(3 - decimals));
      return s.includes('.') ? s + '0'.repeat(extraZeros) : s;
    });
  fc.assert(
    fc.property(decimalString, (s) => {
      const q = parseQuantity(s);
      if (formatQuantity(q) !== s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')) throw new Error(`format ${s}`);
      if (parseQuantity(formatQuantity(q)) !== q) throw new Error(`round trip ${s}`);
      const f = fastFixed(s, 3);
      if (f !== -1 && BigInt(f) !== q) throw new Error(`fast path ${s}: ${f} vs ${q}`);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 0n, max: 2n ** 26n }), (a, b) => {
      const fast = fastFenOf(Number(a), Number(b));
      const exact = fenOf(a, b);
      if (fast !== -1 && fast !== exact) throw new Error(`fastFenOf(${a}, ${b}) = ${fast}, fenOf = ${exact}`);
      if (a * b <= BigInt(Number.MAX_SAFE_INTEGER) && fast === -1) throw new Error('fast path refused a safe product');
    }),
    { numRuns: 5000 },
  );
  t.pass('properties held');
});
