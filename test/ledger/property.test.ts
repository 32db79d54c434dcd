import t from 'tap';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { accountTerms, buildSeason, formatQuantity, parseQuantity, type Season } from '../../src/core/index.js';
import type { Database } from '../../src/db/pool.js';
import { invoiceSnapshot, readAt } from '../helpers/billing.js';
import { testApp } from '../helpers/app.js';
import { operatorWithCompound } from '../helpers/fixtures.js';
import { createAccount, createHousehold, createMeter, putSeason, seasonBody, seasonLabel } from '../helpers/registry.js';
import {
  bill,
  billMonths,
  openInvoices,
  payBalance,
  postReadings,
  seasonCharged,
  unitsBilled,
} from '../helpers/scene.js';

/**
 * The ledger's invariants over random histories on real PostgreSQL (issue "One billing ledger"):
 * a household with two occupancies (the first closed on a random day, possibly long after the
 * months past it were billed), either plan in either season, a meter replaced on a random month,
 * months billed in random order with re-runs, random corrections and voids in between. Whatever
 * happened:
 * - the units billed to each occupancy equal its meter advance, and the household's its meter's;
 * - no account is charged more than its (prorated) cap or fee in a season;
 * - running a month again changes nothing;
 * - after paying `balanceFen`, no invoice is left open.
 *
 * LEDGER_PROPERTY_RUNS (default 12) sets the number of histories; PROPERTY_SEED replays one.
 */

const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 12);
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
/** Every month of 2025-26 and 2026-27 that has ended (the batch refuses the others). */
const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-06', '2026-07', '2026-08', '2026-09', '2026-11'];
const SEASONS = [2025, 2026].map((year) => {
  const body = seasonBody(year);
  return buildSeason({ label: seasonLabel(year), heating: body.heating, cooling: body.cooling, unitRate: '0.33', capPerM2: '35' });
});
const DAY = 86_400_000;

const plan = fc.constantFrom('metered' as const, 'flat' as const);
const history = fc.record({
  area: fc.integer({ min: 20, max: 160 }),
  // Tenths of a unit per month (a high month pushes a small home past its cap); null: no reading.
  usage: fc.array(fc.option(fc.integer({ min: 0, max: 40_000 }), { freq: 6 }), { minLength: MONTHS.length, maxLength: MONTHS.length }),
  replacedAt: fc.option(fc.integer({ min: 1, max: MONTHS.length - 1 })),
  plans: fc.tuple(plan, plan, plan, plan),
  // Day of the first occupancy's closing, after 2025-11-01 (null: it stays open).
  closeDay: fc.option(fc.integer({ min: 1, max: 394 }), { freq: 3 }),
  steps: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('run' as const), month: fc.integer({ min: 0, max: MONTHS.length - 1 }) }),
      fc.record({ kind: fc.constant('close' as const) }),
      fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
    ),
    { maxLength: 14 },
  ),
});
type History = typeof history extends fc.Arbitrary<infer H> ? H : never;

interface Meter {
  id: string;
  serial: string;
}

/** A value between `lo` and `hi` (thousandths), at fraction `at`, in whole tenths. */
function between(lo: bigint, hi: bigint, at: number): string {
  const tenths = lo / 100n + BigInt(Math.floor(Number((hi - lo) / 100n) * at));
  return formatQuantity(tenths * 100n);
}

/** The registers a new value of the meter at `instant` must lie between (its neighbours, initial and final). */
async function bounds(db: Database, meterId: string, instant: Date, excludeId?: number) {
  const meter = await db
    .selectFrom('meters')
    .select(['initial_reading', 'final_reading'])
    .where('id', '=', meterId)
    .executeTakeFirstOrThrow();
  const readings = await db
    .selectFrom('readings')
    .select(['id', 'read_at', 'value'])
    .where('meter_id', '=', meterId)
    .orderBy('read_at')
    .execute();
  const others = readings.filter((r) => r.id !== excludeId);
  const before = others.filter((r) => r.read_at.getTime() < instant.getTime()).pop();
  const after = others.find((r) => r.read_at.getTime() > instant.getTime());
  const lo = parseQuantity(before?.value ?? meter.initial_reading);
  const hi = after ? parseQuantity(after.value) : meter.final_reading !== null ? parseQuantity(meter.final_reading) : lo + 300_000n;
  return { lo, hi };
}

