/**
 * POST /v1/invoices/{id}/void: an unpaid invoice becomes void (it keeps its number). Its usage
 * stays billed in the ledger (the next invoice still starts where it ended); what it charged is
 * owed again, by adjustments the next invoice carries: a metered season is trued up to its
 * target, a flat season re-bills the void invoice's flat lines. The adjustments it carried are
 * pending again. A negative invoice whose credit was already spent cannot be voided.
 */
import { audit } from '../audit/audit.js';
import { mayWrite } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { lockAccount, lockCompound, writeTransaction } from '../db/locks.js';
import type { Database } from '../db/pool.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { findInvoiceInScope, loadInvoicesOut } from '../invoices/repository.js';
import type { InvoiceOut } from '../invoices/schemas.js';
import { accountIntervals, ledgerHeads } from '../ledger/repository.js';
import * as repo from './repository.js';
import { meteredTrueUp } from './true-up.js';
import { adjustmentOut, type AdjustmentOut } from './values.js';

export async function voidInvoice(db: Database, principal: Principal, invoiceId: string, input: { reason: string }): Promise<InvoiceOut> {
  const reason = input.reason.trim();
  if (reason.length === 0) throw unprocessable('A reason is required.', [{ path: 'body.reason', message: 'must not be blank' }]);
  return writeTransaction(db, async (tx) => {
    // Residents never void: outside their scope, like an invoice that is not there.
    const seen = mayWrite(principal) ? (await findInvoiceInScope(tx, invoiceId, principal))?.row : undefined;
    if (!seen) throw notFound('Invoice');
    // The one lock order: the compound (the batch holds it while billing, so the re-bill sees
    // every invoice it issued), then the account, then the invoice (payments lock account
    // before invoices too).
    await lockCompound(tx, seen.compound_id);
    await lockAccount(tx, seen.account_id);
    const invoice = await repo.lockInvoice(tx, invoiceId);
    if (invoice.status === 'void') throw conflict(`Invoice ${invoice.number} is already void.`);
    if (invoice.paid_fen !== 0) {
      throw conflict(`Invoice ${invoice.number} has payments (${invoice.paid_fen} fen); only an unpaid invoice can be voided.`);
    }
    if (invoice.kind === 'final') {
      throw conflict(`Invoice ${invoice.number} is a final invoice; it settles a closed account and cannot be voided.`);
    }
    if ((await ledgerHeads(tx, [invoice.account_id])).get(invoice.account_id)?.lastKind === 'final') {
      throw conflict(`The account of invoice ${invoice.number} is closed and settled by its final invoice.`);
    }
    if (invoice.total_fen < 0 && invoice.unallocated_credit_fen < -invoice.total_fen) {
      throw conflict(`Invoice ${invoice.number} is a credit that already settled other invoices; it cannot be voided.`);
    }

    await repo.markVoid(tx, invoiceId, reason);
    // Adjustments it carried are owed again: pending for the next invoice.
    const released = await repo.releaseAdjustments(tx, invoiceId);

    const account = await repo.accountContext(tx, invoice.account_id);
    const intervals = await accountIntervals(tx, invoice.account_id);
    const lines = await repo.seasonLines(tx, invoiceId);
    const adjustments: AdjustmentOut[] = [];
    for (const seasonLabel of [...new Set(lines.map((l) => l.season_label as string))].sort()) {
      const amountFen =
        (await repo.planOf(tx, invoice.account_id, seasonLabel)) === 'metered'
          ? await meteredTrueUp(tx, account, seasonLabel, intervals)
          : lines.filter((l) => l.season_label === seasonLabel && l.kind !== 'adjustment').reduce((sum, l) => sum + l.amount_fen, 0);
      if (amountFen === 0) continue;
      const row = await repo.insertAdjustment(tx, {
        compoundId: invoice.compound_id,
        accountId: invoice.account_id,
        amountFen,
        description: `作废重开 Re-billed from void invoice ${invoice.number}`,
        seasonLabel,
        sourceInvoiceId: invoice.id,
        createdBy: principal.actor,
      });
      adjustments.push(adjustmentOut(row));
    }
    await audit(tx, {
      actor: principal.actor,
      action: 'invoice.void',
      entity: 'invoice',
      entityId: invoice.id,
      compoundId: invoice.compound_id,
      details: {
        number: invoice.number,
        reason,
        totalFen: invoice.total_fen,
        previousStatus: invoice.status,
        releasedAdjustments: released.map((r) => r.id),
        adjustments,
      },
    });
    const [out] = await loadInvoicesOut(tx, [invoice.id]);
    return out as InvoiceOut;
  });
}
