import { createHash } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { findAccountInScope } from '../accounts/repository.js';
import { compoundZone } from '../compounds/repository.js';
import type { Principal } from '../auth/principal.js';
import { writeTransaction } from '../db/locks.js';
import type { Database } from '../db/pool.js';
import { badRequest, conflict, notFound } from '../http/problem.js';
import { formatInstant, FUTURE_SKEW_MS, parseLocalInstant } from '../shared/time.js';
import { applyCredit } from './credit.js';
import { paymentRecorded, recordEvent } from '../webhooks/outbox.js';
import { findPaymentByKey, insertPayment, paymentAllocations } from './repository.js';

export interface PaymentInput {
  accountId: string;
  amountFen: number;
  paidAt: string;
  reference: string;
}

export interface PaymentOut {
  id: string;
  accountId: string;
  amountFen: number;
  paidAt: string;
  reference: string;
  /** What is left of this payment as credit on the account. */
  unallocatedFen: number;
  allocations: Array<{ invoiceId: string; number: string; amountFen: number }>;
}

/** Keys are per caller scope: one provider's key never collides with another's. */
export function scopedKey(principal: Principal, key: string): string {
  return principal.role === 'operator' ? `provider:${principal.providerId}:${key}` : `${principal.role}:${key}`;
}

export function requestHash(input: PaymentInput): string {
  return createHash('sha256').update(JSON.stringify([input.accountId, input.amountFen, input.paidAt, input.reference])).digest('hex');
}

async function paymentOut(db: Database, payment: NonNullable<Awaited<ReturnType<typeof findPaymentByKey>>>): Promise<PaymentOut> {
  const allocations = await paymentAllocations(db, payment.id);
  return {
    id: payment.id,
    accountId: payment.account_id,
    amountFen: payment.amount_fen,
    paidAt: formatInstant(payment.paid_at, payment.time_zone),
    reference: payment.reference,
    unallocatedFen: payment.unallocated_fen,
    allocations: allocations.map((a) => ({ invoiceId: a.invoice_id, number: a.number, amountFen: a.amount_fen })),
  };
}

/** The stored payment of a key: replayed when the body is the same, else 409. */
async function replay(db: Database, key: string, hash: string): Promise<PaymentOut | undefined> {
  const existing = await findPaymentByKey(db, key);
  if (!existing) return undefined;
  if (existing.request_hash !== hash) {
    throw conflict('This Idempotency-Key was already used with a different request body.');
  }
  return paymentOut(db, existing);
}

class KeyTaken extends Error {}

/**
 * Records a payment exactly once per Idempotency-Key and settles the account's oldest open
 * invoices first (issued_on, then number), older credit before newer (credit.ts); what is left
 * stays on the payment as unallocated credit. The account row, its open invoices and its credit
 * are locked for the transaction, so concurrent payments never allocate the same open amount twice.
 * Same key and body again: the same payment (created false); same key, other body: 409.
 */
export async function recordPayment(
  db: Database,
  principal: Principal,
  rawKey: string,
  input: PaymentInput,
): Promise<{ created: boolean; payment: PaymentOut }> {
  const key = scopedKey(principal, rawKey);
  const hash = requestHash(input);
  const earlier = await replay(db, key, hash);
  if (earlier) return { created: false, payment: earlier };

  try {
    const id = await writeTransaction(db, async (tx) => {
      const account = await findAccountInScope(tx, input.accountId, principal);
      if (!account) throw notFound('Account');
      const zone = await compoundZone(tx, account.compound_id);
      const paidAt = parseLocalInstant(input.paidAt, zone);
      if (!paidAt) {
        const message = 'is not an RFC 3339 date-time in 2000–2100';
        throw badRequest(`paidAt ${message}.`, [{ path: 'body.paidAt', message, code: 'format' }]);
      }
      if (paidAt.getTime() > Date.now() + FUTURE_SKEW_MS) {
        throw badRequest('paidAt is in the future.', [{ path: 'body.paidAt', message: 'is in the future', code: 'in_future' }]);
      }

      const inserted = await insertPayment(tx, {
        compoundId: account.compound_id,
        accountId: account.id,
        amountFen: input.amountFen,
        paidAt,
        reference: input.reference,
        key,
        requestHash: hash,
        actor: principal.actor,
      });
      // The key was taken by a concurrent request that committed first: answer with its payment.
      if (!inserted) throw new KeyTaken();

      const allocations = await applyCredit(tx, [account.id]);
      const spent = allocations.filter((x) => x.fundId === inserted.id).reduce((sum, x) => sum + x.amountFen, 0);
      await audit(tx, {
        actor: principal.actor,
        action: 'payment.record',
        entity: 'payment',
        entityId: inserted.id,
        compoundId: account.compound_id,
        details: {
          accountId: account.id,
          amountFen: input.amountFen,
          paidAt: paidAt.toISOString(),
          reference: input.reference,
          allocations,
          unallocatedFen: input.amountFen - spent,
        },
      });
      await recordEvent(tx, paymentRecorded(account, inserted.id, { ...input, paidAt: paidAt.toISOString() }));
      return inserted.id;
    });
    const stored = await findPaymentByKey(db, key);
    if (!stored || stored.id !== id) throw new Error('payment vanished after commit');
    return { created: true, payment: await paymentOut(db, stored) };
  } catch (error) {
    if (!(error instanceof KeyTaken)) throw error;
    const winner = await replay(db, key, hash);
    if (!winner) throw error;
    return { created: false, payment: winner };
  }
}
