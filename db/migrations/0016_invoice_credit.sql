-- Credit from negative invoices (SPEC §5 "Credit"): a final credit or a negative invoice is account
-- credit exactly like an overpayment. Its part not yet spent on other invoices is kept on the
-- invoice, and what it settled is recorded like a payment's allocations.
ALTER TABLE invoices ADD COLUMN unallocated_credit_fen bigint NOT NULL DEFAULT 0 CHECK (unallocated_credit_fen >= 0);
ALTER TABLE invoices ADD CONSTRAINT invoices_credit_check CHECK (unallocated_credit_fen <= greatest(0, -total_fen));
UPDATE invoices SET unallocated_credit_fen = -total_fen WHERE total_fen < 0 AND status <> 'void';
-- After a compound's batch, accounts with credit are found through this index (as payments_credit_idx).
CREATE INDEX invoices_credit_idx ON invoices (compound_id) WHERE unallocated_credit_fen > 0;

CREATE TABLE credit_allocations (
  credit_invoice_id uuid NOT NULL REFERENCES invoices (id),
  invoice_id        uuid NOT NULL REFERENCES invoices (id),
  compound_id       uuid NOT NULL REFERENCES compounds (id),
  amount_fen        bigint NOT NULL CHECK (amount_fen > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (credit_invoice_id, invoice_id)
);
CREATE INDEX credit_allocations_invoice_idx ON credit_allocations (invoice_id);
