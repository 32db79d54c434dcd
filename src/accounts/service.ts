import type { Principal } from '../auth/principal.js';
import { audit } from '../audit/audit.js';
import { dayNumber, formatArea, parseQuantity, planOrDefault, seasonForDate, type DecimalInput } from '../core/index.js';
import type { Database, Executor } from '../db/pool.js';
import type { Plan } from '../db/types.js';
import { compoundZone, findCompoundInScope } from '../compounds/repository.js';
import { groupBy } from '../db/group.js';
import { decodeCursor, toPage } from '../http/pagination.js';
import { lockAccount, lockCompound, lockHousehold, writeTransaction } from '../db/locks.js';
import { findHouseholdInScope } from '../households/repository.js';
import { badRequest, conflict, notFound, unprocessable } from '../http/problem.js';
import { seasonFromRow } from '../seasons/from-row.js';
import { findSeason, listSeasons } from '../seasons/repository.js';
import { Checks, messageOf } from '../shared/checks.js';
import { localToday, startOfLocalDate } from '../shared/time.js';
import * as repo from './repository.js';
import { openingRegister } from './opening.js';
import { accountOut } from './schemas.js';

export interface AccountInput {
  householdId: string;
  holderName: string;
  phone?: string | null | undefined;
  openedOn: string;
  openingReading?: DecimalInput | undefined;
  plan?: Plan | undefined;
}

async function accountView(db: Executor, account: { id: string; compound_code: string } & Parameters<typeof accountOut>[0]) {
  const [current] = await repo.withLedgerOpenings(db, [account]);
  return accountOut(current ?? account, account.compound_code, await repo.listPlans(db, [account.id]));
}

/**
 * Opens an account. One open account per household (409 naming it); a new one opens on or after
 * the previous account's closedOn. `plan` is stored for the season whose span contains openedOn,
 * else for the next season defined after openedOn; with no such season it is refused (422).
 * openingReading defaults to the register of the meter in service on openedOn (opening.ts); a
 * given one that contradicts that meter's readings is refused (422).
 */
export async function createAccount(db: Database, principal: Principal, input: AccountInput) {
  const checks = new Checks();
  try {
    dayNumber(input.openedOn, 'body.openedOn');
  } catch (error) {
    checks.add('body.openedOn', messageOf(error, 'body.openedOn'));
  }
  const openingReading =
    input.openingReading === undefined ? undefined : checks.quantity(input.openingReading, 'body.openingReading', { intDigits: 12 });
  checks.throwIfAny('The account is invalid');

  return writeTransaction(db, async (tx) => {
    const household = await findHouseholdInScope(tx, input.householdId, principal);
    if (!household) throw notFound('Household');
    // The one lock order: the compound (readings stay put while the opening is read), then the household.
    await lockCompound(tx, household.compound_id);
    await lockHousehold(tx, household.id);
    const accounts = await repo.listAccounts(tx, household.id);
    const open = accounts.find((a) => a.closed_on === null);
    if (open) throw conflict(`Household ${household.id} already has the open account ${open.id} (${open.holder_name}); close it first.`);
    const lastClosed = accounts.reduce<string | null>(
      (max, a) => (a.closed_on !== null && (max === null || a.closed_on > max) ? a.closed_on : max),
      null,
    );
    if (lastClosed !== null && input.openedOn < lastClosed) {
      throw conflict(`openedOn ${input.openedOn} is before ${lastClosed}, when the previous account of household ${household.id} closed.`);
    }

    let planSeason: string | undefined;
    if (input.plan !== undefined) {
      const calendars = (await listSeasons(tx, household.compound_id)).map(seasonFromRow);
      const season = seasonForDate(calendars, input.openedOn) ?? calendars.find((c) => c.spanStart > input.openedOn);
      if (!season) {
        throw unprocessable(
          `No season of ${household.compound_code} contains or follows ${input.openedOn}; define the season before choosing a plan.`,
          [{ path: 'body.plan', message: `no season defined for ${input.openedOn}` }],
        );
      }
      planSeason = season.label;
    }

    const opening = await openingRegister(
      tx,
      household.id,
      startOfLocalDate(input.openedOn, household.time_zone),
      household.time_zone,
      openingReading,
    );

    const account = await repo.insertAccount(tx, {
      compoundId: household.compound_id,
      householdId: household.id,
      holderName: input.holderName,
      phone: input.phone ?? null,
      openedOn: input.openedOn,
      openingReading: opening.value,
      openingReadingId: opening.readingId,
    });
    if (planSeason !== undefined && input.plan !== undefined) {
      await repo.upsertPlan(tx, { accountId: account.id, compoundId: household.compound_id, season: planSeason, plan: input.plan });
    }
    const out = await accountView(tx, { ...account, compound_code: household.compound_code });
    await audit(tx, {
      actor: principal.actor,
      action: 'account.open',
      entity: 'account',
      entityId: account.id,
      compoundId: household.compound_id,
      details: out,
    });
    return out;
  });
}

