import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { testServer } from '../helpers/app.js';
import { createDatabase, dropDatabase, withDatabase } from '../helpers/database.js';

const QUEUE_MIGRATION = '0026_webhook_pending.sql';

t.test('0026 carries over what the per-stream jobs had still to send, with the attempts so far', async (t) => {
  const { maintenanceUrl } = await testServer();
  const name = `hpb_test_${randomBytes(6).toString('hex')}`;
  await createDatabase(maintenanceUrl, name);
  t.teardown(() => dropDatabase(maintenanceUrl, name));
  const url = withDatabase(maintenanceUrl, name);
  // The migrations before the queue's, from a folder of links to them.
  const before = await mkdtemp(path.join(os.tmpdir(), 'hpb-migrations-'));
  t.teardown(() => rm(before, { recursive: true, force: true }));
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql') && f < QUEUE_MIGRATION);
  for (const file of files) await symlink(path.join(MIGRATIONS_DIR, file), path.join(before, file));
  await migrate(url, before);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  const one = async (text: string, values: unknown[] = []) => (await client.query<{ id: string; seq: string }>(text, values)).rows[0]!;
  const provider = await one("INSERT INTO providers (name) VALUES ('p') RETURNING id");
  const endpoint = async (disabled: boolean) =>
    one(
      `INSERT INTO webhook_endpoints (provider_id, url, events, secret, created_by, disabled_at, created_at)
       VALUES ($1, 'http://127.0.0.1:9/', '{payment.recorded}', 'whsec_x', 'test', $2, now() - interval '1 hour') RETURNING id`,
      [provider.id, disabled ? new Date() : null],
    );
  const enabled = await endpoint(false);
  await endpoint(true);
  const event = async (dispatched: boolean) =>
    one(
      `INSERT INTO webhook_events (type, provider_id, payload, dispatched_at)
       VALUES ('payment.recorded', $1, '{}', $2) RETURNING id, seq`,
      [provider.id, dispatched ? new Date() : null],
    );
  const [retrying, delivered, untried] = [await event(true), await event(true), await event(true)];
  await event(false);
  const attempt = (endpointId: string, eventId: string, n: number, outcome: string, at: string) =>
    client.query(
      'INSERT INTO webhook_deliveries (endpoint_id, event_id, attempt, duration_ms, outcome, at) VALUES ($1, $2, $3, 1, $4, $5)',
      [endpointId, eventId, n, outcome, at],
    );
  await attempt(enabled.id, retrying.id, 1, 'retrying', '2026-01-01T00:00:00Z');
  await attempt(enabled.id, retrying.id, 2, 'retrying', '2026-01-01T00:00:05Z');
  await attempt(enabled.id, delivered.id, 1, 'delivered', '2026-01-01T00:00:00Z');

  await symlink(path.join(MIGRATIONS_DIR, QUEUE_MIGRATION), path.join(before, QUEUE_MIGRATION));
  t.same(await migrate(url, before), [QUEUE_MIGRATION], 'the queue is applied over them');
  const pending = await client.query<{ endpoint_id: string; event_seq: string; attempts: number; first_attempt_at: Date | null }>(
    'SELECT endpoint_id, event_seq::text, attempts, first_attempt_at FROM webhook_pending ORDER BY event_seq',
  );
  t.same(
    pending.rows.map((r) => [r.endpoint_id, String(r.event_seq), r.attempts, r.first_attempt_at?.toISOString() ?? null]),
    [
      [enabled.id, String(retrying.seq), 2, '2026-01-01T00:00:00.000Z'],
      [enabled.id, String(untried.seq), 0, null],
    ],
    'the retrying and the untried event of the enabled endpoint; not the delivered one, not the disabled endpoint, not the undispatched',
  );
});
