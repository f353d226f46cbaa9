// What the crm group shares with the transfer action: how a beneficiary is shown (destination
// masked: bank name and last four digits only) and how spoken text is turned into exactly one
// beneficiary, or into a refusal that carries the candidates. Wire formats: docs/crm.md.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "store/beneficiaries.h"
#include "store/port.h"
#include "util/json.h"

namespace centli::actions {

// Writes {"beneficiary_id","alias","name","destination":{"type","bank_name","last4","masked"},
// "created_at"}. Never writes a full CLABE or account number.
void write_beneficiary(json::Writer& w, const store::Beneficiary& b);

// The masked destination as words: "cuenta centli con terminación 0789" or
// "CLABE de BBVA MEXICO con terminación 1234" (English when `en`).
std::string destination_phrase(const store::Beneficiary& b, bool en);

// For a transfer by alias: the person's beneficiary whose normalized alias equals the spoken
// text. Anything else is refused, no money moves, and the problem carries "candidates" (ranked,
// masked) and a localized "summary" so the agent can confirm with the person:
//   a fuzzy resolution    alias_not_exact 409 (the likely beneficiary as the one candidate)
//   several close ones    alias_ambiguous 409
//   nothing close         alias_not_found 404 (nearest suggestions as candidates)
// Errors name `field`. Store failures are internal errors.
std::expected<store::Beneficiary, Error> exact_alias_beneficiary(store::ReadTx& tx,
                                                                 std::string_view user_id,
                                                                 std::string_view spoken,
                                                                 std::string_view locale,
                                                                 std::string_view field);

}  // namespace centli::actions
