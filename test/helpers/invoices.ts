import type { Database } from '../../src/db/pool.js';
import type { InvoiceStatus, LineKind, Plan } from '../../src/db/types.js';
import { randomUUID } from 'node:crypto';
import { addDays } from '../../src/core/index.js';
import { insertInvoices } from '../../src/invoices/writer.js';

/**
 * Invoices written by the one invoice writer (src/invoices/writer.ts), shaped like the monthly
 * batch's (number {CODE}-{YYYYMM}-{NNNNNN}, gapless seq per compound and month, the next ledger
 * slot of the account, season 2025-26, zero totals issued as paid) but without register
 * intervals, so the read, payment and report routes can be tested independently of the batch.
 */
export interface LineSpec {
  kind: LineKind;
  amountFen: number;
  description?: string;
  units?: string;
  unitRate?: string;
}

export interface InvoiceSpec {
  compoundId: string;
  accountId: string;
  householdId: string;
  period: string;
  lines: LineSpec[];
  plan?: Plan;
  season?: string;
  status?: InvoiceStatus;
  paidFen?: number;
  issuedOn?: string;
  dueOn?: string;
  usageUnits?: string;
  noReading?: boolean;
  kind?: 'monthly' | 'final';
}

export async function insertInvoice(db: Database, spec: InvoiceSpec) {
  const compound = await db.selectFrom('compounds').select('code').where('id', '=', spec.compoundId).executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('compound_id', '=', spec.compoundId)
    .where('period', '=', spec.period)
    .executeTakeFirst();
  const lastOfAccount = await db
    .selectFrom('invoices')
    .select((eb) => eb.fn.max('account_seq').as('account_seq'))
    .where('account_id', '=', spec.accountId)
    .executeTakeFirst();
  const seq = (last?.seq ?? 0) + 1;
  const season = spec.season ?? '2025-26';
  const totalFen = spec.lines.reduce((sum, line) => sum + line.amountFen, 0);
  const [year, month] = spec.period.split('-') as [string, string];
  const issuedOn = spec.issuedOn ?? `${spec.period}-28`;
  const status = spec.status ?? (totalFen <= 0 ? 'paid' : 'issued');
  const usage = spec.lines.find((line) => line.kind === 'usage');
  const id = randomUUID();
  await insertInvoices(db, [
    {
      id,
      compoundId: spec.compoundId,
      accountId: spec.accountId,
      householdId: spec.householdId,
      seasonLabel: season,
      period: spec.period,
      kind: spec.kind ?? 'monthly',
      seq,
      number: `${compound.code.toUpperCase()}-${year}${month}-${String(seq).padStart(6, '0')}`,
      accountSeq: (lastOfAccount?.account_seq ?? 0) + 1,
      issuedOn,
      dueOn: spec.dueOn ?? addDays(issuedOn, 15),
      plan: spec.plan ?? (usage ? 'metered' : 'flat'),
      totalFen,
      status: status === 'issued' || status === 'paid' ? status : 'issued',
      noReading: spec.noReading ?? false,
      usageUnits: spec.usageUnits ?? usage?.units ?? '0',
      billingRunId: null,
      lines: spec.lines.map((line) => ({
        kind: line.kind,
        description: line.description ?? `${line.kind} ${spec.period}`,
        ...(line.units === undefined ? {} : { units: line.units }),
        ...(line.unitRate === undefined ? {} : { unitRate: line.unitRate }),
        amountFen: line.amountFen,
        seasonLabel: line.kind === 'late_fee' ? null : season,
      })),
      intervals: [],
    },
  ]);
  // Payment state and voids are what later writers do to an issued invoice; set them as asked.
  if (status !== 'issued' && status !== 'paid') {
    await db
      .updateTable('invoices')
      .set({ status, ...(status === 'void' ? { voided_at: new Date(), void_reason: 'test' } : {}) })
      .where('id', '=', id)
      .execute();
  }
  if (spec.paidFen !== undefined) await db.updateTable('invoices').set({ paid_fen: spec.paidFen }).where('id', '=', id).execute();
  return { id, number: `${compound.code.toUpperCase()}-${year}${month}-${String(seq).padStart(6, '0')}`, totalFen };
}

