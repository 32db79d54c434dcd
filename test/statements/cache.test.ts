import { sql } from 'kysely';
import type pg from 'pg';
import t from 'tap';
import type { Principal } from '../../src/auth/principal.js';
import { loadConfig } from '../../src/config.js';
import { createStatementCache, STATEMENT_CACHE_MAX_ENTRIES } from '../../src/statements/cache.js';
import type { Queryable } from '../../src/db/sql.js';
import { loadStatementStamp } from '../../src/statements/repository.js';
import { getStatementJson } from '../../src/statements/service.js';
import { testApp } from '../helpers/app.js';
import { insertDefaultSeason, insertHome, insertReadings } from '../helpers/data.js';
import { insertInvoice, meteredLines, twoProviderScene } from '../helpers/invoices.js';

/** The pool, recording the name of every statement run through it. */
function countingPool(pool: pg.Pool): Queryable & { names: string[] } {
  const names: string[] = [];
  return {
    names,
    query: (config: pg.QueryConfig) => {
      names.push(config.name ?? '(unnamed)');
      return pool.query(config);
    },
  } as Queryable & { names: string[] };
}

t.test('a cached statement is checked by its stamp, and recomputed once anything behind it changed', async (t) => {
  const { app, db, pool } = await testApp(t);
  const s = await twoProviderScene(app, db, 3);
  const principal: Principal = { role: 'operator', actor: 'test', providerId: s.alpha.provider.id, tokenId: 'test' };
  const cache = createStatementCache();
  const counting = countingPool(pool);
  const read = async () =>
    (await getStatementJson({ pool: counting, db }, cache, principal, s.homeA.accountId, '2025-26', (x) => JSON.stringify(x))).toString();

  const first = await read();
  t.same(counting.names, ['statement_operator_v4'], 'first read: the whole statement');
  const second = await read();
  t.equal(second, first, 'same bytes');
  t.same(counting.names.slice(1), ['statement_stamp_operator_v4'], 'second read: the stamp only');

  await db.updateTable('invoices').set({ paid_fen: 10_000, status: 'partially_paid' }).where('id', '=', s.invoicesA[0]!.id).execute();
  const third = await read();
  t.same(counting.names.slice(2), ['statement_stamp_operator_v4', 'statement_operator_v4'], 'changed: stamp, then the whole statement');
  t.not(third, first);
  t.equal(JSON.parse(third).invoices[0].paidFen, 10_000);

  const other = createStatementCache();
  const otherProvider: Principal = { role: 'operator', actor: 'test', providerId: s.beta.provider.id, tokenId: 'test' };
  const statusOf = (read: Promise<unknown>) => read.then(() => 200, (error: { statusCode?: number }) => error.statusCode);
  t.equal(
    await statusOf(getStatementJson({ pool, db }, other, otherProvider, s.homeA.accountId, '2025-26', (x) => JSON.stringify(x))),
    404,
    'out of scope: 404',
  );
  // A cache entry is keyed by role, never by caller: another provider's operator finds the entry
  // of `principal` and is still refused, by the stamp's scope check.
  t.equal(
    await statusOf(getStatementJson({ pool, db }, cache, otherProvider, s.homeA.accountId, '2025-26', (x) => JSON.stringify(x))),
    404,
    'cached, out of scope: 404',
  );
});

