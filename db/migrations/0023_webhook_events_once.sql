-- Events that happen once (SPEC §9): account.cap_threshold once per account, season and threshold,
-- invoice.overdue once per invoice. Their outbox rows carry a key naming that once; the unique index
-- makes a rerun, a retried task or two processes at once write nothing twice (ON CONFLICT DO NOTHING).
-- Other events leave it null and stay out of the index.
ALTER TABLE webhook_events ADD COLUMN once_key text;
CREATE UNIQUE INDEX webhook_events_once_key_idx ON webhook_events (once_key) WHERE once_key IS NOT NULL;
