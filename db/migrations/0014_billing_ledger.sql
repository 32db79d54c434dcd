-- The billing ledger (SPEC §5 "Billing moves forward"). Until now where an account's billing
-- stood was inferred from "the latest monthly invoice with an earlier period" and its end reading.
-- From here on it is recorded:
--   * every invoice takes the next slot of its account's ledger (account_seq, unique per account):
--     the latest slot is where billing stands, whatever order months were billed in, and two
--     writers can never bill the same position twice;
--   * every invoice records the register intervals it billed, on each meter: from which reading
--     (or opening / initial value) and value, to which, in which season;
--   * every invoice line names the season it charges, so "billed so far this season" is the sum of
--     that season's lines (late fees, SPEC §9, charge no season);
--   * an account opening on a stored reading keeps a reference to it, so a correction of that
--     reading reaches the account too (a move-in continues exactly where the move-out ended).
-- Already-issued invoices are migrated forward: their intervals are computed from the end reading,
-- end value and units they stored, in ledger order, across meter replacements.

-- Line kinds: late fees (SPEC §9) join the list.
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_kind_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_kind_check
  CHECK (kind IN ('usage', 'cap', 'flat_installment', 'flat_upfront', 'adjustment', 'final_settlement', 'late_fee'));

-- The season each line charges. An adjustment line charges its adjustment's season (matched by
-- invoice, text and amount); every other line its invoice's season.
ALTER TABLE invoice_lines ADD COLUMN season_label text;
UPDATE invoice_lines l
SET season_label = coalesce(
  (SELECT a.season_label FROM account_adjustments a
   WHERE l.kind = 'adjustment' AND a.applied_invoice_id = l.invoice_id AND a.description = l.description AND a.amount_fen = l.amount_fen
   ORDER BY a.created_at LIMIT 1),
  i.season_label)
FROM invoices i
WHERE i.id = l.invoice_id;
-- A usage line priced from an estimated reading (SPEC §7 line shape, §9 "Estimated readings").
ALTER TABLE invoice_lines ADD COLUMN estimated boolean NOT NULL DEFAULT false;
ALTER TABLE invoice_lines
  ADD CONSTRAINT invoice_lines_season_check CHECK ((kind = 'late_fee') = (season_label IS NULL)),
  ADD CONSTRAINT invoice_lines_season_fkey FOREIGN KEY (compound_id, season_label) REFERENCES seasons (compound_id, label);

-- The ledger slot of each invoice: monthly invoices in period order, then the final invoice.
ALTER TABLE invoices ADD COLUMN account_seq integer;
UPDATE invoices i SET account_seq = o.n
FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY kind = 'final', period, created_at, number) AS n FROM invoices) o
WHERE o.id = i.id;
ALTER TABLE invoices
  ALTER COLUMN account_seq SET NOT NULL,
  ADD CONSTRAINT invoices_account_seq_check CHECK (account_seq > 0),
  ADD CONSTRAINT invoices_account_seq_key UNIQUE (account_id, account_seq);
-- (account_id, account_seq) serves every lookup by account; (compound_id, period, seq) is already
-- indexed by its unique constraint.
DROP INDEX invoices_account_idx;
DROP INDEX invoices_compound_period_idx;

CREATE TABLE invoice_intervals (
  invoice_id      uuid NOT NULL REFERENCES invoices (id),
  interval_no     smallint NOT NULL CHECK (interval_no > 0),
  compound_id     uuid NOT NULL,
  -- The season the interval's usage was billed in (a late move-out credits it back there).
  season_label    text NOT NULL,
  meter_id        uuid NOT NULL REFERENCES meters (id),
  -- NULL: an opening value, a meter's initial reading or an estimate, not a stored reading.
  from_reading_id bigint REFERENCES readings (id),
  from_value      numeric(15, 3) NOT NULL,
  from_at         timestamptz NOT NULL,
  to_reading_id   bigint REFERENCES readings (id),
  to_value        numeric(15, 3) NOT NULL,
  to_at           timestamptz NOT NULL,
  -- The end is an estimate (SPEC §9 "Estimated readings").
  estimated       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (invoice_id, interval_no),
  FOREIGN KEY (compound_id, season_label) REFERENCES seasons (compound_id, label)
);
-- A corrected reading finds the intervals that start or end on it.
CREATE INDEX invoice_intervals_to_reading_idx ON invoice_intervals (to_reading_id) WHERE to_reading_id IS NOT NULL;
CREATE INDEX invoice_intervals_from_reading_idx ON invoice_intervals (from_reading_id) WHERE from_reading_id IS NOT NULL;

ALTER TABLE accounts ADD COLUMN opening_reading_id bigint REFERENCES readings (id);

-- An adjustment counts toward the season it names, like every line of that season: whether it
-- applied to usage or to the flat fee no longer matters (a season has one plan once invoiced).
ALTER TABLE account_adjustments DROP COLUMN applies_to;

