import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

export interface SecurityOptions {
  /** Requests per token (admin: one shared key) per window on authenticated routes. Default 1000. */
  tokenMax?: number;
  tokenWindowMs?: number;
}

const MINUTE = 60_000;

/** Swagger UI loads its bundle, styles and data: images from itself: a looser policy, on /docs only. */
const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' https: data:",
  "frame-ancestors 'self'",
  "img-src 'self' data: validator.swagger.io",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' https: 'unsafe-inline'",
  "connect-src 'self'",
].join('; ');

const isAuthenticatedRoute = (request: FastifyRequest) => request.routeOptions.config.roles !== undefined;

/**
 * Hardening, registered before the auth plugin and the routes:
 * - helmet headers everywhere (CSP without upgrade-insecure-requests, since the service may be
 *   served over plain HTTP on a LAN; a looser CSP on /docs for Swagger UI);
 * - a generous per-token request limit on authenticated routes (@fastify/rate-limit, after auth),
 *   answered application/problem+json 429 with Retry-After.
 * Failed authentications are throttled by the auth plugin (src/auth/throttle.ts), which alone knows
 * whether a token is valid.
 */
export const securityPlugin = fp(async (app: FastifyInstance, options: SecurityOptions) => {
  const tokenMax = options.tokenMax ?? 1000;

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { upgradeInsecureRequests: null, 'form-action': ["'self'"] },
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/docs' || request.url.startsWith('/docs/')) reply.header('content-security-policy', DOCS_CSP);
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: tokenMax,
    timeWindow: options.tokenWindowMs ?? MINUTE,
    allowList: (request) => !isAuthenticatedRoute(request),
    keyGenerator: (request) => {
      const principal = request.principal;
      if (!principal) return `ip:${request.ip}`;
      return principal.role === 'admin' ? 'admin' : `token:${principal.tokenId}`;
    },
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        `Rate limit of ${context.max} requests per ${context.after} exceeded for this token; retry in ${Math.ceil(context.ttl / 1000)} s.`,
      ),
  });
});
