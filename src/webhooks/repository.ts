import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';

/** Endpoints the caller may see: an operator's provider's only; an admin all. */
function endpointsInScope(db: Executor, principal: Principal) {
  return db.selectFrom('webhook_endpoints').where((eb) => inScope(eb, principal, { provider: 'provider_id' }));
}

const PUBLIC_COLUMNS = ['id', 'provider_id', 'url', 'events', 'disabled_at', 'created_at'] as const;

export async function insertEndpoint(
  db: Executor,
  values: { providerId: string | null; url: string; events: string[]; secret: string; createdBy: string },
) {
  return db
    .insertInto('webhook_endpoints')
    .values({ provider_id: values.providerId, url: values.url, events: values.events, secret: values.secret, created_by: values.createdBy })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function listEndpoints(db: Executor, principal: Principal) {
  return endpointsInScope(db, principal).select(PUBLIC_COLUMNS).orderBy('created_at').orderBy('id').execute();
}

export async function findEndpointInScope(db: Executor, id: string, principal: Principal) {
  return endpointsInScope(db, principal).select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function deleteEndpoint(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

/** The newest attempts first, with the event's type. */
export async function listDeliveries(db: Executor, endpointId: string, limit: number) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .select(['d.id', 'd.event_id', 'e.type', 'e.account_id', 'd.attempt', 'd.status_code', 'd.duration_ms', 'd.error', 'd.outcome', 'd.at'])
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
}

export async function providerExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('providers').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}
