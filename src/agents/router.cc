#include "agents/router.h"

#include "obs/metrics.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::agents {

using http::Request;
using http::Responder;
using http::Response;
namespace {

constexpr std::size_t kCorrelationIdMax = 128;

Response json_response(int status, std::string body) {
  return Response{status, "application/json", {}, std::move(body)};
}

bool is_json_type(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  std::string lower(base);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

}  // namespace

std::string correlation_of(const Request& request) {
  std::string_view given = request.header("x-correlation-id");
  if (!given.empty() && given.size() <= kCorrelationIdMax) {
    bool sane = true;
    for (char c : given) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
            c == ':')) {
        sane = false;
        break;
      }
    }
    if (sane) return std::string(given);
  }
  return util::fast_unique_id("cor-");
}

Router::Router(actions::Registry& registry, actions::Dispatcher& dispatcher,
               auth::TokenStore& tokens)
    : registry_(registry), dispatcher_(dispatcher), tokens_(tokens) {}

void Router::add(ExtraRoute route) { extra_.push_back(std::move(route)); }

Response Router::refusal(int status, std::string_view code, std::string_view detail) {
  (void)code;  // the status alone selects the problem
  ErrorCode ec = ErrorCode::kInvalidRequest;
  if (status == 413) ec = ErrorCode::kPayloadTooLarge;
  if (status == 431) ec = ErrorCode::kHeaderTooLarge;
  if (status == 501) ec = ErrorCode::kNotImplemented;
  if (status >= 500 && status != 501) ec = ErrorCode::kInternal;
  auto out = actions::Dispatcher::problem(Error{ec, std::string(detail), "", ""},
                                          util::fast_unique_id("cor-"));
  Response r = json_response(out.status, std::move(out.body));
  r.content_type = "application/problem+json";
  return r;
}

Response Router::render(actions::Outcome outcome, std::string_view correlation_id) {
  Response r = json_response(outcome.status, std::move(outcome.body));
  if (outcome.is_error) r.content_type = "application/problem+json";
  r.headers.emplace_back("X-Correlation-Id", std::string(correlation_id));
  if (outcome.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  if (outcome.retry_after_s > 0)
    r.headers.emplace_back("Retry-After", std::to_string(outcome.retry_after_s));
  return r;
}

std::optional<std::string> Router::url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::expected<void, Error> Router::parse_body(const Request& request, rapidjson::Document& doc) {
  if (request.body.empty()) {
    doc.SetObject();
    return {};
  }
  if (!is_json_type(request.header("content-type"))) {
    return std::unexpected(Error{ErrorCode::kUnsupportedMediaType,
                                 "send the body as application/json", "Content-Type", ""});
  }
  if (auto parsed = json::parse(request.body, doc); !parsed) {
    const json::ParseError& e = parsed.error();
    return std::unexpected(Error::invalid(e.field.empty() ? "body" : e.field, e.message));
  }
  if (!doc.IsObject())
    return std::unexpected(Error::invalid("body", "the body must be a JSON object"));
  return {};
}

std::expected<Router::Caller, Error> Router::authenticate(const Request& request) {
  std::string_view auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() ||
      !(auth.starts_with(kBearer) || auth.starts_with("bearer "))) {
    return std::unexpected(
        Error{ErrorCode::kUnauthorized, "send Authorization: Bearer <token>", "", ""});
  }
  auto verified = tokens_.verify(auth.substr(kBearer.size()));
  if (!verified) {
    return std::unexpected(verified.error());
  }
  const std::optional<auth::Principal>& principal = *verified;
  if (!principal) {
    return std::unexpected(Error{ErrorCode::kUnauthorized, "the token is not valid", "", ""});
  }
  Caller caller{*principal, ""};
  std::string_view named = request.header("x-centli-user");
  if (principal->kind == auth::Principal::Kind::kUser) {
    caller.user_id = principal->subject;
    if (!named.empty() && named != principal->subject) {
      return std::unexpected(
          Error{ErrorCode::kForbidden, "a person's token cannot act for someone else", "", ""});
    }
  } else if (principal->delegate) {
    if (named.size() > 64)
      return std::unexpected(Error::invalid("X-Centli-User", "the user id is too long"));
    caller.user_id = std::string(named);
  }
  return caller;
}

