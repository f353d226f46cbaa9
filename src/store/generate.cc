// The generated bank (docs/demo-data.md, "A generated bank"). A day at a time, every person's
// movements of the day are drawn from a generator seeded by (seed, day, person), put in time
// order and applied to balances kept in memory; each applied movement is a posting of two
// history rows, written in chunks through store::Bulk. Accounts follow with their final
// balances, so every account's history adds up to its balance and no movement that would take
// a debit account below zero or a card past its limit is made.
#include "store/generate.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <string_view>
#include <type_traits>
#include <vector>

#include "domain/alias_match.h"
#include "domain/clabe.h"
#include "store/bulk.h"
#include "store/demo.h"
#include "store/meta.h"

namespace centli::store {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
// The bank's customers live in Mexico City (UTC-6): their days start at 06:00 UTC.
constexpr std::int64_t kLocalOffsetMs = 6 * kHourMs;
constexpr std::string_view kStartedKey = "demo_generate.started";
constexpr std::string_view kDoneKey = "demo_generated";
constexpr std::int64_t kPeso = 100;

// The generated bank's own accounts, owner `bank`.
enum BankAccount : int { kSpei, kCash, kCards, kBankAccounts };
struct BankAccountInfo {
  const char* account_id;
  const char* account_number;
  const char* type;
  const char* name;
};
constexpr BankAccountInfo kBankAccountInfo[kBankAccounts] = {
    {"acc-gen-spei", "0000000000011", "clearing", "SPEI (banco generado)"},
    {"acc-gen-cash", "0000000000012", "clearing", "Efectivo en sucursales y cajeros"},
    {"acc-gen-cards", "0000000000013", "settlement", "Liquidación de compras con tarjeta"},
};

// A person's three accounts, in this order everywhere.
enum PersonAccount : int { kChecking, kSavings, kCredit, kPersonAccounts };
constexpr const char* kSuffix[kPersonAccounts] = {"-chk", "-sav", "-tdc"};
constexpr const char* kType[kPersonAccounts] = {"checking", "savings", "credit"};
constexpr const char* kAccountName[kPersonAccounts] = {"Cuenta de cheques", "Ahorro",
                                                       "Tarjeta de crédito"};

constexpr std::string_view kFirstNames[] = {
    "María",  "José",      "Guadalupe", "Juan",      "Ana",     "Luis",   "Verónica", "Carlos",
    "Rosa",   "Miguel",    "Patricia",  "Jorge",     "Elena",   "Pedro",  "Gabriela", "Ricardo",
    "Sofía",  "Fernando",  "Laura",     "Alejandro", "Daniela", "Raúl",   "Mónica",   "Arturo",
    "Teresa", "Francisco", "Lucía",     "Roberto",   "Adriana", "Héctor", "Claudia",  "Manuel"};
constexpr std::string_view kSurnames[] = {
    "Hernández", "García", "Martínez",  "López",  "González", "Pérez",   "Rodríguez", "Sánchez",
    "Ramírez",   "Cruz",   "Flores",    "Gómez",  "Morales",  "Vázquez", "Reyes",     "Jiménez",
    "Torres",    "Díaz",   "Gutiérrez", "Ruiz",   "Mendoza",  "Aguilar", "Ortiz",     "Castillo",
    "Moreno",    "Romero", "Álvarez",   "Chávez", "Rivera",   "Juárez",  "Ramos",     "Domínguez"};
constexpr std::string_view kEmployers[] = {
    "Nómina Comercializadora del Valle", "Nómina Servicios Integrales Anáhuac",
    "Nómina Constructora Tres Ríos",     "Nómina Hospital San Rafael",
    "Nómina Escuela Benito Juárez",      "Nómina Transportes del Bajío",
    "Nómina Alimentos La Milpa",         "Nómina Tecnología Quetzal"};
constexpr std::string_view kMerchants[] = {
    "Super La Huerta",     "Farmacia del Centro", "Gasolinera El Roble", "Cafetería Aroma",
    "Taquería Los Compas", "Cine Estrella",       "Papelería El Lápiz",  "Panadería La Espiga",
    "Ferretería Tornillo", "Restaurante Maguey",  "Tienda de Ropa Lía",  "Librería Sótano"};
constexpr std::string_view kTransferNotes[] = {
    "Comida", "Regalo", "Cooperación", "Préstamo", "Gasolina", "Gastos de la casa", "Cumpleaños"};
constexpr std::string_view kAtms[] = {"Cajero Reforma", "Cajero Insurgentes", "Cajero Centro",
                                      "Cajero Plaza Sur", "Cajero Tlalpan"};
constexpr std::string_view kLandlordBanks[] = {"012", "072", "014", "002", "127", "137"};

// The beneficiaries a person may have: three other generated people, the shop of person 1
// (user-g0000001, whom every other person pays now and then) and a landlord at another bank.
enum Slot : int { kMama, kBrother, kCompadre, kShop, kLandlord, kSlots };
constexpr int kPersonSlots = 3;  // kMama, kBrother, kCompadre: what random transfers pick from
constexpr const char* kSlotAlias[kSlots] = {"Mamá", "Hermano", "Compadre", "Tienda", "Casero"};
constexpr const char* kSlotTag[kSlots] = {"mama", "hermano", "compadre", "tienda", "casero"};

// splitmix64: a fast, well-mixed and portable sequence (std:: distributions are not portable,
// and the same seed must give the same bank everywhere).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t key(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  return mix(seed ^ mix(a ^ mix(b + 0x5851F42D4C957F2Dull)));
}

