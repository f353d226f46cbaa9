// The event repositories' contracts (store/events.h), written against the port only: the same
// cases are meant to run on every backend. Each test opens a real store in a temporary
// directory (or a scratch PostgreSQL database). What only shows with two processes on one
// database is in store/postgres/event_nodes_test.cc.
#include "store/events.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/scratch_store.h"
#include "store/store.h"

namespace centli::store {
namespace {

class EventsPort : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CENTLI_SKIP_UNLESS_AVAILABLE(GetParam());
    scratch_ = std::make_unique<testing::ScratchStore>(GetParam());
    const std::string opened = scratch_->open();
    ASSERT_EQ(opened, "");
    store_ = std::move(scratch_->get());
  }

  void TearDown() override {
    reader_.reset();
    if (store_) store_->close();
    store_.reset();
    scratch_.reset();
  }

  // Runs `fn` in one committed write.
  void write(const std::function<void(WriteTx&)>& fn) { ASSERT_TRUE(store_->write_sync(fn)); }

  // Runs `fn` in its own savepoint of a write and returns its result; the savepoint is kept
  // only when `fn` succeeded (a failed statement must not spoil the batch on any backend).
  template <class T>
  Result<T> write_one(const std::function<Result<T>(WriteTx&)>& fn) {
    Result<T> out = std::unexpected(Error{Error::Kind::kFailed, "not run"});
    EXPECT_TRUE(store_->write_sync([&](WriteTx& tx) {
      Savepoint sp(tx);
      out = fn(tx);
      // A store may send a write with the release: its failure is then the release's.
      if (out) {
        if (auto released = sp.release(); !released) out = std::unexpected(released.error());
      }
    }));
    return out;
  }

  // Appends an event created at created_ms; returns its seq.
  std::int64_t append(const std::string& event_id, std::int64_t created_ms,
                      const std::string& type = "TRANSFER_COMPLETED",
                      const std::string& correlation = "corr-1") {
    const OutboxEvent e{.event_id = event_id,
                        .event_type = type,
                        .source = "core-banking",
                        .user_id = "user-123",
                        .correlation_id = correlation,
                        .created_ms = created_ms,
                        .envelope = R"({"event_id":")" + event_id + R"("})"};
    auto r = write_one<void>([&](WriteTx& tx) { return tx.outbox().append(e); });
    EXPECT_TRUE(r.has_value()) << r.error().message;
    auto all = reader_tx().outbox().after(0, 1000);
    EXPECT_TRUE(all.has_value());
    return all && !all->empty() ? all->back().seq : -1;
  }

  std::int64_t enqueue(std::int64_t seq, const std::string& event_id, const std::string& target,
                       std::int64_t at_ms, bool replay = false) {
    write([&](WriteTx& tx) {
      ASSERT_TRUE(tx.deliveries().insert({.seq = seq,
                                          .event_id = event_id,
                                          .rule = "r",
                                          .target = target,
                                          .replay = replay,
                                          .enqueued_ms = at_ms}));
    });
    auto due = reader_tx().deliveries().due(target, at_ms, 1000);
    EXPECT_TRUE(due.has_value());
    return due && !due->empty() ? due->back().delivery_id : -1;
  }

  std::vector<DueDelivery> due(const std::string& target, std::int64_t now_ms,
                               std::int64_t limit = 1000) {
    auto d = reader_tx().deliveries().due(target, now_ms, limit);
    EXPECT_TRUE(d.has_value()) << d.error().message;
    return d ? *d : std::vector<DueDelivery>{};
  }

  // Claims in one committed write.
  std::vector<DueDelivery> claim(const std::string& target, std::int64_t now_ms,
                                 std::int64_t lease_until_ms, std::int64_t limit) {
    auto d = write_one<std::vector<DueDelivery>>(
        [&](WriteTx& tx) { return tx.deliveries().claim(target, now_ms, lease_until_ms, limit); });
    EXPECT_TRUE(d.has_value()) << d.error().message;
    return d.value_or(std::vector<DueDelivery>{});
  }