void Router::handle(Request&& request, Responder respond) {
  std::string correlation = correlation_of(request);
  auto fail = [&](Error e) {
    respond(render(actions::Dispatcher::problem(e, correlation), correlation));
  };
  if (request.path == "/healthz" || request.path == "/readyz") {
    if (request.method != "GET" && request.method != "HEAD") {
      return respond(method_not_allowed("GET, HEAD", correlation));
    }
    const store::Store& store = dispatcher_.services().store;
    const bool ready = request.path == "/healthz" || (store.is_open() && !store.commits_failing());
    Response r = json_response(ready ? 200 : 503,
                               ready ? R"({"status":"ok"})" : R"({"status":"unavailable"})");
    r.headers.emplace_back("X-Correlation-Id", correlation);
    return respond(std::move(r));
  }
  if (request.path == "/metrics") {
    // Open like /healthz: no label carries a person, an account or a token (obs/metrics.h).
    if (request.method != "GET" && request.method != "HEAD") {
      return respond(method_not_allowed("GET, HEAD", correlation));
    }
    Response r;
    r.status = 200;
    r.content_type = std::string(obs::metrics::kContentType);
    r.body = obs::metrics::scrape();
    r.headers.emplace_back("X-Correlation-Id", correlation);
    return respond(std::move(r));
  }
  // The methods offered at this path, for a 405 when none is the request's.
  std::string allow;
  auto offer = [&allow](std::string_view method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  };
  for (auto& route : extra_) {
    const bool prefix = route.path.ends_with('*');
    const bool hit = prefix ? request.path.starts_with(
                                  std::string_view(route.path).substr(0, route.path.size() - 1))
                            : request.path == route.path;
    if (hit && (route.method == "*" || route.method == request.method)) {
      return route.handler(std::move(request), std::move(correlation), std::move(respond));
    }
    if (hit) offer(route.method);
  }
  std::vector<std::pair<std::string, std::string>> params;
  auto matches = registry_.match_path(request.path, &params);
  if (matches.empty() && allow.empty()) {
    return fail(Error{ErrorCode::kNotFound, "no route " + request.path, "", ""});
  }
  for (const auto* action : matches) {
    if (action->method == request.method) {
      return serve_action(*action, std::move(request), std::move(params), std::move(correlation),
                          std::move(respond));
    }
  }
  for (const auto* a : matches) offer(a->method);
  respond(method_not_allowed(allow, correlation));
}

Response Router::method_not_allowed(std::string allow, std::string_view correlation_id) {
  Response r =
      render(actions::Dispatcher::problem(
                 Error{ErrorCode::kMethodNotAllowed, "use " + allow, "", ""}, correlation_id),
             correlation_id);
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

void Router::serve_action(const actions::Action& action, Request&& request,
                          std::vector<std::pair<std::string, std::string>> path_params,
                          std::string correlation, Responder respond) {
  auto fail = [&](Error e) {
    respond(render(actions::Dispatcher::problem(e, correlation), correlation));
  };
  auto caller = authenticate(request);
  if (!caller) return fail(caller.error());
  rapidjson::Document doc;
  if (action.method == "GET") {
    doc.SetObject();
    std::string_view q = request.query;
    while (!q.empty()) {
      const auto amp = q.find('&');
      std::string_view pair = q.substr(0, amp);
      q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      auto name = url_decode(pair.substr(0, eq));
      auto value = url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      if (!name || !value) return fail(Error::invalid("query", "malformed percent-encoding"));
      if (value->empty()) continue;  // "?account_id=" means absent
      const actions::Field* field = nullptr;
      for (const auto& f : action.fields)
        if (f.name == *name) field = &f;
      if (field == nullptr) return fail(Error::invalid(*name, "unknown parameter " + *name));
      if (json::member(doc, *name) != nullptr) {
        return fail(Error::invalid(*name, *name + " is given more than once"));
      }
      auto v = actions::coerce_text(*field, *value, doc.GetAllocator());
      if (!v) return fail(v.error());
      doc.AddMember(rapidjson::Value(name->c_str(), doc.GetAllocator()), std::move(*v),
                    doc.GetAllocator());
    }
  } else if (auto parsed = parse_body(request, doc); !parsed) {
    return fail(parsed.error());
  }
  for (auto& [name, value] : path_params) {
    auto decoded = url_decode(value);
    if (!decoded) return fail(Error::invalid(name, "malformed percent-encoding"));
    doc.RemoveMember(name.c_str());
    doc.AddMember(rapidjson::Value(name.c_str(), doc.GetAllocator()),
                  rapidjson::Value(decoded->c_str(), doc.GetAllocator()), doc.GetAllocator());
  }
  actions::Invocation inv;
  inv.door = "http";
  inv.action = &action;
  inv.principal = std::move(caller->principal);
  inv.user_id = std::move(caller->user_id);
  inv.input = &doc;
  inv.idempotency_key = std::string(request.header("idempotency-key"));
  inv.correlation_id = correlation;
  std::string_view lang = request.header("accept-language");
  inv.locale = lang.starts_with("en") ? "en-US" : "es-MX";
  dispatcher_.invoke(inv, [respond = std::move(respond), correlation](actions::Outcome out) {
    respond(render(std::move(out), correlation));
  });
}

}  // namespace centli::agents