class Rng {
 public:
  explicit Rng(std::uint64_t state) : state_(state) {}
  std::uint64_t next() { return mix(state_++); }
  // Uniform in [0, n); the modulo bias is below 2^-40 for every n used here.
  std::int64_t below(std::int64_t n) {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n));
  }
  bool per_mille(int p) { return below(1000) < p; }

 private:
  std::uint64_t state_;
};

// What does not change about a person, derived from (seed, person) whenever it is needed.
struct Profile {
  std::int64_t salary_minor;  // monthly, paid in two halves
  std::int64_t credit_limit_minor;
  std::int64_t rent_minor;  // 0: lives at home, pays no rent
  int first, surname1, surname2, employer, landlord_bank;
};

Profile profile(std::uint64_t seed, std::int64_t person) {
  Rng r(key(seed, 1, static_cast<std::uint64_t>(person)));
  Profile p;
  p.salary_minor = (8'000 + r.below(52'001)) / 100 * 100 * kPeso;
  p.credit_limit_minor = (10 + r.below(71)) * 1'000 * kPeso;
  p.rent_minor = r.per_mille(500) ? p.salary_minor / 4 / (100 * kPeso) * (100 * kPeso) : 0;
  p.first = static_cast<int>(r.below(std::size(kFirstNames)));
  p.surname1 = static_cast<int>(r.below(std::size(kSurnames)));
  p.surname2 = static_cast<int>(r.below(std::size(kSurnames)));
  p.employer = static_cast<int>(r.below(std::size(kEmployers)));
  p.landlord_bank = static_cast<int>(r.below(std::size(kLandlordBanks)));
  return p;
}

std::string full_name(const Profile& p) {
  return std::string(kFirstNames[p.first]) + " " + std::string(kSurnames[p.surname1]) + " " +
         std::string(kSurnames[p.surname2]);
}

// "g0000001" for person 0: ids count from 1, seven digits (limits::kGeneratePeopleMax).
std::string tag(std::int64_t person) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "g%07lld", static_cast<long long>(person + 1));
  return buf;
}

std::string user_id(std::int64_t person) { return "user-" + tag(person); }

std::string account_id(std::int64_t person, int which) {
  return "acc-" + tag(person) + kSuffix[which];
}

// Checking and savings: 13 digits, "8000" + the person's seven + "01"/"02"; cards: 16 digits.
std::string account_number(std::int64_t person, int which) {
  char buf[48];  // room for any int64 and int, as -Wformat-truncation checks
  if (which == kCredit) {
    std::snprintf(buf, sizeof buf, "41523134%08lld", static_cast<long long>(person + 1));
  } else {
    std::snprintf(buf, sizeof buf, "8000%07lld%02d", static_cast<long long>(person + 1), which + 1);
  }
  return buf;
}

