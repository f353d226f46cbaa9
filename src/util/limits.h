// Every bound centli enforces, in one place, each with the reason for its number.
// A request past a limit gets a clear 4xx; nothing here is a slowdown or a crash.
// Lives in util/ and not at src/limits.h: a src/limits.h shadows the C library's <limits.h>
// (syslimits.h's include_next finds it), which breaks <climits> everywhere.
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
// After refusing a request (413, 400) the server reads and discards what the client is still
// sending, so the client reads the refusal instead of a reset; bounded so a refusal stays cheap.
inline constexpr std::size_t kRefusalDrainBytesMax = 1024 * 1024;
inline constexpr int kRefusalDrainMs = 2'000;
// On stop(), requests in flight get this long to be answered before connections are cut;
// shorter than the 10 s most process supervisors wait before SIGKILL.
inline constexpr int kShutdownGraceMs = 5'000;
// Outgoing webhooks: a receiver's answer is only acknowledged, never processed, so 1 MiB is
// generous; headers as on the server side.
inline constexpr std::size_t kClientResponseBodyBytesMax = 1024 * 1024;
inline constexpr std::size_t kClientResponseHeaderBytesMax = kRequestHeaderBytesMax;
// A webhook URL is configuration, not data; browsers and proxies handle about 2 KiB reliably.
inline constexpr std::size_t kClientUrlBytesMax = 2048;
// One outgoing exchange (connect + TLS + write + read) never blocks a dispatcher longer.
inline constexpr int kClientTimeoutMsMax = 60'000;
// Host name lookups of outgoing exchanges that gave up (deadline or stop) while the system
// resolver still works on them: each holds a thread until the resolver answers, so a resolver
// that hangs costs at most this many threads; past it a lookup fails at once.
inline constexpr std::size_t kClientLookupsPendingMax = 64;
static_assert(kRefusalDrainBytesMax >= kRequestBodyBytesMax);
// Nesting of JSON from outside (bodies, Bedrock events, MCP messages): a Bedrock event, the
// deepest shape a door reads, nests 6 levels; 32 leaves room for webhook-like payloads while a
// body of brackets is refused before it costs a deep walk.
inline constexpr std::size_t kJsonDepthMax = 32;
// SIGTERM or SIGINT to exit, whatever webhook targets do: requests in flight get
// kShutdownGraceMs, then event deliveries in flight are abandoned at once (every exchange and
// name lookup is abortable; they are made again after a restart) and the store closes. Under
// the 10 s most process supervisors wait before SIGKILL, with room for the store's close.
inline constexpr int kShutdownMsMax = 8'000;
static_assert(kShutdownGraceMs < kShutdownMsMax);

// --- store ---
// Commands folded into one store transaction: large enough to amortize one fsync over many
// transfers, small enough that one batch holds the writer for a few milliseconds at most.
inline constexpr std::size_t kWriteBatchMax = 512;
// Commands waiting for the writer; past this the caller gets 503 instead of unbounded memory.
inline constexpr std::size_t kWriteQueueMax = 20'000;
// Reader connections; readers never block the writer in WAL mode.
inline constexpr std::size_t kReaderConnectionsMax = 64;
static_assert(kWriteBatchMax <= kWriteQueueMax);
// The checkpointer copies the WAL into the database this often; a few hundred commits at most.
inline constexpr int kCheckpointIntervalMs = 200;
// Past this many WAL frames (4 KiB each, 64 MiB) the checkpointer waits for readers so the WAL
// can start over, bounding its size on disk.
inline constexpr int kWalFramesRestartMin = 16'384;
// After the WAL starts over, its file is truncated to this size.
inline constexpr std::int64_t kWalFileBytesMax = 64LL * 1024 * 1024;
// While commits fail (disk full), the writer commits a one-row probe this often, alone or in a
// batch of commands, so the server turns ready by itself about a second after space returns;
// one tiny write a second is nothing next to the traffic it stands in for.
inline constexpr int kStoreProbeIntervalMs = 1'000;
// A shared store (--store URL): read connections a node keeps open by default (--store-pool),
// and the most it may be given; each is a server process on the database, so the sum over
// nodes must stay within the server's max_connections. The writer has one connection besides.
inline constexpr std::size_t kStorePoolDefault = 16;
inline constexpr std::size_t kStorePoolMax = 256;
// A read that finds every pooled connection lent waits this long for one, then answers 503.
inline constexpr int kStorePoolWaitMs = 5'000;

