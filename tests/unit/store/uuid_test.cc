#include "store/uuid.h"

#include <gtest/gtest.h>

namespace askdb::store {
namespace {

TEST(StoreUuidTest, CanonicalFormOnly) {
  EXPECT_TRUE(is_uuid("0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4b"));
  EXPECT_TRUE(is_uuid("0B6F3B9E-6C1A-4D0E-9A52-3F0C8D1E2A4B"));
  EXPECT_TRUE(is_uuid("00000000-0000-0000-0000-000000000000"));
  for (const char* bad :
       {"", "nope", "0b6f3b9e6c1a4d0e9a523f0c8d1e2a4b", "{0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4b}",
        "0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4", "0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4bb",
        "0b6f3b9e-6c1a-4d0e-9a52_3f0c8d1e2a4b", "0b6f3b9g-6c1a-4d0e-9a52-3f0c8d1e2a4b",
        "'; DROP TABLE x; --------------------"}) {
    EXPECT_FALSE(is_uuid(bad)) << bad;
  }
}

}  // namespace
}  // namespace askdb::store