std::string last4_masked(std::string_view number) {
  return "****" + std::string(number.substr(number.size() - 4));
}

// The other person a slot of `person` pays: never the person itself. Requires people > 1.
std::int64_t slot_target(std::uint64_t seed, std::int64_t people, std::int64_t person, int slot) {
  std::int64_t j = static_cast<std::int64_t>(
      key(seed, 2 + static_cast<std::uint64_t>(slot), static_cast<std::uint64_t>(person)) %
      static_cast<std::uint64_t>(people));
  return j == person ? (j + 1) % people : j;
}

// The landlord's CLABE: bank, plaza 180, eleven digits from the person, and the control digit.
std::string landlord_clabe(const Profile& p, std::int64_t person) {
  char first17[48];
  std::snprintf(first17, sizeof first17, "%s180%011lld",
                std::string(kLandlordBanks[p.landlord_bank]).c_str(),
                static_cast<long long>(person + 1) * 7 + 3);
  return std::string(first17) + clabe::control_digit(first17).value_or('0');
}

// Year, month and day of a day number since 1970-01-01 (H. Hinnant's civil_from_days).
struct Date {
  int year, month, day;
};
Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2)), m, d};
}

enum class Kind : std::uint8_t {
  kOpening,
  kPayroll,
  kSavings,
  kRent,
  kCardPayment,
  kPurchase,
  kTransfer,
  kShop,
  kWithdrawal,
};

// One movement a person means to make on a day; applying it may find too little money.
struct Event {
  std::uint32_t at_ms;  // since the local day's start
  std::uint32_t person;
  Kind kind;
  std::uint8_t arg;  // slot, merchant, note or ATM
  std::int64_t amount_minor;
};

// Where money sits: a person's account, or (person < 0) one of the bank's.
struct Ref {
  std::int64_t person;
  int which;
};

}  // namespace

std::optional<std::string> generate_options_problem(const GenerateOptions& o) {
  if (o.people < 1 || o.people > limits::kGeneratePeopleMax) {
    return "--people must be from 1 to " + std::to_string(limits::kGeneratePeopleMax) + " (got " +
           std::to_string(o.people) + ")";
  }
  if (o.history_days < 1 || o.history_days > limits::kGenerateHistoryDaysMax) {
    return "--history-days must be from 1 to " + std::to_string(limits::kGenerateHistoryDaysMax) +
           " (got " + std::to_string(o.history_days) + ")";
  }
  if (o.people * o.history_days > limits::kGeneratePersonDaysMax) {
    return "--people times --history-days must be at most " +
           std::to_string(limits::kGeneratePersonDaysMax) + " (got " +
           std::to_string(o.people * o.history_days) + ")";
  }
  return std::nullopt;
}

namespace {

class Generator {
 public:
  Generator(Store& store, const GenerateOptions& o, std::int64_t first_day_ms)
      : store_(store),
        o_(o),
        first_day_ms_(first_day_ms),
        balances_(static_cast<std::size_t>(o.people)) {
    rows_.reserve(limits::kGenerateChunkRowsMax + 2);
  }

  std::expected<void, std::string> history();
  std::expected<void, std::string> accounts();
  std::expected<void, std::string> beneficiaries();
  GenerateReport report() const { return report_; }

 private:
  void plan_day(std::int64_t day, std::vector<Event>& out) const;
  void plan_person(std::int64_t day, std::int64_t person, const Date& date,
                   std::vector<Event>& out) const;
  void apply(const Event& e, std::int64_t timestamp_ms);
  void apply_spending(const Event& e, const Profile& p, std::int64_t timestamp_ms);
  std::int64_t& balance(const Ref& r) {
    return r.person < 0 ? bank_[static_cast<std::size_t>(r.which)]
                        : balances_[static_cast<std::size_t>(r.person)][r.which];
  }
  // Moves `amount` from one account to another: two history rows, both balances.
  void post(const Ref& from, const Ref& to, std::int64_t amount, std::int64_t timestamp_ms,
            std::string_view kind, std::string_view from_label, std::string_view to_label,
            std::string_view description);
  std::string id_of(const Ref& r) const {
    return r.person < 0 ? kBankAccountInfo[r.which].account_id : account_id(r.person, r.which);
  }
  std::expected<void, std::string> flush();
  template <class T>
  std::expected<void, std::string> write_chunk(std::span<const T> rows);

