// crm: add_beneficiary, get_beneficiaries, resolve_alias. The person's address book, and turning
// what was said ("mami", "Baleria") into exactly one beneficiary or a clear "which one?".
#include "actions/crm.h"

#include <algorithm>
#include <vector>

#include "actions/common.h"
#include "actions/groups.h"
#include "actions/services.h"
#include "domain/alias_match.h"
#include "domain/clabe.h"
#include "domain/ledger.h"
#include "events/outbox.h"
#include "obs/log.h"
#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "util/assert.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/limits.h"

namespace centli::actions {
namespace {

// How an account destination names its bank on screens and in speech.
constexpr std::string_view kCentliBankName = "centli";

bool is_clabe(const store::Beneficiary& b) { return b.clabe.has_value(); }

std::string destination_last4(const store::Beneficiary& b) {
  return last4(is_clabe(b) ? std::string_view(*b.clabe) : std::string_view(b.account_number));
}

void write_destination(json::Writer& w, const store::Beneficiary& b) {
  w.StartObject();
  json::kv(w, "type", is_clabe(b) ? "clabe" : "centli_account");
  json::kv(w, "bank_name", is_clabe(b) ? std::string_view(b.bank_name) : kCentliBankName);
  json::kv(w, "last4", destination_last4(b));
  json::kv(w, "masked", is_clabe(b) ? clabe::mask(*b.clabe) : obs::mask_tail(b.account_number));
  w.EndObject();
}

void write_beneficiary_members(json::Writer& w, const store::Beneficiary& b) {
  json::kv(w, "beneficiary_id", b.beneficiary_id);
  json::kv(w, "alias", b.alias);
  json::kv(w, "name", b.name);
  json::key(w, "destination");
  write_destination(w, b);
  json::kv(w, "created_at", util::format_iso8601_ms(b.created_ms));
}

// "Juan (Juan Pérez López)": what a person hears to tell two beneficiaries apart.
std::string who(const store::Beneficiary& b) { return b.alias + " (" + b.name + ")"; }

// "A", "A o B", "A, B o C" (English: "or"); with `all`, "y" / "and".
std::string spoken_list(const std::vector<std::string>& items, bool en, bool all = false) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const char* last = all ? (en ? " and " : " y ") : (en ? " or " : " o ");
    if (i > 0) out += i + 1 == items.size() ? last : ", ";
    out += items[i];
  }
  return out;
}

// --- alias lookup, shared by resolve_alias and the transfer by alias

struct Lookup {
  std::vector<store::Beneficiary> book;
  alias::Resolution resolution;

  const store::Beneficiary& get(std::string_view id) const {
    auto it = std::find_if(book.begin(), book.end(),
                           [&](const store::Beneficiary& b) { return b.beneficiary_id == id; });
    CENTLI_ASSERT(it != book.end());
    return *it;
  }
};

std::expected<Lookup, Error> lookup(store::ReadTx& tx, std::string_view user_id,
                                    std::string_view spoken) {
  auto book = tx.beneficiaries().of_user(user_id);
  if (!book) return std::unexpected(store_error(book.error()));
  std::vector<alias::Entry> entries;
  entries.reserve(book->size());
  for (const auto& b : *book) entries.push_back({b.beneficiary_id, b.alias, b.name});
  Lookup l{std::move(*book), {}};
  l.resolution = alias::resolve(spoken, entries);
  return l;
}

void write_candidates(json::Writer& w, const Lookup& l) {
  w.StartArray();
  for (const alias::Candidate& c : l.resolution.candidates) {
    w.StartObject();
    write_beneficiary_members(w, l.get(c.id));
    json::key(w, "score");
    w.Double(c.score);
    w.EndObject();
  }
  w.EndArray();
}

std::vector<std::string> candidate_names(const Lookup& l) {
  std::vector<std::string> out;
  for (const auto& c : l.resolution.candidates) out.push_back(who(l.get(c.id)));
  return out;
}

