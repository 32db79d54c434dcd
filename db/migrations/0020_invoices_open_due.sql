-- Arrears (SPEC §9) read a compound's open invoices by due date; paid and void ones, the most,
-- stay out of the index, and the columns the arrears sum are in it (an index-only scan).
CREATE INDEX invoices_open_due_idx ON invoices (compound_id, due_on) INCLUDE (account_id, total_fen, paid_fen, number)
  WHERE status IN ('issued', 'partially_paid');
