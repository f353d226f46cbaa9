#include "store/demo.h"

#include <iterator>

#include "store/sqlite/db.h"
#include "store/sqlite/tx.h"

namespace centli::store {
namespace {

constexpr const char* kSelectDemoLoaded = "SELECT value FROM meta WHERE key = 'demo_loaded'";
constexpr const char* kInsertDemoLoaded =
    "INSERT INTO meta (key, value) VALUES ('demo_loaded', ?1)";
constexpr const char* kInsertAccount =
    "INSERT INTO accounts (user_id, account_id, account_number, type, status, currency, name, "
    "posted_minor, held_minor, credit_limit_minor, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, 'MXN', ?6, ?7, 0, ?8, ?9)";

struct DemoAccount {
  const char* user_id;
  const char* account_id;
  const char* account_number;
  const char* type;
  const char* status;
  const char* name;
  std::int64_t posted_minor;
  std::int64_t credit_limit_minor;
};

// The original design's example ids are kept: user-123 owns acc-456; acc-789 is another
// customer's. Balances are deposits made by the demo loader.
constexpr DemoAccount kAccounts[] = {
    {"user-123", "acc-456", "0123456780456", "checking", "active", "Cuenta de cheques", 5'000'000,
     0},
    {"user-123", "acc-457", "0123456780457", "savings", "active", "Ahorro", 2'500'000, 0},
    {"user-123", "acc-458", "4152313400000458", "credit", "active", "Tarjeta de crédito", -250'000,
     3'000'000},
    {"user-456", "acc-789", "0123456780789", "checking", "active", "Cuenta de cheques", 1'500'000,
     0},
    {"user-456", "acc-790", "0123456780790", "savings", "frozen", "Ahorro congelado", 100'000, 0},
    {"user-999", "acc-999", "0123456780999", "checking", "active", "Cuenta de cheques", 10'000, 0},
    {"bank", "acc-clearing", "0000000000001", "clearing", "active", "SPEI clearing", 0, 0},
};

std::expected<void, std::string> core_banking_demo(WriteTx& tx) {
  for (const DemoAccount& a : kAccounts) {
    auto st = sqlite_impl::connection_of(tx).prepare(kInsertAccount);
    if (!st) return std::unexpected(st.error().message);
    auto r = st->bind(1, a.user_id)
                 .bind(2, a.account_id)
                 .bind(3, a.account_number)
                 .bind(4, a.type)
                 .bind(5, a.status)
                 .bind(6, a.name)
                 .bind(7, a.posted_minor)
                 .bind(8, a.credit_limit_minor)
                 .bind(9, tx.now_ms())
                 .exec();
    if (!r)
      return std::unexpected("demo account " + std::string(a.account_id) + ": " +
                             r.error().message);
  }
  return {};
}

// Each action group's part of the demo bank, in load order.
constexpr DemoPart kParts[] = {
    core_banking_demo,
    crm_demo,
    marketplace_demo,
};

}  // namespace

std::expected<bool, std::string> load_demo(Store& store) {
  std::string failure;
  bool loaded = false;
  const bool committed = store.write_sync([&](WriteTx& tx) {
    auto check = sqlite_impl::connection_of(tx).prepare(kSelectDemoLoaded);
    if (!check) {
      failure = check.error().message;
      return;
    }
    auto row = check->step();
    if (!row || *row) return;  // already loaded (or unreadable: reported below)
    Savepoint sp(tx);
    for (DemoPart part : kParts) {
      if (auto r = part(tx); !r) {
        failure = r.error();
        return;
      }
    }
    auto mark = sqlite_impl::connection_of(tx).prepare(kInsertDemoLoaded);
    if (!mark || !mark->bind(1, std::to_string(tx.now_ms())).exec()) {
      failure = "cannot mark the demo as loaded";
      return;
    }
    if (sp.release()) loaded = true;
  });
  if (!committed) return std::unexpected("the demo load did not commit");
  if (!failure.empty()) return std::unexpected("demo load failed: " + failure);
  return loaded;
}

}  // namespace centli::store
