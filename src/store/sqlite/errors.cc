#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {

Error to_error(const sqlite::DbError& e) {
  switch (e.code & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Error{Error::Kind::kUnavailable, e.message};
    case SQLITE_CONSTRAINT:
      return Error{Error::Kind::kConstraint, e.message};
    default:
      return Error{Error::Kind::kFailed, e.message};
  }
}

}  // namespace centli::store::sqlite_impl
