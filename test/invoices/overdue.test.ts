import t from 'tap';
import fc from 'fast-check';
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { admin, testApp } from '../helpers/app.js';
import { insertInvoice, meteredLines, twoProviderScene } from '../helpers/invoices.js';
import { isOverdue } from '../../src/core/index.js';
import { overdueOn } from '../../src/invoices/overdue.js';

/** Today in Wuhan, as the service reads it (the compounds' zone). */
const today = DateTime.now().setZone('Asia/Shanghai').toISODate()!;
const daysFromToday = (days: number) => DateTime.fromISO(today).plus({ days }).toISODate()!;

t.test('every invoice says whether it is overdue today: open, owing, and past its due date', async (t) => {
  const { app, db } = await testApp(t);
  const s = await twoProviderScene(app, db, 1);
  const home = { compoundId: s.alpha.compound.id, accountId: s.homeA2.accountId, householdId: s.homeA2.householdId };
  const dueYesterday = await insertInvoice(db, { ...home, period: '2025-12', dueOn: daysFromToday(-1), lines: meteredLines('100', 3300) });
  const dueToday = await insertInvoice(db, { ...home, period: '2026-01', dueOn: today, lines: meteredLines('100', 3300) });
  const flag = async (id: string) => (await app.inject({ url: `/v1/invoices/${id}`, headers: admin })).json().overdue as boolean;
  t.equal(await flag(dueYesterday.id), true, 'due yesterday, unpaid: overdue');
  t.equal(await flag(dueToday.id), false, 'due today: not yet overdue');

  await sql`UPDATE invoices SET paid_fen = 1000, status = 'partially_paid' WHERE id = ${dueYesterday.id}`.execute(db);
  t.equal(await flag(dueYesterday.id), true, 'partly paid, still owing: overdue');
  await sql`UPDATE invoices SET paid_fen = total_fen, status = 'paid' WHERE id = ${dueYesterday.id}`.execute(db);
  t.equal(await flag(dueYesterday.id), false, 'paid: not overdue');

  const listed = (await app.inject({ url: `/v1/invoices?accountId=${home.accountId}`, headers: s.alpha.headers })).json();
  const mine = listed.items.filter((i: { id: string }) => i.id === dueYesterday.id || i.id === dueToday.id);
  t.same(
    mine.map((i: { overdue: boolean }) => i.overdue),
    [false, false],
    'the list says the same (December now paid, January due today)',
  );
  const statement = (await app.inject({ url: `/v1/accounts/${s.homeA.accountId}/statement`, headers: s.residentA })).json();
  t.ok(statement.invoices.length > 0 && statement.invoices.every((i: { overdue: unknown }) => typeof i.overdue === 'boolean'));
  t.equal(statement.invoices.some((i: { overdue: boolean }) => i.overdue), statement.due.overdue, 'the statement agrees with its due');
});

t.test('the core rule and the SQL the reports filter with agree on every invoice and day (property)', async (t) => {
  const { db } = await testApp(t);
  const day = fc.integer({ min: 0, max: 60 }).map((n) => DateTime.fromISO('2026-01-01').plus({ days: n }).toISODate()!);
  const invoice = fc.record({
    status: fc.constantFrom('issued', 'partially_paid', 'paid', 'void'),
    totalFen: fc.integer({ min: -5000, max: 5000 }),
    paidFen: fc.integer({ min: 0, max: 5000 }),
    dueOn: day,
  });
  const cases = fc.sample(fc.tuple(invoice, day), 400);
  const { rows } = await sql<{ overdue: boolean }>`
    SELECT ${overdueOn('v', sql<string>`v.today`)} AS overdue
    FROM unnest(${cases.map(([i]) => i.status)}::text[], ${cases.map(([i]) => i.totalFen)}::bigint[],
                ${cases.map(([i]) => i.paidFen)}::bigint[], ${cases.map(([i]) => i.dueOn)}::date[],
                ${cases.map(([, d]) => d)}::date[]) WITH ORDINALITY AS v(status, total_fen, paid_fen, due_on, today, n)
    ORDER BY v.n`.execute(db);
  const disagreements = cases.filter(([i, d], k) => isOverdue(i, d) !== rows[k]!.overdue);
  t.same(disagreements, [], 'isOverdue and overdueOn never disagree');
  t.ok(rows.some((r) => r.overdue) && rows.some((r) => !r.overdue), 'both answers occur');
});
