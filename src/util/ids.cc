#include "util/ids.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <random>

#include "util/assert.h"
#include "util/clock.h"

namespace centli::util {
namespace {

constexpr char kHex[] = "0123456789abcdef";
// 11 hex digits of milliseconds cover the years 1970 to 2527.
constexpr int kTimeHexDigits = 11;
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string random_id(std::string_view prefix) {
  unsigned char bytes[16];
  CENTLI_ASSERT(RAND_bytes(bytes, sizeof bytes) == 1);
  const auto ms = static_cast<std::uint64_t>(now_ms());
  std::string out(prefix);
  out.reserve(prefix.size() + kTimeHexDigits + 32);
  for (int shift = 4 * (kTimeHexDigits - 1); shift >= 0; shift -= 4)
    out += kHex[(ms >> shift) & 15];
  out += to_hex(bytes, sizeof bytes);
  return out;
}

std::string fast_unique_id(std::string_view prefix) {
  thread_local std::mt19937_64 generator = [] {
    std::uint64_t seed[2];
    CENTLI_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(seed), sizeof seed) == 1);
    std::seed_seq seq{seed[0], seed[0] >> 32, seed[1], seed[1] >> 32};
    return std::mt19937_64(seq);
  }();
  unsigned char bytes[16];
  const std::uint64_t a = generator(), b = generator();
  std::memcpy(bytes, &a, 8);
  std::memcpy(bytes + 8, &b, 8);
  std::string out(prefix);
  out += to_hex(bytes, sizeof bytes);
  return out;
}

std::string random_token_body() {
  unsigned char bytes[32];
  CENTLI_ASSERT(RAND_bytes(bytes, sizeof bytes) == 1);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // Fetched once: OpenSSL 3's implicit fetch per call takes a lock on its method store.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  CENTLI_ASSERT(sha256 != nullptr);
  CENTLI_ASSERT(EVP_Digest(data.data(), data.size(), md, &len, sha256, nullptr) == 1);
  return to_hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  CENTLI_ASSERT(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
                     &len) != nullptr);
  return to_hex(md, len);
}

std::string base64url_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = byte(i) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
  } else if (i + 2 == data.size()) {
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  out.clear();
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return false;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return bits < 6;
}

}  // namespace centli::util
