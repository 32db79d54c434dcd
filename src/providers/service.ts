import { audit } from '../audit/audit.js';
import { providerScope, type Principal } from '../auth/principal.js';
import type { Database } from '../db/pool.js';
import { badRequest, notFound } from '../http/problem.js';
import { insertProvider, updatePaymentDetails } from './repository.js';
import { paymentDetailsOut, paymentDetailsRow, type PaymentDetails, type PaymentDetailsIn } from './schemas.js';

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

/** Fields that mean nothing alone: a bank name without its account, a note in one language only. */
const PAIRS = [['bankName', 'bankAccount'], ['noteZh', 'noteEn']] as const;

function checkPairs(body: PaymentDetailsIn): void {
  for (const [a, b] of PAIRS) {
    const missing = body[a] === undefined && body[b] !== undefined ? a : body[b] === undefined && body[a] !== undefined ? b : undefined;
    if (missing === undefined) continue;
    const other = missing === a ? b : a;
    const message = `is required with ${other}`;
    throw badRequest(`${missing} ${message}.`, [{ path: `body.${missing}`, message, code: 'required' }]);
  }
}

/**
 * Sets a provider's payment details (SPEC §9), replacing what it had: admins any provider's,
 * operators their own (another's: 404). Refused whole (400, nothing stored) when a pair is half given.
 */
export async function setPaymentDetails(
  db: Database,
  principal: Principal,
  providerId: string,
  body: PaymentDetailsIn,
): Promise<PaymentDetails> {
  checkPairs(body);
  return db.transaction().execute(async (tx) => {
    const row = await updatePaymentDetails(tx, providerId, providerScope(principal), paymentDetailsRow(body));
    if (!row) throw notFound('Provider');
    await audit(tx, { actor: principal.actor, action: 'provider.payment_details', entity: 'provider', entityId: row.id, details: body });
    return paymentDetailsOut(row) as PaymentDetails;
  });
}
