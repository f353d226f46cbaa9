// The table of CLABE bank codes: the first three digits of a CLABE name the institution that
// holds the account.
//
// Source: Banco de México's catalogue of SPEI participants ("Catálogo de participantes en
// SPEI") and the ABM table of CLABE bank codes. Compiled 2026-11, transcribed without access
// to the live catalogue. Institutions that merged or left SPEI (for example 032 IXE,
// 037 INTERACCIONES, 131 FAMSA, 134 WAL-MART) are left out, so their codes are refused.
// When updating, check against Banxico's currently published catalogue; entries most likely
// to drift are renamed institutions (124, 138) and the newer fintech participants (6xx, 7xx).
#include <algorithm>
#include <array>

#include "domain/clabe.h"

namespace centli::clabe {
namespace {

constexpr auto kBanks = std::to_array<Bank>({
    {"002", "BANAMEX"},
    {"006", "BANCOMEXT"},
    {"009", "BANOBRAS"},
    {"012", "BBVA MEXICO"},
    {"014", "SANTANDER"},
    {"019", "BANJERCITO"},
    {"021", "HSBC"},
    {"030", "BAJIO"},
    {"036", "INBURSA"},
    {"042", "MIFEL"},
    {"044", "SCOTIABANK"},
    {"058", "BANREGIO"},
    {"059", "INVEX"},
    {"060", "BANSI"},
    {"062", "AFIRME"},
    {"072", "BANORTE"},
    {"102", "ACCENDO BANCO"},
    {"103", "AMERICAN EXPRESS"},
    {"106", "BANK OF AMERICA"},
    {"108", "MUFG"},
    {"110", "JP MORGAN"},
    {"112", "BMONEX"},
    {"113", "VE POR MAS"},
    {"124", "DEUTSCHE"},
    {"126", "CREDIT SUISSE"},
    {"127", "AZTECA"},
    {"128", "AUTOFIN"},
    {"129", "BARCLAYS"},
    {"130", "COMPARTAMOS"},
    {"132", "MULTIVA BANCO"},
    {"133", "ACTINVER"},
    {"135", "NAFIN"},
    {"136", "INTERCAM BANCO"},
    {"137", "BANCOPPEL"},
    {"138", "ABC CAPITAL"},
    {"139", "UBS BANK"},
    {"140", "CONSUBANCO"},
    {"141", "VOLKSWAGEN"},
    {"143", "CIBANCO"},
    {"145", "BBASE"},
    {"147", "BANKAOOL"},
    {"148", "PAGATODO"},
    {"150", "INMOBILIARIO"},
    {"151", "DONDE"},
    {"152", "BANCREA"},
    {"154", "BANCO COVALTO"},
    {"155", "ICBC"},
    {"156", "SABADELL"},
    {"157", "SHINHAN"},
    {"158", "MIZUHO BANK"},
    {"159", "BANK OF CHINA"},
    {"160", "BANCO S3"},
    {"166", "BANCO DEL BIENESTAR"},
    {"167", "HEY BANCO"},
    {"168", "HIPOTECARIA FEDERAL"},
    {"600", "MONEXCB"},
    {"601", "GBM"},
    {"602", "MASARI"},
    {"605", "VALUE"},
    {"608", "VECTOR"},
    {"610", "B&B"},
    {"613", "MULTIVA CBOLSA"},
    {"616", "FINAMEX"},
    {"617", "VALMEX"},
    {"618", "UNICA"},
    {"619", "MAPFRE"},
    {"620", "PROFUTURO"},
    {"621", "CB ACTINVER"},
    {"622", "OACTIN"},
    {"623", "SKANDIA"},
    {"626", "CBDEUTSCHE"},
    {"627", "ZURICH"},
    {"628", "ZURICHVI"},
    {"630", "CB INTERCAM"},
    {"631", "CI BOLSA"},
    {"632", "BULLTICK CB"},
    {"633", "STERLING"},
    {"634", "FINCOMUN"},
    {"636", "HDI SEGUROS"},
    {"637", "ORDER"},
    {"638", "NU MEXICO"},
    {"640", "CB JPMORGAN"},
    {"642", "REFORMA"},
    {"646", "STP"},
    {"647", "TELECOMM"},
    {"648", "EVERCORE"},
    {"649", "SKANDIA VIDA"},
    {"651", "SEGMTY"},
    {"652", "CREDICAPITAL"},
    {"653", "KUSPIT"},
    {"655", "SOFIEXPRESS"},
    {"656", "UNAGRA"},
    {"659", "ASP INTEGRA OPC"},
    {"661", "KLAR"},
    {"670", "LIBERTAD"},
    {"677", "CAJA POP MEXICA"},
    {"680", "CRISTOBAL COLON"},
    {"683", "CAJA TELEFONIST"},
    {"684", "TRANSFER"},
    {"685", "FONDO FIRA"},
    {"686", "INVERCAP"},
    {"689", "FOMPED"},
    {"699", "FONDEADORA"},
    {"703", "TESORED"},
    {"706", "ARCUS"},
    {"710", "NVIO"},
    {"715", "CASHI CUENTA"},
    {"722", "MERCADO PAGO W"},
    {"723", "CUENCA"},
    {"728", "SPIN BY OXXO"},
    {"729", "DEP Y PAG DIG"},
    {"730", "SWAP"},
    {"732", "PEIBO"},
    {"734", "FINCO PAY"},
    {"901", "CLS"},
    {"902", "INDEVAL"},
});

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kBanks.size(); ++i) {
    if (!(kBanks[i - 1].code < kBanks[i].code)) return false;
  }
  return true;
}
// bank_name() uses a binary search, which needs this.
static_assert(sorted_and_unique(), "kBanks must be sorted by code without duplicates");

}  // namespace

std::optional<std::string_view> bank_name(std::string_view code3) {
  const auto it =
      std::lower_bound(kBanks.begin(), kBanks.end(), code3,
                       [](const Bank& bank, std::string_view code) { return bank.code < code; });
  if (it == kBanks.end() || it->code != code3) return std::nullopt;
  return it->name;
}

std::span<const Bank> banks() { return kBanks; }

}  // namespace centli::clabe
