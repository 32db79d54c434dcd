import type { Executor } from '../db/pool.js';

export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId?: string | null;
  compoundId?: string | null;
  details?: Record<string, unknown>;
}

/** Every change is written to the audit log in the same transaction as the change itself. */
export async function audit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId ?? null,
      compound_id: entry.compoundId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