/** The meter of the household in service at `instant` (the one installed last before it). */
async function meterAt(db: Database, householdId: string, instant: Date): Promise<string> {
  const row = await db
    .selectFrom('meters')
    .select('id')
    .where('household_id', '=', householdId)
    .where('installed_at', '<', instant)
    .orderBy('installed_at', 'desc')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The household's meter advance up to `upTo` (all of it without): for every meter installed
 * before then, from its initial register to its final one if it was retired by then, else to its
 * last reading by then. In thousandths, at the readings' current values.
 */
async function householdAdvance(db: Database, householdId: string, upTo = new Date(8.64e15)): Promise<bigint> {
  const meters = await db
    .selectFrom('meters')
    .select(['id', 'installed_at', 'retired_at', 'initial_reading', 'final_reading'])
    .where('household_id', '=', householdId)
    .where('installed_at', '<', upTo)
    .execute();
  let advance = 0n;
  for (const meter of meters) {
    const last = await db
      .selectFrom('readings')
      .select('value')
      .where('meter_id', '=', meter.id)
      .where('read_at', '<=', upTo)
      .orderBy('read_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const retired = meter.retired_at !== null && meter.retired_at <= upTo && meter.final_reading !== null;
    const end = retired ? meter.final_reading! : (last?.value ?? meter.initial_reading);
    advance += parseQuantity(end) - parseQuantity(meter.initial_reading);
  }
  return advance;
}

async function setPlans(db: Database, accountId: string, compoundId: string, plans: readonly ('metered' | 'flat')[]) {
  await db
    .insertInto('account_plans')
    .values(SEASONS.map((s, i) => ({ account_id: accountId, compound_id: compoundId, season_label: s.label, plan: plans[i]! })))
    .execute();
}

let histories = 0;

function fail(what: string, response: { statusCode: number; body: string }): never {
  throw new Error(`${what} answered ${response.statusCode}: ${response.body}`);
}

async function play(app: FastifyInstance, db: Database, h: History) {
  histories += 1;
  const code = `prop-${histories}`;
  // A provider of its own per history: its own token, so long runs stay under the per-token rate limit.
  const { compound, headers } = await operatorWithCompound(app, code);
  for (const year of [2025, 2026]) await putSeason(app, headers, code, year);
  const household = await createHousehold(app, headers, code, { areaM2: String(h.area) });
  const meters: Meter[] = [await createMeter(app, headers, household.id, { serial: `${code}-A`, installedAt: '2025-10-01T00:00:00' })];

  // The readings (and the replacement) as they arrived, month by month, before any billing.
  let register = 0n;
  for (let m = 0; m < MONTHS.length; m++) {
    if (h.replacedAt === m) {
      register += 2_000n;
      meters.push(
        await createMeter(app, headers, household.id, {
          serial: `${code}-B`,
          installedAt: `${MONTHS[m]}-10T09:00:00`,
          initialReading: '0',
          replaces: meters[0]!.id,
          finalReading: formatQuantity(register),
        }),
      );
      register = 0n;
    }
    const tenths = h.usage[m];
    if (tenths === null || tenths === undefined) continue;
    register += BigInt(tenths) * 100n;
    await postReadings(app, headers, [[meters[meters.length - 1]!.serial, readAt(MONTHS[m]!), formatQuantity(register)]]);
  }

  const first = await createAccount(app, headers, household.id, { openedOn: '2025-11-01' });
  await setPlans(db, first.id, compound.id, h.plans.slice(0, 2));
  const accounts = [{ id: first.id, openedOn: '2025-11-01', closedOn: null as string | null, plans: h.plans.slice(0, 2) }];

  const closeFirst = async () => {
    if (h.closeDay === null || accounts.length > 1) return;
    const closedOn = new Date(Date.UTC(2025, 10, 1) + h.closeDay * DAY).toISOString().slice(0, 10);
    const at = new Date(`${closedOn}T00:00:00+08:00`);
    const { lo, hi } = await bounds(db, await meterAt(db, household.id, at), at);
    const closingReading = between(lo, hi, 0.5);
    const url = `/v1/accounts/${first.id}/close`;
    const response = await app.inject({ method: 'POST', url, headers, payload: { closedOn, closingReading } });
    if (response.statusCode !== 201) fail(`close ${closedOn} at ${closingReading}`, response);
    accounts[0]!.closedOn = closedOn;
    const next = await createAccount(app, headers, household.id, { holderName: '李娜', openedOn: closedOn });
    await setPlans(db, next.id, compound.id, h.plans.slice(2));
    accounts.push({ id: next.id, openedOn: closedOn, closedOn: null, plans: h.plans.slice(2) });
  };

  // A closed account's final invoice settled it: what would change it is refused (SPEC §5), and only then.
  const settledRefusal = (response: { statusCode: number; json(): { detail: string } }) =>
    response.statusCode === 409 && accounts[0]!.closedOn !== null && /closed and settled by its final invoice/.test(response.json().detail);

  for (const step of h.steps) {
    if (step.kind === 'run') {
      const { status, run } = await bill(app, headers, code, MONTHS[step.month]!);
      if (status === 409 && /has not been billed/.test(run.detail)) continue;
      if (status !== 201 || run.status !== 'succeeded' || run.exceptions.length > 0) {
        throw new Error(`run answered ${status}: ${JSON.stringify(run)}`);
      }
    } else if (step.kind === 'close') {
      await closeFirst();
    } else if (step.kind === 'correct') {
      // Any reading but a replaced meter's final one, which is part of the replacement (refused, as documented).
      const readings = await db
        .selectFrom('readings as r')
        .innerJoin('meters as m', 'm.id', 'r.meter_id')
        .select(['r.id', 'r.meter_id', 'r.read_at'])
        .where('r.meter_id', 'in', meters.map((m) => m.id))
        .where((eb) => eb.or([eb('m.retired_at', 'is', null), eb('m.retired_at', '<>', eb.ref('r.read_at'))]))
        .orderBy('r.id')
        .execute();
      const reading = readings[step.pick % Math.max(readings.length, 1)];
      if (!reading) continue;
      const { lo, hi } = await bounds(db, reading.meter_id, reading.read_at, reading.id);
      const value = between(lo, hi, step.at);
      const url = `/v1/readings/${reading.id}`;
      const response = await app.inject({ method: 'PATCH', url, headers, payload: { value, reason: 'property' } });
      if (response.statusCode !== 200 && !settledRefusal(response)) fail(`correction to ${value}`, response);
    } else {
      const issued = await db
        .selectFrom('invoices')
        .select('id')
        .where('compound_id', '=', compound.id)
        .where('kind', '=', 'monthly')
        .where('status', '=', 'issued')
        .orderBy('seq')
        .execute();
      const invoice = issued[step.pick % Math.max(issued.length, 1)];
      if (!invoice) continue;
      const url = `/v1/invoices/${invoice.id}/void`;
      const response = await app.inject({ method: 'POST', url, headers, payload: { reason: 'property' } });
      if (response.statusCode !== 200 && !settledRefusal(response)) fail('void', response);
    }
  }
  // The rest of the history: the move-out if it was never reported, then every month in order.
  await closeFirst();
  await billMonths(app, headers, code, MONTHS);

  const problems: string[] = [];
  const total = await householdAdvance(db, household.id);
  let billed = 0n;
  for (const account of accounts) billed += await unitsBilled(db, account.id);
  if (billed !== total) problems.push(`household billed ${billed} of an advance of ${total}`);
  if (accounts[0]!.closedOn !== null) {
    const advance = await householdAdvance(db, household.id, new Date(`${accounts[0]!.closedOn}T00:00:00+08:00`));
    const units = await unitsBilled(db, accounts[0]!.id);
    if (units !== advance) problems.push(`the first occupancy billed ${units} of its advance ${advance}`);
  }
  for (const account of accounts) {
    for (const [i, season] of SEASONS.entries()) {
      const pending = await db
        .selectFrom('account_adjustments')
        .select('amount_fen')
        .where('account_id', '=', account.id)
        .where('season_label', '=', season.label)
        .where('applied_invoice_id', 'is', null)
        .execute();
      const charged = (await seasonCharged(db, account.id, season.label)) + pending.reduce((s, p) => s + p.amount_fen, 0);
      const cap = capOf(account, season, String(h.area));
      if (charged > cap) problems.push(`${account.id} charged ${charged} in ${season.label} over its ${account.plans[i]} cap ${cap}`);
    }
  }

  const before = await invoiceSnapshot(db, compound.id);
  await billMonths(app, headers, code, [MONTHS[(h.steps.length * 7) % MONTHS.length]!, MONTHS[MONTHS.length - 1]!]);
  if (JSON.stringify(await invoiceSnapshot(db, compound.id)) !== JSON.stringify(before)) problems.push('a re-run changed the invoices');

  for (const account of accounts) {
    const statement = await payBalance(app, headers, account.id);
    if (statement.balanceFen > 0) problems.push(`${account.id} still owes ${statement.balanceFen}`);
    const open = await openInvoices(db, account.id);
    if (open.length > 0) problems.push(`${account.id} has open invoices after paying its balance: ${JSON.stringify(open)}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** The account's cap (metered) or fee (flat) of the season, prorated to its occupancy: the core's terms. */
function capOf(account: { openedOn: string; closedOn: string | null }, season: Season, areaM2: string): number {
  return accountTerms({ plan: 'metered', areaM2, openedOn: account.openedOn, closedOn: account.closedOn, season }).capFen;
}

t.test('random histories: every unit billed once, no cap exceeded, re-runs change nothing, paid means settled', async (t) => {
  const { app, db } = await testApp(t);
  await fc.assert(
    fc.asyncProperty(history, (h) => play(app, db, h)),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  t.equal(histories >= RUNS, true, `played ${histories} histories (seed ${SEED})`);
});
