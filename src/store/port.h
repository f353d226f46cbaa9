// The storage port: what handlers, sagas, the event bus and auth may ask of the database, in
// their own words (credentials.find, idempotency.claim, ...), never SQL. Each backend lives in
// its own folder (store/sqlite/) and implements these classes; nothing outside src/store/ sees
// a driver, a driver type or SQL text. Errors crossing the port are store::Error values.
//
// A transaction is the only way in: a ReadTx is a consistent snapshot borrowed from the pool
// (Store::reader), a WriteTx is the writer's open batch transaction (Store::submit). Each
// aggregate is one repository reached from the transaction; its header says what it holds.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

namespace centli::store {

// A failure of the store itself. Business refusals (insufficient funds, not found) are never
// Errors here; they are decided above the port from what the store returns.
struct Error {
  enum class Kind {
    kUnavailable,  // busy, locked, disk full, I/O, connection lost: worth trying again later
    kConstraint,   // a schema constraint stopped a write: a rule above the port let it through
    kFailed,       // anything else the driver reports
  };
  Kind kind = Kind::kFailed;
  std::string message;  // the driver's words: for the log, never for a client
};

template <class T>
using Result = std::expected<T, Error>;

class Accounts;
class Beneficiaries;
class Credentials;
class Idempotency;
class Outbox;
class Deliveries;
class DeadLetters;
class Inbox;
class Catalog;
class Purchases;
class Holds;
class Meta;
class Bulk;

// What a read sees. Not thread-safe: one thread uses a transaction at a time.
class ReadTx {
 public:
  virtual Accounts& accounts() = 0;
  virtual Beneficiaries& beneficiaries() = 0;
  virtual Credentials& credentials() = 0;
  virtual Idempotency& idempotency() = 0;
  virtual Outbox& outbox() = 0;
  virtual Deliveries& deliveries() = 0;
  virtual DeadLetters& dead_letters() = 0;
  virtual Inbox& inbox() = 0;
  virtual Catalog& catalog() = 0;
  virtual Purchases& purchases() = 0;
  virtual Holds& holds() = 0;
  virtual Meta& meta() = 0;

 protected:
  ~ReadTx() = default;
};

// What a write command sees: the open batch transaction and the batch's clock (non-decreasing
// across batches, so history order matches commit order). A command runs in its own savepoint
// and must leave no partial effect when it fails.
// A write whose answer is only success or failure (Outbox::append, Accounts::post) may be sent
// with the command's next statement or with its savepoint's release, saving a round trip on a
// database server: its failure is then that statement's or the release's, so a command checks
// what Savepoint::release returns.
class WriteTx : public ReadTx {
 public:
  virtual std::int64_t now_ms() const = 0;
  // Many rows per statement, for tools that build a bank (store/bulk.h).
  virtual Bulk& bulk() = 0;
  // Savepoints nest; each begin is matched by one release or rollback (use Savepoint).
  virtual Result<void> savepoint_begin() = 0;
  virtual Result<void> savepoint_release() = 0;
  virtual void savepoint_rollback() = 0;

 protected:
  ~WriteTx() = default;
};

// Forwards every call to another transaction, so a test can override one thing (the clock)
// and keep the rest, as LevelDB's EnvWrapper does.
class WriteTxWrapper : public WriteTx {
 public:
  explicit WriteTxWrapper(WriteTx& target) : target_(target) {}
  Accounts& accounts() override { return target_.accounts(); }
  Beneficiaries& beneficiaries() override { return target_.beneficiaries(); }
  Credentials& credentials() override { return target_.credentials(); }
  Idempotency& idempotency() override { return target_.idempotency(); }
  Outbox& outbox() override { return target_.outbox(); }
  Deliveries& deliveries() override { return target_.deliveries(); }
  DeadLetters& dead_letters() override { return target_.dead_letters(); }
  Inbox& inbox() override { return target_.inbox(); }
  Catalog& catalog() override { return target_.catalog(); }
  Purchases& purchases() override { return target_.purchases(); }
  Holds& holds() override { return target_.holds(); }
  Meta& meta() override { return target_.meta(); }
  std::int64_t now_ms() const override { return target_.now_ms(); }
  Bulk& bulk() override { return target_.bulk(); }
  Result<void> savepoint_begin() override { return target_.savepoint_begin(); }
  Result<void> savepoint_release() override { return target_.savepoint_release(); }
  void savepoint_rollback() override { target_.savepoint_rollback(); }

 private:
  WriteTx& target_;
};

// A savepoint of a WriteTx that rolls back on destruction unless released.
class Savepoint {
 public:
  explicit Savepoint(WriteTx& tx) : tx_(tx), open_(tx.savepoint_begin().has_value()) {}
  ~Savepoint() { rollback(); }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  // An error when the savepoint could not begin or release (writes sent with the release may
  // fail there): its writes are then not kept.
  Result<void> release() {
    if (!open_) return std::unexpected(Error{Error::Kind::kFailed, "the savepoint did not begin"});
    open_ = false;
    return tx_.savepoint_release();
  }
  void rollback() {
    if (!open_) return;
    open_ = false;
    tx_.savepoint_rollback();
  }

 private:
  WriteTx& tx_;
  bool open_;
};

}  // namespace centli::store
