import { audit } from '../audit/audit.js';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/pool.js';
import { insertProvider } from './repository.js';

export async function createProvider(db: Database, principal: Principal, name: string) {
  return db.transaction().execute(async (tx) => {
    const created = await insertProvider(tx, name);
    await audit(tx, {
      actor: principal.actor,
      action: 'provider.create',
      entity: 'provider',
      entityId: created.id,
      details: { name: created.name },
    });
    return created;
  });
}