std::string resolved_summary(const Lookup& l, bool en) {
  const store::Beneficiary& b = l.get(l.resolution.candidates.front().id);
  const std::string dest = destination_phrase(b, en);
  if (l.resolution.exact) {
    return en ? b.alias + " is " + b.name + ", " + dest + "."
              : b.alias + " es " + b.name + ", " + dest + ".";
  }
  return en ? "You probably mean " + b.alias + " (" + b.name + ", " + dest +
                  "); confirm with the person before sending money."
            : "Parece que te refieres a " + b.alias + " (" + b.name + ", " + dest +
                  "); confírmalo antes de enviar dinero.";
}

std::string lookup_summary(const Lookup& l, std::string_view spoken, bool en) {
  using Status = alias::Resolution::Status;
  switch (l.resolution.status) {
    case Status::kResolved:
      return resolved_summary(l, en);
    case Status::kAmbiguous:
      return (en ? "Who do you mean: " : "¿A quién te refieres: ") +
             spoken_list(candidate_names(l), en) + "?";
    case Status::kNotFound:
      break;
  }
  const std::string quoted =
      en ? "\"" + std::string(spoken) + "\"" : "«" + std::string(spoken) + "»";
  std::string s =
      en ? "No beneficiary matches " + quoted : "Ningún beneficiario coincide con " + quoted;
  if (!l.resolution.candidates.empty()) {
    std::vector<std::string> names;
    for (const auto& c : l.resolution.candidates) names.push_back(l.get(c.id).alias);
    s += (en ? "; the closest are " : "; los más parecidos son ") + spoken_list(names, en, true);
  }
  return s + ".";
}

// ---------------------------------------------------------------- add_beneficiary

struct AddRequest {
  store::Beneficiary b;
  std::string correlation_id;
  std::string locale;
};

// Writes the members of a JSON object (no braces) for Error::extra_json.
std::string extra_members(std::string_view key, std::string_view value) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, key, value);
  w.EndObject();
  const std::string_view text = json::view(buf);
  return std::string(text.substr(1, text.size() - 2));
}

// The target of an account destination: another person's customer account. Fills the
// account number for masking.
std::expected<void, Error> check_target_account(store::ReadTx& tx, store::Beneficiary& b) {
  auto a = tx.accounts().load(*b.account_id);
  if (!a) return std::unexpected(store_error(a.error()));
  if (!*a || !ledger::is_customer_account((*a)->type)) {
    return std::unexpected(
        Error{ErrorCode::kAccountNotFound, "the account was not found", "account_id", ""});
  }
  if ((*a)->user_id == b.user_id) {
    return std::unexpected(Error::invalid(
        "account_id", "the account is the person's own; transfer to it directly by account id"));
  }
  b.account_number = (*a)->account_number;
  return {};
}

std::string add_reply(const store::Beneficiary& b, bool en) {
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  write_beneficiary_members(w, b);
  const std::string dest = destination_phrase(b, en);
  json::kv(w, "summary",
           en ? "Added " + who(b) + ", " + dest + "." : "Agregué a " + who(b) + ", " + dest + ".");
  w.EndObject();
  return std::string(json::view(buf));
}

