import { queryRows, type InTransaction } from '../db/sql.js';

export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId?: string | null;
  compoundId?: string | null;
  details?: Record<string, unknown>;
}

const INSERT_AUDIT_SQL = 'INSERT INTO audit_log (actor, action, entity, entity_id, compound_id, details) VALUES ($1, $2, $3, $4, $5, $6)';

/**
 * Every change is written to the audit log in the same transaction as the change itself: a Kysely
 * transaction, or the batch's and the reading import's raw pg client inside BEGIN.
 */
export async function audit(tx: InTransaction, entry: AuditEntry): Promise<void> {
  await queryRows(tx, INSERT_AUDIT_SQL, [
    entry.actor,
    entry.action,
    entry.entity,
    entry.entityId ?? null,
    entry.compoundId ?? null,
    JSON.stringify(entry.details ?? {}),
  ]);
}
