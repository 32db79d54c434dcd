import type { Executor } from '../db/pool.js';
import type { PaymentDetailsRow } from './schemas.js';

export async function insertProvider(db: Executor, name: string) {
  return db.insertInto('providers').values({ name }).returning(['id', 'name']).executeTakeFirstOrThrow();
}

export async function findProvider(db: Executor, id: string) {
  return db.selectFrom('providers').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
}

export const PAYMENT_DETAIL_COLUMNS = [
  'payee_name', 'bank_name', 'bank_account', 'pay_qr', 'pay_hotline', 'pay_note_zh', 'pay_note_en',
] as const;

/**
 * Replaces a provider's payment details, when the caller may: `scopeProviderId` is the operator's
 * own provider (undefined for admin). Undefined when there is no such provider in scope (404).
 */
export async function updatePaymentDetails(db: Executor, id: string, scopeProviderId: string | undefined, details: PaymentDetailsRow) {
  let query = db.updateTable('providers').set(details).where('id', '=', id);
  if (scopeProviderId !== undefined) query = query.where('id', '=', scopeProviderId);
  return query.returning(['id', ...PAYMENT_DETAIL_COLUMNS]).executeTakeFirst();
}
