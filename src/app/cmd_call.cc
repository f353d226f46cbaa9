// `centli call ACTION [--user U] [key=value ...]`: runs one action on a data directory
// (--data; through the server that holds it, if one does) or against a server (--url with
// --token). Human-readable output by default, the JSON answer with --json. Exit codes:
// commands.h and docs/cli.md.
#include <iostream>

#include "agents/tools.h"
#include "app/commands.h"
#include "app/local_server.h"
#include "http/client.h"
#include "obs/log.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::app {
namespace {

struct CallOptions {
  std::string action;
  std::vector<std::string> args;
  std::string user;
  RuntimeOptions runtime;
  std::string url;
  std::string token;
  std::string key;
  std::string locale = "es-MX";
  bool json = false;
};

int exit_code(const actions::Outcome& out) {
  if (!out.is_error && out.status < 400) return kExitOk;
  if (out.status >= 500) return kExitUnavailable;
  rapidjson::Document d;
  d.Parse(out.body.c_str());
  const bool usage = !d.HasParseError() && d.IsObject() &&
                     json::get_string(d, "code").value_or("") == "invalid_request";
  return usage ? kExitUsage : kExitRefused;
}

void print_value(std::ostream& os, const rapidjson::Value& v) {
  if (v.IsString())
    os << std::string_view(v.GetString(), v.GetStringLength());
  else if (v.IsNull())
    os << "-";
  else
    os << json::to_string(v);
}

void print_human(const actions::Outcome& out) {
  rapidjson::Document d;
  d.Parse(out.body.c_str());
  if (d.HasParseError() || !d.IsObject()) {
    std::cout << out.body << "\n";
    return;
  }
  if (out.is_error) {
    std::cerr << "centli: " << json::get_string(d, "code").value_or("error") << ": "
              << json::get_string(d, "detail").value_or("") << "\n";
    return;
  }
  if (auto s = json::get_string(d, "summary")) std::cout << *s << "\n";
  for (const auto& m : d.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "summary") continue;
    if (!m.value.IsArray()) {
      std::cout << name << ": ";
      print_value(std::cout, m.value);
      std::cout << "\n";
      continue;
    }
    std::cout << name << ": " << m.value.Size() << "\n";
    for (const auto& item : m.value.GetArray()) {
      std::cout << "  -";
      if (!item.IsObject()) {
        std::cout << " ";
        print_value(std::cout, item);
      } else {
        for (const auto& f : item.GetObject()) {
          std::cout << " " << std::string_view(f.name.GetString(), f.name.GetStringLength()) << "=";
          print_value(std::cout, f.value);
        }
      }
      std::cout << "\n";
    }
  }
}

// key=value arguments as a JSON object, each value coerced by the field's declared type.
std::expected<void, std::string> build_input(const actions::Action& action,
                                             const std::vector<std::string>& args,
                                             rapidjson::Document& doc) {
  doc.SetObject();
  if (args.size() > limits::kCliArgumentsMax) return std::unexpected("too many arguments");
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
      return std::unexpected("arguments are key=value: " + arg);
    const std::string name = arg.substr(0, eq);
    std::string_view type = "string";
    for (const auto& f : action.fields)
      if (f.name == name) type = agents::field_type_name(f.type);
    if (json::member(doc, name) != nullptr) return std::unexpected(name + " is given twice");
    auto v =
        agents::coerce_value(name, type, std::string_view(arg).substr(eq + 1), doc.GetAllocator());
    if (!v) return std::unexpected(v.error().message);
    doc.AddMember(rapidjson::Value(name.c_str(), doc.GetAllocator()), std::move(*v),
                  doc.GetAllocator());
  }
  return {};
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The problem a tool reports when the server does not answer (exit 3).
actions::Outcome unreachable(const std::string& url, const std::string& why) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "code", "unavailable");
  json::kv(w, "detail", "the server at " + url + " did not answer: " + why);
  w.EndObject();
  return actions::Outcome{503, std::string(json::view(b)), true, false};
}

