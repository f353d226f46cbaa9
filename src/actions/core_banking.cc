// core-banking: get_balance, transfer (to an account, a beneficiary or an exact alias),
// get_transactions.
#include <algorithm>
#include <charconv>

#include "actions/accounts.h"
#include "actions/common.h"
#include "actions/crm.h"
#include "actions/groups.h"
#include "actions/services.h"
#include "domain/clabe.h"
#include "domain/ledger.h"
#include "domain/money.h"
#include "events/outbox.h"
#include "obs/log.h"
#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::actions {
namespace {

using ledger::AccountState;

// ---------------------------------------------------------------- get_balance

void write_account(json::Writer& w, const AccountState& a) {
  w.StartObject();
  json::kv(w, "account_id", a.account_id);
  json::kv(w, "account_number", obs::mask_tail(a.account_number));
  json::kv(w, "type", ledger::account_type_name(a.type));
  json::kv(w, "status", a.active ? "active" : "inactive");
  json::kv(w, "currency", a.currency);
  json::kv(w, "posted", money::format_minor(a.posted_minor));
  json::kv(w, "held", money::format_minor(a.held_minor));
  json::kv(w, "available", money::format_minor(ledger::available_minor(a)));
  if (a.type == ledger::AccountType::kCredit) {
    json::kv(w, "credit_limit", money::format_minor(a.credit_limit_minor));
  }
  w.EndObject();
}

std::string balance_summary(const std::vector<AccountState>& accounts, std::string_view locale) {
  const bool en = english(locale);
  std::string s;
  for (const auto& a : accounts) {
    if (!s.empty()) s += en ? "; " : "; ";
    const std::string amount = money::format_display(ledger::available_minor(a)) + " " + a.currency;
    if (en) {
      s += "account ending " + last4(a.account_number) + " has " + amount + " available";
    } else {
      s += "la cuenta con terminación " + last4(a.account_number) + " tiene " + amount +
           " disponibles";
    }
  }
  if (s.empty()) return en ? "You have no accounts." : "No tienes cuentas.";
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s + ".";
}

std::expected<Reply, Error> get_balance(const Call& call, store::Reader& reader) {
  auto owned = owned_accounts(reader.tx(), call.user_id, call.input.str("account_id"));
  if (!owned) return std::unexpected(owned.error());
  const std::vector<AccountState>& accounts = *owned;
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "accounts");
  w.StartArray();
  for (const auto& a : accounts) write_account(w, a);
  w.EndArray();
  json::kv(w, "summary", balance_summary(accounts, call.locale));
  w.EndObject();
  return Reply{200, std::string(json::view(b))};
}

// ---------------------------------------------------------------- transfer

// How the request names the target: exactly one of to_account, to_beneficiary_id, to_alias.
enum class TargetBy { kAccount, kBeneficiary, kAlias };

struct TransferRequest {
  std::string from_account;
  TargetBy target_by = TargetBy::kAccount;
  std::string target;  // the value of the field that names the target
  std::int64_t amount_minor = 0;
  std::string currency;
  std::string description;
  std::string user_id;
  std::string correlation_id;
  std::string locale;
};

constexpr std::string_view kTargetFields[] = {"to_account", "to_beneficiary_id", "to_alias"};

std::string_view target_field(TargetBy by) { return kTargetFields[static_cast<int>(by)]; }

// Where the money goes: the account credited, and the beneficiary when one was named. A CLABE
// beneficiary is at another bank: the bank's clearing account is credited (external transfer).
struct Destination {
  std::string account_id;
  ledger::TargetKind kind = ledger::TargetKind::kCustomerAccount;
  std::optional<store::Beneficiary> beneficiary;
};

