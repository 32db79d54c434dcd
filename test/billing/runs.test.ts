import t from 'tap';
import pg from 'pg';
import { testApp, admin } from '../helpers/app.js';
import { insertRun, INTERRUPTED_ERROR } from '../../src/billing/repository.js';
import { runBilling } from '../../src/billing/service.js';

const RUN = { period: '2025-11', compoundId: null, providerId: null, dryRun: false, startedBy: 'test', startedAt: new Date() };

async function status(pool: pg.Pool, id: string) {
  return (
    await pool.query<{ status: string; error: string | null; finished_at: Date | null }>(
      'SELECT status, error, finished_at FROM billing_runs WHERE id = $1',
      [id],
    )
  ).rows[0]!;
}

t.test('a running run whose session is gone reads as failed (interrupted); a live one stays running', async (t) => {
  const { app, pool, url } = await testApp(t);

  // A run whose process ended: its session closed without finishing the record.
  const dead = new pg.Client({ connectionString: url });
  await dead.connect();
  const deadRun = await insertRun(dead, RUN);
  const deadPid = (await dead.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await dead.end();
  for (let i = 0; i < 200 && (await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [deadPid])).rowCount! > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // A run still in progress: its session is alive.
  const live = await pool.connect();
  t.teardown(() => live.release());
  const liveRun = await insertRun(live, RUN);

  t.equal((await status(pool, deadRun.id)).status, 'running', 'nothing changes by itself');
  const got = await app.inject({ url: `/v1/billing-runs/${deadRun.id}`, headers: admin });
  t.equal(got.statusCode, 200);
  t.match(got.json(), { status: 'failed', error: INTERRUPTED_ERROR, finishedAt: String }, 'GET tells the dead run apart and records it');
  t.match(await status(pool, deadRun.id), { status: 'failed', error: INTERRUPTED_ERROR, finished_at: Date }, 'recorded');
  const liveGot = await app.inject({ url: `/v1/billing-runs/${liveRun.id}`, headers: admin });
  t.match(liveGot.json(), { status: 'running', error: null, finishedAt: null }, 'a live run stays running');

  // A new run sweeps every interrupted run, and leaves live ones alone.
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  const otherRun = await insertRun(other, RUN);
  await other.end();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const run = await runBilling({ db: app.db, pool }, { period: '2026-04', actor: 'test' });
  t.equal(run.status, 'succeeded');
  t.match(await status(pool, otherRun.id), { status: 'failed', error: INTERRUPTED_ERROR }, 'swept when a run starts');
  t.equal((await status(pool, liveRun.id)).status, 'running', 'the live run untouched');
  t.match(await status(pool, run.id), { status: 'succeeded', error: null }, 'the new run itself finished normally');
});
