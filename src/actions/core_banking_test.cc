// The transfer action against a real store holding the demo bank, with the clock of its
// transaction chosen by the test (a WriteTx carries the batch's time), so calendar rules are
// tested at the instants where they change and not at whatever time the test runs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "actions/groups.h"
#include "actions/registry.h"
#include "actions/services.h"
#include "store/demo.h"
#include "store/store.h"
#include "util/clock.h"

namespace centli::actions {
namespace {

// The writer's transaction with its clock set by the test.
class AtTime : public store::WriteTxWrapper {
 public:
  AtTime(store::WriteTx& tx, std::int64_t now_ms) : WriteTxWrapper(tx), now_ms_(now_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }

 private:
  std::int64_t now_ms_;
};

class TransferAtAGivenTime : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/centli-core-banking-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::Store::open({.data_dir = dir_});
    ASSERT_TRUE(s.has_value()) << s.error();
    store_ = std::move(*s);
    auto loaded = store::load_demo(*store_);
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    services_ = std::make_unique<Services>(Services{*store_, {}});
    register_core_banking(registry_);
    transfer_ = registry_.find("transfer");
    ASSERT_NE(transfer_, nullptr);
  }

  void TearDown() override {
    if (store_) store_->close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs user-456's transfer of `amount_minor` from acc-789 to user-123's acc-457 (another
  // person's account, so it counts toward the daily limit) in a transaction whose clock reads
  // `at` (ISO 8601). Returns the status: 201, or the refusal's HTTP status and code.
  std::string transfer_at(std::string_view at, std::int64_t amount_minor) {
    const auto now_ms = util::parse_iso8601_ms(at);
    EXPECT_TRUE(now_ms.has_value()) << at;
    Input input;
    input.set("from_account", std::string("acc-789"));
    input.set("to_account", std::string("acc-457"));
    input.set("amount", amount_minor);
    const auth::Principal person{auth::Principal::Kind::kUser, "user-456", false,
                                 auth::kPersonScopesDefault};
    const Call call{person, "user-456", input, "cor-daily", "en-US", *services_};
    auto fn = transfer_->prepare(call);
    if (!fn) return std::string(error_code_name(fn.error().code));
    std::string outcome;
    const bool committed = store_->write_sync([&](store::WriteTx& batch) {
      AtTime tx(batch, now_ms.value_or(0));
      store::Savepoint sp(tx);
      auto r = (*fn)(tx);
      outcome = r ? std::to_string(r->status) : std::string(error_code_name(r.error().code));
      if (r && !sp.release()) outcome = "savepoint release failed";
    });
    EXPECT_TRUE(committed);
    return outcome;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Services> services_;
  Registry registry_;
  const Action* transfer_ = nullptr;
};

// Mexico City is UTC-6 all year: its day starts at 06:00 UTC. Each pair of transfers below is
// split the other way by a UTC day boundary, so counting days in UTC (or in UTC+6) fails.
TEST_F(TransferAtAGivenTime, DailyLimitCountsCalendarDaysInMexicoCityTime) {
  services_->banking.daily_outflow_minor_max = 150'000;  // 1,500.00
  // 23:30 on 1 March in Mexico City, then 00:30 on 2 March: two days, one UTC day.
  EXPECT_EQ(transfer_at("2026-03-02T05:30:00Z", 100'000), "201");
  EXPECT_EQ(transfer_at("2026-03-02T06:30:00Z", 100'000), "201");
  // 18:30 on 2 March in Mexico City, already 3 March in UTC: the same day as the last one.
  EXPECT_EQ(transfer_at("2026-03-03T00:30:00Z", 60'000), "daily_limit_exceeded");
  // The last millisecond of 2 March in Mexico City still counts toward it (1,000 + 500).
  EXPECT_EQ(transfer_at("2026-03-03T05:59:59.999Z", 50'000), "201");
  EXPECT_EQ(transfer_at("2026-03-03T05:59:59.999Z", 1), "daily_limit_exceeded");
  // Midnight in Mexico City starts 3 March with the whole limit.
  EXPECT_EQ(transfer_at("2026-03-03T06:00:00Z", 150'000), "201");
  EXPECT_EQ(transfer_at("2026-03-03T06:00:00.001Z", 1), "daily_limit_exceeded");
}

}  // namespace
}  // namespace centli::actions
