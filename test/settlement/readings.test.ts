import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { residentToken } from '../helpers/registry.js';
import { runMonths, monthReadAt, seasonTotal, SEASON_MONTHS } from '../helpers/corrections.js';
import type { Database } from '../../src/db/pool.js';

// The worked example of SPEC §5: cumulative register values at the 28th of each billable month.
const WORKED: Array<[string, string]> = [
  ['2025-11', '1500'],
  ['2025-12', '4100'],
  ['2026-01', '7100'],
  ['2026-02', '9500'],
  ['2026-03', '10400'],
  ['2026-06', '10900'],
  ['2026-07', '12100'],
  ['2026-08', '13200'],
  ['2026-09', '13200'],
];

async function home(db: Database, compoundId: string, values: Array<[string, string]> = WORKED) {
  const h = await insertHome(db, compoundId);
  await insertReadings(
    db,
    compoundId,
    h.meterId,
    values.map(([p, v]) => [monthReadAt(p), v]),
  );
  const readings = await db
    .selectFrom('readings')
    .select(['id', 'value', 'read_at'])
    .where('meter_id', '=', h.meterId)
    .orderBy('read_at')
    .execute();
  const byPeriod = new Map(values.map(([p], i) => [p, readings[i]!.id]));
  return { ...h, readingOf: (period: string) => byPeriod.get(period)! };
}

function withValue(values: Array<[string, string]>, period: string, value: string): Array<[string, string]> {
  return values.map(([p, v]) => [p, p === period ? value : v]);
}

async function scene(t: Parameters<typeof testApp>[0]) {
  const { app, db, pool } = await testApp(t);
  const op = await operatorWithCompound(app, 'lanjing');
  await insertDefaultSeason(db, op.compound.id);
  return { app, db, pool, op };
}

