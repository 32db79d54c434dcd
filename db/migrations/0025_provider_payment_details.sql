-- A provider's payment details (SPEC §9 "how to pay"): what its clerk prints on a payment notice
-- (缴费通知书) and what the resident page shows under the amount due. All nullable: a provider
-- without them still bills; its notices then name the provider alone.
--   payee_name ............. 收款单位 / 户名, the name on the receiving account
--   bank_name, bank_account  开户行 and 账号 (digits, grouped by single spaces as printed), both or neither
--   pay_qr ................. the content of the payment QR code (a wxp:// or https:// link)
--   pay_hotline ............ 缴费咨询电话
--   pay_note_zh, pay_note_en a short "how to pay" (counter hours, what to quote), both or neither
ALTER TABLE providers
  ADD COLUMN payee_name text CHECK (length(payee_name) BETWEEN 1 AND 100),
  ADD COLUMN bank_name text CHECK (length(bank_name) BETWEEN 1 AND 100),
  ADD COLUMN bank_account text CHECK (bank_account ~ '^[0-9]+( [0-9]+)*$' AND length(replace(bank_account, ' ', '')) BETWEEN 8 AND 32),
  ADD COLUMN pay_qr text CHECK (length(pay_qr) BETWEEN 1 AND 500),
  ADD COLUMN pay_hotline text CHECK (length(pay_hotline) BETWEEN 3 AND 30),
  ADD COLUMN pay_note_zh text CHECK (length(pay_note_zh) BETWEEN 1 AND 300),
  ADD COLUMN pay_note_en text CHECK (length(pay_note_en) BETWEEN 1 AND 300),
  ADD CONSTRAINT providers_bank_together CHECK ((bank_name IS NULL) = (bank_account IS NULL)),
  ADD CONSTRAINT providers_note_together CHECK ((pay_note_zh IS NULL) = (pay_note_en IS NULL)),
  ADD CONSTRAINT providers_details_name_payee
    CHECK (payee_name IS NOT NULL OR num_nonnulls(bank_name, bank_account, pay_qr, pay_hotline, pay_note_zh, pay_note_en) = 0);

-- Statements show the payment details (src/statements): a change bumps the counters of the
-- provider's compounds, so no cached statement keeps the old ones (0010_statement_versions.sql).
CREATE FUNCTION bump_provider_compounds_statement_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE compounds SET statement_version = statement_version + 1 WHERE provider_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER providers_statement_version AFTER UPDATE ON providers
  FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION bump_provider_compounds_statement_version();
