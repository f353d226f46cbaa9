// The action registry: every action is declared once (name, group, description for a language
// model, input fields, output schema, scope, hints, handler). Every front door, the OpenAPI
// documents and the MCP tool list derive from these declarations, and input is validated
// against the same fields that are published.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/auth.h"
#include "domain/error.h"
#include "store/store.h"

namespace centli::actions {

struct Services;

enum class FieldType {
  kString,   // text, max_length enforced
  kInteger,  // whole number within [min, max]
  kBoolean,
  kMoney,  // JSON number or money::read_amount text; > 0; held as int64 minor units
  kDate,   // ISO 8601 date or date-time; held as Unix ms
};

enum class FieldIn { kBody, kQuery, kPath };

struct Field {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::string description;     // for a language model; allowed values are listed here, no enum
  std::size_t length_max = 0;  // kString: required > 0
  std::int64_t min = 0;        // kInteger
  std::int64_t max = 0;        // kInteger
  FieldIn in = FieldIn::kBody;
};

// Validated, typed input. Handlers read values here and never parse.
class Input {
 public:
  using Value = std::variant<std::string, std::int64_t, bool>;
  std::optional<std::string_view> str(std::string_view name) const;
  std::optional<std::int64_t> integer(std::string_view name) const;  // kInteger, kMoney, kDate
  std::optional<bool> boolean(std::string_view name) const;
  bool has(std::string_view name) const;
  void set(std::string name, Value v);
  // Canonical text of the values (sorted by name) for idempotency fingerprints.
  std::string canonical() const;

 private:
  std::vector<std::pair<std::string, Value>> values_;  // kept sorted by name
};

// What a handler sees.
struct Call {
  const auth::Principal& principal;
  std::string_view user_id;  // the person acted for (never taken from tool arguments)
  const Input& input;
  std::string_view correlation_id;
  std::string_view locale;  // "es-MX" (default) or "en-US"
  Services& services;
};

// A successful result: HTTP-like status and a JSON object text.
struct Reply {
  int status = 200;
  std::string body;
  // Optional post-commit hook of a command: when set, the dispatcher calls it after the commit
  // (with the idempotency key still in flight) instead of answering, and answers with the Reply
  // it is given later, which also replaces the stored idempotent response. It must not block
  // and must call its argument exactly once, on any thread.
  std::function<void(std::function<void(Reply)>)> defer = {};
};

using ReadFn = std::function<std::expected<Reply, Error>(const Call&, store::Reader&)>;
// Runs on the writer thread inside the batch transaction, in its own savepoint: a returned
// Error rolls back everything the function wrote.
using WriteFn = std::function<std::expected<Reply, Error>(store::WriteTx&)>;
// Runs on the calling thread: turns the typed request into a WriteFn (or refuses early).
using PrepareFn = std::function<std::expected<WriteFn, Error>(const Call&)>;

// A success status an action answers, with what it means (published in OpenAPI).
struct Success {
  int status = 200;
  std::string description;
};

struct Action {
  std::string name;         // get_balance; also the MCP tool and Bedrock function name
  std::string group;        // core-banking, marketplace, crm
  std::string title;        // short human title
  std::string description;  // written for a language model
  auth::Scope scope = auth::kBankingRead;
  std::string method;  // GET or POST
  std::string path;    // REST path; may contain {name} segments for kPath fields
  std::vector<Field> fields;
  std::string output_schema;  // JSON Schema of the reply, as JSON text
  // Every success status the handler answers; the reply matches output_schema in each.
  std::vector<Success> successes = {
      {200, "The result, with a one-sentence summary to read to the person."}};
  // The refusals of the action's own checks, beyond those every action shares (input, token,
  // scope, idempotency, limits, store): with them the OpenAPI document lists every status.
  std::vector<ErrorCode> refusals;
  // MCP ToolAnnotations, in the meaning of the MCP schema (2025-11-25):
  bool read_only = true;      // does not modify its environment
  bool idempotent = true;     // repeating a call with the same arguments has no further effect
  bool destructive = false;   // may update or remove what exists (false: only adds)
  bool open_world = false;    // may reach entities outside centli (e.g. other banks)
  bool key_required = false;  // moves money or stock: Idempotency-Key required
  ReadFn read;                // exactly one of read / prepare
  PrepareFn prepare;
};

class Registry {
 public:
  // Requires: unique name; exactly one of read/prepare set; at most 11 actions per group; a
  // read_only action is idempotent and not destructive; at least one success status.
  void add(Action action);
  const Action* find(std::string_view name) const;
  // Matches a REST path (with {name} segments); fills path values. Any method.
  std::vector<const Action*> match_path(
      std::string_view path, std::vector<std::pair<std::string, std::string>>* params) const;
  const std::vector<std::unique_ptr<Action>>& all() const { return actions_; }
  std::vector<std::string> groups() const;

 private:
  std::vector<std::unique_ptr<Action>> actions_;
};

// Converts a query-string value to the field's JSON type: integers (exact digits, optional
// '-') become JSON integers, booleans true/false; money, dates and strings stay text, which
// validate() reads. Errors name the field.
std::expected<rapidjson::Value, Error> coerce_text(const Field& f, std::string_view text,
                                                   rapidjson::Document::AllocatorType& alloc);

// Validates a JSON object against the action's fields, each by its JSON type: a string field
// takes a JSON string of UTF-8 text without hidden controls (C0/C1, bidirectional); an integer
// field a JSON number with a whole value; a boolean true/false; a money field a JSON number
// (its exact value, as json::parse stores it) or a string in money::read_amount's grammar;
// a date a string naming a real calendar day. Unknown fields are refused except the names in
// `ignored` (e.g. request_id). The first fault, in field declaration order, is an
// invalid_request Error naming the field.
std::expected<Input, Error> validate(const Action& action, const rapidjson::Value& object,
                                     std::initializer_list<std::string_view> ignored = {});

// JSON Schema (draft 2020-12 subset, no enum/oneOf) of the action's input fields of the given
// placements, as JSON text: {"type":"object","properties":{...},"required":[...]}.
std::string input_schema(const Action& action, bool include_query_and_path = true);

}  // namespace centli::actions
