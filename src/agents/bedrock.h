// Amazon Bedrock Agents front door: takes the Lambda input event an agent's action group sends
// (OpenAPI-schema variant: apiPath + httpMethod; function-details variant: function) and
// answers the matching Lambda response envelope. A thin adapter over the dispatcher: finds the
// action, coerces the string values by declared type, names the person from
// sessionAttributes.user_id, derives an idempotency key for commands without request_id.
// Shapes and rules: docs/agents.md.
#pragma once

#include <rapidjson/document.h>

#include <expected>
#include <functional>
#include <string>

#include "actions/dispatcher.h"
#include "actions/registry.h"
#include "auth/auth.h"
#include "domain/error.h"

namespace centli::agents {

// Runs the event for `principal`, the authenticated caller, which must be a delegated service
// (anything else is answered with a forbidden problem inside the envelope). On success
// `done` is called exactly once, possibly on the writer thread, with the envelope JSON text.
// Fails (and never calls `done`) with invalid_request when the event is not a Bedrock event
// (not an object, or neither function nor apiPath + httpMethod). `event` is only read before
// this returns. Thread-safe.
std::expected<void, Error> bedrock_invoke(const actions::Registry& registry,
                                          actions::Dispatcher& dispatcher,
                                          const auth::Principal& principal,
                                          const rapidjson::Value& event, std::string correlation_id,
                                          std::function<void(std::string envelope)> done);

}  // namespace centli::agents
