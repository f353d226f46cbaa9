#include "actions/accounts.h"

#include "actions/common.h"
#include "store/accounts.h"

namespace centli::actions {

std::expected<ledger::AccountState, Error> owned_account(store::ReadTx& tx,
                                                         std::string_view user_id,
                                                         std::string_view account_id,
                                                         std::string_view field) {
  auto a = tx.accounts().load(account_id);
  if (!a) return std::unexpected(store_error(a.error()));
  if (!*a || (*a)->user_id != user_id || !ledger::is_customer_account((*a)->type)) {
    return std::unexpected(
        Error{ErrorCode::kAccountNotFound, "the account was not found", std::string(field), ""});
  }
  return std::move(**a);
}

std::expected<std::vector<ledger::AccountState>, Error> owned_accounts(
    store::ReadTx& tx, std::string_view user_id, std::optional<std::string_view> account_id) {
  if (account_id) {
    auto one = owned_account(tx, user_id, *account_id);
    if (!one) return std::unexpected(one.error());
    return std::vector<ledger::AccountState>{std::move(*one)};
  }
  auto all = tx.accounts().of_user(user_id);
  if (!all) return std::unexpected(store_error(all.error()));
  return std::move(*all);
}

}  // namespace centli::actions
