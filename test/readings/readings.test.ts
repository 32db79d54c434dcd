import { Readable } from 'node:stream';
import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertReadings } from '../helpers/data.js';
import { createAccount, householdWithMeter, residentToken } from '../helpers/registry.js';
import type { Database } from '../../src/db/pool.js';

async function stored(db: Database, serial: string) {
  const rows = await db
    .selectFrom('readings')
    .innerJoin('meters', 'meters.id', 'readings.meter_id')
    .select(['readings.read_at', 'readings.value', 'readings.source'])
    .where('meters.serial', '=', serial)
    .orderBy('readings.read_at')
    .execute();
  return rows.map((r) => [r.read_at.toISOString(), r.value, r.source]);
}

const post = (headers: Record<string, string>, readings: unknown[]) => ({
  method: 'POST' as const,
  url: '/v1/readings',
  headers,
  payload: { readings },
});

t.test('JSON batch: stored with local time, offsets, sources; duplicates counted; audited', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  await householdWithMeter(app, a.headers, 'alpha', 'M-2');

  const first = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2025-11-30T23:00:00', value: '1500' },
      { meterSerial: 'M-1', readAt: '2025-12-31T15:00:00Z', value: 4100.5, source: 'automatic' },
      { meterSerial: 'M-2', readAt: '2025-12-01T08:00:00+08:00', value: '12.125' },
      { meterSerial: 'M-2', readAt: '2025-12-01T08:00:00+08:00', value: '12.125' },
    ]),
  );
  t.equal(first.statusCode, 201, first.body);
  t.same(first.json(), { accepted: 3, duplicates: 1 });
  t.same(await stored(db, 'M-1'), [
    ['2025-11-30T15:00:00.000Z', '1500.000', 'manual'],
    ['2025-12-31T15:00:00.000Z', '4100.500', 'automatic'],
  ], 'a readAt without offset is Asia/Shanghai local time');
  t.same(await stored(db, 'M-2'), [['2025-12-01T00:00:00.000Z', '12.125', 'manual']]);

  const again = await app.inject(post(a.headers, [{ meterSerial: 'M-1', readAt: '2025-11-30T23:00:00+08:00', value: 1500 }]));
  t.equal(again.statusCode, 201);
  t.same(again.json(), { accepted: 0, duplicates: 1 }, 'identical to a stored reading: a harmless duplicate');
  t.equal((await stored(db, 'M-1')).length, 2);

  const audited = await db
    .selectFrom('audit_log')
    .select(['details', 'compound_id'])
    .where('action', '=', 'readings.import')
    .orderBy('id')
    .execute();
  t.same(audited.map((r) => r.details), [
    { format: 'json', accepted: 3, duplicates: 1 },
    { format: 'json', accepted: 0, duplicates: 1 },
  ]);
  t.equal(audited[0]?.compound_id, a.compound.id);
  const empty = await app.inject(post(a.headers, []));
  t.equal(empty.statusCode, 422, 'an empty batch is refused');
  t.match(empty.json().errors, [{ path: 'body.readings', code: 'empty' }]);
});

