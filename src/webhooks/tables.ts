import type { ColumnType, Generated } from 'kysely';

/*
 * The webhook tables (db/migrations/0021_webhooks.sql), merged into the one DB interface of
 * ../db/types.ts by declaration merging, so this feature's tables live beside it.
 */

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface WebhookEndpointsTable {
  id: Generated<string>;
  /** null: an admin's endpoint for every provider's events. */
  provider_id: string | null;
  url: string;
  events: string[];
  secret: string;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_by: string;
  created_at: CreatedAt;
}

export interface WebhookEventsTable {
  seq: ColumnType<number, never, never>;
  id: Generated<string>;
  type: string;
  provider_id: string;
  account_id: string | null;
  payload: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
  dispatched_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Set on events that happen once (0023): unique, so a second write of the same is a no-op. */
  once_key: ColumnType<string | null, string | null | undefined, never>;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'gave_up' | 'gone';

export interface WebhookDeliveriesTable {
  id: ColumnType<number, never, never>;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  outcome: DeliveryOutcome;
  at: CreatedAt;
}

declare module '../db/types.js' {
  interface DB {
    webhook_endpoints: WebhookEndpointsTable;
    webhook_events: WebhookEventsTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}
