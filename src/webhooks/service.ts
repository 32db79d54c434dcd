import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { creatingProvider } from '../auth/access.js';
import { providerScope, type Principal } from '../auth/principal.js';
import type { Database } from '../db/pool.js';
import { badRequest, notFound } from '../http/problem.js';
import { deleteEndpoint, findEndpointInScope, insertEndpoint, listDeliveries, listEndpoints, providerExists } from './repository.js';

type EndpointRow = Awaited<ReturnType<typeof listEndpoints>>[number];

export interface EndpointOut {
  id: string;
  providerId: string | null;
  url: string;
  events: string[];
  disabled: boolean;
  createdAt: string;
}

function endpointOut(row: EndpointRow): EndpointOut {
  return {
    id: row.id,
    providerId: row.provider_id,
    url: row.url,
    events: row.events,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

/** A receiver URL: http or https, no user or password in it (SPEC §9). */
export function checkEndpointUrl(raw: string): string {
  const invalid = (message: string) => badRequest(`url ${message}.`, [{ path: 'body.url', message }]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('must use http or https');
  if (url.username !== '' || url.password !== '') throw invalid('must not carry credentials');
  return url.toString();
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * An operator's endpoint gets its provider's events; an admin's gets the given provider's, or every
 * provider's without one. The secret is answered here only.
 */
export async function createEndpoint(
  db: Database,
  principal: Principal,
  input: { url: string; events: string[]; providerId?: string | undefined },
): Promise<EndpointOut & { secret: string }> {
  const url = checkEndpointUrl(input.url);
  const providerId = creatingProvider(principal, input.providerId ?? null, 'An operator adds endpoints for its own provider only.');
  if (providerId !== null && providerId !== providerScope(principal) && !(await providerExists(db, providerId))) throw notFound('Provider');
  const secret = newSecret();
  const events = [...new Set(input.events)];
  const row = await db.transaction().execute(async (tx) => {
    const created = await insertEndpoint(tx, { providerId, url, events, secret, createdBy: principal.actor });
    await audit(tx, {
      actor: principal.actor,
      action: 'webhook.create',
      entity: 'webhook_endpoint',
      entityId: created.id,
      details: { url, events, providerId },
    });
    return created;
  });
  return { ...endpointOut(row), secret };
}

export async function listEndpointsOut(db: Database, principal: Principal) {
  return { items: (await listEndpoints(db, principal)).map(endpointOut), nextCursor: null };
}

export async function removeEndpoint(db: Database, principal: Principal, id: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const endpoint = await findEndpointInScope(tx, id, principal);
    if (!endpoint) throw notFound('Webhook endpoint');
    await deleteEndpoint(tx, id);
    const details = { url: endpoint.url };
    await audit(tx, { actor: principal.actor, action: 'webhook.delete', entity: 'webhook_endpoint', entityId: id, details });
  });
}

export const DELIVERIES_LIMIT = 200;

export async function listDeliveriesOut(db: Database, principal: Principal, id: string) {
  const endpoint = await findEndpointInScope(db, id, principal);
  if (!endpoint) throw notFound('Webhook endpoint');
  const rows = await listDeliveries(db, id, DELIVERIES_LIMIT);
  return {
    items: rows.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.type,
      accountId: d.account_id,
      attempt: d.attempt,
      statusCode: d.status_code,
      durationMs: d.duration_ms,
      error: d.error,
      outcome: d.outcome,
      at: d.at.toISOString(),
    })),
    nextCursor: null,
  };
}
