-- Version counters behind the statement cache (src/statements/cache.ts). A cached statement is
-- served only while its account's counter, its compound's counter and its account's number of
-- invoices are what they were when it was computed; every other change to what a statement
-- shows bumps a counter here, in the transaction that makes the change.
--
-- Invoices INSERTed (the monthly batch, final invoices) change the account's invoice count, so
-- the batch's bulk inserts fire no trigger; invoice lines are only ever inserted with their
-- invoice. Everything else is covered below:
--   accounts (holder, phone, occupancy) ............ the account's own counter
--   invoices updated (payments, voids) .............. the account's counter
--   payments, account plans ......................... the account's counter
--   households (address, area) ...................... the counters of its accounts
--   compounds (code, time zone), seasons ............ the compound's counter
ALTER TABLE accounts ADD COLUMN statement_version bigint NOT NULL DEFAULT 0;
ALTER TABLE compounds ADD COLUMN statement_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION bump_own_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.statement_version := OLD.statement_version + 1;
  RETURN NEW;
END $$;

CREATE TRIGGER accounts_statement_version BEFORE UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION bump_own_statement_version();
CREATE TRIGGER compounds_statement_version BEFORE UPDATE ON compounds
  FOR EACH ROW EXECUTE FUNCTION bump_own_statement_version();

-- Rows that belong to an account (account_id): bump the account (both, when moved).
CREATE FUNCTION bump_account_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE accounts SET statement_version = statement_version + 1 WHERE id = OLD.account_id;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
    UPDATE accounts SET statement_version = statement_version + 1 WHERE id = NEW.account_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER invoices_statement_version AFTER UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION bump_account_statement_version();
CREATE TRIGGER payments_statement_version AFTER INSERT OR UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION bump_account_statement_version();
CREATE TRIGGER account_plans_statement_version AFTER INSERT OR UPDATE OR DELETE ON account_plans
  FOR EACH ROW EXECUTE FUNCTION bump_account_statement_version();

CREATE FUNCTION bump_household_accounts_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET statement_version = statement_version + 1 WHERE household_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER households_statement_version AFTER UPDATE ON households
  FOR EACH ROW EXECUTE FUNCTION bump_household_accounts_statement_version();

CREATE FUNCTION bump_compound_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE compounds SET statement_version = statement_version + 1 WHERE id = OLD.compound_id;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.compound_id IS DISTINCT FROM OLD.compound_id) THEN
    UPDATE compounds SET statement_version = statement_version + 1 WHERE id = NEW.compound_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER seasons_statement_version AFTER INSERT OR UPDATE OR DELETE ON seasons
  FOR EACH ROW EXECUTE FUNCTION bump_compound_statement_version();