  Store& store_;
  GenerateOptions o_;
  std::int64_t first_day_ms_;  // the first local day's start, UTC ms
  std::vector<std::array<std::int64_t, kPersonAccounts>> balances_;
  std::array<std::int64_t, kBankAccounts> bank_{};
  std::vector<HistoryRow> rows_;  // the chunk being filled
  GenerateReport report_;
};

void Generator::plan_person(std::int64_t day, std::int64_t person, const Date& date,
                            std::vector<Event>& out) const {
  const auto who = static_cast<std::uint32_t>(person);
  Rng r(key(o_.seed, 100 + static_cast<std::uint64_t>(day), static_cast<std::uint64_t>(person)));
  const Profile p = profile(o_.seed, person);
  const auto at = [&](std::int64_t from_h, std::int64_t span_ms) {
    return static_cast<std::uint32_t>(from_h * kHourMs + r.below(span_ms));
  };
  if (day == 0) out.push_back({at(7, kHourMs / 2), who, Kind::kOpening, 0, 0});
  const int last_day =
      civil_from_days((first_day_ms_ + (day + 1) * kDayMs) / kDayMs).day == 1 ? date.day : 0;
  if (date.day == 15 || date.day == last_day) {
    out.push_back({at(9, kHourMs), who, Kind::kPayroll, 0, p.salary_minor / 2});
    out.push_back({at(21, kHourMs / 2), who, Kind::kSavings, 0, p.salary_minor / 20});
  }
  if (date.day == 1 && p.rent_minor > 0)
    out.push_back({at(10, kHourMs), who, Kind::kRent, 0, p.rent_minor});
  if (date.day == 10) out.push_back({at(12, kHourMs), who, Kind::kCardPayment, 0, 0});
  const std::int64_t span = 14 * kHourMs;  // 08:00 to 22:00
  if (r.per_mille(550)) {
    const std::int64_t pesos = 30 + r.below(100) * r.below(25);
    out.push_back({at(8, span), who, Kind::kPurchase,
                   static_cast<std::uint8_t>(r.below(std::size(kMerchants))),
                   pesos * kPeso + r.below(100)});
  }
  if (o_.people > 1 && r.per_mille(120)) {
    const std::int64_t pesos = 100 + r.below(30) * r.below(100);
    out.push_back({at(8, span), who, Kind::kTransfer,
                   static_cast<std::uint8_t>(r.below(std::size(kTransferNotes))), pesos * kPeso});
  }
  if (person != 0 && r.per_mille(150)) {
    out.push_back({at(8, span), who, Kind::kShop, 0, (40 + r.below(760)) * kPeso + r.below(100)});
  }
  if (r.per_mille(80)) {
    out.push_back({at(8, span), who, Kind::kWithdrawal,
                   static_cast<std::uint8_t>(r.below(std::size(kAtms))),
                   (2 + r.below(29)) * 100 * kPeso});
  }
}

void Generator::plan_day(std::int64_t day, std::vector<Event>& out) const {
  out.clear();
  const Date date = civil_from_days((first_day_ms_ + day * kDayMs) / kDayMs);
  for (std::int64_t person = 0; person < o_.people; ++person) plan_person(day, person, date, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.at_ms < b.at_ms; });
}

void Generator::post(const Ref& from, const Ref& to, std::int64_t amount, std::int64_t timestamp_ms,
                     std::string_view kind, std::string_view from_label, std::string_view to_label,
                     std::string_view description) {
  const std::int64_t n = ++report_.postings;
  char id[40];
  std::snprintf(id, sizeof id, "g%010lld", static_cast<long long>(n));
  const std::string transfer_id = std::string("trf-") + id;
  const std::int64_t from_after = (balance(from) -= amount);
  const std::int64_t to_after = (balance(to) += amount);
  const auto user = [](const Ref& r) {
    return r.person < 0 ? std::string("bank") : user_id(r.person);
  };
  rows_.push_back({std::string("txn-") + id + "-d", transfer_id, id_of(from), user(from),
                   timestamp_ms, std::string(kind), "debit", amount, "MXN", from_after,
                   std::string(from_label), std::string(description)});
  rows_.push_back({std::string("txn-") + id + "-c", transfer_id, id_of(to), user(to), timestamp_ms,
                   std::string(kind), "credit", amount, "MXN", to_after, std::string(to_label),
                   std::string(description)});
}

