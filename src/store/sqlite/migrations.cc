#include "store/migrations.h"

namespace centli::store::sqlite_impl {
namespace {

// Version 1: the six tables of the original design (keys as DESIGN.md section 3) plus the
// internal tables of core banking. Money columns are INTEGER minor units; times are Unix ms.
constexpr const char* kV1Core = R"sql(
CREATE TABLE accounts (
  user_id            TEXT    NOT NULL,
  account_id         TEXT    NOT NULL UNIQUE,
  account_number     TEXT    NOT NULL,
  type               TEXT    NOT NULL
                     CHECK (type IN ('checking', 'savings', 'credit', 'clearing', 'settlement')),
  status             TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
  currency           TEXT    NOT NULL,
  name               TEXT    NOT NULL DEFAULT '',
  posted_minor       INTEGER NOT NULL DEFAULT 0,
  held_minor         INTEGER NOT NULL DEFAULT 0 CHECK (held_minor >= 0),
  credit_limit_minor INTEGER NOT NULL DEFAULT 0 CHECK (credit_limit_minor >= 0),
  created_ms         INTEGER NOT NULL,
  PRIMARY KEY (user_id, account_id),
  -- A debit account never goes below zero; a credit account never past its limit.
  CHECK (type NOT IN ('checking', 'savings') OR posted_minor - held_minor >= 0),
  CHECK (type <> 'credit' OR credit_limit_minor + posted_minor - held_minor >= 0)
) WITHOUT ROWID;

CREATE TABLE transactions (
  seq                 INTEGER PRIMARY KEY,
  transaction_id      TEXT    NOT NULL UNIQUE,
  transfer_id         TEXT    NOT NULL,
  account_id          TEXT    NOT NULL,
  user_id             TEXT    NOT NULL,
  timestamp_ms        INTEGER NOT NULL,
  kind                TEXT    NOT NULL,
  direction           TEXT    NOT NULL CHECK (direction IN ('debit', 'credit')),
  amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
  currency            TEXT    NOT NULL,
  balance_after_minor INTEGER NOT NULL,
  counterparty        TEXT    NOT NULL DEFAULT '',
  description         TEXT    NOT NULL DEFAULT '',
  correlation_id      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX transactions_by_account ON transactions (account_id, timestamp_ms, seq);
CREATE INDEX transactions_by_user ON transactions (user_id, timestamp_ms, seq);
CREATE INDEX transactions_by_transfer ON transactions (transfer_id);

CREATE TABLE daily_outflow (
  user_id      TEXT    NOT NULL,
  day          TEXT    NOT NULL,
  amount_minor INTEGER NOT NULL,
  PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

CREATE TABLE retailers (
  retailer_id           TEXT PRIMARY KEY,
  name                  TEXT NOT NULL,
  category              TEXT NOT NULL DEFAULT '',
  settlement_account_id TEXT NOT NULL DEFAULT '',
  rules_json            TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;

CREATE TABLE products (
  product_id   TEXT    NOT NULL UNIQUE,
  retailer_id  TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  description  TEXT    NOT NULL DEFAULT '',
  category     TEXT    NOT NULL DEFAULT '',
  price_minor  INTEGER NOT NULL CHECK (price_minor >= 0),
  currency     TEXT    NOT NULL,
  stock        INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
  held_stock   INTEGER NOT NULL DEFAULT 0 CHECK (held_stock >= 0 AND held_stock <= stock),
  PRIMARY KEY (product_id, retailer_id)
) WITHOUT ROWID;
CREATE INDEX products_by_retailer ON products (retailer_id);

CREATE TABLE beneficiaries (
  user_id          TEXT    NOT NULL,
  beneficiary_id   TEXT    NOT NULL UNIQUE,
  alias            TEXT    NOT NULL,
  alias_normalized TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  account_id       TEXT,
  clabe            TEXT,
  bank_code        TEXT    NOT NULL DEFAULT '',
  bank_name        TEXT    NOT NULL DEFAULT '',
  created_ms       INTEGER NOT NULL,
  PRIMARY KEY (user_id, beneficiary_id),
  CHECK ((account_id IS NULL) <> (clabe IS NULL))
) WITHOUT ROWID;
CREATE UNIQUE INDEX beneficiaries_by_alias ON beneficiaries (alias_normalized, user_id);

CREATE TABLE purchases (
  user_id        TEXT    NOT NULL,
  timestamp_ms   INTEGER NOT NULL,
  purchase_id    TEXT    NOT NULL UNIQUE,
  product_id     TEXT    NOT NULL,
  retailer_id    TEXT    NOT NULL,
  quantity       INTEGER NOT NULL,
  account_id     TEXT    NOT NULL,
  option_id      TEXT    NOT NULL,
  total_minor    INTEGER NOT NULL,
  currency       TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  reason         TEXT    NOT NULL DEFAULT '',
  correlation_id TEXT    NOT NULL DEFAULT '',
  updated_ms     INTEGER NOT NULL,
  PRIMARY KEY (user_id, timestamp_ms, purchase_id)
) WITHOUT ROWID;

CREATE TABLE idempotency (
  principal   TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  status      INTEGER NOT NULL,
  response    TEXT    NOT NULL,
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_expiry ON idempotency (expires_ms);

CREATE TABLE outbox (
  seq            INTEGER PRIMARY KEY,
  event_id       TEXT    NOT NULL UNIQUE,
  event_type     TEXT    NOT NULL,
  source         TEXT    NOT NULL,
  user_id        TEXT    NOT NULL DEFAULT '',
  correlation_id TEXT    NOT NULL DEFAULT '',
  created_ms     INTEGER NOT NULL,
  envelope       TEXT    NOT NULL
);
CREATE INDEX outbox_by_time ON outbox (created_ms);

CREATE TABLE credentials (
  token_hash TEXT    PRIMARY KEY,
  kind       TEXT    NOT NULL CHECK (kind IN ('user', 'service')),
  subject    TEXT    NOT NULL,
  delegate   INTEGER NOT NULL DEFAULT 0,
  scopes     TEXT    NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Version 4: the marketplace and its purchase saga. Holds are two-phase reservations of funds
// (accounts.held_minor) or stock (products.held_stock) with a deadline; each is resolved exactly
// once (posted or voided). saga_steps records every step a purchase went through. The saga's
// state lives in purchases.status. docs/marketplace.md describes every column.
constexpr const char* kV4Marketplace = R"sql(
ALTER TABLE purchases ADD COLUMN unit_price_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN subtotal_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN discount_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN cashback_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE purchases ADD COLUMN transfer_id TEXT NOT NULL DEFAULT '';
CREATE INDEX purchases_open ON purchases (status, updated_ms);

CREATE TABLE holds (
  hold_id      TEXT    PRIMARY KEY,
  purchase_id  TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('funds', 'stock')),
  account_id   TEXT    NOT NULL DEFAULT '',
  product_id   TEXT    NOT NULL DEFAULT '',
  amount_minor INTEGER NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
  quantity     INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  state        TEXT    NOT NULL CHECK (state IN ('held', 'posted', 'voided')),
  reason       TEXT    NOT NULL DEFAULT '',
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  resolved_ms  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (purchase_id, kind)
) WITHOUT ROWID;
CREATE INDEX holds_open ON holds (state, expires_ms);

CREATE TABLE saga_steps (
  purchase_id TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  event_type  TEXT    NOT NULL,
  event_id    TEXT    NOT NULL,
  state_after TEXT    NOT NULL,
  at_ms       INTEGER NOT NULL,
  PRIMARY KEY (purchase_id, seq)
) WITHOUT ROWID;
)sql";

// Version 2: event delivery. One row per (event, target) delivery, replays included; dead
// letters point at their delivery; inbox makes internal consumers exactly-once; replay requests
// from tools wait for the serving dispatcher. Formats: docs/events.md.
constexpr const char* kV2Events = R"sql(
CREATE TABLE deliveries (
  delivery_id INTEGER PRIMARY KEY,
  seq         INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  rule        TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  first_ms    INTEGER NOT NULL,
  next_ms     INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  last_error  TEXT    NOT NULL DEFAULT '',
  replay      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_due ON deliveries (target, status, next_ms);
CREATE INDEX deliveries_by_seq ON deliveries (seq);
CREATE UNIQUE INDEX deliveries_once ON deliveries (event_id, target) WHERE replay = 0;

CREATE TABLE dead_letters (
  dead_id     TEXT    PRIMARY KEY,
  delivery_id INTEGER NOT NULL UNIQUE,
  event_id    TEXT    NOT NULL,
  rule        TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  last_error  TEXT    NOT NULL,
  dead_ms     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE inbox (
  consumer   TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  applied_ms INTEGER NOT NULL,
  PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;

CREATE TABLE replay_requests (
  replay_id  INTEGER PRIMARY KEY,
  from_ms    INTEGER NOT NULL,
  to_ms      INTEGER NOT NULL,
  rule       TEXT    NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  done_ms    INTEGER
);
)sql";

constexpr Migration kMigrations[] = {
    {1, "core banking and the six tables", kV1Core},
    {2, "event deliveries, dead letters, inbox, replay requests", kV2Events},
    {4, "marketplace holds, purchase saga steps", kV4Marketplace},
    // Later versions append here: never edit a migration that has shipped. 5 is PostgreSQL's
    // alone (outbox.routed); the next one here is 6.
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace centli::store::sqlite_impl
