import t from 'tap';
import { testApp, admin, bearer } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { insertDefaultSeason } from '../helpers/data.js';
import { insertHomeWithReadings, postRun } from '../helpers/billing.js';
import { residentToken } from '../helpers/registry.js';

t.test('billing runs: roles, scope and validation', async (t) => {
  const { app, db } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  const alpha2 = await app.inject({
    method: 'POST',
    url: '/v1/compounds',
    headers: alpha.headers,
    payload: { code: 'alpha-two', name: 'alpha two', district: '洪山区' },
  });
  t.equal(alpha2.statusCode, 201);
  for (const id of [alpha.compound.id, beta.compound.id, alpha2.json().id]) await insertDefaultSeason(db, id);
  const homeA = await insertHomeWithReadings(db, alpha.compound.id, { readings: [['2025-11', '100']] });
  await insertHomeWithReadings(db, alpha2.json().id, { readings: [['2025-11', '200']] });
  await insertHomeWithReadings(db, beta.compound.id, { readings: [['2025-11', '300']] });

  t.equal((await postRun(app, {}, { period: '2025-11' })).statusCode, 401, 'no token');
  const resident = bearer(await residentToken(db, homeA.accountId));
  t.equal((await postRun(app, resident, { period: '2025-11' })).statusCode, 403, 'residents may not run billing');
  t.equal(
    (await postRun(app, alpha.headers, { period: '2025-11', compound: 'beta' })).statusCode,
    404,
    "another provider's compound is 404",
  );
  t.equal((await postRun(app, alpha.headers, { period: '2025-11', compound: 'nowhere' })).statusCode, 404, 'unknown compound is 404');
  const invalid = await postRun(app, alpha.headers, { period: '2025-13' });
  t.equal(invalid.statusCode, 400);
  t.match(invalid.json().errors, [{ path: 'body.period' }]);
  t.equal((await db.selectFrom('invoices').select('id').execute()).length, 0, 'nothing billed by refused requests');

  const all = await postRun(app, alpha.headers, { period: '2025-11' });
  t.equal(all.statusCode, 201);
  t.match(
    all.json(),
    { compound: null, status: 'succeeded', invoicesIssued: 2, totalFen: 3300 + 6600, cappedAccounts: 0, startedBy: /operator/ },
    "an operator without compound bills all its provider's compounds, only those",
  );
  const betaInvoices = await db.selectFrom('invoices').select('id').where('compound_id', '=', beta.compound.id).execute();
  t.equal(betaInvoices.length, 0, "beta's compound untouched");

  const single = await postRun(app, beta.headers, { period: '2025-11', compound: 'beta', dryRun: true });
  t.match(single.json(), { compound: 'beta', dryRun: true, invoicesIssued: 1, totalFen: 9900 });
  const adminRun = await postRun(app, admin, { period: '2026-04' });
  t.match(adminRun.json(), { status: 'succeeded', invoicesIssued: 0, totalFen: 0 }, 'a non-billable month succeeds with 0 invoices');

  const runA = all.json().id;
  const get = await app.inject({ url: `/v1/billing-runs/${runA}`, headers: alpha.headers });
  t.equal(get.statusCode, 200);
  t.same(get.json(), all.json(), 'GET shows the recorded run');
  t.equal((await app.inject({ url: `/v1/billing-runs/${runA}`, headers: beta.headers })).statusCode, 404, "another provider's run is 404");
  t.equal((await app.inject({ url: `/v1/billing-runs/${single.json().id}`, headers: alpha.headers })).statusCode, 404);
  t.equal(
    (await app.inject({ url: `/v1/billing-runs/${adminRun.json().id}`, headers: alpha.headers })).statusCode,
    404,
    "an admin's all-compound run is not an operator's",
  );
  t.equal((await app.inject({ url: `/v1/billing-runs/${adminRun.json().id}`, headers: admin })).statusCode, 200);
  t.equal((await app.inject({ url: `/v1/billing-runs/${runA}`, headers: resident })).statusCode, 403);
  t.equal((await app.inject({ url: `/v1/billing-runs/${runA}` })).statusCode, 401);
  t.equal((await app.inject({ url: '/v1/billing-runs/00000000-0000-4000-8000-000000000000', headers: admin })).statusCode, 404);
  t.equal((await app.inject({ url: '/v1/billing-runs/not-a-uuid', headers: admin })).statusCode, 400);
});

/** An app that never waits for a run to finish (BILLING_RUN_WAIT_SECONDS=0), with 20 homes to bill in 'slow'. */
async function answeringAtOnce(t: Parameters<typeof testApp>[0]) {
  const { app, db } = await testApp(t, { billingRunWaitMs: 0 });
  const op = await operatorWithCompound(app, 'slow');
  await insertDefaultSeason(db, op.compound.id);
  for (let i = 0; i < 20; i++) await insertHomeWithReadings(db, op.compound.id, { readings: [['2025-11', String(100 + i)]] });
  return { app, db, op };
}

t.test('a run longer than BILLING_RUN_WAIT_SECONDS answers 202 and goes on; GET follows it to the end', async (t) => {
  const { app, db, op } = await answeringAtOnce(t);

  const res = await postRun(app, op.headers, { period: '2025-11', compound: 'slow' });
  t.equal(res.statusCode, 202, 'not finished when the wait ran out');
  const accepted = res.json();
  t.match(accepted, { status: 'running', period: '2025-11', compound: 'slow', finishedAt: null });
  t.equal(res.headers.location, `/v1/billing-runs/${accepted.id}`);

  let run = accepted;
  for (let polls = 0; run.status === 'running' && polls < 200; polls++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    run = (await app.inject({ url: res.headers.location as string, headers: op.headers })).json();
  }
  t.match(run, { id: accepted.id, status: 'succeeded', invoicesIssued: 20, accountsBilled: 20 }, 'the run finished in the background');
  t.equal((await db.selectFrom('invoices').select('id').where('compound_id', '=', op.compound.id).execute()).length, 20);

  t.equal(
    (await postRun(app, op.headers, { period: '2025-11', compound: 'nowhere' })).statusCode,
    404,
    'a refusal is still answered at once',
  );
});

t.test('closing the app waits for a run it answered 202 for', async (t) => {
  const { app, db, op } = await answeringAtOnce(t);
  const res = await postRun(app, op.headers, { period: '2025-11', compound: 'slow' });
  t.equal(res.statusCode, 202);
  await app.close();
  const stored = await db
    .selectFrom('billing_runs')
    .select(['status', 'invoices_issued'])
    .where('id', '=', res.json().id)
    .executeTakeFirstOrThrow();
  t.same(stored, { status: 'succeeded', invoices_issued: 20 }, 'finished before the app closed');
});
