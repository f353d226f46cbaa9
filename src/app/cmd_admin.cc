// `centli token create`, `centli demo load` and `centli demo generate`: tools that work on a
// store directly.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/store_flags.h"
#include "auth/auth.h"
#include "store/demo.h"
#include "store/generate.h"

namespace centli::app {
namespace {

struct TokenOptions {
  StoreFlags store;
  std::string user;
  std::string service;
  bool delegate = false;
  std::vector<std::string> scopes;
};

int create_token(const TokenOptions& o) {
  if (o.user.empty() == o.service.empty()) {
    std::cerr << "centli: give exactly one of --user or --service\n";
    return kExitUsage;
  }
  if (!o.service.empty() && !o.delegate) {
    std::cerr << "centli: a --service token acts for people only with --delegate\n";
    return kExitUsage;
  }
  auth::Principal p;
  p.kind = o.user.empty() ? auth::Principal::Kind::kService : auth::Principal::Kind::kUser;
  p.subject = o.user.empty() ? o.service : o.user;
  p.delegate = o.delegate;
  for (const auto& s : o.scopes) {
    auto scope = auth::parse_scope(s);
    if (!scope) {
      std::cerr << "centli: unknown scope " << s << " (known: " << auth::scope_list(~0u) << ")\n";
      return kExitUsage;
    }
    p.scopes |= *scope;
  }
  if (o.scopes.empty()) p.scopes = auth::kPersonScopesDefault;
  auto store = store::Store::open(store_options(o.store, true, /*exclusive=*/false));
  if (!store) {
    std::cerr << "centli: " << store.error() << "\n";
    return kExitUnavailable;
  }
  auth::TokenStore tokens(**store);
  auto token = tokens.create(p);
  if (!token) {
    std::cerr << "centli: " << token.error() << "\n";
    return kExitUnavailable;
  }
  std::cout << "# " << (p.kind == auth::Principal::Kind::kUser ? "person " : "service ")
            << p.subject << (p.delegate ? " (delegated)" : "")
            << ", scopes: " << auth::scope_list(p.scopes) << "\n"
            << *token << std::endl;
  return kExitOk;
}

struct GenerateFlags {
  StoreFlags store;
  store::GenerateOptions options;
};

int generate(const GenerateFlags& f) {
  if (auto problem = store::generate_options_problem(f.options)) {
    std::cerr << "centli: " << *problem << "\n";
    return kExitUsage;
  }
  auto store = store::Store::open(store_options(f.store, true, true));
  if (!store) {
    std::cerr << "centli: " << store.error() << "\n";
    return kExitUnavailable;
  }
  const auto start = std::chrono::steady_clock::now();
  auto r = store::generate_bank(**store, f.options);
  (*store)->close();
  if (!r) {
    std::cerr << "centli: demo generate: " << r.error().message << "\n";
    return r.error().kind == store::GenerateError::Kind::kRefused ? kExitRefused : kExitUnavailable;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf(
      "generated %lld %s: %lld accounts, %lld beneficiaries, %lld history rows (%lld "
      "postings) in %.1f s\n",
      static_cast<long long>(r->people), r->people == 1 ? "person" : "people",
      static_cast<long long>(r->accounts), static_cast<long long>(r->beneficiaries),
      static_cast<long long>(r->history_rows), static_cast<long long>(r->postings), took.count());
  return kExitOk;
}

void add_generate(CLI::App* demo) {
  auto* gen = demo->add_subcommand(
      "generate", "Add a deterministic synthetic bank beside the demo bank (once per store)");
  auto f = std::make_shared<GenerateFlags>();
  add_store_flags(gen, f->store, "Data directory (the embedded store)");
  gen->add_option("--people", f->options.people, "People to make, 1 to 1000000")->required();
  gen->add_option("--history-days", f->options.history_days,
                  "Days of history before today, 1 to 3650 (default 30)");
  gen->add_option("--seed", f->options.seed, "Seed: the same seed gives the same bank (default 1)");
  gen->callback([f] { std::exit(generate(*f)); });
}

}  // namespace

void add_token(CLI::App& app) {
  auto* token = app.add_subcommand("token", "Manage bearer tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Create a token; the token is the last line");
  auto o = std::make_shared<TokenOptions>();
  add_store_flags(create, o->store, "Data directory (the embedded store)");
  create->add_option("--user", o->user, "The person the token belongs to");
  create->add_option("--service", o->service, "A service (agent) name");
  create->add_flag("--delegate", o->delegate, "The service acts for the person its caller names");
  create->add_option("--scope", o->scopes, "A scope; repeat for more (default: all but admin)");
  create->callback([o] { std::exit(create_token(*o)); });
}

void add_demo(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "The demo bank");
  demo->require_subcommand(1);
  auto* load = demo->add_subcommand("load", "Load the demo bank into a data directory (once)");
  auto flags = std::make_shared<StoreFlags>();
  add_store_flags(load, *flags, "Data directory (the embedded store)");
  load->callback([flags] {
    auto store = store::Store::open(store_options(*flags, true, true));
    if (!store) {
      std::cerr << "centli: " << store.error() << "\n";
      std::exit(kExitUnavailable);
    }
    auto r = store::load_demo(**store);
    if (!r) {
      std::cerr << "centli: " << r.error() << "\n";
      std::exit(kExitUnavailable);
    }
    std::cout << (*r ? "demo bank loaded\n" : "demo bank already present\n");
    (*store)->close();
    std::exit(kExitOk);
  });
  add_generate(demo);
}

}  // namespace centli::app