// --- money ---
// Amount text: the largest int64 in centavos written with "$" and thousands separators,
// "$92,233,720,368,547,758.07", is 27 characters; 32 leaves a margin, and longer input is
// refused before it is read.
inline constexpr std::size_t kAmountTextMax = 32;
// Default per-transfer and per-person daily limits (configurable on serve).
inline constexpr std::int64_t kTransferAmountMinorMaxDefault = 5'000'000;  // 50,000.00
inline constexpr std::int64_t kDailyOutflowMinorMaxDefault = 10'000'000;   // 100,000.00
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

// Expired keys are deleted in chunks so one sweep never holds the writer for long.
inline constexpr std::int64_t kIdempotencySweepRowsMax = 1000;
inline constexpr std::int64_t kIdempotencySweepIntervalMs = 60'000;

// --- auth ---
// Verified tokens cached in memory; beyond this, lookups go to the store (bounded memory).
inline constexpr std::size_t kTokenCacheMax = 100'000;

// --- ids ---
// Caller-supplied identifiers (account, beneficiary, product ids).
inline constexpr std::size_t kIdMax = 64;

// --- crm ---
// A beneficiary alias is what a person says or types ("Mamá", "Juanca"); 40 code points fits
// a phone list row and any real nickname with a surname.
inline constexpr std::size_t kAliasCodePointsMax = 40;
// A beneficiary's full name: Mexican names with two surnames and particles stay under 100.
inline constexpr std::size_t kBeneficiaryNameCodePointsMax = 100;
// Spoken text handed to resolve_alias: at most a full name, 4 UTF-8 bytes per code point.
inline constexpr std::size_t kSpokenAliasBytesMax = 4 * kBeneficiaryNameCodePointsMax;
// Beneficiaries per person (issue 3): resolve_alias and a transfer by alias score every one,
// at a cost linear in the book (500 measured at 2 ms, 15 ms for the longest spoken text), and
// a real address book of payees is far smaller.
inline constexpr std::size_t kBeneficiariesPerUserMax = 200;
// CLABE text accepted before validation: 18 digits, with room so that a too-long number is
// refused as an invalid CLABE (with its reason) rather than as an oversize field.
inline constexpr std::size_t kClabeTextMax = 32;
// Ranked candidates in an ambiguous answer: a voice assistant reads out a short list.
inline constexpr std::size_t kAliasCandidatesMax = 5;
// Nearest suggestions when nothing matched well enough.
inline constexpr std::size_t kAliasSuggestionsMax = 3;
// Words longer than this are compared only for equality, never by edit distance, which
// costs length squared; no real given name or surname comes near it.
inline constexpr std::size_t kAliasEditWordBytesMax = 32;
static_assert(kAliasSuggestionsMax <= kAliasCandidatesMax);
static_assert(kAliasCodePointsMax <= kBeneficiaryNameCodePointsMax);

// --- logs ---
// Levels of a JSON object that log masking looks into (obs::mask_json); deeper levels are
// masked whole. Event envelopes nest three levels; the bound keeps the walk's recursion short.
inline constexpr std::size_t kLogJsonDepthMax = 16;

