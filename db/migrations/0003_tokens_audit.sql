-- API tokens (stored only as SHA-256 hashes) and the audit log (SPEC section 7).

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  role         text NOT NULL CHECK (role IN ('operator', 'resident')),
  provider_id  uuid REFERENCES providers (id),
  account_id   uuid REFERENCES accounts (id),
  label        text,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((role = 'operator') = (provider_id IS NOT NULL) AND (role = 'resident') = (account_id IS NOT NULL))
);

CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   text,
  compound_id uuid REFERENCES compounds (id),
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
