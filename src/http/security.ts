import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

export interface SecurityOptions {
  /** Requests per token (admin: one shared key) per window on authenticated routes. Default 1000. */
  tokenMax?: number;
  tokenWindowMs?: number;
  /** Failed authentications (401) per client IP per window before it is refused with 429. Default 30. */
  failedAuthMax?: number;
  failedAuthWindowMs?: number;
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

/** Fixed-window counters of failed authentications per IP, bounded in memory. */
class FailureCounter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until the IP may try again, or 0 when it is not blocked. */
  blockedFor(ip: string, now = Date.now()): number {
    const entry = this.entries.get(ip);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.max ? Math.ceil((entry.resetAt - now) / 1000) : 0;
  }

  hit(ip: string, now = Date.now()): void {
    const entry = this.entries.get(ip);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    if (this.entries.size >= 100_000) {
      for (const [key, value] of this.entries) if (value.resetAt <= now) this.entries.delete(key);
      if (this.entries.size >= 100_000) this.entries.clear();
    }
    this.entries.set(ip, { count: 1, resetAt: now + this.windowMs });
  }
}

const isAuthenticatedRoute = (request: FastifyRequest) => request.routeOptions.config.roles !== undefined;

/**
 * Hardening, registered before the auth plugin and the routes:
 * - helmet headers everywhere (CSP without upgrade-insecure-requests, since the service may be
 *   served over plain HTTP on a LAN; a looser CSP on /docs for Swagger UI);
 * - a client IP with too many failed authentications gets 429 on every authenticated route until
 *   its window ends (brute force of tokens), checked before the token is even looked up;
 * - a generous per-token request limit on authenticated routes (@fastify/rate-limit, after auth).
 * Both limits answer application/problem+json 429 with Retry-After.
 */
export const securityPlugin = fp(async (app: FastifyInstance, options: SecurityOptions) => {
  const tokenMax = options.tokenMax ?? 1000;
  const failures = new FailureCounter(options.failedAuthMax ?? 30, options.failedAuthWindowMs ?? MINUTE);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { upgradeInsecureRequests: null, 'form-action': ["'self'"] },
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/docs' || request.url.startsWith('/docs/')) reply.header('content-security-policy', DOCS_CSP);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!isAuthenticatedRoute(request)) return;
    const wait = failures.blockedFor(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new HttpProblem(429, `Too many failed authentication attempts from this address; retry in ${wait} s.`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) failures.hit(request.ip);
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
