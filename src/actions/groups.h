// Each action group registers its actions here. Every front door serves what is registered.
#pragma once

#include "actions/registry.h"

namespace centli::actions {

void register_core_banking(Registry& registry);
void register_crm(Registry& registry);
void register_marketplace(Registry& registry);

// History cursors: opaque to clients ("h1." + base64url of "timestamp_ms:seq").
std::string encode_history_cursor(std::int64_t timestamp_ms, std::int64_t seq);
std::optional<std::pair<std::int64_t, std::int64_t>> decode_history_cursor(std::string_view cursor);

// All groups, in the order their tools are listed.
inline void register_all(Registry& registry) {
  register_core_banking(registry);
  register_crm(registry);
  register_marketplace(registry);
}

}  // namespace centli::actions
