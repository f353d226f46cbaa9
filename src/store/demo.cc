// The demo bank's loader (docs/demo-data.md) and its core banking part, written through the
// port only, so every backend loads the same data.
#include "store/demo.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "store/accounts.h"
#include "store/meta.h"

namespace centli::store {
namespace {

constexpr std::string_view kDemoLoadedKey = "demo_loaded";

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
    auto r = tx.accounts().insert({.user_id = a.user_id,
                                   .account_id = a.account_id,
                                   .account_number = a.account_number,
                                   .type = a.type,
                                   .status = a.status,
                                   .currency = "MXN",
                                   .name = a.name,
                                   .posted_minor = a.posted_minor,
                                   .credit_limit_minor = a.credit_limit_minor,
                                   .created_ms = tx.now_ms()});
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
    auto marker = tx.meta().get(kDemoLoadedKey);
    if (!marker) {
      failure = marker.error().message;
      return;
    }
    if (*marker) return;  // already loaded
    Savepoint sp(tx);
    for (DemoPart part : kParts) {
      if (auto r = part(tx); !r) {
        failure = r.error();
        return;
      }
    }
    if (auto mark = tx.meta().put(kDemoLoadedKey, std::to_string(tx.now_ms())); !mark) {
      failure = "cannot mark the demo as loaded: " + mark.error().message;
      return;
    }
    if (!sp.release()) {
      failure = "the demo's savepoint did not release";
      return;
    }
    loaded = true;
  });
  if (!committed) return std::unexpected("the demo load did not commit");
  if (!failure.empty()) return std::unexpected("demo load failed: " + failure);
  return loaded;
}

}  // namespace centli::store