std::expected<Reply, Error> run_add_beneficiary(AddRequest r, store::WriteTx& tx) {
  store::Beneficiary& b = r.b;
  b.created_ms = tx.now_ms();
  if (b.account_id) {
    if (auto ok = check_target_account(tx, b); !ok) return std::unexpected(ok.error());
  }
  auto existing = tx.beneficiaries().find_by_alias(b.user_id, b.alias_normalized);
  if (!existing) return std::unexpected(store_error(existing.error()));
  if (*existing) {
    return std::unexpected(Error{ErrorCode::kBeneficiaryDuplicate,
                                 "the alias is already used by beneficiary " +
                                     (*existing)->beneficiary_id + " (" + (*existing)->alias + ")",
                                 "alias",
                                 extra_members("beneficiary_id", (*existing)->beneficiary_id)});
  }
  auto count = tx.beneficiaries().count(b.user_id);
  if (!count) return std::unexpected(store_error(count.error()));
  if (*count >= static_cast<std::int64_t>(limits::kBeneficiariesPerUserMax)) {
    return std::unexpected(Error{ErrorCode::kBeneficiaryLimit,
                                 "a person can keep at most " +
                                     std::to_string(limits::kBeneficiariesPerUserMax) +
                                     " beneficiaries",
                                 "", ""});
  }
  if (auto ok = tx.beneficiaries().insert(b); !ok) return std::unexpected(store_error(ok.error()));
  rapidjson::StringBuffer data;
  json::Writer w(data);
  write_beneficiary(w, b);
  auto ev = events::append(
      tx, {"BENEFICIARY_ADDED", "crm", b.user_id, r.correlation_id, json::view(data)});
  if (!ev) return std::unexpected(store_error(ev.error()));
  return Reply{201, add_reply(b, english(r.locale))};
}

std::expected<WriteFn, Error> prepare_add_beneficiary(const Call& call) {
  AddRequest r;
  const std::string_view alias_text = *call.input.str("alias");
  const std::string_view name = *call.input.str("name");
  if (auto ok = alias::check_alias(alias_text); !ok)
    return std::unexpected(Error::invalid("alias", std::string(ok.error())));
  if (auto ok = alias::check_name(name); !ok)
    return std::unexpected(Error::invalid("name", std::string(ok.error())));
  const auto account_id = call.input.str("account_id");
  const auto clabe_text = call.input.str("clabe");
  if (account_id.has_value() == clabe_text.has_value()) {
    return std::unexpected(Error::invalid(
        account_id ? "clabe" : "account_id",
        "give exactly one destination: account_id (a centli account) or clabe (another bank)"));
  }
  if (clabe_text) {
    auto info = clabe::validate(*clabe_text);
    if (!info) {
      return std::unexpected(Error{ErrorCode::kInvalidClabe,
                                   std::string(clabe::clabe_error_message(info.error())), "clabe",
                                   ""});
    }
    r.b.clabe = std::string(*clabe_text);
    r.b.bank_code = info->bank_code;
    r.b.bank_name = info->bank_name;
  } else {
    r.b.account_id = std::string(*account_id);
  }
  r.b.beneficiary_id = util::random_id("ben-");
  r.b.user_id = std::string(call.user_id);
  r.b.alias = std::string(alias_text);
  r.b.alias_normalized = alias::normalize(alias_text);
  r.b.name = std::string(name);
  r.correlation_id = std::string(call.correlation_id);
  r.locale = std::string(call.locale);
  return WriteFn([r = std::move(r)](store::WriteTx& tx) { return run_add_beneficiary(r, tx); });
}

// ---------------------------------------------------------------- get_beneficiaries

// Cursors are opaque to clients: "b1." + base64url of "alias_normalized\nbeneficiary_id".
std::string encode_cursor(const store::Beneficiary& b) {
  return "b1." + util::base64url_encode(b.alias_normalized + "\n" + b.beneficiary_id);
}

std::optional<std::pair<std::string, std::string>> decode_cursor(std::string_view c) {
  if (!c.starts_with("b1.")) return std::nullopt;
  std::string raw;
  if (!util::base64url_decode(c.substr(3), raw)) return std::nullopt;
  const auto nl = raw.find('\n');
  if (nl == std::string::npos || nl == 0 || nl + 1 == raw.size()) return std::nullopt;
  return std::pair{raw.substr(0, nl), raw.substr(nl + 1)};
}