void Generator::apply(const Event& e, std::int64_t ts) {
  const std::int64_t person = e.person;
  const Profile p = profile(o_.seed, person);
  const Ref chk{person, kChecking}, sav{person, kSavings};
  switch (e.kind) {
    case Kind::kOpening:
      post({-1, kCash}, chk, p.salary_minor, ts, "deposit", id_of(chk), "Depósito en sucursal",
           "Depósito de apertura");
      post({-1, kCash}, sav, 2 * p.salary_minor, ts, "deposit", id_of(sav), "Depósito en sucursal",
           "Depósito de apertura");
      return;
    case Kind::kPayroll:
      post({-1, kSpei}, chk, e.amount_minor, ts, "payroll", id_of(chk), kEmployers[p.employer],
           "Nómina quincenal");
      return;
    case Kind::kSavings:
      if (balance(chk) >= e.amount_minor)
        post(chk, sav, e.amount_minor, ts, "transfer", id_of(sav), id_of(chk), "Ahorro");
      return;
    default:
      apply_spending(e, p, ts);
  }
}

void Generator::apply_spending(const Event& e, const Profile& p, std::int64_t ts) {
  const std::int64_t person = e.person;
  const Ref chk{person, kChecking}, tdc{person, kCredit};
  const std::int64_t in_checking = balance(chk);
  switch (e.kind) {
    case Kind::kRent: {
      if (in_checking < e.amount_minor) return;
      const std::string clabe = landlord_clabe(p, person);
      const std::string label = std::string(clabe::bank_name(clabe.substr(0, 3)).value_or("SPEI")) +
                                " " + last4_masked(clabe);
      post(chk, {-1, kSpei}, e.amount_minor, ts, "external_transfer", label, id_of(chk), "Renta");
      return;
    }
    case Kind::kCardPayment: {
      const std::int64_t amount = std::min(-balance(tdc), in_checking);
      if (amount > 0)
        post(chk, tdc, amount, ts, "card_payment", id_of(tdc), id_of(chk), "Pago de tarjeta");
      return;
    }
    case Kind::kPurchase:
      if (p.credit_limit_minor + balance(tdc) >= e.amount_minor)
        post(tdc, {-1, kCards}, e.amount_minor, ts, "card_purchase", kMerchants[e.arg], id_of(tdc),
             "Compra con tarjeta");
      return;
    case Kind::kTransfer:
    case Kind::kShop: {
      if (in_checking < e.amount_minor) return;
      const bool shop = e.kind == Kind::kShop;
      const std::int64_t to =
          shop ? 0
               : slot_target(o_.seed, o_.people, person, static_cast<int>(e.arg % kPersonSlots));
      const Ref target{to, kChecking};
      post(chk, target, e.amount_minor, ts, "transfer", id_of(target),
           last4_masked(account_number(person, kChecking)),
           shop ? std::string_view("Abarrotes") : kTransferNotes[e.arg]);
      return;
    }
    case Kind::kWithdrawal:
      if (in_checking >= e.amount_minor)
        post(chk, {-1, kCash}, e.amount_minor, ts, "withdrawal", kAtms[e.arg], id_of(chk),
             "Retiro en cajero");
      return;
    default:
      return;
  }
}

template <class T>
std::expected<void, std::string> Generator::write_chunk(std::span<const T> rows) {
  std::string failure;
  const bool committed = store_.write_sync([&](WriteTx& tx) {
    Savepoint sp(tx);
    Result<void> r;
    if constexpr (std::is_same_v<T, HistoryRow>) {
      r = tx.bulk().append_history(rows);
    } else if constexpr (std::is_same_v<T, NewAccount>) {
      r = tx.bulk().insert_accounts(rows);
    } else {
      r = tx.bulk().insert_beneficiaries(rows);
    }
    if (!r) {
      failure = r.error().message;
      return;
    }
    if (!sp.release()) failure = "a chunk's savepoint did not release";
  });
  if (!failure.empty()) return std::unexpected(failure);
  if (!committed) return std::unexpected(std::string("a chunk did not commit"));
  return {};
}

