import type { Executor } from '../db/pool.js';
import type { Principal } from '../auth/principal.js';

/**
 * An account the caller may see, or undefined (answered as 404 by callers): admins see all,
 * operators the accounts of their provider's compounds, residents only their own account.
 */
export async function findAccountInScope(db: Executor, accountId: string, principal: Principal) {
  let query = db
    .selectFrom('accounts')
    .innerJoin('compounds', 'compounds.id', 'accounts.compound_id')
    .selectAll('accounts')
    .select(['compounds.code as compound_code', 'compounds.provider_id'])
    .where('accounts.id', '=', accountId);
  if (principal.role === 'operator') query = query.where('compounds.provider_id', '=', principal.providerId);
  if (principal.role === 'resident') query = query.where('accounts.id', '=', principal.accountId);
  return query.executeTakeFirst();
}
