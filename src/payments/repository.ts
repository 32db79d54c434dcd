import { sql } from 'kysely';
import type { Executor } from '../db/pool.js';

/** A stored payment by its (namespaced) idempotency key, with its compound's zone. */
export async function findPaymentByKey(db: Executor, key: string) {
  return db
    .selectFrom('payments as p')
    .innerJoin('compounds as c', 'c.id', 'p.compound_id')
    .selectAll('p')
    .select('c.time_zone')
    .where('p.idempotency_key', '=', key)
    .executeTakeFirst();
}

export async function paymentAllocations(db: Executor, paymentId: string) {
  return db
    .selectFrom('payment_allocations as pa')
    .innerJoin('invoices as i', 'i.id', 'pa.invoice_id')
    .select(['pa.invoice_id', 'i.number', 'pa.amount_fen'])
    .where('pa.payment_id', '=', paymentId)
    .orderBy('i.issued_on')
    .orderBy('i.number')
    .execute();
}

/** Serialises payments of one account: held until the transaction ends. */
export async function lockAccount(db: Executor, accountId: string): Promise<void> {
  await db.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
}

/** The account's open invoices, oldest first (issued_on, then number), locked for update. */
export async function openInvoicesForUpdate(db: Executor, accountId: string) {
  return db
    .selectFrom('invoices')
    .select(['id', 'number', 'total_fen', 'paid_fen', 'status'])
    .where('account_id', '=', accountId)
    .where('status', 'in', ['issued', 'partially_paid'])
    .where(sql<boolean>`total_fen > paid_fen`)
    .orderBy('issued_on')
    .orderBy('number')
    .forUpdate()
    .execute();
}

/** Earlier payments with credit left, oldest first, locked for update. */
export async function creditsForUpdate(db: Executor, accountId: string) {
  return db
    .selectFrom('payments')
    .select(['id', 'unallocated_fen'])
    .where('account_id', '=', accountId)
    .where('unallocated_fen', '>', 0)
    .orderBy('paid_at')
    .orderBy('created_at')
    .forUpdate()
    .execute();
}

export async function insertPayment(
  db: Executor,
  row: { compoundId: string; accountId: string; amountFen: number; paidAt: Date; reference: string; key: string; requestHash: string; actor: string },
) {
  return db
    .insertInto('payments')
    .values({
      compound_id: row.compoundId,
      account_id: row.accountId,
      amount_fen: row.amountFen,
      paid_at: row.paidAt,
      reference: row.reference,
      idempotency_key: row.key,
      request_hash: row.requestHash,
      unallocated_fen: row.amountFen,
      created_by: row.actor,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning(['id'])
    .executeTakeFirst();
}

export async function setUnallocated(db: Executor, paymentId: string, unallocatedFen: number): Promise<void> {
  await db.updateTable('payments').set({ unallocated_fen: unallocatedFen }).where('id', '=', paymentId).execute();
}

export async function setInvoicePaid(db: Executor, invoiceId: string, paidFen: number, status: 'paid' | 'partially_paid'): Promise<void> {
  await db.updateTable('invoices').set({ paid_fen: paidFen, status }).where('id', '=', invoiceId).execute();
}

export async function addAllocation(db: Executor, row: { paymentId: string; invoiceId: string; compoundId: string; amountFen: number }): Promise<void> {
  await db
    .insertInto('payment_allocations')
    .values({ payment_id: row.paymentId, invoice_id: row.invoiceId, compound_id: row.compoundId, amount_fen: row.amountFen })
    .onConflict((oc) => oc.columns(['payment_id', 'invoice_id']).doUpdateSet((eb) => ({ amount_fen: sql<number>`${eb.ref('payment_allocations.amount_fen')} + ${eb.ref('excluded.amount_fen')}` })))
    .execute();
}
