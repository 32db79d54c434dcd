import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/pool.js';
import { notFound } from '../http/problem.js';
import { localToday } from '../shared/time.js';
import { noticeHtml } from './html.js';
import { findNoticeAccount, overdueInvoices } from './repository.js';

/** The account's payment notice as of today in its compound's zone; out of scope answers 404. */
export async function paymentNotice(db: Database, principal: Principal, accountId: string): Promise<string> {
  const account = await findNoticeAccount(db, accountId, principal);
  if (!account) throw notFound('Account');
  const asOf = localToday(account.time_zone);
  return noticeHtml(account, await overdueInvoices(db, account.id, asOf), asOf);
}
