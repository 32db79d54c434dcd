import t from 'tap';
import fc from 'fast-check';
import { breachMessage, NOT_MONOTONIC, registerBreach, type RegisterBound } from '../../src/core/index.js';

const initial: RegisterBound = { kind: 'initial', value: 10_000n, at: '2025-10-01T00:00:00+08:00' };
const earlier: RegisterBound = { kind: 'reading', value: 1_500_000n, at: '2026-01-31T23:00:00+08:00', id: 7 };
const later: RegisterBound = { kind: 'reading', value: 3_000_000n, at: '2026-03-31T23:00:00+08:00' };

t.test('registerBreach: lower than the previous value, higher than the next, equal is fine', async (t) => {
  t.same(registerBreach(1_200_000n, earlier, later), { code: NOT_MONOTONIC, fault: 'lower', bound: earlier });
  t.same(registerBreach(3_200_000n, earlier, later), { code: NOT_MONOTONIC, fault: 'higher', bound: later });
  t.same(registerBreach(5_000n, initial, later), { code: NOT_MONOTONIC, fault: 'lower_initial', bound: initial });
  t.equal(registerBreach(1_500_000n, earlier, later), undefined, 'equal to the previous');
  t.equal(registerBreach(3_000_000n, earlier, later), undefined, 'equal to the next');
  t.equal(registerBreach(0n, undefined, undefined), undefined, 'nothing to compare with');
});

t.test('breachMessage: one wording for every writer', async (t) => {
  const lower = registerBreach(1_200_000n, earlier, later)!;
  t.equal(breachMessage(lower), 'is lower than the reading 7 (1500 at 2026-01-31T23:00:00+08:00)');
  t.equal(
    breachMessage(lower, { meter: 'M-1', correcting: true }),
    'is lower than the earlier reading 7 (1500 at 2026-01-31T23:00:00+08:00) of meter M-1',
  );
  t.equal(
    breachMessage(registerBreach(3_200_000n, earlier, { ...later, where: 'readings[0].value' })!),
    'is higher than the later reading 3000 of 2026-03-31T23:00:00+08:00 at readings[0].value',
  );
  t.equal(
    breachMessage(registerBreach(5_000n, initial, undefined)!, { meter: 'M-1' }),
    'is lower than the initial reading 10 of meter M-1 installed at 2025-10-01T00:00:00+08:00',
  );
  t.equal(breachMessage(registerBreach(5_000n, { kind: 'initial', value: 10_000n }, undefined)!), 'is lower than the initial reading 10');
});

t.test('property: a value passes exactly when it lies between its neighbours', async () => {
  const bound = (kind: RegisterBound['kind']) => fc.bigInt({ min: 0n, max: 10n ** 12n }).map((value): RegisterBound => ({ kind, value }));
  const value = fc.bigInt({ min: 0n, max: 10n ** 12n });
  fc.assert(
    fc.property(value, fc.oneof(bound('initial'), bound('reading')), fc.option(bound('reading')), (v, p, n) => {
      const breach = registerBreach(v, p, n ?? undefined);
      const inside = v >= p.value && (n === null || v <= n.value);
      if (inside !== (breach === undefined)) return false;
      if (breach && breach.fault === 'higher') return n !== null && v > n.value && v >= p.value;
      if (breach) return breach.fault === (p.kind === 'initial' ? 'lower_initial' : 'lower') && breach.code === NOT_MONOTONIC;
      return true;
    }),
  );
});
