import type { Static } from '@sinclair/typebox';
import { IANAZone } from 'luxon';
import { audit } from '../audit/audit.js';
import { creatingProvider } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Database, Executor } from '../db/pool.js';
import { badRequest, conflict, notFound } from '../http/problem.js';
import { findProvider } from '../providers/repository.js';
import { findCompoundInScope, insertCompound } from './repository.js';
import type { CreateCompoundBody } from './schemas.js';

/** A new compound: admins name its provider, operators create under their own (another's: 403). */
export async function createCompound(db: Database, principal: Principal, body: Static<typeof CreateCompoundBody>) {
  const providerId = creatingProvider(principal, body.providerId, 'Operators create compounds under their own provider only.');
  if (providerId === undefined) {
    throw badRequest('providerId is required.', [{ path: 'body.providerId', message: 'is required for admin' }]);
  }
  if (body.timeZone !== undefined && !IANAZone.isValidZone(body.timeZone)) {
    throw badRequest(`timeZone "${body.timeZone}" is not an IANA time zone.`, [
      { path: 'body.timeZone', message: 'is not an IANA time zone' },
    ]);
  }
  const owner = providerId;
  return db.transaction().execute(async (tx) => {
    if (!(await findProvider(tx, owner))) throw notFound('Provider');
    const created = await insertCompound(tx, { ...body, providerId: owner });
    // Codes are unique across all providers (they name compounds in URLs and invoice numbers): the
    // answer is the same whoever's compound has the code, and says nothing about it (SPEC §7).
    if (!created) throw conflict('This code cannot be used for a new compound; choose another.');
    await audit(tx, {
      actor: principal.actor,
      action: 'compound.create',
      entity: 'compound',
      entityId: created.id,
      compoundId: created.id,
      details: { ...body, providerId: owner },
    });
    return created;
  });
}

/** A compound the caller may see, else 404 (out of scope answers exactly like missing). */
export async function compoundOr404(db: Executor, code: string, principal: Principal) {
  const compound = await findCompoundInScope(db, code, principal);
  if (!compound) throw notFound('Compound');
  return compound;
}
