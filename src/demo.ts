import type { Database } from './db/pool.js';
import { issueToken } from './auth/repository.js';
import { runBilling, type BillingHandle } from './billing/service.js';
import { billableMonths } from './core/index.js';
import { seasonFromRow } from './seasons/from-row.js';
import { defaultSeason, SEED_PROVIDER_NAME } from '../seeds/compounds.js';
import { seedDemo } from '../seeds/seed.js';

/**
 * Demo households with a season of readings, billed month by month through the real batch, so
 * statements, invoices and reports have something to show from the first start.
 */
export async function loadDemoData(handle: BillingHandle): Promise<{ households: number; invoices: number }> {
  const { households } = await seedDemo(handle.db);
  let invoices = 0;
  for (const period of billableMonths(seasonFromRow(defaultSeason(2025)))) {
    invoices += (await runBilling(handle, { period, actor: 'demo' })).invoicesIssued;
  }
  return { households, invoices };
}

const DEMO_LABEL = 'demo (printed at start)';

/**
 * Demo mode prints fresh operator and resident tokens at every start; only hashes are stored, so the
 * previous start's demo tokens are revoked rather than kept working unseen.
 */
export async function issueDemoTokens(db: Database): Promise<{ operator?: string; resident?: string; residentAccountId?: string }> {
  return db.transaction().execute(async (tx) => {
    await tx
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('label', '=', DEMO_LABEL)
      .where('revoked_at', 'is', null)
      .execute();
    const provider = await tx.selectFrom('providers').select('id').where('name', '=', SEED_PROVIDER_NAME).executeTakeFirst();
    if (!provider) return {};
    const operator = await issueToken(tx, { role: 'operator', providerId: provider.id }, 'demo', DEMO_LABEL);
    const account = await tx
      .selectFrom('accounts')
      .innerJoin('households', 'households.id', 'accounts.household_id')
      .select('accounts.id')
      .where('accounts.closed_on', 'is', null)
      .orderBy('households.household_no')
      .limit(1)
      .executeTakeFirst();
    if (!account) return { operator: operator.token };
    const resident = await issueToken(tx, { role: 'resident', accountId: account.id }, 'demo', DEMO_LABEL);
    return { operator: operator.token, resident: resident.token, residentAccountId: account.id };
  });
}