// --- events ---
// Event pattern text: a rule selects events by a handful of fields; 4 KiB holds dozens of
// values per field while keeping a stored rule small and its compile time trivial.
inline constexpr std::size_t kPatternTextBytesMax = 4 * 1024;
// Object levels in a pattern, top level and $or branches included: envelopes nest two levels
// (data.amount_minor); ten leaves room for webhook payloads and bounds compile/match recursion.
inline constexpr std::size_t kPatternDepthMax = 10;
// Values listed for one field (or in one anything-but list): enough to name every event type,
// small enough that a field is checked with a short scan.
inline constexpr std::size_t kPatternFieldValuesMax = 100;
// Branches of one $or: each branch is re-evaluated on the same object, so they multiply work.
inline constexpr std::size_t kPatternOrBranchesMax = 16;
// Fields, values and branches in one compiled pattern: the size bound for patterns given as a
// parsed value, in line with what 4 KiB of text can hold.
inline constexpr std::size_t kPatternNodesMax = 1024;
// Arrays nested inside arrays in an event are flattened this deep when matching; deeper ones
// are not looked into, so a hostile payload cannot exhaust the stack.
inline constexpr std::size_t kEventArrayNestingMax = 8;
static_assert(kPatternFieldValuesMax <= kPatternNodesMax);
static_assert(kPatternOrBranchesMax <= kPatternNodesMax);
// Delivery attempts per (event, target) before a dead letter: EventBridge's default, so rules
// written for it behave the same here.
inline constexpr int kDeliveryAttemptsDefault = 185;
inline constexpr int kDeliveryAttemptsMax = 185;
// Age of an undelivered event before a dead letter: one day, EventBridge's default and maximum.
inline constexpr std::int64_t kDeliveryAgeSecondsDefault = 86400;
inline constexpr std::int64_t kDeliveryAgeSecondsMax = 86400;
// Backoff between attempts: first retry within a second, never more than five minutes apart,
// so a receiver that comes back is served again soon.
inline constexpr std::int64_t kBackoffBaseMsDefault = 1000;
inline constexpr std::int64_t kBackoffCapMsDefault = 300000;
inline constexpr std::int64_t kBackoffCapMsMax = 3600000;
// Archive retention: a month of history for replay and audit questions.
inline constexpr std::int64_t kArchiveRetentionDaysDefault = 30;
inline constexpr std::int64_t kArchiveRetentionDaysMax = 3650;
// Rules in one rules file, and targets per rule: each event is matched against every rule on
// the dispatcher thread, so the product bounds the work per event.
inline constexpr std::size_t kRulesMax = 100;
inline constexpr std::size_t kRuleTargetsMax = 5;
// Rules file size: 100 rules of a 4 KiB pattern each with room for targets.
inline constexpr std::size_t kRulesFileBytesMax = 1024 * 1024;
// Outbox rows the dispatcher reads per pass and deliveries a worker claims per pass: one
// writer batch stays small while a backlog still drains quickly.
inline constexpr std::size_t kDispatchBatchMax = 256;
inline constexpr std::size_t kDeliveryClaimMax = 64;
// Longest sleep of an idle dispatcher or worker: it wakes on commit, so this only bounds how
// late a retry falls due or a redrive written by another process is seen.
inline constexpr std::int64_t kDispatchIdleSleepMsMax = 200;
// Webhook timeout a rule may ask for.
inline constexpr int kWebhookTimeoutMsMax = 30000;
// Rows one `events list` or dead-letter listing returns.
inline constexpr std::size_t kEventsListMax = 1000;
static_assert(kDeliveryAttemptsDefault <= kDeliveryAttemptsMax);
static_assert(kBackoffCapMsDefault <= kBackoffCapMsMax);
static_assert(kWebhookTimeoutMsMax <= kClientTimeoutMsMax);
// How long a worker's claim keeps its deliveries from every other claim (Deliveries::claim):
// two of the longest webhook attempts, so a claim that is attempted at once always ends before
// its lease, while deliveries of a process that died mid-attempt are delivered again by another
// process (or after a restart) within a minute. A webhook worker claims only as many
// deliveries as fit in the lease at its target's timeout (events/bus.cc).
inline constexpr std::int64_t kDeliveryLeaseMs = 60'000;
static_assert(kDeliveryLeaseMs >= 2 * kWebhookTimeoutMsMax);

