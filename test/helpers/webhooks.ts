import type { Test } from 'tap';
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
