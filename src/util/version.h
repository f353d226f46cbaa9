// The version of centli. It is defined once, as project(centli VERSION ...) in CMakeLists.txt,
// and compiled into util/version.cc alone, so a new version rebuilds one file.
#pragma once

#include <string_view>

namespace centli::util {

// "0.9.0": what `centli --version` prints and MCP's serverInfo.version names. Thread-safe.
std::string_view version();

}  // namespace centli::util
