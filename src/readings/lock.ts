import { queryRows, type InTransaction, type TransactionClient } from '../db/sql.js';

/**
 * Serialises reading writes of a compound until the end of the transaction: reading imports,
 * meter replacements, reading corrections, move-outs and the monthly batch take this lock.
 */
export async function lockCompoundReadings(tx: InTransaction, compoundId: string): Promise<void> {
  await queryRows(tx, 'SELECT pg_advisory_xact_lock(hashtext($1::text))', [`readings:${compoundId}`]);
}

/** The same lock for every compound of a staged import (temp table reading_batch), in compound order. */
const LOCK_BATCH_COMPOUNDS_SQL = `
SELECT pg_advisory_xact_lock(hashtext('readings:' || s.compound_id::text))
  FROM (SELECT DISTINCT compound_id FROM reading_batch WHERE compound_id IS NOT NULL ORDER BY 1) s`;

export async function lockStagedCompoundReadings(tx: TransactionClient): Promise<void> {
  await queryRows(tx, LOCK_BATCH_COMPOUNDS_SQL);
}
