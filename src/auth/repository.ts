import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';
import type { TokenRole } from '../db/types.js';
import { generateToken, hashToken } from './tokens.js';

export interface StoredToken {
  id: string;
  role: TokenRole;
  provider_id: string | null;
  account_id: string | null;
}

/** Looks a presented token up by hash; revoked tokens are not found. */
export async function findActiveToken(db: Executor, token: string): Promise<StoredToken | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'role', 'provider_id', 'account_id'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Records use at most once a minute per token, so reads do not turn into a write per request. */
export async function touchToken(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
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