export async function getAccount(db: Database, principal: Principal, accountId: string) {
  const account = await repo.findAccountInScope(db, accountId, principal);
  if (!account) throw notFound('Account');
  return accountView(db, account);
}

/**
 * Sets an account's plan for a season: 404 when the season is not defined for the compound;
 * 409 once the season has started (today, local, ≥ heating.start) or once the account has an
 * invoice in the season (SPEC §5), unless the plan is unchanged.
 */
export async function setPlan(db: Database, principal: Principal, accountId: string, label: string, plan: Plan, now = new Date()) {
  return writeTransaction(db, async (tx) => {
    const account = await repo.findAccountInScope(tx, accountId, principal);
    if (!account) throw notFound('Account');
    await lockAccount(tx, accountId);
    const season = await findSeason(tx, account.compound_id, label);
    if (!season) throw notFound(`Season ${label} of ${account.compound_code}`);
    const current = planOrDefault((await repo.listPlans(tx, [accountId])).find((p) => p.season_label === label)?.plan);
    if (current === plan) return accountView(tx, account);
    const today = localToday(await compoundZone(tx, account.compound_id), now);
    if (today >= season.heating_start) {
      throw conflict(`Season ${label} started on ${season.heating_start}; its plan (${current}) can no longer change.`);
    }
    if (await repo.hasChargesInSeason(tx, accountId, label)) {
      throw conflict(`Account ${accountId} already has an invoice in season ${label}; its plan (${current}) can no longer change.`);
    }
    if (account.closed_on !== null && account.closed_on <= season.heating_start) {
      throw conflict(`Account ${accountId} closed on ${account.closed_on}, before season ${label}.`);
    }
    await repo.upsertPlan(tx, { accountId, compoundId: account.compound_id, season: label, plan });
    await audit(tx, {
      actor: principal.actor,
      action: 'account.plan',
      entity: 'account',
      entityId: accountId,
      compoundId: account.compound_id,
      details: { season: label, from: current, to: plan },
    });
    return accountView(tx, account);
  });
}

/**
 * A compound's accounts (open and closed) in household order, a page at a time, each with its
 * household and, when `period` is given, its invoices of that month: what the console lists per
 * compound and month. Three queries per page whatever its size.
 */
export async function listCompoundAccountsPage(
  db: Database,
  principal: Principal,
  code: string,
  query: { period?: string | undefined; cursor?: string | undefined; limit?: number | undefined },
) {
  const compound = await findCompoundInScope(db, code, principal);
  if (!compound) throw notFound('Compound');
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 3) as repo.CompoundAccountCursor | undefined;
  if (after && !(Number.isSafeInteger(after[0]) && typeof after[1] === 'string' && typeof after[2] === 'string')) {
    throw badRequest('cursor is not a cursor returned by this list.', [{ path: 'querystring.cursor', message: 'is invalid' }]);
  }
  const rows = await repo.withLedgerOpenings(db, await repo.listCompoundAccounts(db, compound.id, after, limit));
  const ids = rows.slice(0, limit).map((row) => row.id);
  const plans = groupBy(await repo.listPlans(db, ids), (plan) => plan.account_id);
  const periodInvoices = query.period === undefined ? [] : await repo.listPeriodInvoices(db, ids, query.period);
  const invoices = groupBy(periodInvoices, (invoice) => invoice.account_id);
  return toPage(
    rows,
    limit,
    (row) => ({
      ...accountOut(row, compound.code, plans.get(row.id) ?? []),
      household: { building: row.building, unit: row.unit, room: row.room, areaM2: formatArea(parseQuantity(row.area_m2)) },
      invoices: (invoices.get(row.id) ?? []).map((i) => ({
        id: i.id, number: i.number, status: i.status, totalFen: i.total_fen, paidFen: i.paid_fen,
      })),
    }),
    (row) => [row.household_no, row.opened_on, row.id],
  );
}