// --- marketplace ---
// Units of one product in one purchase: a person's basket, not a wholesale order; it also keeps
// price * quantity far from int64 overflow for any real price.
inline constexpr std::int64_t kPurchaseQuantityMax = 100;
// Payment accounts weighed in one benefits calculation: a person holds a handful, and each
// account multiplies the options an assistant has to read.
inline constexpr std::size_t kPaymentAccountsMax = 8;
// Cashback rules and promotions per retailer: a season's offers fit; bounds the work and the
// options of one calculation.
inline constexpr std::size_t kCashbackRulesMax = 32;
inline constexpr std::size_t kPromotionsMax = 16;
// A promotion's description is quoted in one sentence of the assistant's answer.
inline constexpr std::size_t kPromotionDescriptionMax = 200;
// Loyalty programs give 1 to 10 points per peso; 100 leaves room and keeps points in int64.
inline constexpr std::int32_t kPointsPerPesoMax = 100;
// Options per account: full payment, cashback, points, five MSI terms, one per promotion.
inline constexpr std::size_t kBenefitOptionsPerAccountMax = 3 + 5 + kPromotionsMax;
// Options in one answer: every eligible account with every option.
inline constexpr std::size_t kBenefitOptionsMax =
    kPaymentAccountsMax * kBenefitOptionsPerAccountMax;
static_assert(kBenefitOptionsMax <= 200, "an assistant must be able to read every option");
// A purchase's stock hold waits this long for payment before the sweeper voids it: the saga
// pays within milliseconds, so a minute only expires holds of stalled or crashed sagas.
inline constexpr std::int64_t kHoldTimeoutMsDefault = 60'000;
// Bounds of serve --hold-timeout-ms: under 100 ms a busy writer could expire healthy holds;
// a day keeps a forgotten reservation from locking stock for good.
inline constexpr std::int64_t kHoldTimeoutMsMin = 100;
inline constexpr std::int64_t kHoldTimeoutMsMax = 24LL * 3600 * 1000;
// The purchase action waits this long for the saga before answering PENDING (serve
// --purchase-wait-ms); agents time out tool calls after tens of seconds, so 30 s is the most.
inline constexpr std::int64_t kPurchaseWaitMsDefault = 2'000;
inline constexpr std::int64_t kPurchaseWaitMsMax = 30'000;
// Purchase answers waiting at once; past this a purchase answers PENDING at once instead of
// holding memory and a request slot.
inline constexpr std::size_t kPurchaseWaitersMax = 1'024;
// How often the saga's thread looks at waiting purchases and due holds: short next to a
// person's patience, long next to one store read.
inline constexpr std::int64_t kSagaPollMs = 10;
// Expired holds voided in one sweeper transaction, so a backlog never holds the writer long.
inline constexpr std::int64_t kHoldSweepRowsMax = 100;
// Saga steps shown with a purchase: a saga has at most five steps on either path.
inline constexpr std::int64_t kSagaStepsShownMax = 16;
static_assert(kPurchaseWaitMsDefault <= kPurchaseWaitMsMax);
static_assert(kHoldTimeoutMsMin <= kHoldTimeoutMsDefault);
// Products one catalog query looks at after the retailer and category filters: text search
// and relevance run in memory, so this bounds the work of one request; catalogs past it need
// a full-text index first.
inline constexpr std::int64_t kCatalogScanMax = 5'000;
// Text of a catalog search: a spoken or typed product name, not a document.
inline constexpr std::size_t kCatalogQueryMax = 100;