actions::Outcome call_remote(const CallOptions& o, const actions::Action& action,
                             rapidjson::Document& input) {
  http::ClientRequest req;
  std::string path = action.path;
  std::string query;
  for (auto m = input.MemberBegin(); m != input.MemberEnd();) {
    const std::string name = m->name.GetString();
    const std::string value =
        m->value.IsString() ? m->value.GetString() : json::to_string(m->value);
    const auto slot = path.find("{" + name + "}");
    if (slot != std::string::npos) {
      path.replace(slot, name.size() + 2, percent_encode(value));
    } else if (action.method == "GET") {
      query += (query.empty() ? "?" : "&") + percent_encode(name) + "=" + percent_encode(value);
    } else {
      ++m;
      continue;
    }
    m = input.EraseMember(m);
  }
  std::string base = o.url;
  while (base.ends_with('/')) base.pop_back();
  req.url = base + path + query;
  req.method = action.method;
  req.timeout_ms = limits::kToolRequestTimeoutMs;
  req.headers = {{"Authorization", "Bearer " + o.token}, {"Accept-Language", o.locale}};
  if (!o.user.empty()) req.headers.emplace_back("X-Centli-User", o.user);
  if (!o.key.empty()) req.headers.emplace_back("Idempotency-Key", o.key);
  if (action.method != "GET") {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = json::to_string(input);
  }
  auto r = http::Client().send(req);
  if (!r) return unreachable(base, r.error());
  return actions::Outcome{r->status, r->body, r->status >= 400, false};
}

actions::Outcome call_in_process(Runtime& rt, const CallOptions& o, rapidjson::Document& input) {
  actions::Invocation inv;
  inv.door = "cli";
  inv.action = rt.registry.find(o.action);
  inv.principal = auth::local_tools_principal();
  inv.user_id = o.user;
  inv.input = &input;
  inv.idempotency_key = o.key;
  inv.correlation_id = util::random_id("cli-");
  inv.locale = o.locale.starts_with("en") ? "en-US" : "es-MX";
  actions::Outcome out = rt.dispatcher->invoke_sync(inv);
  rt.store->close();
  return out;
}

int run_call(CallOptions o) {
  obs::log_to_stderr(true);
  obs::set_level(obs::Level::kWarn);
  actions::Registry registry;
  actions::register_all(registry);
  const actions::Action* action = registry.find(o.action);
  if (action == nullptr) {
    std::cerr << "centli: no action " << o.action << "; known:";
    for (const auto& a : registry.all()) std::cerr << " " << a->name;
    std::cerr << "\n";
    return kExitUsage;
  }
  if (!o.url.empty() && o.token.empty()) {
    std::cerr << "centli: --url needs --token\n";
    return kExitUsage;
  }
  if (o.url.empty() && o.user.empty()) {
    std::cerr << "centli: --user names the person to act for\n";
    return kExitUsage;
  }
  rapidjson::Document input;
  if (auto built = build_input(*action, o.args, input); !built) {
    std::cerr << "centli: " << built.error() << "\n";
    return kExitUsage;
  }
  // One invocation of the command line is one intent: a fresh key when none is given.
  if (o.key.empty() && agents::is_command(*action)) o.key = util::random_id("cli-");
  actions::Outcome out;
  if (o.url.empty()) {
    auto access = open_data(o.runtime);
    if (!access) {
      std::cerr << "centli: " << access.error() << "\n";
      return kExitUnavailable;
    }
    if (access->runtime) {
      out = call_in_process(*access->runtime, o, input);
    } else {
      o.url = access->server.url;
      o.token = access->server.token;
      out = call_remote(o, *action, input);
    }
  } else {
    out = call_remote(o, *action, input);
  }
  if (o.json) {
    (out.is_error ? std::cerr : std::cout) << out.body << std::endl;
  } else {
    print_human(out);
  }
  return exit_code(out);
}

}  // namespace

void add_call(CLI::App& app) {
  auto* cmd = app.add_subcommand("call", "Run one action for a person and print its answer");
  auto o = std::make_shared<CallOptions>();
  cmd->add_option("action", o->action, "Action name, e.g. get_balance")->required();
  cmd->add_option("args", o->args, "Inputs as key=value, e.g. amount=500.00");
  cmd->add_option("--user", o->user, "The person acted for");
  add_store_flags(cmd, o->runtime.store,
                  "Data directory (direct mode; through its server when one holds it)");
  cmd->add_option("--url", o->url, "Server base URL, e.g. http://127.0.0.1:8080");
  cmd->add_option("--token", o->token, "Bearer token for --url")->envname("CENTLI_TOKEN");
  cmd->add_option("--key", o->key, "Idempotency key (default: a fresh one per call)");
  cmd->add_option("--locale", o->locale, "es-MX (default) or en-US for the summary");
  cmd->add_flag("--json", o->json, "Print the JSON answer (problems go to stderr)");
  cmd->callback([o] { std::exit(run_call(*o)); });
}

}  // namespace centli::app
