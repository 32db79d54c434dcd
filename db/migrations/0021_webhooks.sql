-- Webhooks (SPEC §9): endpoints, the transactional outbox of events and every delivery attempt.

-- An endpoint of a provider gets that provider's events; one an admin made for no provider gets all.
-- The secret is kept as given (whsec_…): it signs every delivery, and is shown only when created.
CREATE TABLE webhook_endpoints (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider_id uuid REFERENCES providers (id),
  url         text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  events      text[] NOT NULL CHECK (cardinality(events) > 0),
  secret      text NOT NULL CHECK (secret LIKE 'whsec\_%'),
  -- Set when a receiver answered 410 Gone: nothing more is sent to it.
  disabled_at timestamptz,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_provider_idx ON webhook_endpoints (provider_id);

-- The outbox: written in the transaction of the change, only when an endpoint is subscribed.
-- seq is the order of events, hence of each account's events; dispatched_at is set once the
-- delivery jobs for the event are queued (in the same transaction as the queueing).
CREATE TABLE webhook_events (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  type          text NOT NULL,
  provider_id   uuid NOT NULL REFERENCES providers (id),
  account_id    uuid REFERENCES accounts (id),
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX webhook_events_undispatched_idx ON webhook_events (seq) WHERE dispatched_at IS NULL;
CREATE INDEX webhook_events_account_idx ON webhook_events (account_id, seq) WHERE account_id IS NOT NULL;

-- Every attempt: delivered (2xx, the end), retrying, gave_up (24 hours of retries ended) or gone (410:
-- the endpoint is disabled). An event is done for an endpoint once it has a delivered or gave_up row.
CREATE TABLE webhook_deliveries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id    uuid NOT NULL REFERENCES webhook_events (id),
  attempt     integer NOT NULL CHECK (attempt > 0),
  status_code integer,
  duration_ms integer NOT NULL,
  error       text,
  outcome     text NOT NULL CHECK (outcome IN ('delivered', 'retrying', 'gave_up', 'gone')),
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, event_id);
