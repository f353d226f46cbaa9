// For PostgreSQL's lock tests: two centli nodes (two stores on the URL of one scratch database)
// and ways to make one node's write overlap the other's (and wait for it, or not). The port's
// contract tests cannot show locking: they have one node. Skips the test when no test PostgreSQL is
// set (CENTLI_TEST_PG_URL_FILE, store/scratch_store.h).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "store/postgres/conn.h"
#include "store/scratch_store.h"
#include "store/store.h"

namespace centli::store::testing {

class TwoNodes : public ::testing::Test {
 protected:
  // A derived SetUp calls this first and returns when IsSkipped() or HasFatalFailure().
  void SetUp() override;
  void TearDown() override;

  // True once a backend of the scratch database waits on a lock; false after a bound on failure
  // (not a timing the tests rely on).
  bool someone_waits_on_a_lock();

  // Runs `first` in a write of node one and, while that write is still open, `second` in a
  // write of node two; once the second waits on a lock (or the bound passed), runs `then` in
  // node one's write and lets it commit. Expects both writes to commit and the second to have
  // waited.
  void overlap(const std::function<void(WriteTx&)>& first,
               const std::function<void(WriteTx&)>& second,
               const std::function<void(WriteTx&)>& then = {});

  // Runs `first` in a write of node one and, while that write is still open, `second` in a write
  // of node two; then lets node one's write commit. Expects both to commit and node two's not to
  // wait for node one's (when it waits, node one is let go after a bound and the test fails):
  // what SKIP LOCKED promises.
  void beside(const std::function<void(WriteTx&)>& first,
              const std::function<void(WriteTx&)>& second);

  // Runs `first` in a write of node one, then `meanwhile` on this thread while that write is
  // open, then `then` (if any) in the write, which commits; whether it committed.
  bool with_node_one_open(const std::function<void(WriteTx&)>& first,
                          const std::function<void()>& meanwhile,
                          const std::function<void(WriteTx&)>& then);

  std::unique_ptr<ScratchStore> scratch_;  // node one
  std::unique_ptr<Store> second_;          // node two
  std::unique_ptr<pg::Conn> probe_;        // neither: sees who waits, seeds rows
};

}  // namespace centli::store::testing
