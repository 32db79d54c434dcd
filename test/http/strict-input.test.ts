import { connect } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import type { Pool } from 'pg';
import { admin, testApp } from '../helpers/app.js';
import { twoProviderScene } from '../helpers/invoices.js';
import { createHousehold, householdWithMeter } from '../helpers/registry.js';

// Issue 26, "strict at the door": each case of the issue answers a 4xx problem+json naming the
// field, and stores nothing. Every case runs against one scene on a real database.

/** Row counts of every table: a refused request changes none of them. */
async function rowCounts(pool: Pool): Promise<Record<string, number>> {
  const tables = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`);
    counts[name] = Number(result.rows[0]?.n);
  }
  return counts;
}

interface Expected {
  status?: number;
  path?: string | RegExp;
  code?: string;
}

function refused(t: Test, response: LightMyRequestResponse, expected: Expected, label: string): void {
  const status = expected.status ?? 400;
  t.equal(response.statusCode, status, `${label}: ${status} (${response.body.slice(0, 300)})`);
  t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}: problem+json`);
  const problem = response.json() as { status: number; errors?: Array<{ path: string; message: string; code?: string }> };
  t.equal(problem.status, status, `${label}: status in the body`);
  if (expected.path !== undefined) {
    const paths = (problem.errors ?? []).map((e) => e.path);
    const wanted = expected.path;
    const hit = (problem.errors ?? []).find((e) => (typeof wanted === 'string' ? e.path === wanted : wanted.test(e.path)));
    t.ok(hit, `${label}: names ${String(expected.path)} (got ${paths.join(', ')})`);
    if (expected.code !== undefined) t.equal(hit?.code, expected.code, `${label}: code ${expected.code}`);
  }
}