std::expected<void, std::string> Generator::flush() {
  if (rows_.empty()) return {};
  auto r = write_chunk<HistoryRow>(rows_);
  report_.history_rows += static_cast<std::int64_t>(rows_.size());
  rows_.clear();
  return r;
}

std::expected<void, std::string> Generator::history() {
  std::vector<Event> events;
  for (std::int64_t day = 0; day < o_.history_days; ++day) {
    plan_day(day, events);
    const std::int64_t day_ms = first_day_ms_ + day * kDayMs;
    for (const Event& e : events) {
      apply(e, day_ms + e.at_ms);
      if (rows_.size() >= limits::kGenerateChunkRowsMax) {
        if (auto r = flush(); !r) return r;
      }
    }
  }
  return flush();
}

std::expected<void, std::string> Generator::accounts() {
  // NewAccount borrows its text: a deque keeps each string where it is while the chunk grows.
  std::deque<std::string> text;
  std::vector<NewAccount> chunk;
  const std::int64_t created_ms = first_day_ms_;
  const auto keep = [&](std::string s) -> std::string_view {
    return text.emplace_back(std::move(s));
  };
  for (int b = 0; b < kBankAccounts; ++b) {
    const BankAccountInfo& info = kBankAccountInfo[b];
    chunk.push_back({"bank", info.account_id, info.account_number, info.type, "active", "MXN",
                     info.name, bank_[static_cast<std::size_t>(b)], 0, created_ms});
  }
  for (std::int64_t person = 0; person < o_.people; ++person) {
    const Profile p = profile(o_.seed, person);
    const std::string_view user = keep(user_id(person));
    for (int w = 0; w < kPersonAccounts; ++w) {
      chunk.push_back({user, keep(account_id(person, w)), keep(account_number(person, w)), kType[w],
                       "active", "MXN", kAccountName[w],
                       balances_[static_cast<std::size_t>(person)][w],
                       w == kCredit ? p.credit_limit_minor : 0, created_ms});
    }
    if (chunk.size() + kPersonAccounts > limits::kGenerateChunkRowsMax) {
      if (auto r = write_chunk<NewAccount>(chunk); !r) return r;
      report_.accounts += static_cast<std::int64_t>(chunk.size());
      chunk.clear();
      text.clear();
    }
  }
  report_.accounts += static_cast<std::int64_t>(chunk.size());
  return write_chunk<NewAccount>(chunk);
}

std::expected<void, std::string> Generator::beneficiaries() {
  std::vector<Beneficiary> chunk;
  for (std::int64_t person = 0; person < o_.people; ++person) {
    const Profile p = profile(o_.seed, person);
    for (int slot = 0; slot < kSlots; ++slot) {
      Beneficiary b;
      if (slot < kPersonSlots || slot == kShop) {
        if (o_.people == 1 || (slot == kShop && person == 0)) continue;
        const std::int64_t to = slot == kShop ? 0 : slot_target(o_.seed, o_.people, person, slot);
        b.name = full_name(profile(o_.seed, to));
        b.account_id = account_id(to, kChecking);
      } else {
        if (p.rent_minor == 0) continue;
        const std::string clabe = landlord_clabe(p, person);
        auto info = clabe::validate(clabe);
        if (!info) return std::unexpected("generated CLABE " + clabe + " is not valid");
        b.name = "Arrendador " + std::string(kSurnames[(p.surname1 + 7) % std::size(kSurnames)]);
        b.clabe = clabe;
        b.bank_code = info->bank_code;
        b.bank_name = info->bank_name;
      }
      b.beneficiary_id = "ben-" + tag(person) + "-" + kSlotTag[slot];
      b.user_id = user_id(person);
      b.alias = kSlotAlias[slot];
      b.alias_normalized = alias::normalize(b.alias);
      b.created_ms = first_day_ms_;
      chunk.push_back(std::move(b));
    }
    if (chunk.size() + kSlots > limits::kGenerateChunkRowsMax) {
      if (auto r = write_chunk<Beneficiary>(chunk); !r) return r;
      report_.beneficiaries += static_cast<std::int64_t>(chunk.size());
      chunk.clear();
    }
  }
  report_.beneficiaries += static_cast<std::int64_t>(chunk.size());
  return write_chunk<Beneficiary>(chunk);
}

