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

export async function insertPayment(
  db: Executor,
  row: {
    compoundId: string;
    accountId: string;
    amountFen: number;
    paidAt: Date;
    reference: string;
    key: string;
    requestHash: string;
    actor: string;
  },
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
