import t from 'tap';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_TOKENS_FILE, demoTokens } from '../../src/demo.js';
import { seedCompounds, seedDemo } from '../../seeds/seed.js';
import { bearer, testApp } from '../helpers/app.js';

t.test('demo tokens: the same at every start of a data directory, hashed in the database, owner-only on disk', async (t) => {
  const { app, db } = await testApp(t);
  await seedCompounds(db);
  await seedDemo(db);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hpb-demo-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));

  const first = await demoTokens(db, dataDir);
  t.match(first, { admin: /^hpb_/, operator: /^hpb_/, resident: /^hpb_/, residentAccountId: String });
  const file = path.join(dataDir, DEMO_TOKENS_FILE);
  t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by its owner only');
  const restart = await demoTokens(db, dataDir);
  t.same(restart, first, 'a restart keeps the same tokens');
  const stored = await db.selectFrom('api_tokens').select(['token_hash', 'revoked_at']).where('revoked_at', 'is', null).execute();
  t.equal(stored.length, 2, 'operator and resident, once each');
  t.notOk(JSON.stringify(stored).includes(first.operator!.slice(4)), 'only hashes are stored');
  const statement = await app.inject({ url: `/v1/accounts/${first.residentAccountId}/statement`, headers: bearer(first.resident!) });
  t.equal(statement.statusCode, 200, 'the kept resident token signs in');
  const payTo = statement.json().provider.paymentDetails;
  const shape = { payeeName: String, bankName: String, bankAccount: /^[0-9 ]+$/, noteZh: String, noteEn: String };
  t.match(payTo, shape, 'how to pay the demo provider');
  // Seeding again keeps the details a clerk has changed since.
  await db.updateTable('providers').set({ pay_hotline: '027-1111 2222' }).where('payee_name', 'is not', null).execute();
  await seedCompounds(db);
  const kept = await db.selectFrom('providers').select('pay_hotline').where('payee_name', 'is not', null).execute();
  t.same(kept, [{ pay_hotline: '027-1111 2222' }], 'a second seed leaves the details as set');

  // A revoked demo token is replaced (and the rest with it); the admin token stays.
  await db.updateTable('api_tokens').set({ revoked_at: new Date() }).execute();
  const renewed = await demoTokens(db, dataDir);
  t.not(renewed.operator, first.operator);
  t.not(renewed.resident, first.resident);
  t.equal(renewed.admin, first.admin);
  t.same(await demoTokens(db, dataDir), renewed, 'and kept from then on');
});
