import { createHash } from 'node:crypto';

/** Fixed-window counters of failed authentications per key, bounded in memory. */
class FailureCounter {
  private readonly entries = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until the key may try again, or 0 when it is not blocked. */
  blockedFor(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.max ? Math.ceil((entry.resetAt - now) / 1000) : 0;
  }

  hit(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    if (this.entries.size >= 100_000) {
      for (const [k, value] of this.entries) if (value.resetAt <= now) this.entries.delete(k);
      if (this.entries.size >= 100_000) this.entries.clear();
    }
    this.entries.set(key, { count: 1, resetAt: now + this.windowMs });
  }
}

/**
 * Characters of a presented token that key its failures: the `hpb_` mark and 8 random characters,
 * kept only as a hash. Every token shares the mark, so it alone would lump all guesses together.
 */
const PREFIX_LENGTH = 12;

/** The key of a presented token's prefix; undefined when no token was presented. */
export function tokenPrefixKey(token: string | undefined): string | undefined {
  if (!token) return undefined;
  return createHash('sha256').update(token.slice(0, PREFIX_LENGTH), 'utf8').digest('base64url').slice(0, 16);
}

export interface AuthThrottleOptions {
  /** Failed authentications per client address, and per token prefix, per window. Default 30. */
  max?: number;
  windowMs?: number;
}

/**
 * Throttling of failed authentications (brute force of tokens). Failures are counted per client
 * address (`request.ip`, the real client behind a proxy only with TRUST_PROXY) and per presented
 * token prefix. It is consulted only once a token has been found invalid: a valid token is never
 * refused here, so a flood of bad tokens from a shared address (a NAT, a proxy) locks out nobody
 * whose token is good, while the flood itself is answered 429 until its window ends.
 */
export class AuthThrottle {
  private readonly byAddress: FailureCounter;
  private readonly byPrefix: FailureCounter;

  constructor(options: AuthThrottleOptions = {}) {
    const max = options.max ?? 30;
    const windowMs = options.windowMs ?? 60_000;
    this.byAddress = new FailureCounter(max, windowMs);
    this.byPrefix = new FailureCounter(max, windowMs);
  }

  /**
   * Called for a request whose authentication failed: the seconds to wait when its address or token
   * prefix has used up its window (answer 429), else 0 and the failure is counted (answer 401).
   */
  refuse(address: string, prefixKey: string | undefined, now = Date.now()): number {
    const wait = Math.max(this.byAddress.blockedFor(address, now), prefixKey ? this.byPrefix.blockedFor(prefixKey, now) : 0);
    if (wait > 0) return wait;
    this.byAddress.hit(address, now);
    if (prefixKey) this.byPrefix.hit(prefixKey, now);
    return 0;
  }
}
