-- Payments with credit left (unallocated_fen > 0) by compound: after each compound's monthly
-- batch, the accounts whose credit settles the new invoices are found through this index
-- (src/payments/credit.ts), without reading the compound's other payments.
CREATE INDEX payments_credit_idx ON payments (compound_id) WHERE unallocated_fen > 0;

-- An invoice is updated once or twice in its life (paid, partially paid, void), never in an
-- indexed column: free room on its page lets those updates stay on the page (HOT) instead of
-- writing a new entry into each of the table's indexes. The batch fills pages by COPY, so the
-- room has to be reserved up front.
ALTER TABLE invoices SET (fillfactor = 90);
