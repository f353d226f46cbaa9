// Not tests: the two nodes PostgreSQL's lock tests run on (store/postgres/two_nodes.h).
#include "store/postgres/two_nodes.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

namespace centli::store::testing {
namespace {

constexpr const char* kLockWaiters =
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'";
// How long another node's write may take to reach its lock wait before the test gives up: a
// bound on failure, not a timing the test relies on.
constexpr auto kLockWaitMax = std::chrono::seconds(10);
// How long node two's write may take beside node one's open write before it counts as waiting:
// a bound on failure (the write takes milliseconds), not a timing the tests rely on.
constexpr auto kAloneMax = std::chrono::seconds(5);

}  // namespace

void TwoNodes::SetUp() {
  CENTLI_SKIP_UNLESS_AVAILABLE("postgres");
  scratch_ = std::make_unique<ScratchStore>("postgres");
  ASSERT_EQ(scratch_->open(), "");
  auto second = Store::open(scratch_->options());
  ASSERT_TRUE(second.has_value()) << second.error();
  second_ = std::move(*second);
  probe_ = pg::Conn::connect(scratch_->options().url);
  ASSERT_TRUE(probe_->ok()) << probe_->error();
}

void TwoNodes::TearDown() {
  if (second_) second_->close();
  second_.reset();
  probe_.reset();
  scratch_.reset();
}

bool TwoNodes::someone_waits_on_a_lock() {
  const auto deadline = std::chrono::steady_clock::now() + kLockWaitMax;
  while (std::chrono::steady_clock::now() < deadline) {
    auto rows = probe_->exec(kLockWaiters);
    if (rows && rows->int64(0, 0) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool TwoNodes::with_node_one_open(const std::function<void(WriteTx&)>& first,
                                  const std::function<void()>& meanwhile,
                                  const std::function<void(WriteTx&)>& then) {
  std::promise<void> inside;
  std::promise<void> go_on;
  auto go_on_future = go_on.get_future().share();
  bool committed = false;
  std::thread one([&] {
    committed = (*scratch_)->write_sync([&](WriteTx& tx) {
      first(tx);
      inside.set_value();
      go_on_future.wait();
      if (then) then(tx);
    });
  });
  inside.get_future().wait();
  meanwhile();
  go_on.set_value();
  one.join();
  return committed;
}

void TwoNodes::overlap(const std::function<void(WriteTx&)>& first,
                       const std::function<void(WriteTx&)>& second,
                       const std::function<void(WriteTx&)>& then) {
  bool second_committed = false;
  bool waited = false;
  std::thread two;
  const bool first_committed = with_node_one_open(
      first,
      [&] {
        two = std::thread([&] { second_committed = second_->write_sync(second); });
        waited = someone_waits_on_a_lock();
      },
      then);
  two.join();
  EXPECT_TRUE(waited) << "node two's write did not wait for node one's";
  EXPECT_TRUE(first_committed);
  EXPECT_TRUE(second_committed);
}

void TwoNodes::beside(const std::function<void(WriteTx&)>& first,
                      const std::function<void(WriteTx&)>& second) {
  std::future<bool> two;
  bool alone = false;
  const bool first_committed = with_node_one_open(
      first,
      [&] {
        two = std::async(std::launch::async, [&] { return second_->write_sync(second); });
        alone = two.wait_for(kAloneMax) == std::future_status::ready;
      },
      {});
  EXPECT_TRUE(alone) << "node two's write waited for node one's";
  EXPECT_TRUE(two.get());
  EXPECT_TRUE(first_committed);
}

}  // namespace centli::store::testing