t.test(
  'a billed reading corrected downwards and upwards before the cap: the next invoice carries the difference, like a clean run',
  async (t) => {
    const { app, db, pool, op } = await scene(t);
    const a = await home(db, op.compound.id);
    const clean = await home(db, op.compound.id, withValue(WORKED, '2026-01', '6900'));
    await runMonths(db, pool, SEASON_MONTHS.slice(0, 3));
    const january = await db
      .selectFrom('invoices')
      .select(['id', 'number'])
      .where('account_id', '=', a.accountId)
      .where('period', '=', '2026-01')
      .executeTakeFirstOrThrow();

    const down = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${a.readingOf('2026-01')}`,
      headers: op.headers,
      payload: { value: '6900', reason: 'misread digit' },
    });
    t.equal(down.statusCode, 200, down.body);
    const body = down.json();
    t.match(body, {
      id: a.readingOf('2026-01'),
      meterSerial: a.serial,
      value: '6900',
      previousValue: '7100',
      readAt: '2026-01-28T12:00:00+08:00',
      source: 'manual',
    });
    t.same(body.adjustment, { amountFen: -6_600, description: `读数更正 Reading correction for invoice ${january.number}: 7100 → 6900` });
    const stored = await db.selectFrom('account_adjustments').selectAll().execute();
    t.equal(stored.length, 1);
    t.match(stored[0], {
      account_id: a.accountId,
      amount_fen: -6_600,
      season_label: '2025-26',
      source_invoice_id: january.id,
      applied_invoice_id: null,
    });

    const issued = await db.selectFrom('invoices').select(['total_fen', 'status']).where('id', '=', january.id).executeTakeFirstOrThrow();
    t.same(issued, { total_fen: 99_000, status: 'issued' }, 'the issued invoice never changes');

    const log = await db.selectFrom('audit_log').selectAll().where('action', '=', 'reading.correct').execute();
    t.equal(log.length, 1);
    t.match(log[0], {
      entity: 'reading',
      entity_id: String(a.readingOf('2026-01')),
      details: { oldValue: '7100', newValue: '6900', reason: 'misread digit' },
    });

    // A second correction upwards, before the next invoice: the adjustments add up to the net change.
    const up = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${a.readingOf('2026-01')}`,
      headers: op.headers,
      payload: { value: 7000, reason: 'second look' },
    });
    t.equal(up.statusCode, 200);
    t.equal(up.json().adjustment.amountFen, 3_300);
    // And back down to what the clean twin reads.
    t.equal(
      (
        await app.inject({
          method: 'PATCH',
          url: `/v1/readings/${a.readingOf('2026-01')}`,
          headers: op.headers,
          payload: { value: '6900', reason: 'final' },
        })
      ).json().adjustment.amountFen,
      -3_300,
    );

    await runMonths(db, pool, ['2026-02']);
    const february = await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-02`, headers: op.headers });
    const feb = february.json().items[0];
    t.match(feb.lines, [
      { kind: 'usage', units: '2600', amountFen: 85_800 },
      { kind: 'adjustment', amountFen: -6_600 },
      { kind: 'adjustment', amountFen: 3_300 },
      { kind: 'adjustment', amountFen: -3_300 },
    ]);
    t.equal(await seasonTotal(db, a.accountId), await seasonTotal(db, clean.accountId), 'equal to a clean run after February');
    t.equal(await seasonTotal(db, a.accountId), 49_500 + 85_800 + 6_900 * 0 + (6900 - 4100) * 33 + 2600 * 33);
    const pending = await db
      .selectFrom('account_adjustments')
      .select('applied_invoice_id')
      .where('applied_invoice_id', 'is', null)
      .execute();
    t.equal(pending.length, 0, 'all applied');

    // Corrections after the next invoice started from the corrected value: units move between
    // months, the season total does not change, so there is nothing to adjust.
    const again = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${a.readingOf('2026-01')}`,
      headers: op.headers,
      payload: { value: '7000', reason: 'x' },
    });
    t.equal(again.json().adjustment, null, 'January +100 units, February −100 units');
    const dec = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${a.readingOf('2025-12')}`,
      headers: op.headers,
      payload: { value: '4000', reason: 'x' },
    });
    t.equal(dec.json().adjustment, null, 'December −100 units, January +100 units');
    // Upwards on the latest billed reading: February +150 units.
    const feb2 = await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${a.readingOf('2026-02')}`,
      headers: op.headers,
      payload: { value: '9650', reason: 'x' },
    });
    t.equal(feb2.json().adjustment.amountFen, 150 * 33);
    t.match(feb2.json().adjustment.description, /Reading correction for invoice LANJING-202602-\d{6}: 9500 → 9650/);
    await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${clean.readingOf('2025-12')}`,
      headers: op.headers,
      payload: { value: '4000', reason: 'twin' },
    });
    await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${clean.readingOf('2026-01')}`,
      headers: op.headers,
      payload: { value: '7000', reason: 'twin' },
    });
    await app.inject({
      method: 'PATCH',
      url: `/v1/readings/${clean.readingOf('2026-02')}`,
      headers: op.headers,
      payload: { value: '9650', reason: 'twin' },
    });

    await runMonths(db, pool, ['2026-03']);
    t.equal(await seasonTotal(db, a.accountId), await seasonTotal(db, clean.accountId), 'equal to the twin after March');
    t.equal(await seasonTotal(db, a.accountId), (10400 - 0) * 33, 'the whole usage at 0.33, once');
  },
);