t.test('strict at the door: every bad request is a 4xx problem+json naming the field, and nothing is stored', async (t) => {
  const { app, db, pool } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const op = s.alpha.headers;
  const { meter } = await householdWithMeter(app, op, 'alpha', 'SN-STRICT');
  const household = await createHousehold(app, op, 'alpha');
  const before = await rowCounts(pool);

  const send = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object | string, headers: Record<string, string> = op) =>
    app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  let key = 0;
  const payment = (body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...op, 'idempotency-key': `strict-${(key += 1)}` },
      payload: { accountId: s.homeA.accountId, amountFen: 100, paidAt: '2026-02-01T09:30:00+08:00', reference: 'WX-1', ...body },
    });
  const reading = (row: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/v1/readings',
      headers: op,
      payload: { readings: [{ meterSerial: meter.serial, readAt: '2026-01-15T08:00:00+08:00', value: '10', ...row }] },
    });
  const csv = (text: string | Buffer) =>
    app.inject({ method: 'POST', url: '/v1/readings/import', headers: { ...op, 'content-type': 'text/csv' }, payload: text });
  const householdBody = (body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/v1/compounds/alpha/households',
      headers: op,
      payload: { building: '9', unit: '1', room: '901', areaM2: '80', ...body },
    });
  const meterBody = (body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: `/v1/households/${household.id}/meters`,
      headers: op,
      payload: { serial: 'SN-NEW', installedAt: '2025-10-01T00:00:00+08:00', initialReading: '0', ...body },
    });
  const season = (label: string, body: Record<string, unknown> = {}) =>
    app.inject({
      method: 'PUT',
      url: `/v1/compounds/alpha/seasons/${label}`,
      headers: op,
      payload: {
        heating: { start: '2030-11-15', end: '2031-03-15' },
        cooling: { start: '2031-06-15', end: '2031-09-15' },
        unitRate: '0.33',
        capPerM2: '35',
        ...body,
      },
    });
  const close = (body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: `/v1/accounts/${s.homeA2.accountId}/close`,
      headers: op,
      payload: { closedOn: '2026-01-20', closingReading: '5000', ...body },
    });

  await t.test('money is a JSON integer: no coercion', async (t) => {
    for (const amountFen of [true, '100', [100], '0x64', ' 100', '1e2', 'Infinity']) {
      refused(t, await payment({ amountFen }), { path: 'body.amountFen', code: 'wrong_type' }, `amountFen ${JSON.stringify(amountFen)}`);
    }
  });

  await t.test('decimals are strings or numbers, never booleans or arrays', async (t) => {
    refused(t, await close({ closingReading: ['1'] }), { path: 'body.closingReading', code: 'wrong_type' }, 'closingReading ["1"]');
    refused(t, await season('2030-31', { unitRate: ['1'] }), { path: 'body.unitRate', code: 'wrong_type' }, 'unitRate ["1"]');
    refused(t, await reading({ value: ['1'] }), { path: 'body.readings[0].value', code: 'wrong_type' }, 'value ["1"]');
    refused(t, await reading({ readAt: 20260101 }), { path: 'body.readings[0].readAt', code: 'wrong_type' }, 'readAt 20260101');
    refused(t, await season('2030-31', { flatBilling: ['upfront'] }), { path: 'body.flatBilling' }, 'flatBilling ["upfront"]');
    refused(t, await householdBody({ areaM2: '1e2' }), { path: 'body.areaM2', code: 'format' }, 'areaM2 "1e2"');
    refused(t, await householdBody({ areaM2: true }), { path: 'body.areaM2', code: 'wrong_type' }, 'areaM2 true');
    // SPEC §9: a negative or malformed late-fee rate is 400, never dropped.
    const lateFee = await season('2030-31', { lateFeePerMillePerDay: '-1' });
    refused(t, lateFee, { path: 'body.lateFeePerMillePerDay', code: 'format' }, 'lateFeePerMillePerDay "-1"');
  });

  await t.test('unknown fields are refused, naming them', async (t) => {
    refused(t, await payment({ tip: 1 }), { path: 'body.tip', code: 'unknown_field' }, 'payment');
    refused(t, await reading({ note: 'x' }), { path: 'body.readings[0].note', code: 'unknown_field' }, 'reading row');
    refused(t, await householdBody({ floor: 3 }), { path: 'body.floor', code: 'unknown_field' }, 'household');
    const payload = { period: '2026-01', compound: 'alpha', extra: 1 };
    const run = await app.inject({ method: 'POST', url: '/v1/billing-runs', headers: op, payload });
    refused(t, run, { path: 'body.extra', code: 'unknown_field' }, 'billing run');
  });

  await t.test('NUL characters are refused in every string: bodies, query strings and CSV cells', async (t) => {
    const nul = 'A\u0000B';
    refused(t, await householdBody({ building: nul }), { path: 'body.building', code: 'nul_character' }, 'building');
    refused(t, await householdBody({ room: nul }), { path: 'body.room', code: 'nul_character' }, 'room');
    refused(t, await meterBody({ serial: nul }), { path: 'body.serial', code: 'nul_character' }, 'meter serial');
    refused(t, await reading({ meterSerial: nul }), { path: 'body.readings[0].meterSerial', code: 'nul_character' }, 'reading meterSerial');
    const cell = await csv(`meterSerial,readAt,value\n${nul},2026-01-15T08:00:00+08:00,10\n`);
    refused(t, cell, { path: 'line 2: meterSerial', code: 'nul_character' }, 'CSV cell');
    refused(t, await payment({ reference: nul }), { path: 'body.reference', code: 'nul_character' }, 'payment reference');
    const provider = await app.inject({ method: 'POST', url: '/v1/providers', headers: admin, payload: { name: nul } });
    refused(t, provider, { path: 'body.name', code: 'nul_character' }, 'provider name');
    const tokenUrl = `/v1/providers/${s.alpha.provider.id}/tokens`;
    const token = await app.inject({ method: 'POST', url: tokenUrl, headers: admin, payload: { label: nul } });
    refused(t, token, { path: 'body.label', code: 'nul_character' }, 'token label');
    for (const query of ['number=%00', 'room=%00']) {
      const response = await app.inject({ method: 'GET', url: `/v1/invoices?${query}`, headers: op });
      refused(t, response, { path: `querystring.${query.split('=')[0]}`, code: 'nul_character' }, `?${query}`);
    }
    refused(t, await payment({ reference: nul, [nul]: 1 }), { path: /^body\.A/, code: 'nul_character' }, 'a NUL in a field name');
  });

  await t.test('lone surrogates and blank required strings are refused', async (t) => {
    refused(t, await payment({ reference: '\uD800' }), { path: 'body.reference', code: 'lone_surrogate' }, 'reference "\\uD800"');
    refused(t, await householdBody({ room: 'x\uDC00' }), { path: 'body.room', code: 'lone_surrogate' }, 'room with a lone low surrogate');
    refused(t, await householdBody({ room: ' ' }), { path: 'body.room', code: 'blank' }, 'room " "');
    // The same surrogate sent as raw (WTF-8) bytes instead of a JSON escape: not UTF-8, refused, not stored as U+FFFD.
    const bytes = (before: string, raw: number[], after: string) =>
      Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);
    const wtf8 = bytes('{"building":"9","unit":"1","room":"', [0xed, 0xa0, 0x80], '","areaM2":"80"}');
    const raw = await app.inject({
      method: 'POST',
      url: '/v1/compounds/alpha/households',
      headers: { ...op, 'content-type': 'application/json' },
      payload: wtf8,
    });
    refused(t, raw, { path: 'body', code: 'encoding' }, 'a raw lone surrogate in JSON');
    const rawCsv = await csv(bytes(`meterSerial,readAt,value\n${meter.serial}`, [0xff], ',2026-01-15T08:00:00+08:00,10\n'));
    refused(t, rawCsv, { path: 'body', code: 'encoding' }, 'a CSV that is not UTF-8');
    refused(t, await payment({ reference: '\t \n' }), { path: 'body.reference', code: 'blank' }, 'blank reference');
  });

  await t.test('instants are RFC 3339 with a valid offset, in years 2000–2100, one parser for every route', async (t) => {
    const bad = ['2025-12-05T10:00:00+25:00', '2025-12-05T24:00:00+08:00', '0001-01-01T00:00:00Z', '2025-12-05', '2025-02-30T10:00:00Z'];
    for (const paidAt of bad) {
      refused(t, await payment({ paidAt }), { path: 'body.paidAt', code: 'format' }, `paidAt ${paidAt}`);
    }
    for (const readAt of [...bad, '0000-01-01T00:00:00Z', '2101-01-01T00:00:00Z']) {
      refused(t, await reading({ readAt }), { status: 422, path: 'readings[0].readAt', code: 'format' }, `readAt ${readAt}`);
    }
    const installed = await meterBody({ installedAt: '1999-12-31T23:00:00Z' });
    refused(t, installed, { status: 422, path: 'body.installedAt', code: 'format' }, 'installedAt in 1999');
  });

  await t.test('periods, season labels and ids are validated at the door', async (t) => {
    const run = await send('POST', '/v1/billing-runs', { period: '0000-01', compound: 'alpha' });
    refused(t, run, { path: 'body.period', code: 'format' }, 'period 0000-01');
    refused(t, await season('9999-00'), { path: 'params.label', code: 'format' }, 'season 9999-00');
    refused(t, await send('GET', '/v1/compounds/alpha/reports/0000-01'), { path: 'params.period', code: 'format' }, 'report 0000-01');
    for (const id of ['99999999999999999999', '9223372036854775808']) {
      const response = await send('PATCH', `/v1/readings/${id}`, { value: '1', reason: 'typo' });
      refused(t, response, { path: 'params.id', code: 'out_of_range' }, `PATCH /v1/readings/${id}`);
    }
  });

  await t.test('empty batches answer 422, the wrong media type 415', async (t) => {
    const empty = await app.inject({ method: 'POST', url: '/v1/readings', headers: op, payload: { readings: [] } });
    refused(t, empty, { status: 422, path: 'body.readings', code: 'empty' }, '{"readings": []}');
    refused(t, await csv('meterSerial,readAt,value\n'), { status: 422, path: 'body', code: 'empty' }, 'a CSV with only a header');
    const json = await app.inject({ method: 'POST', url: '/v1/readings/import', headers: op, payload: { readings: [] } });
    refused(t, json, { status: 415 }, 'JSON to the CSV route');
  });

  await t.test("Fastify's own errors leave as problem+json", async (t) => {
    refused(t, await send('GET', '/v1/compounds/%F0%9F%F0%9F'), { status: 400 }, 'malformed URL');
    refused(t, await send('GET', `/v1/compounds/${'a'.repeat(200)}`), { status: 414 }, 'a path too long');
    const json = { ...op, 'idempotency-key': 'j', 'content-type': 'application/json' };
    refused(t, await send('POST', '/v1/payments', '{"amountFen":', json), { status: 400 }, 'bad JSON');
    const xml = { ...op, 'idempotency-key': 'x', 'content-type': 'application/xml' };
    refused(t, await send('POST', '/v1/payments', '<a/>', xml), { status: 415 }, 'an unknown media type');
    const big = `{"readings":[${'1,'.repeat(9 * 1024 * 1024)}1]}`;
    refused(t, await send('POST', '/v1/readings', big, json), { status: 413 }, 'a body too large');
  });

  t.same(await rowCounts(pool), before, 'nothing refused was stored');
  t.equal((await householdBody({ room: '🏠 1' })).statusCode, 201, 'a surrogate pair (an emoji) is ordinary text');
});

t.test("a URL beyond Node's header limit is refused as problem+json on the socket", async (t) => {
  const { app } = await testApp(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET /v1/invoices?number=${'9'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  t.match(raw, /^HTTP\/1\.1 431 /);
  t.match(raw, /content-type: application\/problem\+json/i);
  t.match(raw, /"status":431/);
});