  // Routes up to `limit` events in one committed write, as the dispatcher does: takes the
  // unrouted ones and marks them routed; returns their ids.
  std::vector<std::string> route(std::int64_t limit) {
    std::vector<std::string> out;
    write([&](WriteTx& tx) {
      auto taken = tx.outbox().unrouted(limit);
      ASSERT_TRUE(taken.has_value()) << taken.error().message;
      std::vector<std::int64_t> seqs;
      for (const auto& e : *taken) {
        seqs.push_back(e.seq);
        out.push_back(e.event_id);
      }
      ASSERT_TRUE(tx.outbox().mark_routed(seqs));
    });
    return out;
  }

  // A read transaction held until the next call (a Reader returns its connection on
  // destruction).
  ReadTx& reader_tx() {
    reader_.reset();
    reader_ = std::make_unique<Reader>(store_->reader());
    return reader_->tx();
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Reader> reader_;
};

std::vector<std::string> ids(const std::vector<OutboxEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.event_id);
  return out;
}

std::vector<std::int64_t> delivery_ids(const std::vector<DueDelivery>& deliveries) {
  std::vector<std::int64_t> out;
  for (const auto& d : deliveries) out.push_back(d.delivery_id);
  return out;
}

TEST_P(EventsPort, OutboxAppendKeepsEveryFieldAndGivesSeqInCommitOrder) {
  const std::int64_t a = append("evt-a", 100);
  const std::int64_t b = append("evt-b", 100);
  EXPECT_GT(b, a);
  auto all = reader_tx().outbox().after(0, 10);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  const OutboxEvent& e = all->front();
  EXPECT_EQ(e.seq, a);
  EXPECT_EQ(e.event_id, "evt-a");
  EXPECT_EQ(e.event_type, "TRANSFER_COMPLETED");
  EXPECT_EQ(e.source, "core-banking");
  EXPECT_EQ(e.user_id, "user-123");
  EXPECT_EQ(e.correlation_id, "corr-1");
  EXPECT_EQ(e.created_ms, 100);
  EXPECT_EQ(e.envelope, R"({"event_id":"evt-a"})");
}

TEST_P(EventsPort, OutboxAppendRefusesAnEventIdAlreadyThere) {
  append("evt-a", 100);
  auto again = write_one<void>([](WriteTx& tx) {
    return tx.outbox().append({.event_id = "evt-a", .event_type = "X", .envelope = "{}"});
  });
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, Error::Kind::kConstraint);
  EXPECT_EQ(reader_tx().outbox().after(0, 10)->size(), 1u);
}

// Two commands in one batch: the first one's refused append (whenever the store reports it) is
// the first command's failure alone; the second command's append is kept.
TEST_P(EventsPort, ARefusedAppendFailsOnlyItsOwnCommandInTheBatch) {
  append("evt-a", 100);
  std::optional<Error::Kind> first;
  bool second = false;
  ASSERT_TRUE(store_->write_sync([&](WriteTx& tx) {
    {
      Savepoint sp(tx);
      auto r = tx.outbox().append({.event_id = "evt-a", .event_type = "X", .envelope = "{}"});
      if (r) r = sp.release();
      if (!r) first = r.error().kind;
    }
    Savepoint sp(tx);
    auto r = tx.outbox().append({.event_id = "evt-b", .event_type = "X", .envelope = "{}"});
    if (r) r = sp.release();
    second = r.has_value();
  }));
  EXPECT_EQ(first, Error::Kind::kConstraint);
  EXPECT_TRUE(second);
  auto all = reader_tx().outbox().after(0, 10);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->back().event_id, "evt-b");
}

TEST_P(EventsPort, OutboxAfterStartsPastTheSeqAndStopsAtTheLimit) {
  const std::int64_t a = append("evt-a", 100);
  append("evt-b", 200);
  append("evt-c", 300);
  EXPECT_EQ(ids(*reader_tx().outbox().after(a, 10)), (std::vector<std::string>{"evt-b", "evt-c"}));
  EXPECT_EQ(ids(*reader_tx().outbox().after(0, 2)), (std::vector<std::string>{"evt-a", "evt-b"}));
  EXPECT_TRUE(reader_tx().outbox().after(a + 2, 10)->empty());
}