// Runs inside the transfer's transaction, so the beneficiary paid is the one that exists now.
std::expected<Destination, Error> resolve_destination(const TransferRequest& r,
                                                      const BankingConfig& cfg, store::ReadTx& tx) {
  if (r.target_by == TargetBy::kAccount) return Destination{r.target, {}, std::nullopt};
  std::optional<store::Beneficiary> b;
  if (r.target_by == TargetBy::kBeneficiary) {
    auto found = tx.beneficiaries().load(r.user_id, r.target);
    if (!found) return std::unexpected(store_error(found.error()));
    if (!*found) {
      return std::unexpected(Error{ErrorCode::kBeneficiaryNotFound, "the beneficiary was not found",
                                   "to_beneficiary_id", ""});
    }
    b = std::move(*found);
  } else {
    auto found = exact_alias_beneficiary(tx, r.user_id, r.target, r.locale, "to_alias");
    if (!found) return std::unexpected(found.error());
    b = std::move(*found);
  }
  if (b->clabe) return Destination{cfg.clearing_account_id, ledger::TargetKind::kExternal, b};
  return Destination{*b->account_id, ledger::TargetKind::kCustomerAccount, b};
}

bool is_external(const Destination& d) { return d.kind == ledger::TargetKind::kExternal; }

void write_external(json::Writer& w, const store::Beneficiary& b) {
  w.StartObject();
  json::kv(w, "bank_code", b.bank_code);
  json::kv(w, "bank_name", b.bank_name);
  json::kv(w, "clabe", clabe::mask(*b.clabe));
  json::kv(w, "last4", last4(*b.clabe));
  w.EndObject();
}

std::string transfer_event_data(const TransferRequest& r, const Destination& d,
                                const AccountState& target, std::string_view transfer_id) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "transfer_id", transfer_id);
  json::kv(w, "from_account", r.from_account);
  json::kv(w, "to_account", target.account_id);
  events::write_amount(w, r.amount_minor, target.currency);
  if (d.beneficiary) json::kv(w, "beneficiary_id", d.beneficiary->beneficiary_id);
  if (is_external(d)) {
    json::key(w, "external_destination");
    write_external(w, *d.beneficiary);
  } else {
    json::kv(w, "to_user_id", target.user_id);
  }
  w.EndObject();
  return std::string(json::view(b));
}

std::string transfer_summary(const TransferRequest& r, const Destination& d,
                             const AccountState& source, const AccountState& target) {
  const bool en = english(r.locale);
  const std::string amount = money::format_display(r.amount_minor) + " " + source.currency;
  const std::string to = d.beneficiary
                             ? d.beneficiary->alias + ", " + destination_phrase(*d.beneficiary, en)
                         : en ? "account ending " + last4(target.account_number)
                              : "la cuenta con terminación " + last4(target.account_number);
  return en ? "You sent " + amount + " from account ending " + last4(source.account_number) +
                  " to " + to + "."
            : "Enviaste " + amount + " de la cuenta con terminación " +
                  last4(source.account_number) + " a " + to + ".";
}

std::string transfer_reply(const TransferRequest& r, const Destination& d,
                           const AccountState& source, const AccountState& target,
                           std::string_view transfer_id, std::int64_t balance_after,
                           std::int64_t now_ms) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "transfer_id", transfer_id);
  json::kv(w, "status", "COMPLETED");
  json::kv(w, "type", is_external(d) ? "external_transfer" : "transfer");
  json::kv(w, "from_account", source.account_id);
  json::kv(w, "to_account", target.account_id);
  if (d.beneficiary) {
    json::key(w, "to_beneficiary");
    write_beneficiary(w, *d.beneficiary);
  }
  json::kv(w, "amount", money::format_minor(r.amount_minor));
  json::kv(w, "currency", source.currency);
  json::kv(w, "description", r.description);
  json::kv(w, "balance_after", money::format_minor(balance_after));
  json::kv(w, "created_at", util::format_iso8601_ms(now_ms));
  json::kv(w, "summary", transfer_summary(r, d, source, target));
  w.EndObject();
  return std::string(json::view(b));
}

// What the source's statement line names: the target account, or for another bank its name
// and the CLABE's last four digits.
std::string source_counterparty(const Destination& d, const AccountState& target) {
  if (!is_external(d)) return target.account_id;
  return d.beneficiary->bank_name + " ****" + last4(*d.beneficiary->clabe);
}

