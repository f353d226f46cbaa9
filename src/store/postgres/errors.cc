#include "store/postgres/errors.h"

#include <algorithm>
#include <string_view>

namespace centli::store::postgres_impl {

Error to_error(const pg::PgError& e) {
  const std::string_view state = e.sqlstate;
  const std::string_view cls = state.substr(0, std::min<std::size_t>(2, state.size()));
  const bool unavailable = e.connection_lost || cls == "08" || cls == "53" || cls == "57" ||
                           state == "40001" || state == "40P01" || state == "55P03";
  if (unavailable) return {Error::Kind::kUnavailable, e.message};
  if (cls == "23") return {Error::Kind::kConstraint, e.message};
  return {Error::Kind::kFailed, e.message};
}

}  // namespace centli::store::postgres_impl