TEST_P(EventsPort, OutboxWindowIncludesBothEndsAndStartsPastTheSeq) {
  append("evt-a", 100);
  const std::int64_t b = append("evt-b", 200);
  append("evt-c", 300);
  append("evt-d", 301);
  EXPECT_EQ(ids(*reader_tx().outbox().window(200, 300, 0, 10)),
            (std::vector<std::string>{"evt-b", "evt-c"}));
  EXPECT_EQ(ids(*reader_tx().outbox().window(100, 301, b, 10)),
            (std::vector<std::string>{"evt-c", "evt-d"}));
  EXPECT_EQ(ids(*reader_tx().outbox().window(100, 301, 0, 1)), (std::vector<std::string>{"evt-a"}));
}

TEST_P(EventsPort, OutboxListFiltersByTypeCorrelationTimeAndSeq) {
  const std::int64_t a = append("evt-a", 100, "TRANSFER_COMPLETED", "c1");
  append("evt-b", 200, "BENEFICIARY_ADDED", "c1");
  append("evt-c", 300, "TRANSFER_COMPLETED", "c2");
  auto list = [&](ArchiveFilter f, std::int64_t limit = 10) {
    return ids(*reader_tx().outbox().list(f, limit));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{"evt-a", "evt-b", "evt-c"}));
  EXPECT_EQ(list({.event_type = "TRANSFER_COMPLETED"}), (V{"evt-a", "evt-c"}));
  EXPECT_EQ(list({.correlation_id = "c1"}), (V{"evt-a", "evt-b"}));
  EXPECT_EQ(list({.since_ms = 200}), (V{"evt-b", "evt-c"}));
  EXPECT_EQ(list({.after_seq = a}), (V{"evt-b", "evt-c"}));
  EXPECT_EQ(list({.event_type = "TRANSFER_COMPLETED", .correlation_id = "c2"}), (V{"evt-c"}));
  EXPECT_EQ(list({}, 1), (V{"evt-a"}));
}

TEST_P(EventsPort, RetentionSweepsOnlyOldRoutedEventsWithNothingLeftButDeliveredRows) {
  const std::int64_t settled = append("evt-settled", 100);
  const std::int64_t pending = append("evt-pending", 100);
  append("evt-quiet", 100);  // no delivery at all
  append("evt-recent", 5000);
  append("evt-unrouted", 100);
  const std::int64_t done = enqueue(settled, "evt-settled", "t/0", 100);
  enqueue(pending, "evt-pending", "t/0", 100);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_delivered(done, 1, 150)); });
  EXPECT_EQ(route(4),
            (std::vector<std::string>{"evt-settled", "evt-pending", "evt-quiet", "evt-recent"}));
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.deliveries().sweep_delivered(1000));
    ASSERT_TRUE(tx.outbox().sweep(1000));
  });
  EXPECT_EQ(ids(*reader_tx().outbox().after(0, 10)),
            (std::vector<std::string>{"evt-pending", "evt-recent", "evt-unrouted"}));
  EXPECT_EQ(due("t/0", 100).size(), 1u);  // the pending delivery stays
}

TEST_P(EventsPort, RetentionKeepsEverythingBeforeTheFirstRouting) {
  append("evt-a", 100);
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.deliveries().sweep_delivered(1000));
    ASSERT_TRUE(tx.outbox().sweep(1000));
  });
  EXPECT_EQ(ids(*reader_tx().outbox().after(0, 10)), (std::vector<std::string>{"evt-a"}));
}

TEST_P(EventsPort, UnroutedListsEventsInSeqOrderUntilMarkedRouted) {
  append("evt-a", 100);
  append("evt-b", 100);
  append("evt-c", 100);
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(*reader_tx().outbox().unrouted(10)), (V{"evt-a", "evt-b", "evt-c"}));
  EXPECT_EQ(ids(*reader_tx().outbox().unrouted(2)), (V{"evt-a", "evt-b"}));
  EXPECT_EQ(route(2), (V{"evt-a", "evt-b"}));
  EXPECT_EQ(ids(*reader_tx().outbox().unrouted(10)), (V{"evt-c"}));
  append("evt-d", 100);
  EXPECT_EQ(route(10), (V{"evt-c", "evt-d"}));
  EXPECT_TRUE(reader_tx().outbox().unrouted(10)->empty());
  EXPECT_TRUE(route(10).empty());
  // Routing changes nothing else: the archive and replays still see every event.
  EXPECT_EQ(ids(*reader_tx().outbox().after(0, 10)), (V{"evt-a", "evt-b", "evt-c", "evt-d"}));
  EXPECT_EQ(ids(*reader_tx().outbox().window(0, 100, 0, 10)),
            (V{"evt-a", "evt-b", "evt-c", "evt-d"}));
}