std::string book_summary(std::int64_t shown, std::int64_t total, bool en) {
  if (total == 0) return en ? "You have no beneficiaries." : "No tienes beneficiarios.";
  if (total == 1 && shown == 1)
    return en ? "Showing your only beneficiary." : "Se muestra tu único beneficiario.";
  const std::string n = std::to_string(shown);
  const std::string all = std::to_string(total);
  return en ? "Showing " + n + " of your " + all + " " +
                  std::string(agree(total, "beneficiary", "beneficiaries")) + ", by alias."
            : std::string(agree(shown, "Se muestra ", "Se muestran ")) + n + " de " +
                  std::string(agree(total, "tu ", "tus ")) + all + " " +
                  std::string(agree(total, "beneficiario", "beneficiarios")) + ", por alias.";
}

std::expected<Reply, Error> get_beneficiaries(const Call& call, store::Reader& reader) {
  std::pair<std::string, std::string> after;
  if (auto c = call.input.str("cursor")) {
    auto pos = decode_cursor(*c);
    if (!pos) return std::unexpected(Error::invalid("cursor", "the cursor is not valid"));
    after = std::move(*pos);
  }
  const std::int64_t limit =
      call.input.integer("limit").value_or(static_cast<std::int64_t>(limits::kPageSizeDefault));
  auto page = reader.tx().beneficiaries().page(call.user_id, after.first, after.second, limit + 1);
  if (!page) return std::unexpected(store_error(page.error()));
  auto total = reader.tx().beneficiaries().count(call.user_id);
  if (!total) return std::unexpected(store_error(total.error()));
  const bool more = static_cast<std::int64_t>(page->size()) > limit;
  if (more) page->pop_back();
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::key(w, "beneficiaries");
  w.StartArray();
  for (const auto& b : *page) write_beneficiary(w, b);
  w.EndArray();
  json::key(w, "next_cursor");
  if (more) {
    json::str(w, encode_cursor(page->back()));
  } else {
    w.Null();
  }
  json::kv(w, "summary",
           book_summary(static_cast<std::int64_t>(page->size()), *total, english(call.locale)));
  w.EndObject();
  return Reply{200, std::string(json::view(buf))};
}

// ---------------------------------------------------------------- resolve_alias

std::string_view status_name(alias::Resolution::Status s) {
  switch (s) {
    case alias::Resolution::Status::kResolved:
      return "RESOLVED";
    case alias::Resolution::Status::kAmbiguous:
      return "AMBIGUOUS";
    case alias::Resolution::Status::kNotFound:
      break;
  }
  return "NOT_FOUND";
}

std::expected<Reply, Error> resolve_alias(const Call& call, store::Reader& reader) {
  const std::string_view spoken = *call.input.str("alias");
  auto l = lookup(reader.tx(), call.user_id, spoken);
  if (!l) return std::unexpected(l.error());
  const alias::Resolution& res = l->resolution;
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::kv(w, "status", status_name(res.status));
  switch (res.status) {
    case alias::Resolution::Status::kResolved:
      json::kv(w, "match", res.exact ? "exact" : "fuzzy");
      json::key(w, "confidence");
      w.Double(res.confidence);
      json::key(w, "beneficiary");
      write_beneficiary(w, l->get(res.candidates.front().id));
      break;
    case alias::Resolution::Status::kAmbiguous:
      json::key(w, "confidence");
      w.Double(res.confidence);
      json::key(w, "candidates");
      write_candidates(w, *l);
      break;
    case alias::Resolution::Status::kNotFound:
      json::key(w, "suggestions");
      write_candidates(w, *l);
      break;
  }
  json::kv(w, "summary", lookup_summary(*l, spoken, english(call.locale)));
  w.EndObject();
  return Reply{200, std::string(json::view(buf))};
}

// ---------------------------------------------------------------- declarations

constexpr const char* kDestinationSchema =
    R"({"type":"object","description":"masked: bank name and last four digits only",)"
    R"("properties":{"type":{"type":"string","description":"centli_account or clabe"},)"
    R"("bank_name":{"type":"string"},"last4":{"type":"string"},"masked":{"type":"string"}}})";

std::string beneficiary_properties() {
  return std::string(R"("beneficiary_id":{"type":"string"},"alias":{"type":"string"},)") +
         R"("name":{"type":"string"},"destination":)" + kDestinationSchema +
         R"(,"created_at":{"type":"string"})";
}

