// Plain HTTP messages exchanged between the server and the router. No Beast types here, so
// only server.cc and client.cc pay for Beast's headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace centli::http {

struct Request {
  std::string method;  // "GET", "POST", ... as received
  std::string target;  // path and query as received
  std::string path;    // target before '?', not percent-decoded
  std::string query;   // after '?', not decoded; empty when absent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // peer address, for logs

  // First header of that lower-case name, or empty.
  std::string_view header(std::string_view name_lower) const {
    for (const auto& [k, v] : headers)
      if (k == name_lower) return v;
    return {};
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Called exactly once per request, from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

}  // namespace centli::http
