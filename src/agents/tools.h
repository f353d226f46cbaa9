// What every agent front door shares: tool schemas derived from the action registry, coercion
// of text values (Bedrock parameters, command-line key=value) by declared type, and the
// idempotency keys derived for money-moving calls a model sends without a request_id.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <rapidjson/document.h>

#include <expected>
#include <string>
#include <string_view>

#include "actions/registry.h"
#include "domain/error.h"

namespace centli::agents {

// True for actions that change state (they take a request_id for safe retries).
inline bool is_command(const actions::Action& action) { return !action.read_only; }

// The action's JSON Schema input with every field, plus `request_id` for commands.
std::string tool_input_schema(const actions::Action& action);

// Converts a text value (Bedrock parameters, command-line key=value) to JSON by declared type.
// `type` is field_type_name() of the action's field when the field is known, else the type the
// caller declared ("string", "number", "integer", "boolean", "array"). Integers accept
// surrounding spaces, a leading '+' and ".0" decimals ("20.00" -> 20) and become JSON
// integers; "money" stays text, read by validation with money::read_amount (the one amount
// grammar of every door); "number" must be a JSON number. Booleans accept true/false in any
// case, yes/no, 1/0. Arrays accept JSON ("[\"a\",2]") or a bracketed list ("[a, b]"); items are
// strings unless JSON says otherwise. Strings stay as given. Fails with an invalid_request
// Error naming `name`.
std::expected<rapidjson::Value, Error> coerce_value(std::string_view name, std::string_view type,
                                                    std::string_view text,
                                                    rapidjson::Document::AllocatorType& alloc);
// The declared type name of a field for coerce_value: "string", "integer", "boolean", "money".
std::string_view field_type_name(actions::FieldType type);

// The idempotency key of a command that came without a request_id: a hex SHA-256 over the
// parts, each length-prefixed so no two part lists share a key, behind `prefix`.
std::string derived_key(std::string_view prefix, std::initializer_list<std::string_view> parts);

// A tool name from AgentCore Gateway ("target___tool") without its target prefix.
std::string_view strip_target(std::string_view tool);

}  // namespace centli::agents
