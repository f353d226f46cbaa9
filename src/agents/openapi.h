// OpenAPI 3.0.0 documents, one per action group, shaped for Bedrock Agents action groups:
// operationId = action name, descriptions for a language model on every operation and
// parameter, no enum/oneOf/anyOf/allOf, JSON bodies only, no requestBody on GET.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "actions/registry.h"
#include "domain/error.h"

namespace centli::agents {

// The document of `group` as JSON text. `server_url` goes into `servers` (may be empty).
// Fails with not_found when no action belongs to the group. Thread-safe.
std::expected<std::string, Error> openapi_document(const actions::Registry& registry,
                                                   std::string_view group,
                                                   std::string_view server_url);

}  // namespace centli::agents
