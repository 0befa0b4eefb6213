#include "server/request_id.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <random>

namespace askdb::server {

std::string new_request_id() {
  std::array<unsigned char, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // OpenSSL's generator failed (not seeded): a per-thread generator is good enough to tell
    // log lines apart.
    thread_local std::mt19937_64 fallback{std::random_device{}()};
    uint64_t value = fallback();
    for (unsigned char& b : bytes) {
      b = static_cast<unsigned char>(value & 0xff);
      value >>= 8;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0x0f]);
  }
  return id;
}

}  // namespace askdb::server
