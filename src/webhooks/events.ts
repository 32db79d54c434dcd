/** The event types of SPEC §9. */
export const EVENT_TYPES = [
  'invoice.issued',
  'invoice.overdue',
  'payment.recorded',
  'billing_run.finished',
  'account.cap_threshold',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
