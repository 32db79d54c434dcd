import { CompiledQuery } from 'kysely';
import type pg from 'pg';
import { capThresholdsCrossed, seasonChargeOf, type FinalSettlement } from '../core/index.js';
import type { Executor } from '../db/pool.js';
import { subscribed } from './outbox.js';

/*
 * `account.cap_threshold` (SPEC §9): the season's billed charges reach 50%, 80% or 100% of the
 * account's cap. The invoice writers already hold both figures (what the season billed before, the
 * cap the core priced the invoice against), so an invoice's crossings are noted as it is computed
 * and written in one statement beside the invoices, in their transaction. The once_key (account,
 * season, threshold) and its unique index (0023) keep a rerun, or a season billed up again after a
 * void, from announcing a threshold twice.
 */

export interface ThresholdInvoice {
  invoiceId: string;
  accountId: string;
  householdId: string;
  seasonLabel: string;
  /** The season's charges before this invoice (the ledger's season_charges, as the writer priced it). */
  billedBeforeFen: number;
  /** The cap (or flat fee) the invoice was priced against. */
  capFen: number;
  lines: ReadonlyArray<{ amountFen: number; seasonLabel: string | null }>;
}

/** Inserts the noted crossings of one compound's invoices, in order, when an endpoint takes them. */
const INSERT_SQL = `
WITH target AS (
  SELECT c.id, c.code, c.provider_id FROM compounds c
  WHERE c.id = $1 AND ${subscribed('c.provider_id', "'account.cap_threshold'")}
)
INSERT INTO webhook_events (type, provider_id, account_id, payload, once_key)
SELECT 'account.cap_threshold', c.provider_id, v.account_id,
  jsonb_build_object('accountId', v.account_id, 'householdId', v.household_id, 'compound', c.code,
    'season', v.season_label, 'thresholdPercent', v.threshold, 'billedFen', v.billed_fen, 'capFen', v.cap_fen,
    'invoiceId', v.invoice_id),
  concat_ws(':', 'account.cap_threshold', v.account_id, v.season_label, v.threshold)
FROM target c,
  unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::bigint[], $8::bigint[])
    WITH ORDINALITY AS v(invoice_id, account_id, household_id, season_label, threshold, billed_fen, cap_fen, n)
ORDER BY v.n
ON CONFLICT (once_key) WHERE once_key IS NOT NULL DO NOTHING`;

/** The crossings of the invoices a writer issues in one transaction, for one compound. */
export class CapThresholdEvents {
  private readonly columns: [string[], string[], string[], string[], number[], number[], number[]] = [[], [], [], [], [], [], []];

  constructor(private readonly compoundId: string) {}

  /** Notes the thresholds the invoice's charges cross (most invoices cross none: nothing to note). */
  add(invoice: ThresholdInvoice): void {
    const afterFen = invoice.billedBeforeFen + seasonChargeOf(invoice.lines, invoice.seasonLabel);
    this.note(invoice, invoice.billedBeforeFen, afterFen);
  }

  /**
   * Notes every threshold the season's charges stand at with the invoice, reached before or not.
   * For a final invoice: its cap is prorated to the occupancy, so the season may stand past a
   * threshold of the final cap that it never crossed against the whole season's cap. The
   * once_key drops the ones already announced.
   */
  addReached(invoice: ThresholdInvoice): void {
    this.note(invoice, 0, invoice.billedBeforeFen + seasonChargeOf(invoice.lines, invoice.seasonLabel));
  }

  private note(invoice: ThresholdInvoice, fromFen: number, afterFen: number): void {
    for (const threshold of capThresholdsCrossed(fromFen, afterFen, invoice.capFen)) {
      const [ids, accounts, households, seasons, thresholds, billed, caps] = this.columns;
      ids.push(invoice.invoiceId);
      accounts.push(invoice.accountId);
      households.push(invoice.householdId);
      seasons.push(invoice.seasonLabel);
      thresholds.push(threshold);
      billed.push(afterFen);
      caps.push(invoice.capFen);
    }
  }

  get size(): number {
    return this.columns[0].length;
  }

  /** One statement on the batch's raw client, inside the compound's transaction, before COMMIT. */
  async write(client: pg.ClientBase): Promise<void> {
    if (this.size > 0) await client.query(INSERT_SQL, [this.compoundId, ...this.columns]);
  }

  /** The same statement in a Kysely transaction (a final invoice). */
  async writeIn(tx: Executor): Promise<void> {
    if (this.size > 0) await tx.executeQuery(CompiledQuery.raw(INSERT_SQL, [this.compoundId, ...this.columns]));
  }
}

/** A final invoice's thresholds, per season it settles (see addReached), in the closing's transaction. */
export async function recordFinalCapThresholds(
  tx: Executor,
  invoice: { invoiceId: string; compoundId: string; accountId: string; householdId: string },
  /** The season's charges before the final invoice, by season label. */
  billedBefore: ReadonlyMap<string, number>,
  settlement: Pick<FinalSettlement, 'seasons' | 'lines'>,
): Promise<void> {
  const events = new CapThresholdEvents(invoice.compoundId);
  for (const season of settlement.seasons) {
    const billedBeforeFen = billedBefore.get(season.seasonLabel) ?? 0;
    events.addReached({ ...invoice, seasonLabel: season.seasonLabel, billedBeforeFen, capFen: season.capFen, lines: settlement.lines });
  }
  await events.writeIn(tx);
}