std::expected<Reply, Error> run_transfer(const TransferRequest& r, const BankingConfig& cfg,
                                         store::WriteTx& tx) {
  auto dest = resolve_destination(r, cfg, tx);
  if (!dest) return std::unexpected(dest.error());
  auto pair = tx.accounts().load_pair(r.from_account, dest->account_id);
  if (!pair) return std::unexpected(store_error(pair.error()));
  const std::optional<AccountState>& source = pair->first;
  const std::optional<AccountState>& target = pair->second;
  const std::string day = util::day_of(tx.now_ms(), cfg.day_offset_minutes);
  // The day's outflow is read (and on a shared store locked) only when this transfer counts
  // toward it; when either account is missing the checks refuse before the daily limit.
  std::int64_t used = 0;
  if (source && target && ledger::counts_toward_daily(*source, *target, dest->kind)) {
    auto read = tx.accounts().daily_outflow(r.user_id, day);
    if (!read) return std::unexpected(store_error(read.error()));
    used = *read;
  }
  auto plan = ledger::check_transfer(
      source, dest->account_id, target,
      ledger::TransferCheck{r.user_id, r.currency, r.amount_minor, used, dest->kind},
      ledger::TransferLimits{cfg.transfer_amount_minor_max, cfg.daily_outflow_minor_max});
  if (!plan) {
    Error e = plan.error();
    if (e.field == "to_account") e.field = std::string(target_field(r.target_by));
    return std::unexpected(std::move(e));
  }
  const AccountState& src = *source;
  const AccountState& dst = *target;
  const std::string transfer_id = util::random_id("trf-");
  const std::string sender_label = obs::mask_tail(src.account_number);
  const std::string source_label = source_counterparty(*dest, dst);
  const bool own = src.user_id == dst.user_id;
  store::Posting p{transfer_id,
                   is_external(*dest) ? "external_transfer" : "transfer",
                   &src,
                   &dst,
                   r.amount_minor,
                   plan->source_posted_after,
                   plan->target_posted_after,
                   source_label,
                   own ? std::string_view(src.account_id) : sender_label,
                   r.description,
                   r.correlation_id,
                   plan->counts_toward_daily ? std::string_view(r.user_id) : std::string_view(),
                   day,
                   plan->daily_used_after,
                   tx.now_ms()};
  if (auto ok = tx.accounts().post(p); !ok) return std::unexpected(store_error(ok.error()));
  const std::string data = transfer_event_data(r, *dest, dst, transfer_id);
  auto ev =
      events::append(tx, {"TRANSFER_COMPLETED", "core-banking", r.user_id, r.correlation_id, data});
  if (!ev) return std::unexpected(store_error(ev.error()));
  return Reply{
      201, transfer_reply(r, *dest, src, dst, transfer_id, plan->source_posted_after, tx.now_ms())};
}

// Exactly one of the target fields: none or several is a 400 that names them all.
std::expected<TargetBy, Error> target_of(const Input& input) {
  std::optional<TargetBy> by;
  int given = 0;
  for (int i = 0; i < 3; ++i) {
    if (!input.has(kTargetFields[i])) continue;
    ++given;
    if (!by) by = static_cast<TargetBy>(i);
  }
  if (given == 1) return *by;
  return std::unexpected(Error::invalid(
      given == 0 ? "to_account" : std::string(kTargetFields[static_cast<int>(*by)]),
      given == 0 ? "give the target: one of to_account, to_beneficiary_id or to_alias"
                 : "give only one of to_account, to_beneficiary_id and to_alias"));
}

std::expected<WriteFn, Error> prepare_transfer(const Call& call) {
  auto by = target_of(call.input);
  if (!by) return std::unexpected(by.error());
  TransferRequest r;
  r.from_account = std::string(*call.input.str("from_account"));
  r.target_by = *by;
  r.target = std::string(*call.input.str(target_field(*by)));
  r.amount_minor = *call.input.integer("amount");
  r.currency = std::string(call.input.str("currency").value_or(""));
  r.description = std::string(call.input.str("description").value_or(""));
  r.user_id = std::string(call.user_id);
  r.correlation_id = std::string(call.correlation_id);
  r.locale = std::string(call.locale);
  const BankingConfig cfg = call.services.banking;
  return WriteFn([r = std::move(r), cfg](store::WriteTx& tx) { return run_transfer(r, cfg, tx); });
}