std::string beneficiary_schema() {
  return R"({"type":"object","properties":{)" + beneficiary_properties() + "}}";
}

std::string candidate_schema() {
  return R"({"type":"object","properties":{)" + beneficiary_properties() +
         R"(,"score":{"type":"number"}}})";
}

Field text_field(std::string name, std::string description, bool required, std::size_t max,
                 FieldIn in) {
  return Field{
      std::move(name), FieldType::kString, required, std::move(description), max, 0, 0, in};
}

Action add_beneficiary_action() {
  return Action{
      .name = "add_beneficiary",
      .group = "crm",
      .title = "Add a beneficiary",
      .description =
          "Adds a person to the caller's address book under an alias (what the person calls "
          "them, e.g. \"Mamá\", \"Casero\"), with their full name and exactly one destination: "
          "account_id of another centli customer, or an 18-digit CLABE at another Mexican "
          "bank. Aliases are unique per person ignoring case, accents and punctuation; a "
          "duplicate is refused with the existing beneficiary_id, so repeating a call adds "
          "nothing. The answer shows only the bank name and the last four digits.",
      .scope = auth::kCrmWrite,
      .method = "POST",
      .path = "/v1/crm/beneficiaries",
      .fields = {text_field("alias",
                            "What the person calls the beneficiary: 1 to 40 letters, digits, "
                            "spaces, apostrophes or hyphens, e.g. \"Mamá\".",
                            true, limits::kAliasCodePointsMax, FieldIn::kBody),
                 text_field("name", "The beneficiary's full name, e.g. \"María López\".", true,
                            limits::kBeneficiaryNameCodePointsMax, FieldIn::kBody),
                 text_field("account_id",
                            "Another centli customer's account id, e.g. acc-789. Give this or "
                            "clabe, not both.",
                            false, limits::kIdMax, FieldIn::kBody),
                 text_field("clabe",
                            "18-digit CLABE of an account at another bank, digits only. Give "
                            "this or account_id, not both.",
                            false, limits::kClabeTextMax, FieldIn::kBody)},
      .output_schema = std::string(R"({"type":"object","properties":{)") +
                       beneficiary_properties() +
                       R"(,"summary":{"type":"string"}},"required":["beneficiary_id"]})",
      .successes = {{201, "The beneficiary was added."}},
      .refusals = {ErrorCode::kInvalidClabe, ErrorCode::kAccountNotFound,
                   ErrorCode::kBeneficiaryDuplicate, ErrorCode::kBeneficiaryLimit},
      // It only adds an entry, and the same arguments again are refused as a duplicate alias:
      // no further effect, so idempotent without a request_id.
      .read_only = false,
      .idempotent = true,
      .destructive = false,
      .open_world = false,
      .key_required = false,
      .prepare = prepare_add_beneficiary,
  };
}

Action get_beneficiaries_action() {
  return Action{
      .name = "get_beneficiaries",
      .group = "crm",
      .title = "List beneficiaries",
      .description =
          "Lists the caller's beneficiaries sorted by alias, with full names and masked "
          "destinations (bank name and last four digits). Optional limit 1 to 100 (default "
          "20) and cursor from a previous page's next_cursor.",
      .scope = auth::kCrmRead,
      .method = "GET",
      .path = "/v1/crm/beneficiaries",
      .fields = {Field{"limit", FieldType::kInteger, false, "Page size, 1 to 100; default 20.", 0,
                       1, static_cast<std::int64_t>(limits::kPageSizeMax), FieldIn::kQuery},
                 text_field("cursor", "Opaque next_cursor of the previous page.", false, 256,
                            FieldIn::kQuery)},
      .output_schema =
          R"({"type":"object","properties":{"beneficiaries":{"type":"array","items":)" +
          beneficiary_schema() +
          R"(},"next_cursor":{"type":"string","nullable":true},)"
          R"("summary":{"type":"string"}},"required":["beneficiaries"]})",
      .read = get_beneficiaries,
  };
}

