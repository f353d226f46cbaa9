// Every bound centli enforces, in one place, each with the reason for its number.
// A request past a limit gets a clear 4xx; nothing here is a slowdown or a crash.
// Build with `-iquote src`, never `-I src`: this file's name would shadow the C library's
// <limits.h> (libstdc++ then fails with INT_MAX undeclared).
#pragma once

#include <cstddef>
#include <cstdint>

namespace centli::limits {

// --- http ---
// A banking command is a few hundred bytes; 64 KiB leaves room for long descriptions and
// agent envelopes while keeping a hostile body from costing memory.
inline constexpr std::size_t kRequestBodyBytesMax = 64 * 1024;
// Headers of real clients are well under 8 KiB; Beast's default is the same order.
inline constexpr std::size_t kRequestHeaderBytesMax = 16 * 1024;
// Open connections per server; each costs a buffer and a socket.
inline constexpr std::size_t kConnectionsMax = 10'000;
// An idle keep-alive connection is closed after this long.
inline constexpr int kIdleTimeoutMs = 60'000;

// --- store ---
// Commands folded into one SQLite transaction: large enough to amortize one fsync over many
// transfers, small enough that one batch holds the writer for a few milliseconds at most.
inline constexpr std::size_t kWriteBatchMax = 512;
// Commands waiting for the writer; past this the caller gets 503 instead of unbounded memory.
inline constexpr std::size_t kWriteQueueMax = 20'000;
// Reader connections; readers never block the writer in WAL mode.
inline constexpr std::size_t kReaderConnectionsMax = 64;
static_assert(kWriteBatchMax <= kWriteQueueMax);

// --- money ---
// Amount strings: "92233720368547758.07" is the largest int64 in centavos; 24 characters
// covers it with a sign and spaces to spare, longer input is refused before parsing.
inline constexpr std::size_t kAmountTextMax = 24;
// Default per-transfer and per-person daily limits (configurable on serve).
inline constexpr std::int64_t kTransferAmountMinorMaxDefault = 5'000'000;   // 50,000.00
inline constexpr std::int64_t kDailyOutflowMinorMaxDefault = 10'000'000;    // 100,000.00
// Free text on a movement, as a statement line shows it.
inline constexpr std::size_t kDescriptionMax = 140;

// --- pages ---
// History and lists: a page must fit an LLM's context; 100 rows is a long statement page.
inline constexpr std::size_t kPageSizeMax = 100;
inline constexpr std::size_t kPageSizeDefault = 20;
static_assert(kPageSizeDefault <= kPageSizeMax);

// --- idempotency ---
// Keys are opaque client strings; 255 covers UUIDs, ULIDs and hashes with room.
inline constexpr std::size_t kIdempotencyKeyMax = 255;
// Keys live at least 24 h (DESIGN.md); they are swept after this retention.
inline constexpr std::int64_t kIdempotencyRetentionMs = 24LL * 3600 * 1000;

// --- ids ---
// Caller-supplied identifiers (account, beneficiary, product ids).
inline constexpr std::size_t kIdMax = 64;

// --- crm ---

// --- events ---

// --- marketplace ---

// --- agents ---

}  // namespace centli::limits