// ---------------------------------------------------------------- get_transactions

struct Position {
  std::int64_t timestamp_ms = INT64_MAX;
  std::int64_t seq = INT64_MAX;
};

void write_entry(json::Writer& w, const store::HistoryEntry& e) {
  w.StartObject();
  json::kv(w, "transaction_id", e.transaction_id);
  json::kv(w, "transfer_id", e.transfer_id);
  json::kv(w, "account_id", e.account_id);
  json::kv(w, "timestamp", util::format_iso8601_ms(e.timestamp_ms));
  json::kv(w, "type", e.kind);
  json::kv(w, "direction", e.direction);
  json::kv(w, "amount", money::format_minor(e.amount_minor));
  json::kv(w, "currency", e.currency);
  json::kv(w, "balance_after", money::format_minor(e.balance_after_minor));
  json::kv(w, "counterparty", e.counterparty);
  json::kv(w, "description", e.description);
  w.EndObject();
}

std::expected<Reply, Error> get_transactions(const Call& call, store::Reader& reader) {
  const auto account_id = call.input.str("account_id");
  if (account_id) {
    if (auto a = owned_account(reader.tx(), call.user_id, *account_id); !a) {
      return std::unexpected(a.error());
    }
  }
  Position after;
  if (auto c = call.input.str("cursor")) {
    auto pos = decode_history_cursor(*c);
    if (!pos) return std::unexpected(Error::invalid("cursor", "the cursor is not valid"));
    after = Position{pos->first, pos->second};
  }
  const std::int64_t from = call.input.integer("from").value_or(INT64_MIN);
  const std::int64_t to = call.input.integer("to").value_or(INT64_MAX);
  const std::int64_t limit =
      call.input.integer("limit").value_or(static_cast<std::int64_t>(limits::kPageSizeDefault));
  auto page = reader.tx().accounts().history({.account_id = account_id.value_or(""),
                                              .user_id = call.user_id,
                                              .from_ms = from,
                                              .to_ms = to,
                                              .before_ms = after.timestamp_ms,
                                              .before_seq = after.seq,
                                              .limit = limit + 1});
  if (!page) return std::unexpected(store_error(page.error()));
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "transactions");
  w.StartArray();
  std::int64_t count = 0;
  Position last;
  bool more = false;
  for (const store::HistoryEntry& e : *page) {
    if (count == limit) {
      more = true;
      break;
    }
    write_entry(w, e);
    last = Position{e.timestamp_ms, e.seq};
    ++count;
  }
  w.EndArray();
  json::key(w, "next_cursor");
  if (more) {
    json::str(w, encode_history_cursor(last.timestamp_ms, last.seq));
  } else {
    w.Null();
  }
  const bool en = english(call.locale);
  const std::string n = std::to_string(count);
  if (en) {
    json::kv(w, "summary",
             count == 1 ? std::string("Showing 1 movement.")
                        : "Showing " + n + " movements, newest first.");
  } else {
    json::kv(w, "summary",
             count == 1 ? std::string("Se muestra 1 movimiento.")
                        : "Se muestran " + n + " movimientos, del más reciente al más antiguo.");
  }
  w.EndObject();
  return Reply{200, std::string(json::view(b))};
}

// ---------------------------------------------------------------- declarations

constexpr const char* kAccountSchema =
    R"({"type":"object","properties":{"account_id":{"type":"string"},)"
    R"("account_number":{"type":"string","description":"masked: last four digits"},)"
    R"("type":{"type":"string","description":"checking, savings or credit"},)"
    R"("status":{"type":"string"},"currency":{"type":"string"},)"
    R"("posted":{"type":"string"},"held":{"type":"string"},"available":{"type":"string"},)"
    R"("credit_limit":{"type":"string"}}})";

