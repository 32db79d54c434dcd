/** The event types of SPEC §9 that are written today (invoice.overdue and account.cap_threshold are not yet). */
export const EVENT_TYPES = ['invoice.issued', 'payment.recorded', 'billing_run.finished'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
