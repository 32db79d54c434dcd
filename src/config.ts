import { isIP } from 'node:net';
import path from 'node:path';
import { STATEMENT_CACHE_MAX_ENTRIES } from './statements/cache.js';

/** Runtime configuration, read once from the environment and validated before anything starts. */
export interface Config {
  /** Absent: an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  /** Absent: a token is generated at start (demo mode) and printed. */
  adminToken: string | undefined;
  logLevel: string;
  dataDir: string;
  /** CSV uploads above this many bytes answer 413. */
  csvUploadLimitBytes: number;
  /** JSON bodies above this many bytes answer 413. */
  jsonBodyLimitBytes: number;
  /** Cron expression for the in-process monthly batch; absent means no schedule. */
  billingSchedule: string | undefined;
  /** Statements kept in this process's cache (src/statements/cache.ts); 0 turns it off. */
  statementCacheEntries: number;
  /** POST /v1/billing-runs answers 201 with the finished run within this long, else 202 and the run goes on. */
  billingRunWaitMs: number;
  /**
   * Fastify's `trustProxy`: whom to believe in X-Forwarded-For, so that `request.ip` (the failed-
   * authentication limit's address) is the real client behind a reverse proxy. Off by default: a
   * client could otherwise name any address it likes.
   */
  trustProxy: TrustProxy;
}

/** false (off), true (any proxy), or the proxies' addresses / CIDR ranges. */
export type TrustProxy = boolean | string[];

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIB = 1024 * 1024;

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return Number(raw);
}

export function parseTrustProxy(raw: string | undefined): TrustProxy {
  if (raw === undefined) return false;
  const value = raw.toLowerCase();
  if (value === 'false' || value === 'off' || value === '0') return false;
  if (value === 'true' || value === 'on' || value === '1') return true;
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))) {
      throw new ConfigError('TRUST_PROXY', `must be true, false or a comma-separated list of addresses/CIDR ranges, got "${raw}"`);
    }
  }
  return entries;
}

export function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL (expected postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// or postgresql://, got "${url.protocol}//"`);
  }
  if (url.hostname === '' || url.pathname.length <= 1) {
    throw new ConfigError('DATABASE_URL', 'must name a host and a database (postgres://user@host:port/database)');
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = optional(env, 'DATABASE_URL');
  const logLevel = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminToken = optional(env, 'ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  return {
    databaseUrl: databaseUrl === undefined ? undefined : parseDatabaseUrl(databaseUrl),
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    adminToken,
    logLevel,
    dataDir: path.resolve(optional(env, 'DATA_DIR') ?? './.data'),
    csvUploadLimitBytes: integer(env, 'CSV_UPLOAD_LIMIT_MB', 100, 1, 10_000) * MIB,
    jsonBodyLimitBytes: 16 * MIB,
    billingSchedule: optional(env, 'BILLING_SCHEDULE'),
    statementCacheEntries: integer(env, 'STATEMENT_CACHE_ENTRIES', STATEMENT_CACHE_MAX_ENTRIES, 0, 1_000_000),
    billingRunWaitMs: integer(env, 'BILLING_RUN_WAIT_SECONDS', 20, 0, 3600) * 1000,
    trustProxy: parseTrustProxy(optional(env, 'TRUST_PROXY')),
  };
}
