import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem, forbidden } from '../http/problem.js';
import type { Principal, Role } from './principal.js';
import { findActiveToken, touchToken } from './repository.js';
import { sameToken } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route; a route without it is public. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

const unauthorized = (detail: string) => new HttpProblem(401, detail);

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw unauthorized('Missing Authorization: Bearer <token> header.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <token>".');
  return match[1];
}

async function authenticate(app: FastifyInstance, request: FastifyRequest): Promise<Principal> {
  const token = bearerToken(request);
  const adminToken = app.config.adminToken;
  if (adminToken !== undefined && sameToken(token, adminToken)) return { role: 'admin', actor: 'admin' };
  const stored = await findActiveToken(app.db, token);
  if (!stored) throw unauthorized('The token is unknown or revoked.');
  await touchToken(app.db, stored.id);
  if (stored.role === 'operator' && stored.provider_id) {
    return { role: 'operator', actor: `operator-token:${stored.id}`, providerId: stored.provider_id, tokenId: stored.id };
  }
  if (stored.role === 'resident' && stored.account_id) {
    return { role: 'resident', actor: `resident-token:${stored.id}`, accountId: stored.account_id, tokenId: stored.id };
  }
  throw unauthorized('The token is unknown or revoked.');
}

/**
 * Every route declares `config.roles`. Missing or bad token: 401; a role the route never serves: 403.
 * Scope (which provider's compounds, which account) is then applied by the route's queries.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    request.principal = await authenticate(app, request);
    if (!roles.includes(request.principal.role)) throw forbidden(`This route is not available to the ${request.principal.role} role.`);
  });
});