GenerateError failed_with(std::string message) {
  return {GenerateError::Kind::kFailed, std::move(message)};
}

// Checks the markers and sets `demo_generate.started` in one transaction; returns the first local
// day's start (UTC ms) of a history of o.history_days days that ends where the run's day starts.
std::expected<std::int64_t, GenerateError> begin(Store& store, const GenerateOptions& o) {
  std::optional<GenerateError> error;
  std::int64_t first_day_ms = 0;
  const std::string params = "people=" + std::to_string(o.people) +
                             " history_days=" + std::to_string(o.history_days) +
                             " seed=" + std::to_string(o.seed);
  const bool committed = store.write_sync([&](WriteTx& tx) {
    for (std::string_view marker : {kDoneKey, kStartedKey}) {
      auto v = tx.meta().get(marker);
      if (!v) {
        error = GenerateError{GenerateError::Kind::kFailed, v.error().message};
        return;
      }
      if (*v) {
        error = GenerateError{GenerateError::Kind::kRefused,
                              marker == kDoneKey
                                  ? "this store already holds a generated bank (" + **v +
                                        "); generate into a new store"
                                  : "an earlier demo generate into this store did not finish (" +
                                        **v + "); generate into a new store"};
        return;
      }
    }
    if (auto put = tx.meta().put(kStartedKey, params); !put) {
      error = GenerateError{GenerateError::Kind::kFailed, put.error().message};
      return;
    }
    // Local days start at 06:00 UTC; the last one ends where the run's local day starts, so
    // every generated movement is older than anything made from now on.
    const std::int64_t now_ms = o.now_ms > 0 ? o.now_ms : tx.now_ms();
    const std::int64_t today_ms = (now_ms - kLocalOffsetMs) / kDayMs * kDayMs + kLocalOffsetMs;
    first_day_ms = today_ms - o.history_days * kDayMs;
  });
  if (error) return std::unexpected(*error);
  if (!committed) return std::unexpected(failed_with("the store did not commit"));
  return first_day_ms;
}

std::expected<void, GenerateError> finish(Store& store, const GenerateReport& r,
                                          const GenerateOptions& o) {
  std::string failure;
  const std::string value =
      "people=" + std::to_string(o.people) + " history_days=" + std::to_string(o.history_days) +
      " seed=" + std::to_string(o.seed) + " history_rows=" + std::to_string(r.history_rows);
  const bool committed = store.write_sync([&](WriteTx& tx) {
    if (auto put = tx.meta().put(kDoneKey, value); !put) failure = put.error().message;
  });
  if (!failure.empty()) return std::unexpected(failed_with(failure));
  if (!committed) return std::unexpected(failed_with("the store did not commit"));
  return {};
}

}  // namespace

std::expected<GenerateReport, GenerateError> generate_bank(Store& store, const GenerateOptions& o) {
  if (auto problem = generate_options_problem(o))
    return std::unexpected(GenerateError{GenerateError::Kind::kRefused, *problem});
  if (auto demo = load_demo(store); !demo) return std::unexpected(failed_with(demo.error()));
  auto first_day_ms = begin(store, o);
  if (!first_day_ms) return std::unexpected(first_day_ms.error());
  Generator g(store, o, *first_day_ms);
  for (auto step : {&Generator::history, &Generator::accounts, &Generator::beneficiaries}) {
    if (auto r = (g.*step)(); !r) return std::unexpected(failed_with(r.error()));
  }
  GenerateReport report = g.report();
  report.people = o.people;
  if (auto r = finish(store, report, o); !r) return std::unexpected(r.error());
  return report;
}

}  // namespace centli::store
