// The crm part of the demo bank (docs/demo-data.md, "CRM"): an address book for user-123 that
// shows the alias matcher at work, and one beneficiary of user-456 for access-control tests.
#include <string>

#include "domain/alias_match.h"
#include "domain/clabe.h"
#include "store/beneficiaries.h"
#include "store/demo.h"

namespace centli::store {
namespace {

struct DemoBeneficiary {
  const char* user_id;
  const char* beneficiary_id;
  const char* alias;
  const char* name;
  const char* account_id;     // a centli account, or nullptr
  const char* clabe_first17;  // bank code, plaza and account; the control digit is computed
};

constexpr DemoBeneficiary kBeneficiaries[] = {
    {"user-123", "ben-123-mama", "Mamá", "María López Hernández", "acc-789", nullptr},
    {"user-123", "ben-123-papa", "Papá", "José Sánchez Ruiz", "acc-999", nullptr},
    {"user-123", "ben-123-juan", "Juan", "Juan Pérez López", nullptr, "01218000123456789"},
    {"user-123", "ben-123-juanca", "Juanca", "Juan Carlos Ruiz Ortega", nullptr,
     "07258000987654321"},
    {"user-123", "ben-123-lupita", "Lupita", "Guadalupe Torres Medina", nullptr,
     "12718000555000111"},
    {"user-123", "ben-123-casero", "Casero", "Héctor Villanueva Soto", nullptr,
     "01418000602004321"},
    {"user-123", "ben-123-valeria", "Valeria", "Valeria Domínguez Ortiz", nullptr,
     "00218000700800900"},
    {"user-123", "ben-123-chela", "Tía Chela", "Graciela Núñez Vargas", nullptr,
     "13718000246813579"},
    {"user-456", "ben-456-carlos", "Carlos", "Carlos Méndez Ruiz", "acc-456", nullptr},
};

std::expected<Beneficiary, std::string> make(const DemoBeneficiary& d, std::int64_t now_ms) {
  Beneficiary b;
  b.beneficiary_id = d.beneficiary_id;
  b.user_id = d.user_id;
  b.alias = d.alias;
  b.alias_normalized = alias::normalize(d.alias);
  b.name = d.name;
  b.created_ms = now_ms;
  if (d.account_id != nullptr) {
    b.account_id = d.account_id;
    return b;
  }
  const auto digit = clabe::control_digit(d.clabe_first17);
  if (!digit) return std::unexpected(std::string("demo CLABE of ") + d.beneficiary_id);
  const std::string full = std::string(d.clabe_first17) + *digit;
  auto info = clabe::validate(full);
  if (!info) return std::unexpected(std::string("demo CLABE of ") + d.beneficiary_id);
  b.clabe = full;
  b.bank_code = info->bank_code;
  b.bank_name = info->bank_name;
  return b;
}

}  // namespace

std::expected<void, std::string> crm_demo(WriteTx& tx) {
  for (const DemoBeneficiary& d : kBeneficiaries) {
    auto b = make(d, tx.now_ms());
    if (!b) return std::unexpected(b.error());
    if (auto ok = tx.beneficiaries().insert(*b); !ok) {
      return std::unexpected("demo beneficiary " + b->beneficiary_id + ": " + ok.error().message);
    }
  }
  return {};
}

}  // namespace centli::store
