import { sql } from 'kysely';
import type { Test } from 'tap';
import type { Database } from '../../src/db/pool.js';
import { testApp } from './app.js';
import { insertDefaultSeason } from './data.js';
import { operatorWithCompound } from './fixtures.js';

/** A URL nothing listens on: for endpoints whose events are only looked at in the outbox. */
export const NOWHERE = 'http://127.0.0.1:9/hooks';

/**
 * The webhook tests' scene: an app, the operator of compound alpha (the default season), and
 * `subscribe`, which makes an endpoint through POST /v1/webhooks (alpha's, unless other headers are
 * given) and answers its id and secret (the test fails unless it is 201).
 */
export async function webhookScene(t: Test) {
  const { app, db, pool, url } = await testApp(t);
  const alpha = await operatorWithCompound(app, 'alpha');
  await insertDefaultSeason(db, alpha.compound.id);
  const subscribe = async (events: string[], endpointUrl = NOWHERE, headers = alpha.headers) => {
    const created = await app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { url: endpointUrl, events } });
    if (created.statusCode !== 201) throw new Error(`POST /v1/webhooks answered ${created.statusCode}: ${created.body}`);
    return created.json() as { id: string; secret: string };
  };
  return { app, db, pool, url, alpha, subscribe };
}

/**
 * Outbox events whose account or provider does not exist, or whose account is not the provider's
 * (what the foreign keys dropped by migration 0027 checked, and more): their seq, empty when none.
 */
export async function brokenEventReferences(db: Database): Promise<string[]> {
  const { rows } = await sql<{ seq: string }>`
    SELECT e.seq::text AS seq FROM webhook_events e
    LEFT JOIN providers p ON p.id = e.provider_id
    LEFT JOIN accounts a ON a.id = e.account_id
    LEFT JOIN compounds c ON c.id = a.compound_id
    WHERE p.id IS NULL OR (e.account_id IS NOT NULL AND (a.id IS NULL OR c.provider_id <> e.provider_id))
    ORDER BY e.seq`.execute(db);
  return rows.map((r) => r.seq);
}
