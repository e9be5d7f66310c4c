/**
 * Migration 001: the initial schema. Plain PostgreSQL 15 that PGlite runs unchanged (no extensions).
 *
 * Migrations are SQL kept in .ts modules so that `tsc` carries them into `dist/` with the code that
 * applies them: no file copying, nothing to forget when packaging. Never edit a migration once it
 * has shipped (its checksum is recorded); add the next number instead and list it in `index.ts`.
 *
 * All times are written by the application (millisecond precision), never `now()`, so that keyset
 * cursors compare exactly and tests can inject a clock.
 */
export const name = 'init';

export const sql = /* sql */ `
CREATE TABLE findings (
  fingerprint        text PRIMARY KEY,
  rule               text NOT NULL,
  kind               text NOT NULL,
  redacted           text NOT NULL,
  header             jsonb,
  claims             jsonb,
  masked_claims      jsonb,
  jwt_form           text,
  profile            jsonb,
  -- copies of profile fields, for filtering
  issuer             text,
  issuer_family      text,
  tenants            text[] NOT NULL DEFAULT '{}',
  liveness           jsonb NOT NULL,
  liveness_state     text NOT NULL,
  score              double precision NOT NULL,
  severity           text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  severity_rank      smallint NOT NULL,
  factors            jsonb NOT NULL,
  -- 0 unknown, 1 private, 2 shared-external, 3 public: the widest among the occurrences
  exposure_rank      smallint NOT NULL,
  sources            text[] NOT NULL,
  occurrence_count   integer NOT NULL,
  status             text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'acknowledged', 'resolved', 'false-positive', 'revoked')),
  status_reason      text,
  assignee           text,
  status_changed_at  timestamptz NOT NULL,
  revoked_at         timestamptz,
  version            integer NOT NULL DEFAULT 1,
  first_seen         timestamptz NOT NULL,
  last_seen          timestamptz NOT NULL
);
CREATE INDEX findings_score_idx ON findings (score, fingerprint);
CREATE INDEX findings_first_seen_idx ON findings (first_seen, fingerprint);
CREATE INDEX findings_last_seen_idx ON findings (last_seen, fingerprint);
CREATE INDEX findings_status_idx ON findings (status);
CREATE INDEX findings_revoked_at_idx ON findings (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX findings_tenants_idx ON findings USING gin (tenants);
CREATE INDEX findings_sources_idx ON findings USING gin (sources);

CREATE TABLE occurrences (
  id            bigserial PRIMARY KEY,
  fingerprint   text NOT NULL REFERENCES findings (fingerprint) ON DELETE CASCADE,
  -- sha256 over the source id and the locator's identity fields (see location-key.ts)
  location_key  text NOT NULL,
  source        text NOT NULL,
  kind          text NOT NULL,
  locator       jsonb NOT NULL,
  exposure      jsonb,
  author        text,
  at            text,
  -- lowercased location text for the findings text filter
  search_text   text NOT NULL,
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  UNIQUE (fingerprint, location_key)
);
CREATE INDEX occurrences_fingerprint_idx ON occurrences (fingerprint, first_seen, id);

-- The only place a token exists, and only sealed (AES-256-GCM, context 'token:<fingerprint>').
CREATE TABLE sealed_tokens (
  fingerprint  text PRIMARY KEY REFERENCES findings (fingerprint) ON DELETE CASCADE,
  sealed       text NOT NULL,
  key_id       text NOT NULL,
  expires_at   timestamptz,
  created_at   timestamptz NOT NULL
);
CREATE INDEX sealed_tokens_expires_at_idx ON sealed_tokens (expires_at);
CREATE INDEX sealed_tokens_created_at_idx ON sealed_tokens (created_at);

CREATE TABLE actions (
  id               text PRIMARY KEY,
  key              text NOT NULL UNIQUE,
  fingerprint      text NOT NULL REFERENCES findings (fingerprint) ON DELETE CASCADE,
  type             text NOT NULL CHECK (type IN ('alert', 'revocation', 'remediation')),
  target           text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'awaiting-approval', 'approved', 'rejected',
                                                   'succeeded', 'failed', 'dry-run', 'dead-letter', 'skipped')),
  actor            text NOT NULL,
  finding_version  integer,
  reason           text,
  details          jsonb NOT NULL DEFAULT '{}',
  attempts         integer NOT NULL DEFAULT 1,
  decided_by       text,
  decided_at       timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  completed_at     timestamptz
);
CREATE INDEX actions_fingerprint_idx ON actions (fingerprint, created_at, id);
CREATE INDEX actions_created_at_idx ON actions (created_at, id);
CREATE INDEX actions_awaiting_idx ON actions (created_at, id) WHERE status = 'awaiting-approval';

-- No foreign key: the audit trail outlives what it talks about.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL,
  fingerprint  text,
  details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_fingerprint_idx ON audit_log (fingerprint, id);

CREATE TABLE cursors (
  source_id   text NOT NULL,
  scope       text NOT NULL,
  cursor      text NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (source_id, scope)
);

-- Only the SHA-256 of a key is stored; the plaintext is shown once at creation.
CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  hash          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  label         text NOT NULL,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- Webhook delivery ids seen recently (Slack event_id, X-GitHub-Delivery, Jira identifier).
CREATE TABLE deliveries (
  source       text NOT NULL,
  delivery_id  text NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (source, delivery_id)
);
CREATE INDEX deliveries_expires_at_idx ON deliveries (expires_at);
`;