t.test('JSON batch: every invalid row listed with its path; nothing stored (all or nothing)', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const b = await operatorWithCompound(app, 'beta');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1', '2025-10-01T00:00:00');
  await householdWithMeter(app, b.headers, 'beta', 'B-1');
  const future = new Date(Date.now() + 10 * 60 * 1000).toISOString();
  const response = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2025-11-01T00:00:00', value: '100' }, // valid
      { meterSerial: 'M-1', readAt: '2025-11-02T00:00:00', value: '-1' },
      { meterSerial: 'M-1', readAt: '2025-11-03T00:00:00', value: '1.2345' },
      { meterSerial: 'M-1', readAt: 'yesterday', value: '120' },
      { meterSerial: 'M-1', readAt: '2025-11-05T00:00:00', value: '130', source: 'guess' },
      { readAt: '2025-11-06T00:00:00', value: '140' },
      { meterSerial: 'NOPE', readAt: '2025-11-07T00:00:00', value: '150' },
      { meterSerial: 'B-1', readAt: '2025-11-08T00:00:00', value: '160' },
      { meterSerial: 'M-1', readAt: future, value: '170' },
      { meterSerial: 'M-1', readAt: '2025-09-30T00:00:00', value: '0' },
      { meterSerial: 'M-1', readAt: '2025-11-10T00:00:00', value: 'abc' },
      { meterSerial: 'M-1', readAt: '2025-02-30T00:00:00', value: '1' },
      { meterSerial: 'M-1', readAt: '2025-11-12T00:00:00', value: '200' }, // valid
    ]),
  );
  t.equal(response.statusCode, 422);
  t.match(response.headers['content-type'], /application\/problem\+json/);
  const body = response.json();
  t.match(body, { status: 422, type: '/problems/invalid-data', title: 'Unprocessable Content' });
  t.match(body.detail, /nothing was stored/);
  t.same(body.errors.map((e: { path: string }) => e.path), [
    'readings[1].value',
    'readings[2].value',
    'readings[3].readAt',
    'readings[4].source',
    'readings[5].meterSerial',
    'readings[6].meterSerial',
    'readings[7].meterSerial',
    'readings[8].readAt',
    'readings[9].readAt',
    'readings[10].value',
    'readings[11].readAt',
  ]);
  t.match(body.errors[0].message, /≥ 0/);
  t.match(body.errors[1].message, /decimal places/);
  t.match(body.errors[5].message, 'unknown meter "NOPE"');
  t.match(body.errors[6].message, 'unknown meter "B-1"', "another provider's meter is unknown to this operator");
  t.match(body.errors[7].message, /in the future/);
  t.match(body.errors[8].message, /not after the installation of meter M-1 at 2025-10-01T00:00:00\+08:00/);
  t.notOk(body.errorsOmitted);
  t.same(await stored(db, 'M-1'), [], 'the valid rows of a rejected batch are absent');
  t.equal((await db.selectFrom('audit_log').select('id').where('action', '=', 'readings.import').execute()).length, 0);

  const skew = await app.inject(
    post(a.headers, [{ meterSerial: 'M-1', readAt: new Date(Date.now() + 60 * 1000).toISOString(), value: '1' }]),
  );
  t.equal(skew.statusCode, 201, 'one minute ahead is clock skew, accepted');
  t.equal(
    (await app.inject(post(admin, [{ meterSerial: 'B-1', readAt: '2025-11-08T00:00:00', value: '160' }]))).statusCode,
    201,
    'admin sees every meter',
  );
});

t.test('monotonic against earlier and later stored readings, within the batch, and the initial reading', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { meter } = await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  await db.updateTable('meters').set({ initial_reading: '10' }).where('id', '=', meter.id).execute();
  await insertReadings(db, a.compound.id, meter.id, [
    ['2026-01-31T23:00:00+08:00', '1500'],
    ['2026-03-31T23:00:00+08:00', '3000'],
  ]);
  const lower = await app.inject(post(a.headers, [{ meterSerial: 'M-1', readAt: '2026-02-15T00:00:00', value: 1200 }]));
  t.equal(lower.statusCode, 422);
  t.same(lower.json().errors, [
    { path: 'readings[0].value', message: 'value 1200 is lower than the reading 1500 of 2026-01-31T23:00:00+08:00', code: 'not_monotonic' },
  ]);
  const higher = await app.inject(post(a.headers, [{ meterSerial: 'M-1', readAt: '2026-02-15T00:00:00', value: 3200 }]));
  t.equal(higher.statusCode, 422);
  t.same(higher.json().errors, [
    {
      path: 'readings[0].value',
      message: 'value 3200 is higher than the later reading 3000 of 2026-03-31T23:00:00+08:00',
      code: 'not_monotonic',
    },
  ]);
  const initial = await app.inject(post(a.headers, [{ meterSerial: 'M-1', readAt: '2025-10-15T00:00:00', value: 5 }]));
  t.equal(initial.statusCode, 422);
  t.match(initial.json().errors, [{ path: 'readings[0].value', message: /lower than the initial reading 10/ }]);
  const withinBatch = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2026-04-10T00:00:00', value: 3500 },
      { meterSerial: 'M-1', readAt: '2026-04-05T00:00:00', value: 3100 },
      { meterSerial: 'M-1', readAt: '2026-04-20T00:00:00', value: 3400 },
    ]),
  );
  t.equal(withinBatch.statusCode, 422);
  t.same(withinBatch.json().errors, [
    {
      path: 'readings[2].value',
      message: 'value 3400 is lower than the reading 3500 of 2026-04-10T00:00:00+08:00 at readings[0].value',
      code: 'not_monotonic',
    },
  ]);
  const between = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2026-02-10T00:00:00', value: 2000 },
      { meterSerial: 'M-1', readAt: '2026-02-20T00:00:00', value: 2500 },
      { meterSerial: 'M-1', readAt: '2026-04-01T00:00:00', value: 3000 },
    ]),
  );
  t.equal(between.statusCode, 201, 'in order between stored readings; an equal value later is fine');
  t.same(between.json(), { accepted: 3, duplicates: 0 });
  t.equal((await stored(db, 'M-1')).length, 5);
});

