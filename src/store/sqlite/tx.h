// The SQLite implementation of the port's transactions: the repositories over one connection.
// A ReadTx runs on a pooled reader connection, a WriteTx on the writer's open batch.
#pragma once

#include <cstdint>

#include "store/port.h"
#include "store/sqlite/accounts.h"
#include "store/sqlite/beneficiaries.h"
#include "store/sqlite/bulk.h"
#include "store/sqlite/credentials.h"
#include "store/sqlite/db.h"
#include "store/sqlite/events.h"
#include "store/sqlite/idempotency.h"
#include "store/sqlite/market.h"
#include "store/sqlite/meta.h"

namespace centli::store::sqlite_impl {

template <class Base>
class Tx : public Base {
 public:
  explicit Tx(sqlite::Db& db)
      : db_(db), accounts_(db), beneficiaries_(db), credentials_(db), idempotency_(db) {}
  Accounts& accounts() override { return accounts_; }
  Beneficiaries& beneficiaries() override { return beneficiaries_; }
  Credentials& credentials() override { return credentials_; }
  Idempotency& idempotency() override { return idempotency_; }
  Outbox& outbox() override { return outbox_; }
  Deliveries& deliveries() override { return deliveries_; }
  DeadLetters& dead_letters() override { return dead_letters_; }
  Inbox& inbox() override { return inbox_; }
  Catalog& catalog() override { return catalog_; }
  Purchases& purchases() override { return purchases_; }
  Holds& holds() override { return holds_; }
  Meta& meta() override { return meta_; }

 protected:
  sqlite::Db& db_;

 private:
  SqliteAccounts accounts_;
  SqliteBeneficiaries beneficiaries_;
  SqliteCredentials credentials_;
  SqliteIdempotency idempotency_;
  // Initialized from db_, declared (and so initialized) before them.
  SqliteOutbox outbox_{db_};
  SqliteDeliveries deliveries_{db_};
  SqliteDeadLetters dead_letters_{db_};
  SqliteInbox inbox_{db_};
  SqliteCatalog catalog_{db_};
  SqlitePurchases purchases_{db_};
  SqliteHolds holds_{db_};
  SqliteMeta meta_{db_};
};

class ReadTxImpl final : public Tx<ReadTx> {
 public:
  using Tx::Tx;
};

class WriteTxImpl final : public Tx<WriteTx> {
 public:
  WriteTxImpl(sqlite::Db& db, std::int64_t now_ms) : Tx(db), now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }
  Bulk& bulk() override { return bulk_; }
  Result<void> savepoint_begin() override;
  Result<void> savepoint_release() override;
  void savepoint_rollback() override;

 private:
  std::int64_t now_ms_;
  SqliteBulk bulk_{db_};
};

}  // namespace centli::store::sqlite_impl
