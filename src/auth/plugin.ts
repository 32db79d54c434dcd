import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../http/problem.js';
import { assertRole } from './access.js';
import type { Principal, Role } from './principal.js';
import { findAndTouchActiveToken } from './repository.js';
import { AuthThrottle, tokenPrefixKey, type AuthThrottleOptions } from './throttle.js';
import { hashToken } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route; a route without it is public. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    /** Authenticated tokens of this process (see TokenCache); revoking a token must invalidate it here. */
    tokenCache: TokenCache;
  }
}

/** How long an authenticated token is trusted without asking the database again. */
export const TOKEN_CACHE_TTL_MS = 10_000;
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

interface CachedToken {
  principal: Principal;
  expiresAt: number;
}

/**
 * In-process cache of authenticated tokens: key the token's SHA-256 hash (never the token), value
 * the principal, trusted for `ttlMs`, at most `maxEntries` (the oldest loaded is evicted first).
 * Unknown and revoked tokens are never cached: every failed attempt reaches the database and is
 * answered 401 (or 429 once the failed-authentication limit is reached, see AuthThrottle).
 *
 * Revocation: the revoke route calls `invalidateToken` after its transaction commits, so in THIS
 * process a revoked token is refused from the next request on. A lookup that was already in flight
 * when a token was revoked (it may have read the row before the revocation) is not cached: every
 * invalidation bumps a generation, and `set` refuses a load begun under an older one. Another
 * process running the app (a second instance behind a load balancer) does not hear of the
 * revocation and may keep accepting the token for at most `ttlMs` (10 s).
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();
  private generation = 0;

  constructor(
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly maxEntries = TOKEN_CACHE_MAX_ENTRIES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /** Call before looking a token up; pass the result to `set`. */
  begin(): number {
    return this.generation;
  }

  set(key: string, principal: Principal, generation: number, now = Date.now()): void {
    if (generation !== this.generation || this.ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { principal: Object.freeze(principal), expiresAt: now + this.ttlMs });
  }

  /** Forgets a token (by its id) and voids lookups in flight. */
  invalidateToken(tokenId: string): void {
    this.generation += 1;
    for (const [key, entry] of this.entries) {
      if (entry.principal.role !== 'admin' && entry.principal.tokenId === tokenId) this.entries.delete(key);
    }
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}

const unauthorized = (detail: string) => new HttpProblem(401, detail);

/** The presented token, for the throttle's prefix key; undefined when there is no bearer token. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
}

function bearerToken(request: FastifyRequest): string {
  if (!request.headers.authorization) throw unauthorized('Missing Authorization: Bearer <token> header.');
  const token = presentedToken(request);
  if (!token) throw unauthorized('Authorization header must be "Bearer <token>".');
  return token;
}

/**
 * A cached principal costs no statement. Otherwise one statement looks the token up by hash and
 * records `last_used_at` when it is older than a minute (so `last_used_at` is the last use to
 * within the cache TTL plus a minute, and a token in use writes at most once a minute).
 */
async function authenticate(app: FastifyInstance, request: FastifyRequest): Promise<Principal> {
  const token = bearerToken(request);
  const hash = hashToken(token);
  const adminToken = app.config.adminToken;
  if (adminToken !== undefined && timingSafeEqual(hash, hashToken(adminToken))) return { role: 'admin', actor: 'admin' };
  const key = hash.toString('base64');
  const cached = app.tokenCache.get(key);
  if (cached) return cached;
  const generation = app.tokenCache.begin();
  const stored = await findAndTouchActiveToken(app.db, hash);
  if (!stored) throw unauthorized('The token is unknown or revoked.');
  let principal: Principal;
  if (stored.role === 'operator' && stored.provider_id) {
    principal = { role: 'operator', actor: `operator-token:${stored.id}`, providerId: stored.provider_id, tokenId: stored.id };
  } else if (stored.role === 'resident' && stored.account_id) {
    principal = { role: 'resident', actor: `resident-token:${stored.id}`, accountId: stored.account_id, tokenId: stored.id };
  } else {
    throw unauthorized('The token is unknown or revoked.');
  }
  app.tokenCache.set(key, principal, generation);
  return principal;
}

export interface AuthOptions {
  /** Token cache TTL in ms (0 disables the cache). Default 10 s. */
  tokenCacheTtlMs?: number;
  tokenCacheMaxEntries?: number;
  /** Failed authentications per address and per token prefix per window (default 30 a minute). */
  failedAuth?: AuthThrottleOptions;
}

/**
 * Every route declares `config.roles`. Missing or bad token: 401, or 429 with Retry-After once its
 * address or token prefix has failed too often (a valid token is never refused for that); a role the
 * route never serves: 403. Scope (which provider's compounds, which account) is then applied by the
 * route's queries.
 */
export const authPlugin = fp(async (app: FastifyInstance, options: AuthOptions) => {
  app.decorate(
    'tokenCache',
    new TokenCache(options.tokenCacheTtlMs ?? TOKEN_CACHE_TTL_MS, options.tokenCacheMaxEntries ?? TOKEN_CACHE_MAX_ENTRIES),
  );
  const throttle = new AuthThrottle(options.failedAuth);
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    try {
      request.principal = await authenticate(app, request);
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.statusCode !== 401) throw error;
      const wait = throttle.refuse(request.ip, tokenPrefixKey(presentedToken(request)));
      if (wait === 0) throw error;
      reply.header('retry-after', String(wait));
      throw new HttpProblem(429, `Too many failed authentication attempts; retry in ${wait} s.`);
    }
    assertRole(roles, request.principal);
  });
});