t.test('same meter and instant with another value: 409, nothing stored', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { meter } = await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  await insertReadings(db, a.compound.id, meter.id, [['2026-01-31T23:00:00+08:00', '1500']]);
  const conflict = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2026-02-10T00:00:00', value: 1600 },
      { meterSerial: 'M-1', readAt: '2026-01-31T15:00:00Z', value: 1501 },
    ]),
  );
  t.equal(conflict.statusCode, 409);
  t.match(conflict.headers['content-type'], /application\/problem\+json/);
  t.same(conflict.json().errors, [
    {
      path: 'readings[1].value',
      message: 'value 1501 conflicts with the stored reading 1500 of meter M-1 at 2026-01-31T23:00:00+08:00',
      code: 'conflict',
    },
  ]);
  const inBatch = await app.inject(
    post(a.headers, [
      { meterSerial: 'M-1', readAt: '2026-02-10T00:00:00', value: 1600 },
      { meterSerial: 'M-1', readAt: '2026-02-10T00:00:00', value: 1700 },
    ]),
  );
  t.equal(inBatch.statusCode, 409);
  t.same(inBatch.json().errors.map((e: { path: string }) => e.path), ['readings[0].value', 'readings[1].value']);
  t.same(await stored(db, 'M-1'), [['2026-01-31T15:00:00.000Z', '1500.000', 'manual']], 'never a silent overwrite, nothing stored');
});

t.test('meter replacement: readings of the retired meter after its retirement are refused', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { household } = await householdWithMeter(app, a.headers, 'alpha', 'OLD');
  const replaced = await app.inject({
    method: 'POST',
    url: `/v1/households/${household.id}/meters`,
    headers: a.headers,
    payload: { serial: 'NEW', installedAt: '2026-01-10T10:00:00', initialReading: 0, replaces: 'OLD', finalReading: 900 },
  });
  t.equal(replaced.statusCode, 201);
  const late = await app.inject(
    post(a.headers, [
      { meterSerial: 'OLD', readAt: '2026-01-12T00:00:00', value: 950 },
      { meterSerial: 'OLD', readAt: '2026-01-10T10:00:00', value: 900 },
      { meterSerial: 'NEW', readAt: '2026-01-12T00:00:00', value: 20 },
    ]),
  );
  t.equal(late.statusCode, 422);
  t.same(late.json().errors.map((e: { path: string }) => e.path), ['readings[0].readAt']);
  t.match(late.json().errors[0].message, /after meter OLD was retired at 2026-01-10T10:00:00\+08:00/);
  const ok = await app.inject(
    post(a.headers, [
      { meterSerial: 'OLD', readAt: '2026-01-10T10:00:00', value: 900 },
      { meterSerial: 'NEW', readAt: '2026-01-12T00:00:00', value: 20 },
    ]),
  );
  t.same(ok.json(), { accepted: 1, duplicates: 1 }, 'the final reading is already stored');
  t.equal((await stored(db, 'NEW')).length, 1);
});

