import t from 'tap';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { admin, testApp } from '../helpers/app.js';
import { twoProviderScene } from '../helpers/invoices.js';
import { householdWithMeter } from '../helpers/registry.js';

// Issue 26: every route of /openapi.json, with every role, fed valid and hostile input derived
// from its own schemas, answers 2xx or a 4xx application/problem+json, never 5xx; a refused
// request stores nothing. FUZZ_RUNS (runs per route, default 15) and FUZZ_SEED widen it locally.
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const SEED = Number(process.env.FUZZ_SEED ?? 26);

type Schema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
};
type Operation = {
  parameters?: Array<{ in: string; name: string; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
};

/** One query for the row counts of every table. */
async function countRows(pool: Pool): Promise<() => Promise<Record<string, number>>> {
  const tables = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const sql = `SELECT ${tables.rows.map(({ name }) => `(SELECT count(*) FROM "${name}")::int AS "${name}"`).join(', ')}`;
  return async () => (await pool.query<Record<string, number>>(sql)).rows[0] as Record<string, number>;
}

/** Percent-encodes a path segment; a lone surrogate becomes its (invalid) WTF-8 bytes, as a careless client would send it. */
function encodeSegment(value: string): string {
  return [...value].map((ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** What an integrator might send by mistake or on purpose. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', ' ', '\t\n', '', '9'.repeat(40), 'Infinity', 'NaN', '1e2', '0x64', ' 100', '-1',
    '0000-01', '9999-00', '2025-12-05T24:00:00+08:00', '2025-12-05T10:00:00+25:00', '0001-01-01T00:00:00Z', '2025-12-05',
  ),
  fc.constantFrom<unknown>(true, false, null, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, [], {}, [1], ['1'], [[]]),
  fc.integer({ min: 1, max: 300 }).map(nested),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

t.test('fuzz from /openapi.json: never 5xx, and nothing stored on refusal', async (t) => {
  const { app, db, pool } = await testApp(t);
  const s = await twoProviderScene(app, db, 2);
  const { meter, household } = await householdWithMeter(app, s.alpha.headers, 'alpha', 'SN-FUZZ');
  const stored = await pool.query<{ id: string }>('SELECT id FROM readings ORDER BY id LIMIT 3');
  const readingIds = [1, ...stored.rows.map((r) => Number(r.id))];
  const counts = await countRows(pool);
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };

  const uuids = [s.homeA.accountId, s.homeB.accountId, s.homeA.householdId, household.id, s.alpha.provider.id, ...s.invoicesA,
    '00000000-0000-4000-8000-000000000000'].filter((id): id is string => typeof id === 'string');
  const byName: Record<string, fc.Arbitrary<unknown>> = {
    code: fc.constantFrom('alpha', 'beta', 'nope'),
    compound: fc.constantFrom('alpha', 'beta'),
    label: fc.constantFrom('2025-26', '2026-27'),
    season: fc.constantFrom('2025-26', '2026-27'),
    period: fc.constantFrom('2025-12', '2026-01', '2026-02'),
    readAt: fc.constantFrom('2026-01-20T08:00:00+08:00', '2026-02-20T08:00:00', '2026-01-21 09:00'),
    paidAt: fc.constantFrom('2026-02-01T09:30:00+08:00', '2026-02-01T09:30:00'),
    installedAt: fc.constantFrom('2025-10-01T00:00:00', '2026-01-01T00:00:00Z'),
    meterSerial: fc.constantFrom(meter.serial, 'SN-NONE'),
    serial: fc.constantFrom('SN-F1', 'SN-F2', meter.serial),
    replaces: fc.constantFrom(meter.serial, 'SN-NONE'),
    phone: fc.constantFrom('13812345678', null),
    source: fc.constantFrom('manual', 'automatic'),
    timeZone: fc.constantFrom('Asia/Shanghai', 'Mars/Base'),
    providerId: fc.constantFrom(s.alpha.provider.id, s.beta.provider.id),
  };
  const decimal = fc.oneof(fc.constantFrom('0', '99.5', '1000', '12.345'), fc.integer({ min: 0, max: 100_000 }));
  const date = fc.constantFrom('2025-11-01', '2026-01-15', '2026-03-14');

  function valid(schema: Schema, name = ''): fc.Arbitrary<unknown> {
    const known = byName[name];
    if (known) return known;
    if (schema.anyOf) {
      if (schema.anyOf.every((branch) => branch.enum)) return fc.constantFrom(...schema.anyOf.flatMap((b) => b.enum ?? []));
      if (/Reading|value|areaM2|Rate|PerM2/.test(name)) return decimal;
      return fc.oneof(...schema.anyOf.map((b) => valid(b)));
    }
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'string':
        if (schema.format === 'uuid') return fc.constantFrom(...uuids);
        if (schema.format === 'date') return date;
        return fc.string({ minLength: 1, maxLength: 12 });
      case 'integer':
        return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1_000_000, 1_000_000) });
      case 'number':
        return fc.double({ min: 0, max: 1e6, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(valid(schema.items ?? {}), { minLength: 1, maxLength: 3 });
      case 'object': {
        const properties = Object.entries(schema.properties ?? {});
        const required = new Set(schema.required ?? []);
        // Readings declare their fields optional (the row checks name each missing one); a valid row has them.
        const wanted = (key: string) => required.has(key) || ['meterSerial', 'readAt', 'value'].includes(key);
        const requiredKeys = properties.map(([key]) => key).filter(wanted);
        return fc.record(Object.fromEntries(properties.map(([key, property]) => [key, valid(property, key)])), { requiredKeys });
      }
      default:
        return fc.anything({ maxDepth: 2 });
    }
  }

  /** A valid value, or one with a hostile field, an extra field, or hostile as a whole. */
  function mutated(schema: Schema): fc.Arbitrary<unknown> {
    const how = fc.constantFrom('valid', 'field', 'extra', 'whole', 'field', 'field');
    return fc.tuple(valid(schema), fc.nat(), hostile, how).map(([value, pick, bad, how]) => {
      if (how === 'valid') return value;
      if (how === 'whole' || value === null || typeof value !== 'object') return bad;
      const copy = structuredClone(value) as Record<string, unknown>;
      let target: Record<string, unknown> = copy;
      const rows = (copy as { readings?: unknown[] }).readings;
      if (Array.isArray(rows) && rows.length > 0 && pick % 3 !== 0) target = rows[pick % rows.length] as Record<string, unknown>;
      if (how === 'extra') target[`extra${pick % 5}`] = bad;
      else {
        const keys = Object.keys(target);
        if (keys.length > 0) target[keys[pick % keys.length] as string] = bad;
      }
      return copy;
    });
  }

  const roles: Array<[string, Record<string, string>]> = [
    ['admin', admin],
    ['operator', s.alpha.headers],
    ['other operator', s.beta.headers],
    ['resident', s.residentA],
    ['anonymous', {}],
  ];
  const roleArb = fc.constantFrom(...roles);
  let key = 0;
  let requests = 0;
  const statuses: Record<number, number> = {};
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!path.startsWith('/v1/')) continue;
      const params = operation.parameters ?? [];
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const csv = path === '/v1/readings/import';
      const paramArbs = Object.fromEntries(
        params
          .filter((p) => p.in === 'path' || p.in === 'query')
          .map((p) => {
            const good = p.name === 'id' && p.schema.type === 'integer' ? fc.constantFrom(...readingIds) : valid(p.schema, p.name);
            return [`${p.in}:${p.name}`, fc.oneof(good, hostile)];
          }),
      );
      const cell = fc.oneof(fc.constantFrom(meter.serial, '2026-02-21T08:00:00+08:00', '12.5', 'manual', ''), hostile.map(String));
      const csvBody = fc.tuple(
        fc.constantFrom('meterSerial,readAt,value', 'meterSerial,readAt,value,source', 'nonsense'),
        fc.array(fc.array(cell, { minLength: 3, maxLength: 4 }), { maxLength: 3 }),
        fc.constantFrom('text/csv', 'application/json'),
      );
      const bodyArb = bodySchema ? mutated(bodySchema) : fc.constant(undefined);
      await t.test(`${method.toUpperCase()} ${path}`, async (t) => {
        let failures = 0;
        await fc.assert(
          fc.asyncProperty(fc.record(paramArbs), bodyArb, csvBody, roleArb, async (values, body, csvInput, [role, headers]) => {
            let url = path;
            const query = new URLSearchParams();
            for (const [name, value] of Object.entries(values)) {
              const [where, param] = name.split(':') as [string, string];
              if (where === 'path') url = url.replace(`{${param}}`, encodeSegment(String(value)));
              else if (value !== undefined) query.set(param, typeof value === 'string' ? value : JSON.stringify(value));
            }
            if ([...query.keys()].length > 0) url += `?${query.toString()}`;
            const extra: Record<string, string> = path === '/v1/payments' ? { 'idempotency-key': `fuzz-${(key += 1)}` } : {};
            const before = await counts();
            const csvText = [csvInput[0], ...csvInput[1].map((r) => r.join(','))].join('\n');
            const payload = csv
              ? { payload: csvText, headers: { ...headers, 'content-type': csvInput[2] } }
              : {
                  ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
                  headers: { ...headers, ...extra, 'content-type': 'application/json' },
                };
            // A new client address each time: the anonymous role's 401s would otherwise block the address (429).
            const remoteAddress = `10.${(requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`;
            const response = await app.inject({ method: method.toUpperCase() as 'GET', url, remoteAddress, ...payload });
            requests += 1;
            statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
            const sent = `${method.toUpperCase()} ${url.slice(0, 120)} ${String(payload.payload ?? '').slice(0, 200)}`;
            const label = `${role} ${sent} → ${response.statusCode} ${response.body.slice(0, 200)}`;
            if (response.statusCode >= 500) throw new Error(`5xx: ${label}`);
            if (response.statusCode >= 400) {
              const type = String(response.headers['content-type']);
              if (!/^application\/problem\+json/.test(type)) throw new Error(`not problem+json: ${label}`);
              const after = await counts();
              if (JSON.stringify(after) !== JSON.stringify(before)) {
                failures += 1;
                throw new Error(`a refused request stored rows: ${label}`);
              }
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        t.equal(failures, 0);
      });
    }
  }
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200, '/ready stays 200');
  t.comment(`fuzz: ${requests} requests, ${RUNS} runs per route, seed ${SEED}, statuses ${JSON.stringify(statuses)}`);
});
