/**
 * Optional in-process schedule (BILLING_SCHEDULE, a cron expression; off by default): bills the
 * previous month of every compound, in the compound's time zone, one run per compound.
 */
import { Cron } from 'croner';
import { DateTime } from 'luxon';
import { listCompoundsForRun } from './repository.js';
import { runBilling, type BillingHandle } from './service.js';

/** The month before `now` in a zone, 'YYYY-MM'. */
export function previousPeriod(now: Date, zone: string): string {
  return DateTime.fromJSDate(now, { zone }).minus({ months: 1 }).toFormat('yyyy-MM');
}

export interface ScheduleLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Bills the previous month of every compound once (what the schedule does on each tick). */
export async function billPreviousMonth(handle: BillingHandle, log: ScheduleLog, now = new Date()): Promise<void> {
  for (const compound of await listCompoundsForRun(handle.db, undefined)) {
    const period = previousPeriod(now, compound.time_zone);
    try {
      const run = await runBilling(handle, { period, compound: compound.code, actor: 'schedule' });
      log.info(
        { runId: run.id, compound: compound.code, period, status: run.status, invoicesIssued: run.invoicesIssued },
        'scheduled billing run',
      );
    } catch (err) {
      log.error({ err, compound: compound.code, period }, 'scheduled billing run failed');
    }
  }
}

/** Starts the schedule; `stop()` it on shutdown. `protect`: a tick never overlaps a running one. */
export function startBillingSchedule(expression: string, handle: BillingHandle, log: ScheduleLog): Cron {
  return new Cron(expression, { protect: true, catch: true }, () => billPreviousMonth(handle, log));
}