t.test('errors are capped at 1000 with errorsOmitted', async (t) => {
  const { app } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  const readings = Array.from({ length: 1500 }, (_, i) => ({
    meterSerial: i % 2 === 0 ? 'NOPE' : 'M-1',
    readAt: '2025-11-01T00:00:00',
    value: i % 2 === 0 ? '1' : '-1',
  }));
  const response = await app.inject(post(a.headers, readings));
  t.equal(response.statusCode, 422);
  t.equal(response.json().errors.length, 1000);
  t.equal(response.json().errorsOmitted, 500);
  t.same(
    response
      .json()
      .errors.slice(0, 3)
      .map((e: { path: string }) => e.path),
    ['readings[0].meterSerial', 'readings[1].value', 'readings[2].meterSerial'],
  );
});

t.test('statuses: 400 shape, 401, 403 for residents, 413 above 16 MiB', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const { household } = await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  const account = await createAccount(app, a.headers, household.id);
  t.equal((await app.inject({ method: 'POST', url: '/v1/readings', payload: { readings: [] } })).statusCode, 401);
  const resident = await residentToken(db, account.id);
  t.equal((await app.inject(post(bearer(resident), []))).statusCode, 403);
  const notArray = await app.inject({ method: 'POST', url: '/v1/readings', headers: a.headers, payload: { readings: 'many' } });
  t.equal(notArray.statusCode, 400);
  t.match(notArray.json().errors, [{ path: 'body.readings' }]);
  const tooMany = await app.inject(
    post(
      a.headers,
      Array.from({ length: 50_001 }, () => ({ meterSerial: 'M-1', readAt: '2025-11-01T00:00:00', value: 1 })),
    ),
  );
  t.equal(tooMany.statusCode, 400, 'more than 50,000 rows');
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/readings',
    headers: { ...a.headers, 'content-type': 'application/json' },
    payload: `{"readings":[],"padding":"${'x'.repeat(16 * 1024 * 1024)}"}`,
  });
  t.equal(huge.statusCode, 413);
  t.match(huge.headers['content-type'], /application\/problem\+json/);
  t.match(huge.json(), { status: 413, type: '/problems/content-too-large', title: 'Content Too Large' });
});

const csv = (headers: Record<string, string>, body: string | Readable, extra: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/v1/readings/import',
  headers: { ...headers, 'content-type': 'text/csv', ...extra },
  payload: body,
});