t.test('every table behind a statement moves its stamp; the batch inserts fire no trigger', async (t) => {
  const { app, db, pool } = await testApp(t);
  const s = await twoProviderScene(app, db, 2);
  const accountId = s.homeA.accountId;
  const admin: Principal = { role: 'admin', actor: 'test' };
  const stamp = async () => loadStatementStamp(pool, accountId, admin);

  const changes: Array<[string, () => Promise<unknown>]> = [
    ['account holder', () => db.updateTable('accounts').set({ holder_name: '王小芳' }).where('id', '=', accountId).execute()],
    ['household area', () => db.updateTable('households').set({ area_m2: '100.00' }).where('id', '=', s.homeA.householdId).execute()],
    [
      'compound time zone',
      () => db.updateTable('compounds').set({ time_zone: 'Asia/Shanghai' }).where('id', '=', s.alpha.compound.id).execute(),
    ],
    ['season cap', () => db.updateTable('seasons').set({ cap_per_m2: '36' }).where('compound_id', '=', s.alpha.compound.id).execute()],
    ['new season', () => insertDefaultSeason(db, s.alpha.compound.id, 2026)],
    [
      'provider payment details',
      () => db.updateTable('providers').set({ payee_name: '武汉热泵' }).where('id', '=', s.alpha.provider.id).execute(),
    ],
    [
      'plan chosen',
      () =>
        db
          .insertInto('account_plans')
          .values({ account_id: accountId, compound_id: s.alpha.compound.id, season_label: '2025-26', plan: 'flat' })
          .execute(),
    ],
    ['plan changed', () => db.updateTable('account_plans').set({ plan: 'metered' }).where('account_id', '=', accountId).execute()],
    ['plan dropped', () => db.deleteFrom('account_plans').where('account_id', '=', accountId).execute()],
    [
      'payment',
      () =>
        db
          .insertInto('payments')
          .values({
            compound_id: s.alpha.compound.id,
            account_id: accountId,
            amount_fen: 500,
            paid_at: '2026-01-05T10:00:00+08:00',
            reference: 'R',
            idempotency_key: 'k',
            request_hash: 'h',
            unallocated_fen: 500,
            created_by: 'test',
          })
          .execute(),
    ],
    ['payment credit used', () => db.updateTable('payments').set({ unallocated_fen: 0 }).where('account_id', '=', accountId).execute()],
    ['invoice paid', () => db.updateTable('invoices').set({ paid_fen: 500 }).where('id', '=', s.invoicesA[0]!.id).execute()],
    [
      'invoice voided',
      () =>
        db
          .updateTable('invoices')
          .set({ status: 'void', voided_at: new Date(), void_reason: 'test' })
          .where('id', '=', s.invoicesA[1]!.id)
          .execute(),
    ],
    [
      'invoice issued',
      () =>
        insertInvoice(db, {
          compoundId: s.alpha.compound.id,
          accountId,
          householdId: s.homeA.householdId,
          period: '2026-01',
          lines: meteredLines('3000', 99_000),
          issuedOn: '2026-01-28',
        }),
    ],
    // usageToDate runs to the household's latest reading (SPEC §9).
    ['new reading', () => insertReadings(db, s.alpha.compound.id, s.homeA.meterId, [['2026-11-20T12:00:00+08:00', '90000']])],
    [
      'latest reading corrected',
      () =>
        db.updateTable('readings').set({ value: '90001' }).where('meter_id', '=', s.homeA.meterId).where('value', '=', '90000').execute(),
    ],
  ];
  for (const [what, change] of changes) {
    const before = await stamp();
    await change();
    t.notSame(await stamp(), before, `${what} moves the stamp`);
  }

  const otherHome = await insertHome(db, s.beta.compound.id);
  const untouched = await loadStatementStamp(pool, otherHome.accountId, admin);
  await db.updateTable('accounts').set({ holder_name: '某人' }).where('id', '=', accountId).execute();
  t.same(await loadStatementStamp(pool, otherHome.accountId, admin), untouched, "another account's change leaves this stamp alone");

  // The monthly batch writes invoices by COPY + INSERT: no row trigger may fire on its path.
  const triggers = await sql<{ table: string; trigger: string }>`
    SELECT c.relname AS table, t.tgname AS trigger FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relname IN ('invoices', 'invoice_lines') AND (t.tgtype & 4) <> 0`.execute(db);
  t.same(triggers.rows, [], 'no INSERT trigger on invoices or invoice lines');
});

t.test('STATEMENT_CACHE_ENTRIES sizes the cache; 0 turns it off and every read computes', async (t) => {
  t.equal(loadConfig({}).statementCacheEntries, STATEMENT_CACHE_MAX_ENTRIES);
  t.equal(loadConfig({ STATEMENT_CACHE_ENTRIES: '0' }).statementCacheEntries, 0);
  t.throws(() => loadConfig({ STATEMENT_CACHE_ENTRIES: 'many' }), /STATEMENT_CACHE_ENTRIES: must be an integer/);

  const { app, db } = await testApp(t, { statementCacheEntries: 0 });
  const s = await twoProviderScene(app, db, 2);
  const url = `/v1/accounts/${s.homeA.accountId}/statement?season=2025-26`;
  const before = (await app.inject({ url, headers: s.residentA })).json();
  await db.updateTable('invoices').set({ paid_fen: 700, status: 'partially_paid' }).where('id', '=', s.invoicesA[0]!.id).execute();
  const after = (await app.inject({ url, headers: s.residentA })).json();
  t.equal(before.invoices[0].paidFen, 0);
  t.equal(after.invoices[0].paidFen, 700);

  const off = createStatementCache(0);
  const stamp = { statement_version: 0, compound_version: 0, invoice_count: 0, today: '2026-01-01', latest_reading: null };
  off.set('k', { stamp, json: Buffer.from('{}') });
  t.equal(off.get('k'), undefined, 'a cache of 0 entries keeps nothing');
});
