-- Providers, compounds, seasons, households, meters, accounts and plans (SPEC sections 1, 3, 4).
-- Every per-compound table carries compound_id: it is the future distribution key.

CREATE TABLE providers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE compounds (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(code) <= 64),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  district    text NOT NULL CHECK (length(district) BETWEEN 1 AND 200),
  provider_id uuid NOT NULL REFERENCES providers (id),
  time_zone   text NOT NULL DEFAULT 'Asia/Shanghai',
  due_days    integer NOT NULL DEFAULT 15 CHECK (due_days BETWEEN 0 AND 365),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compounds_provider_idx ON compounds (provider_id);

-- A season year: two half-open local date windows, its tariff and the flat plan's billing mode.
CREATE TABLE seasons (
  compound_id   uuid NOT NULL REFERENCES compounds (id),
  label         text NOT NULL CHECK (label ~ '^[0-9]{4}-[0-9]{2}$'),
  heating_start date NOT NULL,
  heating_end   date NOT NULL,
  cooling_start date NOT NULL,
  cooling_end   date NOT NULL,
  unit_rate     numeric(12, 4) NOT NULL CHECK (unit_rate >= 0),
  cap_per_m2    numeric(12, 4) NOT NULL CHECK (cap_per_m2 >= 0),
  flat_billing  text NOT NULL DEFAULT 'installments' CHECK (flat_billing IN ('installments', 'upfront')),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (compound_id, label),
  CHECK (heating_start < heating_end AND heating_end <= cooling_start AND cooling_start < cooling_end)
);

-- household_no is the creation order: invoices are numbered in household order.
CREATE TABLE households (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  household_no bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  compound_id  uuid NOT NULL REFERENCES compounds (id),
  building     text NOT NULL CHECK (length(building) BETWEEN 1 AND 50),
  unit         text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
  room         text NOT NULL CHECK (length(room) BETWEEN 1 AND 50),
  area_m2      numeric(10, 3) NOT NULL CHECK (area_m2 > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (compound_id, building, unit, room)
);
CREATE INDEX households_compound_order_idx ON households (compound_id, household_no);

-- A replacement meter names the meter it replaces; the replaced meter keeps its final reading
-- and the instant it was retired, so usage across the swap is billed exactly once.
CREATE TABLE meters (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  compound_id       uuid NOT NULL REFERENCES compounds (id),
  household_id      uuid NOT NULL REFERENCES households (id),
  serial            text NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),
  installed_at      timestamptz NOT NULL,
  initial_reading   numeric(15, 3) NOT NULL CHECK (initial_reading >= 0),
  replaces_meter_id uuid UNIQUE REFERENCES meters (id),
  retired_at        timestamptz,
  final_reading     numeric(15, 3) CHECK (final_reading >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((retired_at IS NULL) = (final_reading IS NULL))
);
CREATE INDEX meters_household_idx ON meters (household_id, installed_at);
-- At most one meter in service per household.
CREATE UNIQUE INDEX meters_one_active_per_household ON meters (household_id) WHERE retired_at IS NULL;

CREATE TABLE accounts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  compound_id     uuid NOT NULL REFERENCES compounds (id),
  household_id    uuid NOT NULL REFERENCES households (id),
  holder_name     text NOT NULL CHECK (length(holder_name) BETWEEN 1 AND 200),
  phone           text CHECK (phone ~ '^\+?[0-9 -]{5,20}$'),
  opened_on       date NOT NULL,
  closed_on       date,
  opening_reading numeric(15, 3) CHECK (opening_reading >= 0),
  closing_reading numeric(15, 3) CHECK (closing_reading >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (closed_on IS NULL OR closed_on > opened_on),
  CHECK ((closed_on IS NULL) = (closing_reading IS NULL))
);
CREATE INDEX accounts_compound_idx ON accounts (compound_id, household_id);
CREATE INDEX accounts_household_idx ON accounts (household_id, opened_on);
-- One household has at most one open account at a time.
CREATE UNIQUE INDEX accounts_one_open_per_household ON accounts (household_id) WHERE closed_on IS NULL;

-- The plan per season year; a missing row means the default, metered.
CREATE TABLE account_plans (
  account_id   uuid NOT NULL REFERENCES accounts (id),
  compound_id  uuid NOT NULL,
  season_label text NOT NULL,
  plan         text NOT NULL CHECK (plan IN ('metered', 'flat')),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, season_label),
  FOREIGN KEY (compound_id, season_label) REFERENCES seasons (compound_id, label)
);
