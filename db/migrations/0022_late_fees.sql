-- Late fees (SPEC §9 "Late fee", 滞纳金), off by default.
--
-- A season sets its rate in per mille of the unpaid amount per day ("0.5" = 0.05 % a day); 0 is off.
-- Negative rates never reach the table: the API answers 400, and the check keeps it so.
ALTER TABLE seasons ADD COLUMN late_fee_per_mille_per_day numeric(8, 4) NOT NULL DEFAULT 0
  CHECK (late_fee_per_mille_per_day >= 0);

-- What the month's batch billed of each overdue invoice's fee: the days [from_on, through_on] and the
-- late_fee line of which invoice carries them. The next batch starts the day after the latest
-- through_on, so a re-run never bills a day twice; the key refuses a second charge from the same day
-- (two writers computing the same range), and the batch's transaction writes the charge with the
-- invoice that carries it, so a crash leaves neither.
CREATE TABLE late_fee_charges (
  invoice_id         uuid NOT NULL REFERENCES invoices (id),
  charged_invoice_id uuid NOT NULL REFERENCES invoices (id),
  compound_id        uuid NOT NULL REFERENCES compounds (id),
  from_on            date NOT NULL,
  through_on         date NOT NULL,
  amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, from_on),
  CHECK (through_on >= from_on)
);
CREATE INDEX late_fee_charges_charged_idx ON late_fee_charges (charged_invoice_id);
