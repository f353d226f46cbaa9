// Two centli nodes on one PostgreSQL database (store/postgres/two_nodes.h) routing events and
// claiming deliveries at once: an event whose transaction commits after one with a higher seq is
// still routed; two routing writes take disjoint events and two claims of one target disjoint
// deliveries, neither waiting for the other; and when both nodes apply one event to an internal
// consumer, the second inbox insert waits, is refused, and its savepoint takes its effect back.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/events.h"
#include "store/meta.h"
#include "store/postgres/two_nodes.h"

namespace centli::store {
namespace {

OutboxEvent event(const std::string& event_id) {
  return {.event_id = event_id,
          .event_type = "TRANSFER_COMPLETED",
          .source = "core-banking",
          .user_id = "user-123",
          .created_ms = 100,
          .envelope = R"({"event_id":")" + event_id + R"("})"};
}

std::vector<std::string> ids(const std::vector<OutboxEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.event_id);
  return out;
}

// Marks all of `events` routed.
void mark(WriteTx& tx, const std::vector<OutboxEvent>& events) {
  std::vector<std::int64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.seq);
  ASSERT_TRUE(tx.outbox().mark_routed(seqs));
}

class PgEventNodes : public testing::TwoNodes {
 protected:
  // Commits `n` events evt-0 .. evt-<n-1>, each with a delivery to t/0 due at 100.
  void seed(int n) {
    ASSERT_TRUE((*scratch_)->write_sync([n](WriteTx& tx) {
      for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(tx.outbox().append(event("evt-" + std::to_string(i))));
      }
      auto all = tx.outbox().after(0, n);
      ASSERT_TRUE(all.has_value());
      for (const auto& e : *all) {
        ASSERT_TRUE(tx.deliveries().insert({.seq = e.seq,
                                            .event_id = e.event_id,
                                            .rule = "r",
                                            .target = "t/0",
                                            .enqueued_ms = 100}));
      }
    }));
  }

  // The events no node has routed, as node one reads them.
  std::vector<std::string> unrouted() {
    auto reader = (*scratch_)->reader();
    auto rows = reader.tx().outbox().unrouted(100);
    EXPECT_TRUE(rows.has_value());
    return rows ? ids(*rows) : std::vector<std::string>{};
  }
};

TEST_F(PgEventNodes, AnEventCommittedAfterOneWithAHigherSeqIsStillRouted) {
  std::int64_t early_seq = 0;
  std::int64_t late_seq = 0;
  beside(
      [&](WriteTx& tx) {
        ASSERT_TRUE(tx.outbox().append(event("evt-early")));
        auto mine = tx.outbox().after(0, 10);
        ASSERT_TRUE(mine.has_value() && mine->size() == 1u);
        early_seq = mine->front().seq;
      },
      [&](WriteTx& tx) {
        // Node two appends later (a higher seq), commits first, and routes what it sees then.
        ASSERT_TRUE(tx.outbox().append(event("evt-late")));
        auto taken = tx.outbox().unrouted(10);
        ASSERT_TRUE(taken.has_value());
        EXPECT_EQ(ids(*taken), (std::vector<std::string>{"evt-late"}));
        if (!taken->empty()) late_seq = taken->front().seq;
        mark(tx, *taken);
      });
  EXPECT_LT(early_seq, late_seq);
  // A cursor at late_seq would pass evt-early for good; the mark leaves it to be routed.
  EXPECT_EQ(unrouted(), (std::vector<std::string>{"evt-early"}));
}

TEST_F(PgEventNodes, TwoNodesRoutingAtOnceTakeDisjointEventsWithoutWaiting) {
  seed(4);
  std::vector<std::string> one;
  std::vector<std::string> two;
  beside(
      [&](WriteTx& tx) {
        auto taken = tx.outbox().unrouted(2);
        ASSERT_TRUE(taken.has_value());
        one = ids(*taken);
        mark(tx, *taken);
      },
      [&](WriteTx& tx) {
        auto taken = tx.outbox().unrouted(10);
        ASSERT_TRUE(taken.has_value());
        two = ids(*taken);
        mark(tx, *taken);
      });
  EXPECT_EQ(one, (std::vector<std::string>{"evt-0", "evt-1"}));
  EXPECT_EQ(two, (std::vector<std::string>{"evt-2", "evt-3"}));
  EXPECT_TRUE(unrouted().empty());
}

TEST_F(PgEventNodes, TwoNodesClaimingOneTargetGetDisjointDeliveriesWithoutWaiting) {
  seed(6);
  std::vector<std::int64_t> one;
  std::vector<std::int64_t> two;
  auto claim = [](WriteTx& tx, std::int64_t limit, std::vector<std::int64_t>& out) {
    auto claimed = tx.deliveries().claim("t/0", 1000, 61'000, limit);
    ASSERT_TRUE(claimed.has_value()) << claimed.error().message;
    for (const auto& d : *claimed) out.push_back(d.delivery_id);
  };
  beside([&](WriteTx& tx) { claim(tx, 2, one); }, [&](WriteTx& tx) { claim(tx, 10, two); });
  EXPECT_EQ(one.size(), 2u);
  EXPECT_EQ(two.size(), 4u);
  std::set<std::int64_t> all(one.begin(), one.end());
  all.insert(two.begin(), two.end());
  EXPECT_EQ(all.size(), 6u) << "a delivery was claimed by both nodes";
  // Both claims are leased: nothing is due for a third claim before the lease ends.
  auto reader = second_->reader();
  auto due = reader.tx().deliveries().due("t/0", 60'999, 10);
  ASSERT_TRUE(due.has_value());
  EXPECT_TRUE(due->empty());
}

TEST_F(PgEventNodes, TwoNodesApplyingOneEventApplyItOnce) {
  // What Bus::Impl::apply_one does on each node: check the inbox, apply the effect in a
  // savepoint, record the event in the inbox; node two's savepoint goes when its insert fails.
  std::optional<Error::Kind> refused;
  overlap(
      [](WriteTx& tx) {
        ASSERT_FALSE(tx.inbox().contains("saga", "evt-x").value_or(true));
        ASSERT_TRUE(tx.meta().put("effect:one", "1"));
        ASSERT_TRUE(tx.inbox().insert("saga", "evt-x", 100));
      },
      [&](WriteTx& tx) {
        ASSERT_FALSE(tx.inbox().contains("saga", "evt-x").value_or(true));  // not committed
        Savepoint sp(tx);
        ASSERT_TRUE(tx.meta().put("effect:two", "1"));
        auto inserted = tx.inbox().insert("saga", "evt-x", 100);  // waits for node one
        if (inserted) {
          EXPECT_TRUE(sp.release());
        } else {
          refused = inserted.error().kind;
        }
      });
  EXPECT_EQ(refused, Error::Kind::kConstraint);
  auto reader = (*scratch_)->reader();
  EXPECT_EQ(reader.tx().meta().get("effect:one").value_or(std::nullopt), "1");
  EXPECT_EQ(reader.tx().meta().get("effect:two").value_or(std::nullopt), std::nullopt);
  EXPECT_TRUE(reader.tx().inbox().contains("saga", "evt-x").value_or(false));
}

}  // namespace
}  // namespace centli::store
