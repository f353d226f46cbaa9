// What the marketplace actions and the purchase saga share about the catalog: retailers' benefit
// rules (retailers.rules_json, format in docs/marketplace.md) read into the engine's terms, and
// the two ledger calls the saga and the purchase make (the accounts repository, store/accounts.h)
// with store failures as internal errors.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "domain/benefits.h"
#include "domain/error.h"
#include "domain/ledger.h"
#include "store/accounts.h"
#include "store/api_error.h"
#include "store/market.h"

namespace centli::market {

// A failure of the store as the actions' error (store::api_error: 503 or 500).
inline Error store_failure(const store::Error& e) { return store::api_error(e); }

// Parses rules JSON into the engine's rules and checks them with benefits::validate_rules.
// On failure returns a message naming the member at fault.
std::expected<benefits::RetailerRules, std::string> parse_rules(std::string_view json_text);

// A product as the benefits engine sees it.
benefits::Product to_benefits_product(const store::Product& p);

// The account, or nullopt when there is none; a store failure is an internal error.
std::expected<std::optional<ledger::AccountState>, Error> load_account(store::ReadTx& tx,
                                                                       std::string_view id);
// Posts a double entry in the caller's transaction at its clock (Accounts::post); a store
// failure is an internal error. Requires: what Accounts::post requires.
std::expected<void, Error> post(store::WriteTx& tx, store::Posting posting);

}  // namespace centli::market
