-- Payments with credit left (unallocated_fen > 0) by compound: after each compound's monthly
-- batch, the accounts whose credit settles the new invoices are found through this index
-- (src/payments/credit.ts), without reading the compound's other payments.
CREATE INDEX payments_credit_idx ON payments (compound_id) WHERE unallocated_fen > 0;
