// Small named values of the store itself (table meta): markers such as demo_loaded, the writer's
// last probe (store.probe_ms); SQLite's event dispatch cursor lives there too, kept by
// store/sqlite/events.cc. Keys and values are text; docs/data.md lists the keys in use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/port.h"

namespace centli::store {

class Meta {
 public:
  // The value of `key`, or nullopt when it was never put.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  // Sets `key` to `value`, inserting it or replacing the value it had.
  virtual Result<void> put(std::string_view key, std::string_view value) = 0;

 protected:
  ~Meta() = default;
};

}  // namespace centli::store
