import { LruMap } from 'toad-cache';
import type { StatementStamp } from './repository.js';

export interface CachedStatement {
  stamp: StatementStamp;
  /** The route's JSON, as sent. */
  json: Buffer;
}

/** Statements kept per process by default: about 7 KB each for a full season, so ≈ 35 MB at most. */
export const STATEMENT_CACHE_MAX_ENTRIES = 5_000;

/**
 * Recently read statements (key: role, account, season asked for), least recently used evicted
 * first. An entry is only ever served after its stamp has been checked against the database
 * (src/statements/service.ts), so every process stays exact without hearing of changes.
 */
export interface StatementCache {
  get(key: string): CachedStatement | undefined;
  set(key: string, value: CachedStatement): void;
}

/** `maxEntries` 0: a cache that keeps nothing (every read computes its statement). */
export function createStatementCache(maxEntries = STATEMENT_CACHE_MAX_ENTRIES): StatementCache {
  if (maxEntries === 0) return { get: () => undefined, set: () => {} };
  return new LruMap<CachedStatement>(maxEntries);
}