TEST_P(EventsPort, UnroutedEventsStayUnroutedWhenTheMarkingWriteRollsBack) {
  append("evt-a", 100);
  write([](WriteTx& tx) {
    Savepoint sp(tx);
    auto taken = tx.outbox().unrouted(10);
    ASSERT_TRUE(taken.has_value());
    ASSERT_EQ(taken->size(), 1u);
    const std::int64_t seq = taken->front().seq;
    ASSERT_TRUE(tx.outbox().mark_routed(std::span<const std::int64_t>(&seq, 1)));
  });  // not released: rolled back
  EXPECT_EQ(ids(*reader_tx().outbox().unrouted(10)), (std::vector<std::string>{"evt-a"}));
}

TEST_P(EventsPort, DeliveryInsertedTwiceIsOneUnlessAReplay) {
  const std::int64_t seq = append("evt-a", 100);
  enqueue(seq, "evt-a", "t/0", 100);
  enqueue(seq, "evt-a", "t/0", 100);
  EXPECT_EQ(due("t/0", 100).size(), 1u);
  enqueue(seq, "evt-a", "t/1", 100);
  EXPECT_EQ(due("t/0", 100).size(), 1u);
  enqueue(seq, "evt-a", "t/0", 100, /*replay=*/true);
  auto d = due("t/0", 100);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FALSE(d[0].replay);
  EXPECT_TRUE(d[1].replay);
}

TEST_P(EventsPort, DueListsPendingDeliveriesOfTheTargetWithTheirEventEarliestFirst) {
  const std::int64_t a = append("evt-a", 100);
  const std::int64_t b = append("evt-b", 100);
  const std::int64_t late = enqueue(a, "evt-a", "t/0", 300);
  const std::int64_t early = enqueue(b, "evt-b", "t/0", 200);
  enqueue(a, "evt-a", "t/1", 100);
  EXPECT_TRUE(due("t/0", 199).empty());
  auto d = due("t/0", 300);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].delivery_id, early);
  EXPECT_EQ(d[1].delivery_id, late);
  EXPECT_EQ(d[0].attempts, 0);
  EXPECT_EQ(d[0].first_ms, 200);
  EXPECT_EQ(d[0].event.seq, b);
  EXPECT_EQ(d[0].event.event_id, "evt-b");
  EXPECT_EQ(d[0].event.source, "core-banking");
  EXPECT_EQ(d[0].event.envelope, R"({"event_id":"evt-b"})");
  EXPECT_EQ(due("t/0", 300, 1).size(), 1u);
}

