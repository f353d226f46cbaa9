// Small helpers shared by action handlers: store failures, locale, masking of accounts.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"
#include "store/sqlite/db.h"

namespace centli::actions {

inline Error store_error(const sqlite::DbError& e) {
  return Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}

inline bool english(std::string_view locale) { return locale.starts_with("en"); }

// The last four characters of an account id or number, for statements and speech.
inline std::string last4(std::string_view s) {
  return std::string(s.size() <= 4 ? s : s.substr(s.size() - 4));
}

}  // namespace centli::actions
