/**
 * GET /v1/readings (SPEC §9 "Readings are readable"): the readings the caller may see, with the ids
 * that PATCH /v1/readings/{id} needs, in time order, one page at a time.
 */
import { DateTime } from 'luxon';
import type { Principal } from '../auth/principal.js';
import type { Executor } from '../db/pool.js';
import { decodeCursor, toPage } from '../http/pagination.js';
import { badRequest, type FieldError } from '../http/problem.js';
import { listReadingsInScope, type InstantBound, type ReadingCursor, type ReadingFilters } from './repository.js';
import { readingOut } from './schemas.js';

export interface ReadingListInput {
  compound?: string | undefined;
  householdId?: string | undefined;
  meterSerial?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

const OFFSET_RE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** An instant with an offset is that instant; without one it is local to each reading's compound (SPEC §2). */
function parseBound(text: string | undefined, path: string, errors: FieldError[]): InstantBound | undefined {
  if (text === undefined) return undefined;
  const hasOffset = OFFSET_RE.test(text) && text.includes('T');
  const dt = hasOffset ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone: 'UTC' });
  if (!dt.isValid) {
    errors.push({ path, message: 'is not an ISO 8601 date or date-time' });
    return undefined;
  }
  return hasOffset ? { at: dt.toJSDate() } : { local: dt.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS") };
}

function readingCursor(cursor: string | undefined): ReadingCursor | undefined {
  const key = decodeCursor(cursor, 2);
  if (key === undefined) return undefined;
  const [at, id] = key;
  if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'number' && Number.isSafeInteger(id)) return [at, id];
  throw badRequest('cursor is not a cursor returned by this list.', [{ path: 'querystring.cursor', message: 'is invalid' }]);
}

export async function listReadings(db: Executor, principal: Principal, input: ReadingListInput) {
  const errors: FieldError[] = [];
  const filters: ReadingFilters = {
    compound: input.compound,
    householdId: input.householdId,
    meterSerial: input.meterSerial,
    from: parseBound(input.from, 'querystring.from', errors),
    to: parseBound(input.to, 'querystring.to', errors),
  };
  if (errors.length > 0) throw badRequest('The filters are invalid.', errors);
  const limit = input.limit ?? 50;
  const rows = await listReadingsInScope(db, principal, filters, readingCursor(input.cursor), limit);
  return toPage(rows, limit, readingOut, (row) => [row.read_at.toISOString(), row.id]);
}