// --- agents ---
// Bedrock sends at most a handful of parameters per call; 64 covers any action's fields with
// room to spare while bounding the work one event can cause.
inline constexpr std::size_t kAgentParametersMax = 64;
// Items of one coerced array value ("[a, b]" or a JSON array): a model never lists more.
inline constexpr std::size_t kAgentArrayItemsMax = 100;
// Bedrock refuses Lambda answers over 25 KB; a larger answer is refused with advice to ask
// for a smaller page instead of being cut, so the model never reads half a JSON document.
inline constexpr std::size_t kBedrockResponseBodyBytesMax = 25 * 1000;
// Tool and operation names: Bedrock and MCP clients accept 64 characters of [A-Za-z0-9_-].
inline constexpr std::size_t kToolNameMax = 64;
// Open MCP HTTP sessions in all. When full, the least recently used session of the principal
// holding the most is dropped (its client initializes again, as the Streamable HTTP transport
// prescribes on 404), so no caller loses a session to one that holds more.
inline constexpr std::size_t kMcpSessionsMax = 1024;
// Sessions of one caller (a principal acting for one person). A person runs a few MCP clients
// (desktop, editor, phone) and each reconnection may leave its old session unclosed; past the
// limit the caller's own least recently used session is dropped, never someone else's.
inline constexpr std::size_t kMcpSessionsPerCallerMax = 16;
// Sessions of one principal over every person it acts for: a delegated service holds a few per
// person it serves. A quarter of the total, so one principal can never hold most of the room;
// past it the principal's own least recently used session is dropped.
inline constexpr std::size_t kMcpSessionsPerPrincipalMax = kMcpSessionsMax / 4;
static_assert(kMcpSessionsPerCallerMax <= kMcpSessionsPerPrincipalMax);
static_assert(kMcpSessionsPerPrincipalMax < kMcpSessionsMax);
// An MCP HTTP session unused this long is forgotten; a conversation pauses for minutes.
inline constexpr std::int64_t kMcpSessionIdleMs = 60 * 60 * 1000;
// One MCP stdio line: the same bound as an HTTP body, since it carries the same messages.
inline constexpr std::size_t kMcpLineBytesMax = kRequestBodyBytesMax;
// key=value arguments of `centli call`: more than any action has fields.
inline constexpr std::size_t kCliArgumentsMax = 64;

// --- tools beside a server (docs/cli.md) ---
// A tool that finds its data directory locked waits this long for the server's address file:
// a server writes it within milliseconds of listening (start to first answer is under 50 ms)
// and removes it as it stops, so the wait only covers a server starting or stopping.
inline constexpr int kLocalServerWaitMs = 2'000;
// How often the waiting tool looks again: a cheap open and flock each time.
inline constexpr int kLocalServerPollMs = 20;
// The address file holds a URL, a token and a pid; anything larger is not one of ours.
inline constexpr std::size_t kLocalServerFileBytesMax = 4 * 1024;
// One exchange of `call` or the MCP relay with a server: a purchase may wait for its saga
// (kPurchaseWaitMsMax) before answering, so the tool waits longer than that.
inline constexpr int kToolRequestTimeoutMs = 40'000;
// Ending the relay's MCP session when stdin closes is a courtesy; never wait long for it.
inline constexpr int kToolSessionCloseTimeoutMs = 2'000;
static_assert(kLocalServerPollMs < kLocalServerWaitMs);
static_assert(kToolRequestTimeoutMs > kPurchaseWaitMsMax);
static_assert(kToolRequestTimeoutMs <= kClientTimeoutMsMax);

// --- demo generate (store/generate.h, docs/demo-data.md) ---
// People in one generated bank: three accounts each, and the generator keeps every account's
// balance in memory (about 60 bytes a person with one day's movements), so a million people is
// 3M accounts in about 60 MB. More is not a demo any longer.
inline constexpr std::int64_t kGeneratePeopleMax = 1'000'000;
// History of one generated bank: ten years of days, and at most 20M person-days (about 2.4
// history rows each, so some 50M rows, some 10 GB in the embedded store): beyond that a run takes
// hours.
inline constexpr std::int64_t kGenerateHistoryDaysMax = 3'650;
inline constexpr std::int64_t kGenerateHistoryDaysDefault = 30;
inline constexpr std::int64_t kGeneratePersonDaysMax = 20'000'000;
// Rows written per transaction: each chunk dirties pages all over the two history indexes, so
// fewer, larger chunks write far less (1M rows in the embedded store, this machine kind: 63 s in
// chunks of 20,000 with the serving page cache, 40 s with a 256 MiB cache, 24 s in chunks of
// 100,000 with kBulkPageCacheKib); 100,000 rows are some 30 MB in memory.
inline constexpr std::size_t kGenerateChunkRowsMax = 100'000;
// The embedded store's page cache on its writer connection once it took bulk writes:
// 128 MiB holds the history indexes of a few million rows; 256 MiB was only 15% faster.
inline constexpr std::int64_t kBulkPageCacheKib = 128 * 1024;
static_assert(kGenerateHistoryDaysDefault <= kGenerateHistoryDaysMax);
static_assert(kGeneratePersonDaysMax >= kGeneratePeopleMax);

}  // namespace centli::limits