t.test('CSV: imported with optional source; errors by file line; malformed CSV 400', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  await householdWithMeter(app, a.headers, 'alpha', 'M-2');
  const good = await app.inject(
    csv(
      a.headers,
      'meterSerial,readAt,value,source\nM-1,2025-11-30T23:00:00,1500,automatic\n' +
        '"M-2",2025-11-30T23:00:00+08:00,12.5,\nM-2,2025-11-30T23:00:00+08:00,12.5,manual\n',
    ),
  );
  t.equal(good.statusCode, 201, good.body);
  t.same(good.json(), { accepted: 2, duplicates: 1 });
  t.same(await stored(db, 'M-1'), [['2025-11-30T15:00:00.000Z', '1500.000', 'automatic']]);
  const withCharset = await app.inject(
    csv(a.headers, '\uFEFFmeterSerial,readAt,value\r\nM-1,2025-12-31T23:00:00,1600\r\n', { 'content-type': 'text/csv; charset=utf-8' }),
  );
  t.same(withCharset.json(), { accepted: 1, duplicates: 0 }, 'BOM, CRLF and a charset are fine');

  const invalid = await app.inject(
    csv(
      a.headers,
      'meterSerial,readAt,value\nM-1,2026-01-31T23:00:00,1700\n\nM-1,2026-02-28T23:00:00,1650\nNOPE,2026-02-28T23:00:00,1\nM-2,soon,1\n',
    ),
  );
  t.equal(invalid.statusCode, 422);
  t.same(invalid.json().errors.map((e: { path: string }) => e.path), ['line 4: value', 'line 5: meterSerial', 'line 6: readAt']);
  t.match(invalid.json().errors[0].message, 'value 1650 is lower than the reading 1700 of 2026-01-31T23:00:00+08:00 at line 2: value');
  t.equal((await stored(db, 'M-1')).length, 2, 'nothing of the rejected upload stored');

  const header = await app.inject(csv(a.headers, 'serial,when,value\nM-1,2026-01-31T23:00:00,1700\n'));
  t.equal(header.statusCode, 400);
  t.match(header.headers['content-type'], /application\/problem\+json/);
  t.match(header.json().errors, [{ path: 'line 1', code: 'csv_header' }]);
  const columns = await app.inject(csv(a.headers, 'meterSerial,readAt,value\nM-1,2026-01-31T23:00:00,1700\nM-1,2026-02-28T23:00:00\n'));
  t.equal(columns.statusCode, 422, 'a row with a cell missing is an invalid row, listed with the others');
  t.match(columns.json().errors, [{ path: 'line 3: columns', message: /2 column\(s\); the header has 3/, code: 'column_count' }]);
  const mixed = await app.inject(
    csv(
      a.headers,
      'meterSerial,readAt,value\nM-1,2026-03-31T23:00:00\n,2026-03-31T23:00:00,1\nM-1,yesterday,1\nM-1,2026-03-31T23:00:00,9,x\n',
    ),
  );
  t.equal(mixed.statusCode, 422);
  t.same(
    mixed.json().errors.map((e: { path: string }) => e.path),
    ['line 2: columns', 'line 3: meterSerial', 'line 4: readAt', 'line 5: columns'],
    'every invalid row listed, whatever the mix of errors',
  );
  const quoting = await app.inject(
    csv(a.headers, 'meterSerial,readAt,value\nM-1,2026-01-31T23:00:00,1700\nM-1,"2026-02-28T23:00:00"x,1800\n'),
  );
  t.equal(quoting.statusCode, 400);
  t.match(quoting.json().errors, [{ path: 'line 3', code: 'csv_quoting' }]);
  const empty = await app.inject(csv(a.headers, ''));
  t.equal(empty.statusCode, 400);
  t.match(empty.json().errors, [{ path: 'line 1', code: 'csv_header' }]);
  const wrongType = await app.inject({
    method: 'POST',
    url: '/v1/readings/import',
    headers: { ...a.headers, 'content-type': 'application/xml' },
    payload: '<x/>',
  });
  t.equal(wrongType.statusCode, 415);
  t.equal((await stored(db, 'M-1')).length, 2);
  t.equal((await app.inject(csv({}, 'meterSerial,readAt,value\n'))).statusCode, 401);
});

t.test('CSV: 413 above the upload limit, by Content-Length or while streaming', async (t) => {
  const { app, db } = await testApp(t, { csvUploadLimitBytes: 1000 });
  const a = await operatorWithCompound(app, 'alpha');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  const rows = Array.from(
    { length: 100 },
    (_, i) => `M-1,2025-11-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00,${i}`,
  );
  const declared = await app.inject(csv(a.headers, `meterSerial,readAt,value\n${rows.join('\n')}\n`));
  t.equal(declared.statusCode, 413);
  t.match(declared.json(), { status: 413, type: '/problems/content-too-large' });
  const streamed = await app.inject(csv(a.headers, Readable.from(['meterSerial,readAt,value\n', ...rows.map((r) => `${r}\n`)])));
  t.equal(streamed.statusCode, 413, 'no Content-Length: refused once the limit is passed');
  t.match(streamed.headers['content-type'], /application\/problem\+json/);
  t.same(await stored(db, 'M-1'), []);
  const small = await app.inject(csv(a.headers, Readable.from(['meterSerial,readAt,value\n', 'M-1,2025-11-01T00:00:00,1\n'])));
  t.equal(small.statusCode, 201);
});

