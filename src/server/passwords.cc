#include "server/passwords.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/text.h"

namespace askdb::server {
namespace {

// OWASP's argon2id recommendation (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kPasses = 2;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

// What verify_password accepts from a stored hash: far above the above, far below harm.
constexpr uint32_t kMaxMemoryKiB = 1024 * 1024;  // 1 GiB
constexpr uint32_t kMaxPasses = 64;
constexpr uint32_t kMaxLanes = 64;

constexpr size_t kMinPasswordChars = 10;
constexpr size_t kMaxPasswordBytes = 1024;

constexpr std::string_view kPrefix = "$argon2id$v=19$";

struct Params {
  uint32_t memory_kib = 0;
  uint32_t passes = 0;
  uint32_t lanes = 0;
};

// The m, t and p of "$argon2id$v=19$m=19456,t=2,p=1$salt$hash"; nullopt when malformed.
std::optional<Params> parse_params(std::string_view encoded) {
  if (encoded.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = encoded.substr(kPrefix.size());
  const size_t end = rest.find('$');
  if (end == std::string_view::npos) return std::nullopt;
  Params p;
  bool seen_m = false;
  bool seen_t = false;
  bool seen_p = false;
  for (const auto& part : split(rest.substr(0, end), ',')) {
    if (part.size() < 3 || part[1] != '=') return std::nullopt;
    uint32_t value = 0;
    const char* first = part.data() + 2;
    const char* last = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) return std::nullopt;
    switch (part[0]) {
      case 'm':
        p.memory_kib = value;
        seen_m = true;
        break;
      case 't':
        p.passes = value;
        seen_t = true;
        break;
      case 'p':
        p.lanes = value;
        seen_p = true;
        break;
      default:
        return std::nullopt;
    }
  }
  if (!seen_m || !seen_t || !seen_p) return std::nullopt;
  return p;
}

// The code points of valid UTF-8 `s`.
std::vector<uint32_t> code_points(std::string_view s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    return make_error(ErrorCode::kInternal,
                      "could not hash the password: the system gave no random bytes for its "
                      "salt (OpenSSL RAND_bytes failed).");
  }
  std::string encoded(
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  const int rc =
      argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(), password.size(), salt,
                            sizeof salt, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return make_error(ErrorCode::kInternal, std::string("could not hash the password: ") +
                                                argon2_error_message(rc) +
                                                " (argon2id needs about 19 MiB of memory).");
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  const auto params = parse_params(encoded);
  if (!params || params->memory_kib > kMaxMemoryKiB || params->passes > kMaxPasses ||
      params->lanes > kMaxLanes) {
    return false;
  }
  // libargon2 compares the hashes in constant time.
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool password_needs_rehash(const std::string& encoded) {
  const auto params = parse_params(encoded);
  return !params || params->memory_kib != kMemoryKiB || params->passes != kPasses ||
         params->lanes != kLanes;
}

const std::string& dummy_password_hash() {
  // The hash of 32 random bytes, made once with the parameters above and then forgotten.
  static const std::string kHash =
      "$argon2id$v=19$m=19456,t=2,p=1$bZJp7RPHxaY+2NMBAKAtVg$"
      "6n0njS7AeuRpv45CxnLIbity4qxKx63DjCbunzSRRYE";
  return kHash;
}

std::string password_problem(std::string_view password) {
  if (!is_valid_utf8(password)) return "a password must be UTF-8 text";
  if (password.size() > kMaxPasswordBytes) {
    return "a password is at most " + std::to_string(kMaxPasswordBytes) + " bytes long";
  }
  const auto cps = code_points(password);
  if (cps.size() < kMinPasswordChars) {
    return "a password needs at least " + std::to_string(kMinPasswordChars) + " characters";
  }
  bool repeated = true;
  bool ascending = true;
  bool descending = true;
  for (size_t i = 1; i < cps.size(); ++i) {
    repeated = repeated && cps[i] == cps[0];
    ascending = ascending && cps[i] == cps[i - 1] + 1;
    descending = descending && cps[i] + 1 == cps[i - 1];
  }
  if (repeated) return "a password cannot be one character repeated";
  // "1234567890" wraps from 9 to 0: the usual keyboard row counts as a run too.
  if (ascending || descending || password == "1234567890" || password == "0987654321") {
    return "a password cannot be a run of characters like 1234567890 or abcdefghij";
  }
  return "";
}

}  // namespace askdb::server
