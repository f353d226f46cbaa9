// The PostgreSQL implementation of the port's transactions: the repositories over one
// connection. A ReadTx runs on a pooled connection in a REPEATABLE READ, READ ONLY transaction
// (one snapshot for the whole read); a WriteTx on the writer's open batch transaction (READ
// COMMITTED), where every row a command decides on is read with FOR UPDATE (`writing`), so two
// nodes deciding on the same account, stock or key wait for each other instead of both
// deciding on a stale row.
#pragma once

#include <cstdint>

#include "store/port.h"
#include "store/postgres/accounts.h"
#include "store/postgres/beneficiaries.h"
#include "store/postgres/bulk.h"
#include "store/postgres/conn.h"
#include "store/postgres/credentials.h"
#include "store/postgres/events.h"
#include "store/postgres/idempotency.h"
#include "store/postgres/market.h"
#include "store/postgres/meta.h"

namespace centli::store::postgres_impl {

template <class Base>
class Tx : public Base {
 public:
  Tx(pg::Conn& conn, bool writing)
      : conn_(conn),
        accounts_(conn, writing),
        beneficiaries_(conn, writing),
        credentials_(conn, writing),
        idempotency_(conn, writing),
        outbox_(conn, writing),
        deliveries_(conn, writing),
        dead_letters_(conn, writing),
        inbox_(conn, writing),
        catalog_(conn, writing),
        purchases_(conn, writing),
        holds_(conn, writing),
        meta_(conn, writing) {}
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
  pg::Conn& conn_;

 private:
  PgAccounts accounts_;
  PgBeneficiaries beneficiaries_;
  PgCredentials credentials_;
  PgIdempotency idempotency_;
  PgOutbox outbox_;
  PgDeliveries deliveries_;
  PgDeadLetters dead_letters_;
  PgInbox inbox_;
  PgCatalog catalog_;
  PgPurchases purchases_;
  PgHolds holds_;
  PgMeta meta_;
};

class ReadTxImpl final : public Tx<ReadTx> {
 public:
  using Tx::Tx;
};

class WriteTxImpl final : public Tx<WriteTx> {
 public:
  WriteTxImpl(pg::Conn& conn, std::int64_t now_ms) : Tx(conn, true), now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }
  Bulk& bulk() override { return bulk_; }
  Result<void> savepoint_begin() override;
  Result<void> savepoint_release() override;
  void savepoint_rollback() override;

 private:
  std::int64_t now_ms_;
  PgBulk bulk_{conn_};
};

}  // namespace centli::store::postgres_impl
