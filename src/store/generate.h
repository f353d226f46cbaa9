// A synthetic bank of any size beside the demo bank (`centli demo generate`, docs/demo-data.md,
// "A generated bank"): N people with checking, savings and credit accounts, beneficiaries and
// D days of history, written through the port (store/bulk.h) so every backend holds the same
// rows. The same people, days and seed give the same ids, amounts and order; the dates are the
// D days before the day of the run.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "store/store.h"
#include "util/limits.h"

namespace centli::store {

struct GenerateOptions {
  std::int64_t people = 0;
  std::int64_t history_days = limits::kGenerateHistoryDaysDefault;
  std::uint64_t seed = 1;
  // Where the history ends (its last local day is the one before this instant's): 0 for the
  // store's clock at the run. Tests fix it, so the same seed gives the same dates on any day.
  std::int64_t now_ms = 0;
};

// Why `o` is not a bank the generator makes (people or days out of range, too many person-days),
// in words for the command line; nullopt when it is one.
std::optional<std::string> generate_options_problem(const GenerateOptions& o);

struct GenerateReport {
  std::int64_t people = 0;
  std::int64_t accounts = 0;  // the people's and the generated bank's own
  std::int64_t beneficiaries = 0;
  std::int64_t postings = 0;
  std::int64_t history_rows = 0;  // two per posting
};

struct GenerateError {
  enum class Kind {
    kRefused,  // the store already holds a generated bank, or an unfinished one
    kFailed,   // the store failed (message from the store)
  };
  Kind kind = Kind::kFailed;
  std::string message;
};

// Loads the demo bank when it is absent, then writes the generated bank in transactions of at
// most limits::kGenerateChunkRowsMax rows: history first, then accounts with their final
// balances, then beneficiaries, then the marker `demo_generated` in meta. Refuses (kRefused,
// nothing written) when the store holds `demo_generated` or `demo_generate.started` (a run that
// did not finish: generate into a fresh store), and when generate_options_problem(o) names a
// problem. Until it returns the bank is incomplete, so no server should use the store meanwhile.
// Memory: about 60 bytes a person and one chunk of rows, whatever D. Not thread-safe with another
// generate_bank on the same store.
std::expected<GenerateReport, GenerateError> generate_bank(Store& store, const GenerateOptions& o);

}  // namespace centli::store
