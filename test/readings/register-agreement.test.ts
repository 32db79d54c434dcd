import t from 'tap';
import fc from 'fast-check';
import { breachMessage, registerBreach, type RegisterBound } from '../../src/core/index.js';
import { testApp } from '../helpers/app.js';
import { insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';

// The reading import checks monotonicity set-wise in SQL (its hot path, readings/service.ts ERRORS),
// every other writer through core/register.ts. This pins that both reject the same rows, in the
// core's words: each batch row is compared with the value just before it on the meter (the initial
// reading, a stored reading or another row) and the stored reading just after it.

const INSTALLED = '2025-10-01T00:00:00+08:00';
/** Noon local time (the compound's zone, +08:00) of day `day` from 2025-11-01, without and with its offset. */
const at = (day: number) => `${new Date(Date.UTC(2025, 10, 1) + day * 86_400_000).toISOString().slice(0, 10)}T12:00:00`;
const local = (day: number) => `${at(day)}+08:00`;

interface Point {
  day: number;
  value: number;
  row?: number;
}

/** What the core says of each batch row: path → message, for the rows it rejects. */
function expected(initial: number, stored: Point[], batch: Point[], serial: string): Map<string, string> {
  const seq = [...stored, ...batch].sort((a, b) => a.day - b.day);
  const bound = (p: Point): RegisterBound => ({
    kind: 'reading',
    value: BigInt(p.value) * 1000n,
    at: local(p.day),
    ...(p.row === undefined ? {} : { where: `readings[${p.row}].value` }),
  });
  const out = new Map<string, string>();
  seq.forEach((p, i) => {
    if (p.row === undefined) return;
    const before = seq[i - 1];
    const after = seq[i + 1];
    const previous: RegisterBound = before ? bound(before) : { kind: 'initial', value: BigInt(initial) * 1000n, at: INSTALLED };
    const next = after && after.row === undefined ? bound(after) : undefined;
    const breach = registerBreach(BigInt(p.value) * 1000n, previous, next);
    if (breach) {
      const wording = breach.fault === 'lower_initial' ? { meter: serial } : {};
      out.set(`readings[${p.row}].value`, `value ${p.value} ${breachMessage(breach, wording)}`);
    }
  });
  return out;
}

t.test('property: the set-wise SQL check and core/register.ts reject the same rows, in the same words', async (t) => {
  const { app, db } = await testApp(t);
  const op = await operatorWithCompound(app, 'agree');
  const scenario = fc
    .record({
      initial: fc.integer({ min: 0, max: 30 }),
      days: fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
      storedCount: fc.integer({ min: 0, max: 4 }),
      steps: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 8, maxLength: 8 }),
      values: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 8, maxLength: 8 }),
    })
    .filter((s) => s.storedCount < s.days.length);
  await fc.assert(
    fc.asyncProperty(scenario, async (s) => {
      const home = await insertHome(db, op.compound.id, { initialReading: String(s.initial) });
      // Stored readings are monotonic (the rule held when they were written).
      const storedDays = [...s.days.slice(0, s.storedCount)].sort((a, b) => a - b);
      let register = s.initial;
      const stored = storedDays.map((day, i) => ({ day, value: (register += s.steps[i]!) }));
      await insertReadings(db, op.compound.id, home.meterId, stored.map((p) => [local(p.day), String(p.value)]));
      const batch = s.days.slice(s.storedCount).map((day, row) => ({ day, value: s.values[row]!, row }));

      const res = await app.inject({
        method: 'POST',
        url: '/v1/readings',
        headers: op.headers,
        payload: { readings: batch.map((p) => ({ meterSerial: home.serial, readAt: at(p.day), value: p.value })) },
      });
      const want = expected(s.initial, stored, batch, home.serial);
      if (process.env.DEBUG_AGREE) console.error(JSON.stringify({ s, body: res.body, want: [...want] }));
      if (want.size === 0) return res.statusCode < 300;
      if (res.statusCode !== 422) return false;
      const got = res.json().errors as Array<{ path: string; message: string; code: string }>;
      const paths = new Set(got.map((e) => e.path));
      // A row below a batch neighbour and above a stored one is two SQL rows; the core names the first.
      return (
        paths.size === want.size &&
        [...want].every(([path, message]) => got.some((e) => e.path === path && e.message === message && e.code === 'not_monotonic'))
      );
    }),
    { numRuns: 20 },
  );
});
