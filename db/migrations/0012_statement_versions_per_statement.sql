-- The statement version bumps of invoices and payments (0010), once per statement instead of
-- once per row: applying credit after the monthly batch updates thousands of invoices and
-- payments in one statement each, and a row trigger ran one UPDATE of accounts per row (about
-- three quarters of that step's time). Same effect: every account whose invoices or payments
-- changed gets its counter bumped in the same transaction. Transition tables allow one event
-- per trigger, hence one trigger per event.
DROP TRIGGER invoices_statement_version ON invoices;
DROP TRIGGER payments_statement_version ON payments;

-- The accounts are looked up by primary key (= ANY of an array): joined to a transition table of
-- unknown size, the planner chose a scan of every account. An account row this transaction has
-- already updated (xmin: its current version is this transaction's) already carries a new
-- counter, so it is not written again: applying credit changes invoices and then payments of the
-- same accounts, and the second write of each account cost more than the first.
CREATE FUNCTION bump_changed_accounts_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    UPDATE accounts SET statement_version = statement_version + 1
    WHERE id = ANY (ARRAY(SELECT DISTINCT account_id FROM new_rows)) AND xmin <> pg_current_xact_id()::xid;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE accounts SET statement_version = statement_version + 1
    WHERE id = ANY (ARRAY(SELECT DISTINCT account_id FROM old_rows)) AND xmin <> pg_current_xact_id()::xid;
  ELSE
    UPDATE accounts SET statement_version = statement_version + 1
    WHERE id = ANY (ARRAY(SELECT account_id FROM old_rows UNION SELECT account_id FROM new_rows)) AND xmin <> pg_current_xact_id()::xid;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER invoices_statement_version_update AFTER UPDATE ON invoices
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER invoices_statement_version_delete AFTER DELETE ON invoices
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER payments_statement_version_insert AFTER INSERT ON payments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER payments_statement_version_update AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER payments_statement_version_delete AFTER DELETE ON payments
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
