import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './db/pool.js';
import { generateToken, hashToken } from './auth/tokens.js';
import { issueToken } from './auth/repository.js';
import { runBilling, type BillingHandle } from './billing/service.js';
import type { Principal } from './auth/principal.js';
import { addDays, billableMonths, localDateOf, periodBounds } from './core/index.js';
import { recordPayment } from './payments/service.js';
import { seasonFromRow } from './seasons/from-row.js';
import { defaultSeason, SEED_PROVIDER_NAME } from '../seeds/compounds.js';
import { seedDemo } from '../seeds/seed.js';

/**
 * Demo households with a season of readings, billed month by month through the real batch as of
 * each month's end, and paid through the real payment path as residents do: most on time, some
 * late, a few not at all. So on a fresh start the arrears, the notices and (on the first compound,
 * which has a demo rate) the late fee have something to show, not a season issued today.
 */
export async function loadDemoData(handle: BillingHandle): Promise<{ households: number; invoices: number }> {
  const { households } = await seedDemo(handle.db);
  await setDemoLateFee(handle.db);
  let invoices = 0;
  let latePayers: DemoInvoice[] = [];
  for (const period of billableMonths(seasonFromRow(defaultSeason(2025)))) {
    const issuedAt = periodBounds(period, DEMO_ZONE).end;
    invoices += (await runBilling(handle, { period, actor: 'demo', issuedAt })).invoicesIssued;
    // Last month's late payers pay only now, after this month's invoices were issued.
    await payAll(handle.db, latePayers, (i) => addDays(i.dueOn, 20));
    const issued = await openInvoicesOf(handle.db, period);
    await payAll(
      handle.db,
      issued.filter((i) => payingHabit(i.householdNo) === 'on_time'),
      (i) => addDays(i.issuedOn, 5),
    );
    latePayers = issued.filter((i) => payingHabit(i.householdNo) === 'late');
  }
  return { households, invoices };
}

/** All the demo compounds are in Wuhan. */
const DEMO_ZONE = 'Asia/Shanghai';
/** The demo's late fee: 0.5‰ of the unpaid amount a day, on the first compound's season. */
const DEMO_LATE_FEE_PER_MILLE = '0.5';

/** How a demo resident pays, by household number: one in ten never, one in five late, the rest on time. */
function payingHabit(householdNo: number): 'on_time' | 'late' | 'never' {
  if (householdNo % 10 === 7) return 'never';
  return householdNo % 5 === 1 ? 'late' : 'on_time';
}

async function setDemoLateFee(db: Database): Promise<void> {
  await db
    .updateTable('seasons')
    .set({ late_fee_per_mille_per_day: DEMO_LATE_FEE_PER_MILLE })
    .where('label', '=', '2025-26')
    .where('compound_id', '=', (eb) => eb.selectFrom('compounds').select('id').orderBy('code').limit(1))
    .execute();
}

interface DemoInvoice {
  accountId: string;
  householdNo: number;
  balanceFen: number;
  issuedOn: string;
  dueOn: string;
}

async function openInvoicesOf(db: Database, period: string): Promise<DemoInvoice[]> {
  const rows = await db
    .selectFrom('invoices as i')
    .innerJoin('households as h', 'h.id', 'i.household_id')
    .select(['i.account_id', 'h.household_no', 'i.total_fen', 'i.paid_fen', 'i.issued_on', 'i.due_on'])
    .where('i.period', '=', period)
    .where('i.status', 'in', ['issued', 'partially_paid'])
    .orderBy('h.household_no')
    .execute();
  return rows.map((r) => ({
    accountId: r.account_id,
    householdNo: Number(r.household_no),
    balanceFen: Number(r.total_fen) - Number(r.paid_fen),
    issuedOn: String(r.issued_on),
    dueOn: String(r.due_on),
  }));
}

/**
 * Each invoice's balance paid on its day (10:00 in Wuhan) through the real payment path; days
 * still ahead are left unpaid. One invoice per account, so eight payments at a time never wait
 * on each other's locks (one at a time, the demo's start took minutes).
 */
async function payAll(db: Database, invoices: readonly DemoInvoice[], paidOn: (i: DemoInvoice) => string): Promise<void> {
  const demo: Principal = { role: 'admin', actor: 'demo' };
  const today = localDateOf(new Date(), DEMO_ZONE);
  const due = invoices.filter((i) => i.balanceFen > 0 && paidOn(i) <= today);
  const pay = async (invoice: DemoInvoice) => {
    const day = paidOn(invoice);
    await recordPayment(db, demo, `demo:${invoice.accountId}:${day}`, {
      accountId: invoice.accountId,
      amountFen: invoice.balanceFen,
      paidAt: `${day}T10:00:00+08:00`,
      reference: '微信支付 WeChat Pay',
    });
  };
  for (let next = 0; next < due.length; next += PAYMENTS_AT_ONCE) {
    await Promise.all(due.slice(next, next + PAYMENTS_AT_ONCE).map(pay));
  }
}

const PAYMENTS_AT_ONCE = 8;

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
