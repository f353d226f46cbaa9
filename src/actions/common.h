// Small helpers shared by action handlers: store failures, locale, masking of accounts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "store/api_error.h"
#include "store/port.h"

namespace centli::actions {

inline Error store_error(const store::Error& e) { return store::api_error(e); }

inline bool english(std::string_view locale) { return locale.starts_with("en"); }

// The form of a word that agrees with a count in summaries: Spanish and English both use the
// singular for exactly one ("Se muestra 1 compra", "Se muestran 2 compras").
inline std::string_view agree(std::int64_t count, std::string_view one, std::string_view many) {
  return count == 1 ? one : many;
}

// The last four characters of an account id or number, for statements and speech.
inline std::string last4(std::string_view s) {
  return std::string(s.size() <= 4 ? s : s.substr(s.size() - 4));
}

}  // namespace centli::actions