t.test('after the cap has bitten: upwards changes nothing, downwards below the cap credits the difference', async (t) => {
  const { app, db, pool, op } = await scene(t);
  const a = await home(db, op.compound.id);
  await runMonths(db, pool, SEASON_MONTHS.slice(0, 6)); // through June: the cap bites in June
  t.equal(await seasonTotal(db, a.accountId), 346_500);

  const up = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${a.readingOf('2026-06')}`,
    headers: op.headers,
    payload: { value: '11000', reason: 'up' },
  });
  t.equal(up.statusCode, 200);
  t.equal(up.json().adjustment, null, 'the season is at its cap: nothing more to bill');
  t.equal((await db.selectFrom('account_adjustments').select('id').execute()).length, 0);

  // June now 100 units instead of 600 (from 10400): 3,300 fen; billed 3,300 in June → unchanged.
  const down1 = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${a.readingOf('2026-06')}`,
    headers: op.headers,
    payload: { value: '10500', reason: 'down' },
  });
  t.equal(down1.json().adjustment, null, '100 units still fill the 3,300 fen left under the cap');
  // June 50 units: 1,650 fen, below the cap: 1,650 credited.
  const down2 = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${a.readingOf('2026-06')}`,
    headers: op.headers,
    payload: { value: '10450', reason: 'down' },
  });
  t.equal(down2.json().adjustment.amountFen, -1_650);

  await runMonths(db, pool, SEASON_MONTHS.slice(6));
  const july = (await app.inject({ url: `/v1/invoices?accountId=${a.accountId}&period=2026-07`, headers: op.headers })).json().items[0];
  t.match(july.lines, [{ kind: 'usage', units: '1650' }, { kind: 'cap' }, { kind: 'adjustment', amountFen: -1_650 }]);
  t.equal(july.totalFen, 0, 'July fills the cap again: 1,650 − 1,650');
  t.equal(await seasonTotal(db, a.accountId), 346_500, 'never past the cap, and the cap in the end');

  // A correction pushing usage far up after the cap never bills past it.
  const late = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${a.readingOf('2026-09')}`,
    headers: op.headers,
    payload: { value: '20000', reason: 'x' },
  });
  t.equal(late.json().adjustment, null);
});

t.test('validation: monotonic against neighbours, scope, roles, input', async (t) => {
  const { app, db, op } = await scene(t);
  const other = await operatorWithCompound(app, 'other');
  const a = await home(db, op.compound.id);
  const id = a.readingOf('2026-01');

  const low = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${id}`,
    headers: op.headers,
    payload: { value: '4000', reason: 'x' },
  });
  t.equal(low.statusCode, 422);
  t.match(low.headers['content-type'], /problem\+json/);
  t.match(low.json().errors, [
    { path: 'body.value', message: new RegExp(`earlier reading ${a.readingOf('2025-12')} \\(4100 at 2025-12-28T12:00:00\\+08:00\\)`) },
  ]);
  const high = await app.inject({
    method: 'PATCH',
    url: `/v1/readings/${id}`,
    headers: op.headers,
    payload: { value: '9501', reason: 'x' },
  });
  t.equal(high.statusCode, 422);
  t.match(high.json().detail, new RegExp(`later reading ${a.readingOf('2026-02')} \\(9500`));
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: op.headers, payload: { value: '9500', reason: 'x' } }))
      .statusCode,
    200,
    'equal to the next is fine',
  );

  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: other.headers, payload: { value: '7000', reason: 'x' } }))
      .statusCode,
    404,
    'another provider: 404',
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: '/v1/readings/999999', headers: op.headers, payload: { value: '7000', reason: 'x' } }))
      .statusCode,
    404,
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: admin, payload: { value: '7000', reason: 'admin' } }))
      .statusCode,
    200,
  );
  const resident = await residentToken(db, a.accountId);
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: bearer(resident), payload: { value: '7000', reason: 'x' } }))
      .statusCode,
    403,
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: op.headers, payload: { value: '-1', reason: 'x' } }))
      .statusCode,
    400,
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: op.headers, payload: { value: '7000' } })).statusCode,
    400,
    'reason is required',
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: '/v1/readings/abc', headers: op.headers, payload: { value: '7000', reason: 'x' } }))
      .statusCode,
    400,
  );
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/readings/${id}`, headers: op.headers, payload: { value: '7000.0001', reason: 'x' } }))
      .statusCode,
    422,
  );
  const value = await db.selectFrom('readings').select('value').where('id', '=', id).executeTakeFirstOrThrow();
  t.equal(value.value, '7000.000', 'the refused corrections stored nothing');
});
