import t from 'tap';
import { sql } from 'kysely';
import { loadDemoData } from '../../src/demo.js';
import { seedCompounds } from '../../seeds/seed.js';
import { admin, testApp } from '../helpers/app.js';

/**
 * Issue 29: the demo shows a real month. Each month is issued as of its end (not all on the day
 * the demo starts), most invoices are paid on time, some late, some never; so the arrears view and
 * the notices have something to show, and the first compound has a late-fee rate.
 */
t.test('the demo issues each month as of its end and pays most of it, some late, some never', async (t) => {
  const { app, db, pool } = await testApp(t);
  await seedCompounds(db);
  const { households, invoices } = await loadDemoData({ db, pool });
  t.ok(households > 0 && invoices > 0, `${households} households, ${invoices} invoices`);

  const issued = await db
    .selectFrom('invoices')
    .select(['period', 'issued_on'])
    .where('kind', '=', 'monthly')
    .distinct()
    .orderBy('period')
    .execute();
  t.ok(issued.length >= 9, 'a season of months');
  for (const { period, issued_on: issuedOn } of issued) {
    const [y, m] = period.split('-').map(Number) as [number, number];
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    t.equal(String(issuedOn), next, `${period} issued the day it ended`);
  }

  const { rows } = await sql<{ on_time: number; late: number; open: number }>`
    SELECT count(*) FILTER (WHERE i.status = 'paid' AND last_paid <= i.due_on)::int AS on_time,
           count(*) FILTER (WHERE i.status = 'paid' AND last_paid > i.due_on)::int AS late,
           count(*) FILTER (WHERE i.status IN ('issued', 'partially_paid'))::int AS open
    FROM invoices i
    LEFT JOIN LATERAL (
      SELECT max((p.paid_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_paid
      FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id WHERE pa.invoice_id = i.id
    ) pay ON true
    WHERE i.total_fen > 0`.execute(db);
  const counts = rows[0]!;
  const { on_time: onTime, late, open } = counts;
  t.ok(onTime > late && late > 0 && open > 0, `on time ${onTime}, late ${late}, open ${open}`);

  const compound = await db.selectFrom('compounds').select('code').orderBy('code').limit(1).executeTakeFirstOrThrow();
  const arrears = await app.inject({ url: `/v1/compounds/${compound.code}/arrears`, headers: admin });
  t.equal(arrears.statusCode, 200);
  t.ok(arrears.json().items.length > 0, 'the arrears view has accounts to chase');
  const shown = (await app.inject({ url: `/v1/compounds/${compound.code}`, headers: admin })).json();
  const season = shown.seasons.find((x: { label: string }) => x.label === '2025-26');
  t.match(season, { lateFeePerMillePerDay: '0.5' }, 'the first compound has a demo late-fee rate');
  const fees = await db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
    .innerJoin('compounds as c', 'c.id', 'i.compound_id')
    .select(['c.code', (eb) => eb.fn.countAll<string>().as('n')])
    .where('l.kind', '=', 'late_fee')
    .groupBy('c.code')
    .execute();
  t.same(
    fees.map((f) => f.code),
    [compound.code],
    'late fees billed on that compound only',
  );
});
