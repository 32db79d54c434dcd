-- The outbox's cost to the batch (issue 30: at most 15% of a billing run). The batch writes one
-- invoice.issued event per invoice in the compound's transaction; the foreign keys of
-- webhook_events cost a lookup and a KEY SHARE row lock per event on the referenced account and
-- provider (a WAL record and a dirtied page each), the same cost migration 0018 took off the
-- invoice tables.
--
-- What guarantees each relation instead, as in 0018:
--   * nothing deletes, or changes the id of, a provider or an account;
--   * every event is written in the transaction of the change it records, from rows read or
--     written in that transaction (src/webhooks/outbox.ts, cap-thresholds.ts, overdue.ts, the
--     payment and the close), so its account and provider exist and belong together;
--   * test/helpers/webhooks.ts brokenEventReferences checks both relations, and that the
--     account's compound is the event's provider's; the webhook delivery tests run it.
ALTER TABLE webhook_events
  DROP CONSTRAINT webhook_events_provider_id_fkey,
  DROP CONSTRAINT webhook_events_account_id_fkey;