TEST_P(EventsPort, OutcomesMoveOnlyPendingDeliveries) {
  const std::int64_t seq = append("evt-a", 100);
  const std::int64_t id = enqueue(seq, "evt-a", "t/0", 100);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_retry(id, 1, 500, 100, "HTTP 503")); });
  EXPECT_TRUE(due("t/0", 499).empty());
  auto d = due("t/0", 500);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(d[0].first_ms, 100);

  auto dead = write_one<bool>(
      [&](WriteTx& tx) { return tx.deliveries().mark_dead(id, 2, 600, "HTTP 500"); });
  ASSERT_TRUE(dead.has_value());
  EXPECT_TRUE(*dead);
  EXPECT_TRUE(due("t/0", 10'000).empty());
  auto again = write_one<bool>(
      [&](WriteTx& tx) { return tx.deliveries().mark_dead(id, 3, 700, "HTTP 500"); });
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);

  const std::int64_t other = enqueue(seq, "evt-a", "t/1", 100);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_delivered(other, 1, 150)); });
  EXPECT_TRUE(due("t/1", 10'000).empty());
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_retry(other, 2, 200, 150, "x")); });
  EXPECT_TRUE(due("t/1", 10'000).empty());  // a delivered row stays delivered
}

TEST_P(EventsPort, ClaimTakesDueDeliveriesEarliestFirstWithTheirEventsAndLeasesThem) {
  const std::int64_t a = append("evt-a", 100);
  const std::int64_t b = append("evt-b", 100);
  const std::int64_t late = enqueue(a, "evt-a", "t/0", 300);
  const std::int64_t early = enqueue(b, "evt-b", "t/0", 200);
  const std::int64_t later = enqueue(b, "evt-b", "t/0", 400, /*replay=*/true);  // not due yet
  const std::int64_t other = enqueue(a, "evt-a", "t/1", 100);
  auto first = claim("t/0", 300, 1300, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].delivery_id, early);
  EXPECT_EQ(first[0].attempts, 0);
  EXPECT_EQ(first[0].first_ms, 200);
  EXPECT_FALSE(first[0].replay);
  EXPECT_EQ(first[0].event.seq, b);
  EXPECT_EQ(first[0].event.event_id, "evt-b");
  EXPECT_EQ(first[0].event.envelope, R"({"event_id":"evt-b"})");
  // The lease hides a claimed delivery from the next claim and from due() until it ends.
  EXPECT_EQ(delivery_ids(claim("t/0", 300, 1300, 10)), (std::vector<std::int64_t>{late}));
  EXPECT_TRUE(claim("t/0", 399, 1399, 10).empty());
  EXPECT_EQ(delivery_ids(due("t/0", 1299)), (std::vector<std::int64_t>{later}));
  EXPECT_EQ(delivery_ids(due("t/1", 100)), (std::vector<std::int64_t>{other}));
  // Past the lease (its claimer died) another claim takes them, attempts unchanged; leased
  // alike, the two are in delivery_id order.
  auto again = claim("t/0", 1300, 2300, 10);
  EXPECT_EQ(delivery_ids(again), (std::vector<std::int64_t>{later, late, early}));
  ASSERT_EQ(again.size(), 3u);
  EXPECT_TRUE(again[0].replay);
  EXPECT_EQ(again[2].attempts, 0);
}

TEST_P(EventsPort, OutcomesMoveAClaimedDeliveryAsAnyPendingOne) {
  const std::int64_t seq = append("evt-a", 100);
  const std::int64_t id = enqueue(seq, "evt-a", "t/0", 100);
  ASSERT_EQ(claim("t/0", 100, 60'100, 10).size(), 1u);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_retry(id, 1, 500, 200, "HTTP 503")); });
  auto d = claim("t/0", 500, 60'500, 10);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].attempts, 1);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_delivered(id, 2, 600)); });
  EXPECT_TRUE(claim("t/0", 100'000, 160'000, 10).empty());
}

TEST_P(EventsPort, ReleaseMakesAClaimDueAgainOnlyUnderItsOwnLease) {
  const std::int64_t seq = append("evt-a", 100);
  const std::int64_t id = enqueue(seq, "evt-a", "t/0", 100);
  ASSERT_EQ(claim("t/0", 100, 1100, 10).size(), 1u);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().release(id, 1100, 200)); });
  auto d = claim("t/0", 200, 1200, 10);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].attempts, 0);
  // A release under a lease that is no longer the delivery's (claimed again since) does nothing.
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().release(id, 1100, 300)); });
  EXPECT_TRUE(due("t/0", 1199).empty());
  // Nor does one of a delivery no longer pending.
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().mark_delivered(id, 1, 400)); });
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().release(id, 1200, 500)); });
  EXPECT_TRUE(due("t/0", 100'000).empty());
}

TEST_P(EventsPort, ReplayRequestsAreListedUntilFinished) {
  auto first = write_one<std::int64_t>(
      [](WriteTx& tx) { return tx.deliveries().add_replay(100, 200, "", 1000); });
  auto second = write_one<std::int64_t>(
      [](WriteTx& tx) { return tx.deliveries().add_replay(300, 400, "rule-x", 1001); });
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_GT(*second, *first);
  auto open = reader_tx().deliveries().open_replays(10);
  ASSERT_TRUE(open.has_value());
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].replay_id, *first);
  EXPECT_EQ((*open)[1].from_ms, 300);
  EXPECT_EQ((*open)[1].to_ms, 400);
  EXPECT_EQ((*open)[1].rule, "rule-x");
  EXPECT_EQ(reader_tx().deliveries().open_replays(1)->size(), 1u);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.deliveries().finish_replay(*first, 2000)); });
  open = reader_tx().deliveries().open_replays(10);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().replay_id, *second);
}