Action resolve_alias_action() {
  return Action{
      .name = "resolve_alias",
      .group = "crm",
      .title = "Find a beneficiary by what the person said",
      .description =
          "Turns what the person said (\"mamá\", \"mami\", \"Juanito\", \"el casero\") into one "
          "of their beneficiaries. status RESOLVED with match exact or fuzzy (then confirm "
          "with the person before moving money), AMBIGUOUS with up to five ranked candidates "
          "(ask which one), or NOT_FOUND with the nearest suggestions. Read the summary "
          "aloud. To pay, use transfer with to_beneficiary_id.",
      .scope = auth::kCrmRead,
      .method = "GET",
      .path = "/v1/crm/resolve-alias",
      .fields = {text_field("alias", "What the person said, as transcribed, e.g. \"mami\".", true,
                            limits::kBeneficiaryNameCodePointsMax, FieldIn::kQuery)},
      .output_schema =
          R"({"type":"object","properties":{"status":{"type":"string","description":)"
          R"("RESOLVED, AMBIGUOUS or NOT_FOUND"},"match":{"type":"string","description":)"
          R"("exact or fuzzy"},"confidence":{"type":"number"},"beneficiary":)" +
          beneficiary_schema() + R"(,"candidates":{"type":"array","items":)" + candidate_schema() +
          R"(},"suggestions":{"type":"array","items":)" + candidate_schema() +
          R"(},"summary":{"type":"string"}},"required":["status","summary"]})",
      .read = resolve_alias,
  };
}

}  // namespace

void write_beneficiary(json::Writer& w, const store::Beneficiary& b) {
  w.StartObject();
  write_beneficiary_members(w, b);
  w.EndObject();
}

std::string destination_phrase(const store::Beneficiary& b, bool en) {
  const std::string four = destination_last4(b);
  if (is_clabe(b)) {
    return en ? b.bank_name + " CLABE ending " + four
              : "CLABE de " + b.bank_name + " con terminación " + four;
  }
  return en ? "centli account ending " + four : "cuenta centli con terminación " + four;
}

std::expected<store::Beneficiary, Error> exact_alias_beneficiary(store::ReadTx& tx,
                                                                 std::string_view user_id,
                                                                 std::string_view spoken,
                                                                 std::string_view locale,
                                                                 std::string_view field) {
  auto l = lookup(tx, user_id, spoken);
  if (!l) return std::unexpected(l.error());
  const alias::Resolution& res = l->resolution;
  using Status = alias::Resolution::Status;
  if (res.status == Status::kResolved && res.exact) return l->get(res.candidates.front().id);
  Error e{ErrorCode::kAliasNotFound,
          "no beneficiary matches the alias; ask the person who they mean", std::string(field), ""};
  if (res.status == Status::kResolved) {
    e.code = ErrorCode::kAliasNotExact;
    e.message =
        "the alias is not an exact match; confirm the beneficiary with the person and "
        "pay with to_beneficiary_id";
  } else if (res.status == Status::kAmbiguous) {
    e.code = ErrorCode::kAliasAmbiguous;
    e.message =
        "the alias matches several beneficiaries; ask the person which one and pay "
        "with to_beneficiary_id";
  }
  rapidjson::StringBuffer buf;
  json::Writer w(buf);
  w.StartObject();
  json::key(w, "candidates");
  write_candidates(w, *l);
  json::kv(w, "summary", lookup_summary(*l, spoken, english(locale)));
  w.EndObject();
  const std::string_view text = json::view(buf);
  e.extra_json = std::string(text.substr(1, text.size() - 2));
  return std::unexpected(std::move(e));
}

void register_crm(Registry& registry) {
  registry.add(resolve_alias_action());
  registry.add(get_beneficiaries_action());
  registry.add(add_beneficiary_action());
}

}  // namespace centli::actions
