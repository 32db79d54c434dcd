import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';
import type { TokenRole } from '../db/types.js';
import { inScope } from './access.js';
import type { Principal } from './principal.js';
import { generateToken, hashToken } from './tokens.js';

export interface StoredToken {
  id: string;
  role: TokenRole;
  provider_id: string | null;
  account_id: string | null;
}

/**
 * Looks an active token up by its SHA-256 hash and, in the same statement (one round trip),
 * records its use when `last_used_at` is older than a minute (or never set). The WHERE keeps the
 * write to at most one per minute per token across every process; the auth cache calls this only
 * when it (re)loads an entry, so a request served from the cache runs no statement at all.
 */
export async function findAndTouchActiveToken(db: Executor, tokenHash: Buffer): Promise<StoredToken | undefined> {
  const result = await sql<StoredToken>`
    WITH t AS (
      SELECT id, role, provider_id, account_id, last_used_at
      FROM api_tokens
      WHERE token_hash = ${tokenHash} AND revoked_at IS NULL
    ), touched AS (
      UPDATE api_tokens SET last_used_at = now()
      FROM t
      WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
    )
    SELECT id, role, provider_id, account_id FROM t`.execute(db);
  return result.rows[0];
}

export async function issueToken(
  db: Executor,
  grant: { role: 'operator'; providerId: string } | { role: 'resident'; accountId: string },
  createdBy: string,
  label: string | null,
): Promise<{ id: string; token: string }> {
  const token = generateToken();
  const row = await db
    .insertInto('api_tokens')
    .values({
      token_hash: hashToken(token),
      role: grant.role,
      provider_id: grant.role === 'operator' ? grant.providerId : null,
      account_id: grant.role === 'resident' ? grant.accountId : null,
      label,
      created_by: createdBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/**
 * Marks a token revoked if the caller may: admins any token; operators their provider's operator
 * tokens and the resident tokens of their compounds' accounts (scope in the query). False if none.
 */
export async function revokeTokenInScope(db: Executor, tokenId: string, principal: Principal): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('api_tokens.id', '=', tokenId)
    .where('revoked_at', 'is', null)
    // A token has exactly one of provider_id (operator) and account_id (resident): its provider is
    // the one named, or the one owning its account's compound.
    .where((eb) => {
      const accountProvider = eb
        .selectFrom('accounts')
        .innerJoin('compounds', 'compounds.id', 'accounts.compound_id')
        .select('compounds.provider_id')
        .whereRef('accounts.id', '=', 'api_tokens.account_id');
      return inScope(eb, principal, { provider: eb.fn.coalesce('api_tokens.provider_id', accountProvider) });
    })
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