class EventsPortDead : public EventsPort {
 protected:
  // Two dead deliveries of evt-a (targets t/0 and t/1), dead letters dlq-0 and dlq-1.
  void SetUp() override {
    EventsPort::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    seq_ = append("evt-a", 100, "TRANSFER_COMPLETED", "corr-a");
    for (int i = 0; i < 2; ++i) {
      const std::string target = "t/" + std::to_string(i);
      const std::int64_t id = enqueue(seq_, "evt-a", target, 100);
      delivery_ids_[i] = id;
      write([&](WriteTx& tx) {
        ASSERT_TRUE(tx.deliveries().mark_dead(id, 3, 200 + i, "HTTP 500").value_or(false));
        ASSERT_TRUE(tx.dead_letters().insert({.dead_id = "dlq-" + std::to_string(i),
                                              .delivery_id = id,
                                              .event_id = "evt-a",
                                              .rule = "r",
                                              .target = target,
                                              .attempts = 3,
                                              .last_error = "HTTP 500",
                                              .dead_ms = 200 + i}));
      });
    }
  }

  std::vector<DeadLetter> list(std::string_view dead_id = "") {
    auto rows = reader_tx().dead_letters().list(dead_id, 10);
    EXPECT_TRUE(rows.has_value());
    return rows ? *rows : std::vector<DeadLetter>{};
  }

  std::int64_t seq_ = 0;
  std::int64_t delivery_ids_[2] = {};  // of dlq-0 and dlq-1
};

TEST_P(EventsPortDead, ListShowsEachDeadLetterWithItsEventOldestFirst) {
  auto rows = list();
  ASSERT_EQ(rows.size(), 2u);
  const DeadLetter& d = rows[0];
  EXPECT_EQ(d.dead_id, "dlq-0");
  EXPECT_EQ(d.event_id, "evt-a");
  EXPECT_EQ(d.event_type, "TRANSFER_COMPLETED");
  EXPECT_EQ(d.correlation_id, "corr-a");
  EXPECT_EQ(d.rule, "r");
  EXPECT_EQ(d.target, "t/0");
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_error, "HTTP 500");
  EXPECT_EQ(d.dead_ms, 200);
  EXPECT_EQ(d.envelope, R"({"event_id":"evt-a"})");
  EXPECT_EQ(rows[1].dead_id, "dlq-1");
  ASSERT_EQ(list("dlq-1").size(), 1u);
  EXPECT_EQ(list("dlq-1")[0].target, "t/1");
  EXPECT_TRUE(list("dlq-9").empty());
  EXPECT_EQ(reader_tx().dead_letters().list("", 1)->size(), 1u);
}

TEST_P(EventsPortDead, RedriveOfOneMakesItsDeliveryPendingAfreshAndDropsOnlyIt) {
  auto n =
      write_one<std::int64_t>([](WriteTx& tx) { return tx.dead_letters().redrive("dlq-1", 5000); });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(due("t/0", 10'000).empty());
  EXPECT_TRUE(due("t/1", 4999).empty());
  auto d = due("t/1", 5000);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].attempts, 0);
  EXPECT_EQ(d[0].first_ms, 5000);
  auto rows = list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].dead_id, "dlq-0");
}

TEST_P(EventsPortDead, RedriveOfAllAndOfAnUnknownIdCountWhatTheyTook) {
  auto none =
      write_one<std::int64_t>([](WriteTx& tx) { return tx.dead_letters().redrive("dlq-9", 5000); });
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0);
  auto all =
      write_one<std::int64_t>([](WriteTx& tx) { return tx.dead_letters().redrive("", 5000); });
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, 2);
  EXPECT_TRUE(list().empty());
  EXPECT_EQ(due("t/0", 5000).size(), 1u);
  EXPECT_EQ(due("t/1", 5000).size(), 1u);
}

