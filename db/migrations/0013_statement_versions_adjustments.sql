-- Statements list an account's pending adjustments (corrections and voids that its next invoice
-- will carry), so adding, applying or removing one bumps the account's statement counter, once
-- per statement, like invoices and payments (0012).
CREATE TRIGGER account_adjustments_statement_version_insert AFTER INSERT ON account_adjustments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER account_adjustments_statement_version_update AFTER UPDATE ON account_adjustments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
CREATE TRIGGER account_adjustments_statement_version_delete AFTER DELETE ON account_adjustments
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bump_changed_accounts_statement_version();
