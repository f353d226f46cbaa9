// Random identifiers and hashing (OpenSSL CSPRNG, SHA-256, HMAC).
#pragma once

#include <string>
#include <string_view>

namespace centli::util {

// prefix + 11 hex characters of the Unix time in ms + 32 hex characters of 128 random bits:
// "trf-19ab3c4d5e6" + "9f1c...". Never sequential or guessable (the random part is the
// CSPRNG's), but ids made later sort later, so inserting them touches the end of an index
// instead of a random page (docs/decisions.md).
std::string random_id(std::string_view prefix);
// prefix + 32 hex characters from a per-thread generator seeded by the CSPRNG: unique in
// practice but not secret. For correlation ids, which are labels, never credentials.
std::string fast_unique_id(std::string_view prefix);
// 32 random bytes, base64url without padding (tokens).
std::string random_token_body();
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
std::string base64url_encode(std::string_view data);
// Empty optional-like result: returns false when the text is not valid base64url.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace centli::util