TEST_P(EventsPortDead, PurgeDeletesDeadLettersAndTheirDeliveries) {
  auto one = write_one<std::int64_t>([](WriteTx& tx) { return tx.dead_letters().purge("dlq-0"); });
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, 1);
  ASSERT_EQ(list().size(), 1u);
  // The purged delivery is gone, not dead: the retention sweep may now take the event once
  // the other one goes too.
  auto rest = write_one<std::int64_t>([](WriteTx& tx) { return tx.dead_letters().purge(""); });
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, 1);
  EXPECT_TRUE(list().empty());
  route(10);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.outbox().sweep(1000)); });
  EXPECT_TRUE(reader_tx().outbox().after(0, 10)->empty());
}

TEST_P(EventsPortDead, InsertReplacesTheDeadLetterWithTheSameIdOrTheSameDelivery) {
  auto insert = [&](const std::string& dead_id, std::int64_t delivery_id, std::int64_t dead_ms) {
    write([&](WriteTx& tx) {
      ASSERT_TRUE(tx.dead_letters().insert({.dead_id = dead_id,
                                            .delivery_id = delivery_id,
                                            .event_id = "evt-a",
                                            .rule = "r",
                                            .target = "t/x",
                                            .attempts = 7,
                                            .last_error = "again",
                                            .dead_ms = dead_ms}));
    });
  };
  insert("dlq-0", delivery_ids_[0], 250);
  auto rows = list();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dead_id, "dlq-1");
  EXPECT_EQ(rows[1].dead_id, "dlq-0");
  EXPECT_EQ(rows[1].target, "t/x");
  EXPECT_EQ(rows[1].attempts, 7);
  EXPECT_EQ(rows[1].last_error, "again");
  EXPECT_EQ(rows[1].dead_ms, 250);
  insert("dlq-2", delivery_ids_[1], 260);  // dlq-1's delivery: dlq-1 goes
  rows = list();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dead_id, "dlq-0");
  EXPECT_EQ(rows[1].dead_id, "dlq-2");
}

TEST_P(EventsPortDead, ADeadLetterOfASweptEventListsWithoutIt) {
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.dead_letters().purge("")); });
  // Dead letters written again for deliveries that no longer exist, after the event is swept.
  route(10);
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.outbox().sweep(1000)); });
  write([](WriteTx& tx) {
    ASSERT_TRUE(tx.dead_letters().insert({.dead_id = "dlq-x",
                                          .delivery_id = 99,
                                          .event_id = "evt-a",
                                          .rule = "r",
                                          .target = "t/0",
                                          .attempts = 1,
                                          .last_error = "e",
                                          .dead_ms = 300}));
  });
  auto rows = list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event_type, "");
  EXPECT_EQ(rows[0].correlation_id, "");
  EXPECT_EQ(rows[0].envelope, "");
}

TEST_P(EventsPort, InboxRemembersEachConsumersEventsOnce) {
  EXPECT_FALSE(reader_tx().inbox().contains("c", "evt-a").value_or(true));
  write([](WriteTx& tx) { ASSERT_TRUE(tx.inbox().insert("c", "evt-a", 100)); });
  EXPECT_TRUE(reader_tx().inbox().contains("c", "evt-a").value_or(false));
  EXPECT_FALSE(reader_tx().inbox().contains("other", "evt-a").value_or(true));
  EXPECT_FALSE(reader_tx().inbox().contains("c", "evt-b").value_or(true));
  auto again = write_one<void>([](WriteTx& tx) { return tx.inbox().insert("c", "evt-a", 200); });
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, Error::Kind::kConstraint);
}

TEST_P(EventsPort, TestConsumerCountsAnEventAppliedAgain) {
  // The count itself is read by the black-box tests (meta test_consumer:<event_id>); here the
  // second application must add to it, not fail.
  for (int i = 0; i < 2; ++i) {
    auto r = write_one<void>([](WriteTx& tx) { return tx.inbox().test_count_application("e"); });
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, EventsPort, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });
INSTANTIATE_TEST_SUITE_P(Stores, EventsPortDead, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace centli::store
