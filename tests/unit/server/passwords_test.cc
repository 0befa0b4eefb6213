#include "server/passwords.h"

#include <gtest/gtest.h>

#include "core/text.h"

namespace askdb::server {
namespace {

TEST(PasswordTest, HashIsArgon2idPhcStringWithOwaspParameters) {
  auto hash = hash_password("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.error().message;
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  // "", "argon2id", "v=19", params, salt, hash: a 16-byte salt and a 32-byte hash in base64
  // without padding.
  const auto parts = split(*hash, '$');
  ASSERT_EQ(parts.size(), 6u) << *hash;
  EXPECT_EQ(parts[4].size(), 22u);
  EXPECT_EQ(parts[5].size(), 43u);
  EXPECT_FALSE(password_needs_rehash(*hash));
}

TEST(PasswordTest, VerifiesTheRightPasswordOnly) {
  auto hash = hash_password("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(verify_password("correct horse battery staple", *hash));
  EXPECT_FALSE(verify_password("correct horse battery stapl", *hash));
  EXPECT_FALSE(verify_password("Correct horse battery staple", *hash));
  EXPECT_FALSE(verify_password("", *hash));
}

TEST(PasswordTest, SaltMakesEachHashDifferent) {
  auto a = hash_password("same password here");
  auto b = hash_password("same password here");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("same password here", *a));
  EXPECT_TRUE(verify_password("same password here", *b));
}

TEST(PasswordTest, EmptyAndUnicodePasswordsHash) {
  auto empty = hash_password("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(verify_password("", *empty));
  EXPECT_FALSE(verify_password(" ", *empty));
  auto unicode = hash_password("p\xC3\xA4ssw\xC3\xB6rt \xF0\x9F\x94\x91");
  ASSERT_TRUE(unicode.ok());
  EXPECT_TRUE(verify_password("p\xC3\xA4ssw\xC3\xB6rt \xF0\x9F\x94\x91", *unicode));
}

TEST(PasswordTest, MalformedOrForeignHashesNeverVerify) {
  auto good = hash_password("a fine password");
  ASSERT_TRUE(good.ok());
  std::string argon2i = *good;
  argon2i.replace(0, 9, "$argon2i");  // "$argon2id" → "$argon2i"
  std::string flipped = *good;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {std::string(), std::string("a fine password"), std::string("$argon2id$"),
        std::string("$argon2id$v=19$m=19456,t=2,p=1$"), good->substr(0, good->size() - 5), argon2i,
        flipped, std::string("$2b$12$abcdefghijklmnopqrstuv")}) {
    EXPECT_FALSE(verify_password("a fine password", bad)) << bad;
  }
}

TEST(PasswordTest, RefusesParametersFarBeyondItsOwn) {
  // A tampered row must not make a login allocate 4 GiB or spin for minutes.
  auto good = hash_password("a fine password");
  ASSERT_TRUE(good.ok());
  std::string huge = *good;
  huge.replace(huge.find("m=19456"), 7, "m=4194304");
  EXPECT_FALSE(verify_password("a fine password", huge));
  EXPECT_TRUE(password_needs_rehash(huge));
  std::string slow = *good;
  slow.replace(slow.find("t=2"), 3, "t=100000");
  EXPECT_FALSE(verify_password("a fine password", slow));
}

TEST(PasswordTest, WeakerParametersNeedRehash) {
  EXPECT_TRUE(password_needs_rehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaA"));
  EXPECT_FALSE(password_needs_rehash(dummy_password_hash()));
}

TEST(PasswordTest, DummyHashIsValidAndMatchesNothingTypical) {
  for (const char* guess : {"", "password", "not a real password", "admin"}) {
    EXPECT_FALSE(verify_password(guess, dummy_password_hash())) << guess;
  }
}

TEST(PasswordTest, ProblemsWithNewPasswords) {
  EXPECT_EQ(password_problem("correct horse battery staple"), "");
  EXPECT_EQ(password_problem("Tr0ub4dor&3"), "");
  EXPECT_NE(password_problem("short").find("at least 10 characters"), std::string::npos);
  EXPECT_NE(password_problem("").find("at least 10"), std::string::npos);
  // Ten characters, fewer than ten... bytes would be wrong: "ä" is one character of two bytes.
  EXPECT_EQ(password_problem("\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F\xC3\xA9xyzw7"), "");
  EXPECT_NE(password_problem("\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F\xC3\xA9"), "");
  EXPECT_NE(password_problem(std::string(2000, 'x') + "y").find("at most 1024 bytes"),
            std::string::npos);
  EXPECT_NE(password_problem("abc\xFF\xFE"
                             "defghijk")
                .find("UTF-8"),
            std::string::npos);
  EXPECT_NE(password_problem("aaaaaaaaaaaa").find("repeated"), std::string::npos);
  for (const char* run : {"1234567890", "0123456789", "abcdefghijk", "9876543210", "0987654321"}) {
    EXPECT_NE(password_problem(run).find("run of characters"), std::string::npos) << run;
  }
}

}  // namespace
}  // namespace askdb::server
