#include "auth/auth.h"

#include <mutex>

#include "store/api_error.h"
#include "store/credentials.h"
#include "store/store.h"
#include "util/ids.h"
#include "util/limits.h"

namespace centli::auth {
namespace {

struct ScopeName {
  Scope scope;
  std::string_view name;
};
constexpr ScopeName kScopes[] = {
    {kBankingRead, "banking:read"},
    {kBankingTransfer, "banking:transfer"},
    {kMarketplaceRead, "marketplace:read"},
    {kMarketplacePurchase, "marketplace:purchase"},
    {kCrmRead, "crm:read"},
    {kCrmWrite, "crm:write"},
    {kAdmin, "admin"},
};

constexpr std::string_view kTokenPrefix = "cnt_";
constexpr std::string_view kLocalToolsService = "local-tools";

}  // namespace

std::optional<Scope> parse_scope(std::string_view name) {
  for (const auto& s : kScopes)
    if (s.name == name) return s.scope;
  return std::nullopt;
}

std::string_view scope_name(Scope scope) {
  for (const auto& s : kScopes)
    if (s.scope == scope) return s.name;
  return "";
}

std::string scope_list(std::uint32_t mask) {
  std::string out;
  for (const auto& s : kScopes) {
    if ((mask & s.scope) == 0) continue;
    if (!out.empty()) out += ' ';
    out += s.name;
  }
  return out;
}

std::string Principal::key() const {
  return (kind == Kind::kUser ? "user:" : "service:") + subject;
}

Principal local_tools_principal() {
  return Principal{Principal::Kind::kService, std::string(kLocalToolsService), true,
                   kPersonScopesDefault};
}

std::string TokenStore::create_in_memory(const Principal& principal) {
  std::string token = std::string(kTokenPrefix) + util::random_token_body();
  std::unique_lock lock(mu_);
  in_memory_.insert_or_assign(util::sha256_hex(token), principal);
  return token;
}

std::expected<std::string, std::string> TokenStore::create(const Principal& p) {
  std::string token = std::string(kTokenPrefix) + util::random_token_body();
  const std::string hash = util::sha256_hex(token);
  std::string failure;
  const bool committed = store_.write_sync([&](store::WriteTx& tx) {
    auto r = tx.credentials().insert({.token_hash = hash,
                                      .service = p.kind == Principal::Kind::kService,
                                      .subject = p.subject,
                                      .delegate = p.delegate,
                                      .scopes = scope_list(p.scopes),
                                      .created_ms = tx.now_ms()});
    if (!r) failure = r.error().message;
  });
  if (!committed || !failure.empty()) {
    return std::unexpected("cannot store the token: " +
                           (failure.empty() ? "commit failed" : failure));
  }
  return token;
}

std::expected<std::optional<Principal>, Error> TokenStore::verify(std::string_view token) {
  if (!token.starts_with(kTokenPrefix) || token.size() > 128) return std::nullopt;
  const std::string hash = util::sha256_hex(token);
  {
    std::shared_lock lock(mu_);
    if (auto it = cache_.find(hash); it != cache_.end()) return it->second;
    if (auto it = in_memory_.find(hash); it != in_memory_.end()) return it->second;
  }
  auto reader = store_.reader();
  auto found = reader.tx().credentials().find(hash);
  if (!found) return std::unexpected(store::api_error(found.error()));
  if (!*found) return std::nullopt;
  const store::Credential& c = **found;
  Principal p;
  p.kind = c.service ? Principal::Kind::kService : Principal::Kind::kUser;
  p.subject = c.subject;
  p.delegate = c.delegate;
  std::size_t start = 0;
  while (start < c.scopes.size()) {
    std::size_t end = c.scopes.find(' ', start);
    if (end == std::string::npos) end = c.scopes.size();
    if (auto s = parse_scope(std::string_view(c.scopes).substr(start, end - start))) {
      p.scopes |= *s;
    }
    start = end + 1;
  }
  std::unique_lock lock(mu_);
  if (cache_.size() < limits::kTokenCacheMax) cache_.emplace(hash, p);
  return p;
}

}  // namespace centli::auth
