/** The event types of SPEC §9 that are written today (invoice.overdue is not yet). */
export const EVENT_TYPES = ['invoice.issued', 'payment.recorded', 'billing_run.finished', 'account.cap_threshold'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
