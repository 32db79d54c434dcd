import type { Executor } from '../db/pool.js';
import { inScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';

/**
 * An account the caller may see, or undefined (answered as 404 by callers): admins see all,
 * operators the accounts of their provider's compounds, residents only their own account.
 */
export async function findAccountInScope(db: Executor, accountId: string, principal: Principal) {
  return db
    .selectFrom('accounts')
    .innerJoin('compounds', 'compounds.id', 'accounts.compound_id')
    .selectAll('accounts')
    .select(['compounds.code as compound_code', 'compounds.provider_id'])
    .where('accounts.id', '=', accountId)
    .where((eb) => inScope(eb, principal, { provider: 'compounds.provider_id', account: 'accounts.id' }))
    .executeTakeFirst();
}
