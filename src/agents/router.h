// The REST front door: health, authentication, delegation, correlation, routing to actions,
// and problem+json. No business logic. Thread-safe after construction.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "actions/dispatcher.h"
#include "auth/auth.h"
#include "http/message.h"

namespace centli::agents {

// An extra route outside the action table (admin, agent front doors, MCP).
struct ExtraRoute {
  std::string method;
  std::string path;  // exact match, or a prefix when it ends with '*'
  // Authentication is the route's own business (MCP and agents check tokens their way);
  // the handler receives the correlation id the router chose.
  std::function<void(http::Request&&, std::string correlation_id, http::Responder)> handler;
};

class Router {
 public:
  Router(actions::Registry& registry, actions::Dispatcher& dispatcher, auth::TokenStore& tokens);

  void add(ExtraRoute route);
  void handle(http::Request&& request, http::Responder respond);
  // For refusals made before routing (413, malformed HTTP).
  static http::Response refusal(int status, std::string_view code, std::string_view detail);

  // Shared by front doors: authenticates the bearer token and finds the person acted for.
  struct Caller {
    auth::Principal principal;
    std::string user_id;
  };
  std::expected<Caller, Error> authenticate(const http::Request& request);

  // Renders an action outcome as an HTTP response with the correlation header.
  static http::Response render(actions::Outcome outcome, std::string_view correlation_id);
  // 405 method_not_allowed with `Allow: <allow>` (methods separated by ", ").
  static http::Response method_not_allowed(std::string allow, std::string_view correlation_id);
  // Parses a JSON request body with json::parse (exact numbers, duplicate keys refused): an
  // empty body is an empty object; a body that is not JSON 415, not a JSON object or not
  // accepted by json::parse 400 naming the field (the duplicated key) or "body".
  static std::expected<void, Error> parse_body(const http::Request& request,
                                               rapidjson::Document& doc);
  // Decodes %XX and '+' in a query component; nullopt on a malformed escape.
  static std::optional<std::string> url_decode(std::string_view text);

 private:
  void serve_action(const actions::Action& action, http::Request&& request,
                    std::vector<std::pair<std::string, std::string>> path_params,
                    std::string correlation_id, http::Responder respond);

  actions::Registry& registry_;
  actions::Dispatcher& dispatcher_;
  auth::TokenStore& tokens_;
  std::vector<ExtraRoute> extra_;
};

// A correlation id from the request header when it is sane, else a fresh one.
std::string correlation_of(const http::Request& request);

}  // namespace centli::agents
