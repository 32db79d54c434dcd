import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './db/pool.js';
import { generateToken, hashToken } from './auth/tokens.js';
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

export interface DemoTokens {
  admin: string;
  operator?: string;
  resident?: string;
  residentAccountId?: string;
}

/** Where the demo keeps its tokens between starts: in the data directory, readable by its owner only. */
export const DEMO_TOKENS_FILE = 'demo-tokens.json';

async function readTokensFile(file: string): Promise<Partial<DemoTokens>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<DemoTokens>;
  } catch {
    return {};
  }
}

async function stillActive(db: Database, token: string | undefined): Promise<boolean> {
  if (token === undefined) return false;
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The demo's admin, operator and resident tokens, the same at every start of the same data
 * directory, so open tabs and tokens written down keep working. Like every token, the database
 * holds only their hashes; the tokens themselves are in `{dataDir}/demo-tokens.json` (mode 0600).
 * A token revoked since (or a file that is gone) gets new demo tokens.
 */
export async function demoTokens(db: Database, dataDir: string): Promise<DemoTokens> {
  const file = path.join(dataDir, DEMO_TOKENS_FILE);
  const kept = await readTokensFile(file);
  const admin = kept.admin ?? generateToken();
  let tokens: DemoTokens;
  if ((await stillActive(db, kept.operator)) && (await stillActive(db, kept.resident))) {
    tokens = { ...kept, admin };
  } else {
    tokens = { admin, ...(await issueDemoTokens(db)) };
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return tokens;
}

/** New operator and resident tokens for the demo provider; the earlier demo tokens are revoked. */
async function issueDemoTokens(db: Database): Promise<{ operator?: string; resident?: string; residentAccountId?: string }> {
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