Field id_field(std::string name, std::string description, bool required, FieldIn in) {
  return Field{std::move(name),
               FieldType::kString,
               required,
               std::move(description),
               limits::kIdMax,
               0,
               0,
               in};
}

}  // namespace

std::string encode_history_cursor(std::int64_t timestamp_ms, std::int64_t seq) {
  return "h1." + util::base64url_encode(std::to_string(timestamp_ms) + ":" + std::to_string(seq));
}

std::optional<std::pair<std::int64_t, std::int64_t>> decode_history_cursor(std::string_view c) {
  if (!c.starts_with("h1.")) return std::nullopt;
  std::string raw;
  if (!util::base64url_decode(c.substr(3), raw)) return std::nullopt;
  const auto colon = raw.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::int64_t ts = 0, seq = 0;
  auto r1 = std::from_chars(raw.data(), raw.data() + colon, ts);
  auto r2 = std::from_chars(raw.data() + colon + 1, raw.data() + raw.size(), seq);
  if (r1.ec != std::errc() || r1.ptr != raw.data() + colon || r2.ec != std::errc() ||
      r2.ptr != raw.data() + raw.size() || ts < 0 || seq <= 0) {
    return std::nullopt;
  }
  return std::pair{ts, seq};
}

void register_core_banking(Registry& registry) {
  registry.add(Action{
      .name = "get_balance",
      .group = "core-banking",
      .title = "Get account balances",
      .description =
          "Returns the balances of the person's accounts: posted, held and available amounts "
          "with currency, account type and the last four digits of the account number. Give "
          "account_id for one account; omit it for all accounts. Balances are up to date.",
      .scope = auth::kBankingRead,
      .method = "GET",
      .path = "/v1/core-banking/balance",
      .fields = {id_field("account_id", "Account id such as acc-456; omit for all accounts.", false,
                          FieldIn::kQuery)},
      .output_schema =
          std::string(R"({"type":"object","properties":{"accounts":{"type":"array","items":)") +
          kAccountSchema + R"(},"summary":{"type":"string"}},"required":["accounts"]})",
      .refusals = {ErrorCode::kAccountNotFound},
      .read = get_balance,
  });
  registry.add(Action{
      .name = "transfer",
      .group = "core-banking",
      .title = "Transfer money",
      .description =
          "Moves money from one of the person's accounts to another of their accounts, to "
          "another customer's account, or to a beneficiary (also at another bank). Name the "
          "target with exactly one of to_account, to_beneficiary_id or to_alias. to_alias pays "
          "only an exact alias match; otherwise it is refused with candidates (alias_not_exact, "
          "alias_ambiguous, alias_not_found): confirm with the person, then pay with "
          "to_beneficiary_id. Amount is in major units as a decimal string with at most two "
          "decimals, e.g. \"500.00\". Refused with a clear code for insufficient funds, limits, "
          "inactive or unknown accounts. Every call moves money again, even with the same "
          "arguments: send a request_id, and the same request_id to retry safely.",
      .scope = auth::kBankingTransfer,
      .method = "POST",
      .path = "/v1/core-banking/transfer",
      .fields = {id_field("from_account", "The person's source account id, e.g. acc-456.", true,
                          FieldIn::kBody),
                 id_field("to_account", "Target account id, e.g. acc-789.", false, FieldIn::kBody),
                 id_field("to_beneficiary_id",
                          "A beneficiary of the person (from resolve_alias or get_beneficiaries).",
                          false, FieldIn::kBody),
                 Field{"to_alias", FieldType::kString, false,
                       "A beneficiary's alias, e.g. \"mamá\"; pays only on an exact alias match.",
                       limits::kBeneficiaryNameCodePointsMax, 0, 0, FieldIn::kBody},
                 Field{"amount", FieldType::kMoney, true,
                       "Amount in major units with a dot for decimals (at most two) and no "
                       "thousands separators, e.g. \"500.00\" or \"1500.50\". A comma is refused "
                       "as ambiguous (\"10,50\") unless written like \"1,500.00\".",
                       0, 0, 0, FieldIn::kBody},
                 Field{"currency", FieldType::kString, false,
                       "ISO 4217 currency code; defaults to the source account's currency (MXN).",
                       3, 0, 0, FieldIn::kBody},
                 Field{"description", FieldType::kString, false,
                       "Free text shown on both statements.", limits::kDescriptionMax, 0, 0,
                       FieldIn::kBody}},
      .output_schema =
          R"({"type":"object","properties":{"transfer_id":{"type":"string"},"status":{"type":"string"},)"
          R"("type":{"type":"string","description":"transfer or external_transfer"},)"
          R"("from_account":{"type":"string"},"to_account":{"type":"string"},)"
          R"("to_beneficiary":{"type":"object","description":"the beneficiary paid, destination masked"},)"
          R"("amount":{"type":"string"},)"
          R"("currency":{"type":"string"},"description":{"type":"string"},"balance_after":{"type":"string"},)"
          R"("created_at":{"type":"string"},"summary":{"type":"string"}},"required":["transfer_id","status"]})",
      .successes = {{201, "The transfer was made; the answer is stored under its key."}},
      .refusals = {ErrorCode::kAccountNotFound, ErrorCode::kBeneficiaryNotFound,
                   ErrorCode::kAliasNotFound, ErrorCode::kAliasAmbiguous, ErrorCode::kAliasNotExact,
                   ErrorCode::kSameAccount, ErrorCode::kAccountInactive,
                   ErrorCode::kCurrencyMismatch, ErrorCode::kAmountLimitExceeded,
                   ErrorCode::kDailyLimitExceeded, ErrorCode::kInsufficientFunds},
      // Money leaves the account for good (a mistake is undone only by a new transfer), and it
      // may leave centli for another bank through the clearing account.
      .read_only = false,
      .idempotent = false,
      .destructive = true,
      .open_world = true,
      .key_required = true,
      .prepare = prepare_transfer,
  });
  registry.add(Action{
      .name = "get_transactions",
      .group = "core-banking",
      .title = "Get transaction history",
      .description =
          "Lists the person's account movements newest first: one account (account_id) or all. "
          "Optional from/to dates (ISO 8601; from inclusive, to exclusive), limit 1 to 100 "
          "(default 20), and cursor from a previous page's next_cursor.",
      .scope = auth::kBankingRead,
      .method = "GET",
      .path = "/v1/core-banking/transactions",
      .fields = {id_field("account_id", "Account id; omit for all the person's accounts.", false,
                          FieldIn::kQuery),
                 Field{"from", FieldType::kDate, false,
                       "Earliest time, inclusive, e.g. 2026-02-01 or 2026-02-01T00:00:00Z.", 0, 0,
                       0, FieldIn::kQuery},
                 Field{"to", FieldType::kDate, false, "Latest time, exclusive.", 0, 0, 0,
                       FieldIn::kQuery},
                 Field{"limit", FieldType::kInteger, false, "Page size, 1 to 100; default 20.", 0,
                       1, static_cast<std::int64_t>(limits::kPageSizeMax), FieldIn::kQuery},
                 Field{"cursor", FieldType::kString, false,
                       "Opaque next_cursor of the previous page.", 128, 0, 0, FieldIn::kQuery}},
      .output_schema =
          R"({"type":"object","properties":{"transactions":{"type":"array","items":{"type":"object","properties":{)"
          R"("transaction_id":{"type":"string"},"transfer_id":{"type":"string"},"account_id":{"type":"string"},)"
          R"("timestamp":{"type":"string"},"type":{"type":"string"},"direction":{"type":"string"},)"
          R"("amount":{"type":"string"},"currency":{"type":"string"},"balance_after":{"type":"string"},)"
          R"("counterparty":{"type":"string"},"description":{"type":"string"}}}},)"
          R"("next_cursor":{"type":"string","nullable":true},"summary":{"type":"string"}},"required":["transactions"]})",
      .refusals = {ErrorCode::kAccountNotFound},
      .read = get_transactions,
  });
}

}  // namespace centli::actions
