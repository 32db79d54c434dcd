import { audit } from '../audit/audit.js';
import { findAccountInScope } from '../accounts/repository.js';
import type { Database } from '../db/pool.js';
import { notFound } from '../http/problem.js';
import { findProvider } from '../providers/repository.js';
import type { Principal } from './principal.js';
import { issueToken, revokeTokenInScope } from './repository.js';

type Issued = { id: string; token: string; role: 'operator' | 'resident' };

/** An operator token for a provider (admin only), audited. */
export async function issueOperatorToken(db: Database, principal: Principal, providerId: string, label: string | null): Promise<Issued> {
  return db.transaction().execute(async (tx) => {
    const provider = await findProvider(tx, providerId);
    if (!provider) throw notFound('Provider');
    const token = await issueToken(tx, { role: 'operator', providerId: provider.id }, principal.actor, label);
    await audit(tx, {
      actor: principal.actor,
      action: 'token.issue',
      entity: 'api_token',
      entityId: token.id,
      details: { role: 'operator', providerId },
    });
    return { ...token, role: 'operator' };
  });
}

/** A resident token for one account in the caller's scope, audited. */
export async function issueResidentToken(db: Database, principal: Principal, accountId: string, label: string | null): Promise<Issued> {
  return db.transaction().execute(async (tx) => {
    const account = await findAccountInScope(tx, accountId, principal);
    if (!account) throw notFound('Account');
    const token = await issueToken(tx, { role: 'resident', accountId: account.id }, principal.actor, label);
    await audit(tx, {
      actor: principal.actor,
      action: 'token.issue',
      entity: 'api_token',
      entityId: token.id,
      compoundId: account.compound_id,
      details: { role: 'resident', accountId: account.id },
    });
    return { ...token, role: 'resident' };
  });
}

/** Revokes a token in the caller's scope (404 otherwise), audited. */
export async function revokeToken(db: Database, principal: Principal, tokenId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (!(await revokeTokenInScope(tx, tokenId, principal))) throw notFound('Token');
    await audit(tx, { actor: principal.actor, action: 'token.revoke', entity: 'api_token', entityId: tokenId });
  });
}
