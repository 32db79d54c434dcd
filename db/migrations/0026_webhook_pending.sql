-- Webhook delivery in batches (SPEC §9): what each endpoint has still to be sent, one row per
-- endpoint and event, so that a delivery job drains many accounts at once with set-wise statements.
--
-- The relay writes the rows (in the transaction that marks the events dispatched); an attempt that
-- ends the event for the endpoint (delivered, given up) deletes its row, a failed one counts it and
-- sets when the next try is due. An account's events are one stream: only the oldest row of an
-- endpoint and account (its head) is ever sent, so an account's next event waits for its previous
-- one. A job locks the heads it sends (FOR UPDATE SKIP LOCKED) until their attempts are recorded,
-- so two jobs never send the same stream at once, and a killed job's locks end with its connection.
CREATE TABLE webhook_pending (
  endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_seq        bigint NOT NULL REFERENCES webhook_events (seq),
  -- The stream: the event's account; null, the event is a stream of its own.
  account_id       uuid,
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  first_attempt_at timestamptz,
  next_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, event_seq)
);
CREATE INDEX webhook_pending_stream_idx ON webhook_pending (endpoint_id, account_id, event_seq) WHERE account_id IS NOT NULL;

-- Events dispatched before this migration and not yet done for an enabled endpoint are carried over,
-- with their attempts so far (their backoff and 24 hours go on) and due at once.
INSERT INTO webhook_pending (endpoint_id, event_seq, account_id, attempts, first_attempt_at)
SELECT w.id, e.seq, e.account_id, count(d.id), min(d.at)
FROM webhook_events e
JOIN webhook_endpoints w
  ON (w.provider_id = e.provider_id OR w.provider_id IS NULL) AND w.disabled_at IS NULL
  AND e.type = ANY (w.events) AND e.created_at >= w.created_at
LEFT JOIN webhook_deliveries d ON d.endpoint_id = w.id AND d.event_id = e.id
WHERE e.dispatched_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x
    WHERE x.endpoint_id = w.id AND x.event_id = e.id AND x.outcome IN ('delivered', 'gave_up'))
GROUP BY w.id, e.seq, e.account_id;
