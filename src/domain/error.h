// Operating errors are values: a stable machine code plus a message for people.
// The mapping from code to HTTP status lives in one table (error.cc).
#pragma once

#include <string>
#include <string_view>

namespace centli {

enum class ErrorCode {
  kInvalidRequest,  // malformed input; `field` names the offending field
  kUnauthorized,    // no valid bearer token
  kForbidden,       // token lacks the scope
  kNotFound,        // unknown route
  kMethodNotAllowed,
  kPayloadTooLarge,
  kHeaderTooLarge,
  kNotImplemented,
  kUnsupportedMediaType,
  kAccountNotFound,
  kAccountInactive,
  kSameAccount,
  kCurrencyMismatch,
  kAmountLimitExceeded,
  kDailyLimitExceeded,
  kInsufficientFunds,
  kIdempotencyKeyRequired,
  kIdempotencyKeyReused,  // same key, different payload
  kIdempotencyKeyInUse,   // same key, first request still running
  kBeneficiaryNotFound,
  kBeneficiaryDuplicate,
  kBeneficiaryLimit,
  kAliasAmbiguous,
  kAliasNotExact,
  kAliasNotFound,
  kInvalidClabe,
  kProductNotFound,
  kOutOfStock,
  kOptionNotAvailable,
  kPurchaseNotFound,
  kEventNotFound,
  kUnavailable,  // store closed, queue full
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // for kInvalidRequest: the input field at fault, else empty
  // Extra members for the problem object as JSON text without braces, e.g.
  // "\"candidates\":[...]"; empty for none.
  std::string extra_json;

  static Error invalid(std::string field, std::string message) {
    return Error{ErrorCode::kInvalidRequest, std::move(message), std::move(field), {}};
  }
};

// Stable snake_case code published in problem+json (`insufficient_funds`).
std::string_view error_code_name(ErrorCode code);
// HTTP status for the code; the single place this mapping lives.
int error_http_status(ErrorCode code);
// Short human title for problem+json.
std::string_view error_title(ErrorCode code);
// Seconds after which the same request may succeed (the Retry-After header), or 0 when the
// answer is final for that request: retrying it unchanged gets the same refusal.
int error_retry_after_s(ErrorCode code);

}  // namespace centli
