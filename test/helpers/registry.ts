import type { FastifyInstance } from 'fastify';
import { created } from './fixtures.js';

/** Registry fixtures made through the API (seasons, households, meters, accounts). */

export const DEFAULT_SEASON_BODY = {
  heating: { start: '2025-11-15', end: '2026-03-15' },
  cooling: { start: '2026-06-15', end: '2026-09-15' },
  unitRate: '0.33',
  capPerM2: '35',
  flatBilling: 'installments',
};

/** The default windows of the season year starting in `year` (SPEC §3). */
export function seasonBody(year: number, overrides: Record<string, unknown> = {}) {
  return {
    heating: { start: `${year}-11-15`, end: `${year + 1}-03-15` },
    cooling: { start: `${year + 1}-06-15`, end: `${year + 1}-09-15` },
    unitRate: '0.33',
    capPerM2: '35',
    flatBilling: 'installments',
    ...overrides,
  };
}

export function seasonLabel(year: number): string {
  return `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
}

export async function putSeason(app: FastifyInstance, headers: Record<string, string>, code: string, year: number) {
  const response = await app.inject({
    method: 'PUT',
    url: `/v1/compounds/${code}/seasons/${seasonLabel(year)}`,
    headers,
    payload: seasonBody(year),
  });
  if (response.statusCode !== 201 && response.statusCode !== 200) {
    throw new Error(`season fixture answered ${response.statusCode}: ${response.body}`);
  }
  return response.json();
}

let rooms = 0;

export interface HouseholdOut {
  id: string;
  compound: string;
  building: string;
  unit: string;
  room: string;
  areaM2: string;
}

export async function createHousehold(
  app: FastifyInstance,
  headers: Record<string, string>,
  code: string,
  body: Partial<{ building: string; unit: string; room: string; areaM2: string | number }> = {},
) {
  rooms += 1;
  return created<HouseholdOut>(app, {
    method: 'POST',
    url: `/v1/compounds/${code}/households`,
    headers,
    payload: { building: '1', unit: '1', room: String(100 + rooms), areaM2: '99', ...body },
  });
}

export interface MeterOut {
  id: string;
  householdId: string;
  serial: string;
  installedAt: string;
  initialReading: string;
  replaces: string | null;
  retiredAt: string | null;
  finalReading: string | null;
  active: boolean;
}

export async function createMeter(
  app: FastifyInstance,
  headers: Record<string, string>,
  householdId: string,
  body: Partial<{
    serial: string;
    installedAt: string;
    initialReading: string | number;
    replaces: string;
    finalReading: string | number;
  }> = {},
) {
  rooms += 1;
  return created<MeterOut>(app, {
    method: 'POST',
    url: `/v1/households/${householdId}/meters`,
    headers,
    payload: { serial: `SN-${rooms}`, installedAt: '2025-10-01T00:00:00', initialReading: '0', ...body },
  });
}

export interface AccountOut {
  id: string;
  householdId: string;
  compound: string;
  holderName: string;
  phone: string | null;
  openedOn: string;
  closedOn: string | null;
  openingReading: string | null;
  plans: Array<{ season: string; plan: string }>;
}

export async function createAccount(
  app: FastifyInstance,
  headers: Record<string, string>,
  householdId: string,
  body: Record<string, unknown> = {},
) {
  return created<AccountOut>(app, {
    method: 'POST',
    url: '/v1/accounts',
    headers,
    payload: { householdId, holderName: '王芳', phone: '13812345678', openedOn: '2025-11-01', ...body },
  });
}

/** A household with one meter (serial given or generated), in a compound the operator owns. */
export async function householdWithMeter(
  app: FastifyInstance,
  headers: Record<string, string>,
  code: string,
  serial?: string,
  installedAt = '2025-10-01T00:00:00',
) {
  const household = await createHousehold(app, headers, code);
  const meter = await createMeter(app, headers, household.id, { ...(serial ? { serial } : {}), installedAt });
  return { household, meter };
}

/** A resident token for an account, stored directly (token issuing is another feature's route). */
export async function residentToken(db: import('../../src/db/pool.js').Database, accountId: string): Promise<string> {
  const { hashToken } = await import('../../src/auth/tokens.js');
  const token = `resident-${accountId}`;
  await db
    .insertInto('api_tokens')
    .values({ token_hash: hashToken(token), role: 'resident', account_id: accountId, created_by: 'test' })
    .execute();
  return token;
}