-- Intervals of the invoices issued so far. Each invoice stored where it ended (end_reading_id,
-- end_value: the reading's value when billed) and its units; it started where the account's
-- previous invoice ended (void or not, as the batch started it), or at the opening on the meter
-- in service then. Across a replacement the old meter runs to its final reading and each later
-- meter from its initial reading; the value the invoice started from is what makes its units.
DO $$
DECLARE
  acc record;
  inv record;
  prev_reading bigint;
  prev_meter uuid;
  prev_at timestamptz;
  end_meter uuid;
  end_at timestamptz;
  path uuid[];
  cur uuid;
  m record;
  gap numeric;
  n smallint;
  from_value numeric;
BEGIN
  FOR acc IN
    SELECT a.id, a.household_id, (a.opened_on::timestamp AT TIME ZONE c.time_zone) AS opened_at
    FROM accounts a JOIN compounds c ON c.id = a.compound_id
    WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = a.id AND i.end_value IS NOT NULL)
  LOOP
    prev_reading := NULL;
    prev_at := acc.opened_at;
    -- The meter in service at the opening, else the first installed after it, else the latest.
    SELECT id INTO prev_meter FROM meters
    WHERE household_id = acc.household_id
    ORDER BY (installed_at <= acc.opened_at AND (retired_at IS NULL OR retired_at > acc.opened_at)) DESC,
             (installed_at > acc.opened_at) DESC,
             CASE WHEN installed_at > acc.opened_at THEN installed_at END ASC,
             installed_at DESC
    LIMIT 1;
    FOR inv IN
      SELECT i.id, i.compound_id, i.season_label, i.end_reading_id, i.end_value, i.usage_units, r.meter_id AS reading_meter, r.read_at
      FROM invoices i LEFT JOIN readings r ON r.id = i.end_reading_id
      WHERE i.account_id = acc.id AND i.end_value IS NOT NULL
      ORDER BY i.account_seq
    LOOP
      end_meter := coalesce(inv.reading_meter, prev_meter);
      end_at := coalesce(inv.read_at, prev_at);
      IF end_meter IS NULL THEN
        CONTINUE;
      END IF;
      -- The meters from the previous position's meter to the end meter, oldest first.
      path := ARRAY[end_meter];
      cur := end_meter;
      WHILE prev_meter IS NOT NULL AND cur <> prev_meter AND array_length(path, 1) < 50 LOOP
        SELECT replaces_meter_id INTO cur FROM meters WHERE id = cur;
        EXIT WHEN cur IS NULL;
        path := cur || path;
      END LOOP;
      IF prev_meter IS NULL OR path[1] <> prev_meter THEN
        path := ARRAY[end_meter];
      END IF;
      -- Σ (final − initial) of the registers after the first: the part of the units they turned.
      gap := 0;
      FOR m IN SELECT mm.* FROM unnest(path) WITH ORDINALITY AS p(id, ord) JOIN meters mm ON mm.id = p.id WHERE p.ord > 1 ORDER BY p.ord LOOP
        IF m.id = end_meter THEN
          gap := gap + inv.end_value - m.initial_reading;
        ELSE
          gap := gap + m.final_reading - m.initial_reading;
        END IF;
      END LOOP;
      n := 0;
      FOR m IN SELECT mm.*, p.ord FROM unnest(path) WITH ORDINALITY AS p(id, ord) JOIN meters mm ON mm.id = p.id ORDER BY p.ord LOOP
        n := n + 1;
        IF array_length(path, 1) = 1 THEN
          INSERT INTO invoice_intervals (invoice_id, interval_no, compound_id, season_label, meter_id, from_reading_id, from_value, from_at, to_reading_id, to_value, to_at)
          VALUES (inv.id, n, inv.compound_id, inv.season_label, m.id, CASE WHEN prev_meter = m.id THEN prev_reading END,
                  inv.end_value - inv.usage_units, prev_at, inv.end_reading_id, inv.end_value, end_at);
        ELSIF m.ord = 1 THEN
          from_value := m.final_reading - (inv.usage_units - gap);
          INSERT INTO invoice_intervals (invoice_id, interval_no, compound_id, season_label, meter_id, from_reading_id, from_value, from_at, to_reading_id, to_value, to_at)
          VALUES (inv.id, n, inv.compound_id, inv.season_label, m.id, prev_reading, from_value, prev_at,
                  (SELECT r.id FROM readings r WHERE r.meter_id = m.id AND r.read_at = m.retired_at), m.final_reading, m.retired_at);
        ELSIF m.id = end_meter THEN
          INSERT INTO invoice_intervals (invoice_id, interval_no, compound_id, season_label, meter_id, from_reading_id, from_value, from_at, to_reading_id, to_value, to_at)
          VALUES (inv.id, n, inv.compound_id, inv.season_label, m.id, NULL, m.initial_reading, m.installed_at, inv.end_reading_id, inv.end_value, end_at);
        ELSE
          INSERT INTO invoice_intervals (invoice_id, interval_no, compound_id, season_label, meter_id, from_reading_id, from_value, from_at, to_reading_id, to_value, to_at)
          VALUES (inv.id, n, inv.compound_id, inv.season_label, m.id, NULL, m.initial_reading, m.installed_at,
                  (SELECT r.id FROM readings r WHERE r.meter_id = m.id AND r.read_at = m.retired_at), m.final_reading, m.retired_at);
        END IF;
      END LOOP;
      prev_reading := inv.end_reading_id;
      prev_meter := end_meter;
      prev_at := end_at;
    END LOOP;
  END LOOP;
END $$;

DROP INDEX invoices_end_reading_idx;
ALTER TABLE invoices DROP COLUMN end_reading_id, DROP COLUMN end_value;

-- "Billed so far this season", the one definition that the batch, corrections, voids, move-outs
-- and statements read: every line of the season on the account's invoices that are not void.
CREATE VIEW season_charges AS
SELECT i.account_id, l.season_label, sum(l.amount_fen)::bigint AS fen
FROM invoices i
JOIN invoice_lines l ON l.invoice_id = i.id
WHERE i.status <> 'void' AND l.season_label IS NOT NULL
GROUP BY i.account_id, l.season_label;