/** A metered month: usage line (units × 0.33) and, when given, a (negative) cap line. */
export function meteredLines(units: string, grossFen: number, capFen?: number): LineSpec[] {
  const lines: LineSpec[] = [{ kind: 'usage', amountFen: grossFen, units, unitRate: '0.3300', description: `用量 Usage: ${units} × 0.33` }];
  if (capFen !== undefined && capFen !== 0) lines.push({ kind: 'cap', amountFen: capFen, description: '封顶减免 Cap reduction' });
  return lines;
}

/** SPEC §5 worked example, metered, 99 m²: [period, units, grossFen, cap line]. */
export const WORKED_METERED: Array<[string, string, number, number]> = [
  ['2025-11', '1500', 49_500, 0],
  ['2025-12', '2600', 85_800, 0],
  ['2026-01', '3000', 99_000, 0],
  ['2026-02', '2400', 79_200, 0],
  ['2026-03', '900', 29_700, 0],
  ['2026-06', '500', 16_500, -13_200],
  ['2026-07', '1200', 39_600, -39_600],
  ['2026-08', '1100', 36_300, -36_300],
  ['2026-09', '0', 0, 0],
];

/** SPEC §5 worked example, flat installments of 346,500 fen. */
export const WORKED_FLAT: Array<[string, number]> = [
  ['2025-11', 26_151],
  ['2025-12', 50_667],
  ['2026-01', 50_668],
  ['2026-02', 45_764],
  ['2026-03', 22_882],
  ['2026-06', 26_151],
  ['2026-07', 50_667],
  ['2026-08', 50_668],
  ['2026-09', 22_882],
];

/** The first `months` invoices of the worked metered example for one home. */
export async function insertMeteredSeason(
  db: Database,
  compoundId: string,
  home: { accountId: string; householdId: string },
  months = WORKED_METERED.length,
) {
  const out = [];
  for (const [period, units, gross, cap] of WORKED_METERED.slice(0, months)) {
    out.push(
      await insertInvoice(db, {
        compoundId,
        accountId: home.accountId,
        householdId: home.householdId,
        period,
        lines: meteredLines(units, gross, cap),
        issuedOn: `${period}-28`,
      }),
    );
  }
  return out;
}

/**
 * Two providers, each with a compound (default 2025-26 season) and one metered home with an
 * operator token and a resident token; `alpha` gets the worked example's first `months` invoices.
 */
export async function twoProviderScene(app: import('fastify').FastifyInstance, db: Database, months = 3) {
  const { operatorWithCompound } = await import('./fixtures.js');
  const { insertDefaultSeason, insertHome } = await import('./data.js');
  const { residentToken } = await import('./registry.js');
  const { bearer } = await import('./app.js');
  const alpha = await operatorWithCompound(app, 'alpha');
  const beta = await operatorWithCompound(app, 'beta');
  await insertDefaultSeason(db, alpha.compound.id);
  await insertDefaultSeason(db, beta.compound.id);
  const homeA = await insertHome(db, alpha.compound.id, { areaM2: '99.00', phone: '13812345678', holderName: '王芳' });
  const homeA2 = await insertHome(db, alpha.compound.id, { areaM2: '80.00', holderName: '李雷' });
  const homeB = await insertHome(db, beta.compound.id, { areaM2: '99.00', holderName: '张伟' });
  const invoicesA = await insertMeteredSeason(db, alpha.compound.id, homeA, months);
  const invoicesA2 = await insertMeteredSeason(db, alpha.compound.id, homeA2, 1);
  const invoicesB = await insertMeteredSeason(db, beta.compound.id, homeB, 1);
  return {
    alpha,
    beta,
    homeA,
    homeA2,
    homeB,
    invoicesA,
    invoicesA2,
    invoicesB,
    residentA: bearer(await residentToken(db, homeA.accountId)),
    residentB: bearer(await residentToken(db, homeB.accountId)),
  };
}
