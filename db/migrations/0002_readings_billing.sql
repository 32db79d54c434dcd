-- Readings, invoices, payments, billing runs, adjustments (SPEC sections 4, 5, 6, 7).

-- Readings are the bulk table (a million rows a month): a bigint key keeps it narrow.
CREATE TABLE readings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  compound_id uuid NOT NULL REFERENCES compounds (id),
  meter_id    uuid NOT NULL REFERENCES meters (id),
  read_at     timestamptz NOT NULL,
  value       numeric(15, 3) NOT NULL CHECK (value >= 0),
  source      text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'automatic')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (meter_id, read_at)
);

CREATE TABLE billing_runs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  period           text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  compound_id      uuid REFERENCES compounds (id),
  provider_id      uuid REFERENCES providers (id),
  dry_run          boolean NOT NULL DEFAULT false,
  status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_by       text NOT NULL,
  accounts_billed  integer NOT NULL DEFAULT 0,
  invoices_issued  integer NOT NULL DEFAULT 0,
  total_fen        bigint NOT NULL DEFAULT 0,
  capped_accounts  integer NOT NULL DEFAULT 0,
  error            text,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX billing_runs_period_idx ON billing_runs (period, compound_id);

-- Issued invoices never change their amounts or lines; only status and paid_fen move.
-- Monthly invoices are unique per account and period; a final invoice (account closing) is
-- numbered in the same gapless sequence of its compound and month.
CREATE TABLE invoices (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  compound_id      uuid NOT NULL REFERENCES compounds (id),
  account_id       uuid NOT NULL REFERENCES accounts (id),
  household_id     uuid NOT NULL REFERENCES households (id),
  season_label     text NOT NULL,
  period           text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  kind             text NOT NULL DEFAULT 'monthly' CHECK (kind IN ('monthly', 'final')),
  seq              integer NOT NULL CHECK (seq > 0),
  number           text NOT NULL UNIQUE,
  issued_on        date NOT NULL,
  due_on           date NOT NULL,
  plan             text NOT NULL CHECK (plan IN ('metered', 'flat')),
  total_fen        bigint NOT NULL,
  paid_fen         bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0),
  status           text NOT NULL CHECK (status IN ('issued', 'paid', 'partially_paid', 'void')),
  no_reading       boolean NOT NULL DEFAULT false,
  -- The register reading this invoice's usage ended at: the next invoice starts from it.
  end_reading_id   bigint REFERENCES readings (id),
  end_value        numeric(15, 3),
  usage_units      numeric(15, 3) NOT NULL DEFAULT 0,
  billing_run_id   uuid REFERENCES billing_runs (id),
  void_reason      text,
  voided_at        timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (compound_id, period, seq),
  FOREIGN KEY (compound_id, season_label) REFERENCES seasons (compound_id, label),
  CHECK ((status = 'void') = (voided_at IS NOT NULL))
);
CREATE UNIQUE INDEX invoices_one_monthly_per_account_period ON invoices (account_id, period) WHERE kind = 'monthly';
CREATE INDEX invoices_account_idx ON invoices (account_id, period, created_at);
CREATE INDEX invoices_compound_period_idx ON invoices (compound_id, period, seq);
CREATE INDEX invoices_end_reading_idx ON invoices (end_reading_id) WHERE end_reading_id IS NOT NULL;

CREATE TABLE invoice_lines (
  invoice_id  uuid NOT NULL REFERENCES invoices (id),
  line_no     smallint NOT NULL CHECK (line_no > 0),
  compound_id uuid NOT NULL REFERENCES compounds (id),
  kind        text NOT NULL CHECK (kind IN ('usage', 'cap', 'flat_installment', 'flat_upfront', 'adjustment', 'final_settlement')),
  description text NOT NULL,
  units       numeric(15, 3),
  unit_rate   numeric(12, 4),
  amount_fen  bigint NOT NULL,
  PRIMARY KEY (invoice_id, line_no)
);

-- Amounts owed or credited that a later invoice must carry (reading corrections, voids).
CREATE TABLE account_adjustments (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  compound_id        uuid NOT NULL REFERENCES compounds (id),
  account_id         uuid NOT NULL REFERENCES accounts (id),
  amount_fen         bigint NOT NULL,
  description        text NOT NULL,
  -- usage: counts towards the season cap like usage charges; flat: towards the flat fee.
  applies_to         text NOT NULL CHECK (applies_to IN ('usage', 'flat')),
  season_label       text NOT NULL,
  source_invoice_id  uuid REFERENCES invoices (id),
  applied_invoice_id uuid REFERENCES invoices (id),
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_adjustments_pending_idx ON account_adjustments (account_id) WHERE applied_invoice_id IS NULL;

CREATE TABLE payments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  compound_id      uuid NOT NULL REFERENCES compounds (id),
  account_id       uuid NOT NULL REFERENCES accounts (id),
  amount_fen       bigint NOT NULL CHECK (amount_fen > 0),
  paid_at          timestamptz NOT NULL,
  reference        text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  idempotency_key  text NOT NULL,
  request_hash     text NOT NULL,
  -- The part not yet allocated to an invoice: credit on the account.
  unallocated_fen  bigint NOT NULL CHECK (unallocated_fen >= 0),
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (idempotency_key)
);
CREATE INDEX payments_account_idx ON payments (account_id, paid_at);

CREATE TABLE payment_allocations (
  payment_id  uuid NOT NULL REFERENCES payments (id),
  invoice_id  uuid NOT NULL REFERENCES invoices (id),
  compound_id uuid NOT NULL REFERENCES compounds (id),
  amount_fen  bigint NOT NULL CHECK (amount_fen > 0),
  PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_allocations_invoice_idx ON payment_allocations (invoice_id);
