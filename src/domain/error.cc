#include "domain/error.h"

namespace centli {
namespace {

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;
  int status;
  std::string_view title;
  int retry_after_s = 0;  // > 0: the same request may succeed later (sent as Retry-After)
};

// Seconds a client waits before sending a retryable request again: a command holds its
// idempotency key for one batch commit (milliseconds), and an overloaded or closing store
// recovers or hands over within about a second.
constexpr int kRetryAfterS = 1;

// The one table from error code to wire name, HTTP status, title and whether to retry.
constexpr ErrorInfo kErrors[] = {
    {ErrorCode::kInvalidRequest, "invalid_request", 400, "The request is not valid"},
    {ErrorCode::kUnauthorized, "unauthorized", 401, "Authentication is required"},
    {ErrorCode::kForbidden, "forbidden", 403, "The token does not allow this action"},
    {ErrorCode::kNotFound, "not_found", 404, "No such route"},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, "Method not allowed on this route"},
    {ErrorCode::kPayloadTooLarge, "payload_too_large", 413, "The request body is too large"},
    {ErrorCode::kHeaderTooLarge, "header_too_large", 431, "The request headers are too large"},
    {ErrorCode::kNotImplemented, "not_implemented", 501,
     "The request uses an HTTP feature the server does not implement"},
    {ErrorCode::kUnsupportedMediaType, "unsupported_media_type", 415,
     "The request body must be JSON"},
    {ErrorCode::kAccountNotFound, "account_not_found", 404, "Account not found"},
    {ErrorCode::kAccountInactive, "account_inactive", 422, "The account is not active"},
    {ErrorCode::kSameAccount, "same_account", 422, "Source and target accounts are the same"},
    {ErrorCode::kCurrencyMismatch, "currency_mismatch", 422, "The currencies do not match"},
    {ErrorCode::kAmountLimitExceeded, "amount_limit_exceeded", 422,
     "The amount is over the per-transfer limit"},
    {ErrorCode::kDailyLimitExceeded, "daily_limit_exceeded", 422,
     "The amount is over the daily limit"},
    {ErrorCode::kInsufficientFunds, "insufficient_funds", 422, "Insufficient funds"},
    {ErrorCode::kIdempotencyKeyRequired, "idempotency_key_required", 400,
     "An Idempotency-Key is required"},
    {ErrorCode::kIdempotencyKeyReused, "idempotency_key_reused", 422,
     "The Idempotency-Key was used with a different request"},
    {ErrorCode::kIdempotencyKeyInUse, "idempotency_key_in_use", 409,
     "A request with this Idempotency-Key is still running", kRetryAfterS},
    {ErrorCode::kBeneficiaryNotFound, "beneficiary_not_found", 404, "Beneficiary not found"},
    {ErrorCode::kBeneficiaryDuplicate, "beneficiary_duplicate", 409,
     "A beneficiary with this alias exists"},
    {ErrorCode::kBeneficiaryLimit, "beneficiary_limit", 409, "Too many beneficiaries"},
    {ErrorCode::kAliasAmbiguous, "alias_ambiguous", 409, "The alias matches several people"},
    {ErrorCode::kAliasNotExact, "alias_not_exact", 409, "The alias is not an exact match"},
    {ErrorCode::kAliasNotFound, "alias_not_found", 404, "No beneficiary matches the alias"},
    {ErrorCode::kInvalidClabe, "invalid_clabe", 400, "The CLABE is not valid"},
    {ErrorCode::kProductNotFound, "product_not_found", 404, "Product not found"},
    {ErrorCode::kOutOfStock, "out_of_stock", 409, "Not enough stock"},
    {ErrorCode::kOptionNotAvailable, "option_not_available", 422,
     "The benefit option is not available"},
    {ErrorCode::kPurchaseNotFound, "purchase_not_found", 404, "Purchase not found"},
    {ErrorCode::kEventNotFound, "event_not_found", 404, "Event not found"},
    {ErrorCode::kUnavailable, "unavailable", 503, "The service is unavailable", kRetryAfterS},
    {ErrorCode::kInternal, "internal_error", 500, "Internal error"},
};

const ErrorInfo& info(ErrorCode code) {
  for (const auto& e : kErrors)
    if (e.code == code) return e;
  return kErrors[std::size(kErrors) - 1];
}

}  // namespace

std::string_view error_code_name(ErrorCode code) { return info(code).name; }
int error_http_status(ErrorCode code) { return info(code).status; }
std::string_view error_title(ErrorCode code) { return info(code).title; }
int error_retry_after_s(ErrorCode code) { return info(code).retry_after_s; }

}  // namespace centli
