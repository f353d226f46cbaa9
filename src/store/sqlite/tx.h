// The SQLite implementation of the port's transactions: the repositories over one connection.
// A ReadTx runs on a pooled reader connection, a WriteTx on the writer's open batch.
#pragma once

#include <cstdint>

#include "store/port.h"
#include "store/sqlite/credentials.h"
#include "store/sqlite/db.h"
#include "store/sqlite/idempotency.h"
#include "store/sqlite/market.h"

namespace centli::store::sqlite_impl {

template <class Base>
class Tx : public Base {
 public:
  explicit Tx(sqlite::Db& db) : db_(db), credentials_(db), idempotency_(db) {}
  Credentials& credentials() override { return credentials_; }
  Idempotency& idempotency() override { return idempotency_; }
  Catalog& catalog() override { return catalog_; }
  Purchases& purchases() override { return purchases_; }
  Holds& holds() override { return holds_; }
  sqlite::Db& db() override { return db_; }

 protected:
  sqlite::Db& db_;

 private:
  SqliteCredentials credentials_;
  SqliteIdempotency idempotency_;
  SqliteCatalog catalog_{db_};  // initialized from db_, which is declared before them
  SqlitePurchases purchases_{db_};
  SqliteHolds holds_{db_};
};

class ReadTxImpl final : public Tx<ReadTx> {
 public:
  using Tx::Tx;
};

class WriteTxImpl final : public Tx<WriteTx> {
 public:
  WriteTxImpl(sqlite::Db& db, std::int64_t now_ms) : Tx(db), now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }
  Result<void> savepoint_begin() override;
  Result<void> savepoint_release() override;
  void savepoint_rollback() override;

 private:
  std::int64_t now_ms_;
};

}  // namespace centli::store::sqlite_impl
