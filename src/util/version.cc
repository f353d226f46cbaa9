#include "util/version.h"

#ifndef CENTLI_VERSION
#error "CMakeLists.txt passes CENTLI_VERSION (the project version) to this file"
#endif

namespace centli::util {

std::string_view version() { return CENTLI_VERSION; }

}  // namespace centli::util