t.test('CSV: a junk upload stops after 1,000 errors; the rest is not read', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  await householdWithMeter(app, a.headers, 'alpha', 'M-1');
  const rows = 50_000;
  const body = 'meterSerial,readAt,value\n' + 'x,y,z\n'.repeat(rows);
  const response = await app.inject(csv(a.headers, body));
  t.equal(response.statusCode, 422);
  const problem = response.json();
  t.equal(problem.errors.length, 1000, '1,000 errors listed');
  t.same(problem.errors.slice(0, 2), [
    { path: 'line 2: readAt', message: '"y" is not an RFC 3339 date-time in 2000–2100', code: 'format' },
    { path: 'line 2: value', message: problem.errors[1].message, code: 'format' },
  ]);
  t.equal(problem.errors.at(-1).path, 'line 501: value', 'every error of the rows read is listed');
  t.ok(problem.errorsOmitted >= 1, `errorsOmitted ${problem.errorsOmitted}`);
  t.ok(problem.errorsOmitted < 10, 'only the rows read are counted: reading stopped');
  t.match(problem.detail, /more were omitted; reading stopped at line 502: readAt and the rest of the batch was not checked/);
  t.same(await stored(db, 'M-1'), []);
  const health = await app.inject({ url: '/health' });
  t.equal(health.statusCode, 200, 'the app answers afterwards');

  const pieces = ['meterSerial,readAt,value\n', ...Array<string>(rows / 1000).fill('x,y,z\n'.repeat(1000))];
  const streamed = await app.inject(csv(a.headers, Readable.from(pieces)));
  t.equal(streamed.statusCode, 422, 'the same, streamed in pieces');
  t.equal(streamed.json().errors.length, 1000);

  // JSON batches go through the same checks.
  const json = await app.inject(post(a.headers, Array.from({ length: 5000 }, () => ({ meterSerial: 'M-1', readAt: 'soon', value: '-1' }))));
  t.equal(json.statusCode, 422);
  t.equal(json.json().errors.length, 1000);
  t.match(json.json().detail, /reading stopped at readings\[500\]\.readAt/);
});

t.test('CSV: 100,000 readings imported in one upload', async (t) => {
  const { app, db } = await testApp(t);
  const a = await operatorWithCompound(app, 'alpha');
  const meters = 1000;
  const perMeter = 100;
  const household = await db
    .insertInto('households')
    .values(
      Array.from({ length: meters }, (_, i) => ({
        compound_id: a.compound.id,
        building: String(1 + Math.floor(i / 100)),
        unit: '1',
        room: String(i),
        area_m2: '90',
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('meters')
    .values(
      household.map((h, i) => ({
        compound_id: a.compound.id,
        household_id: h.id,
        serial: `BULK-${i}`,
        installed_at: '2025-10-01T00:00:00+08:00',
        initial_reading: '0',
      })),
    )
    .execute();
  const lines = ['meterSerial,readAt,value,source'];
  const base = Date.UTC(2025, 10, 1);
  for (let m = 0; m < meters; m++) {
    for (let k = 0; k < perMeter; k++) {
      lines.push(`BULK-${m},${new Date(base + k * 3600_000).toISOString()},${k * 10}.${String(m % 1000).padStart(3, '0')},automatic`);
    }
  }
  // Its speed is measured by bench/readings.ts, not asserted here.
  const response = await app.inject(csv(a.headers, lines.join('\n') + '\n'));
  t.equal(response.statusCode, 201, response.body.slice(0, 500));
  t.same(response.json(), { accepted: meters * perMeter, duplicates: 0 });
  const count = await db.selectFrom('readings').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), meters * perMeter);
  const again = await app.inject(csv(a.headers, lines.join('\n') + '\n'));
  t.same(again.json(), { accepted: 0, duplicates: meters * perMeter }, 'the same upload again: all duplicates');
});
