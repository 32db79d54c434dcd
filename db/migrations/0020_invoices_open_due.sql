-- Arrears (SPEC §9) read a compound's open invoices by due date; paid and void ones, the most,
-- stay out of the index.
CREATE INDEX invoices_open_due_idx ON invoices (compound_id, due_on) WHERE status IN ('issued', 'partially_paid');
