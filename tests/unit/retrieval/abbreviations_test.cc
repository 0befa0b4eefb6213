#include "retrieval/abbreviations.h"

#include <gtest/gtest.h>

namespace askdb::retrieval {
namespace {

TEST(Abbreviations, WholeWords) {
  EXPECT_EQ(expand_abbreviation("fname"), "first name");
  EXPECT_EQ(expand_abbreviation("dept"), "department");
  EXPECT_EQ(expand_abbreviation("qty"), "quantity");
  EXPECT_EQ(expand_abbreviation("acct"), "account");             // the first entry
  EXPECT_EQ(expand_abbreviation("zipcode"), "zip postal code");  // the last
}

TEST(Abbreviations, RunTogetherWithTheKeyWordAfterIt) {
  EXPECT_EQ(expand_abbreviation("custid"), "customer id");
  EXPECT_EQ(expand_abbreviation("deptno"), "department number");
  EXPECT_EQ(expand_abbreviation("empnum"), "employee number");
}

TEST(Abbreviations, OtherWordsAreLeftAlone) {
  EXPECT_EQ(expand_abbreviation("name"), "");
  EXPECT_EQ(expand_abbreviation("cat"), "");  // category, or a cat: not guessed
  EXPECT_EQ(expand_abbreviation("id"), "");
  EXPECT_EQ(expand_abbreviation(""), "");
  EXPECT_EQ(expand_abbreviation("xid"), "");
}

}  // namespace
}  // namespace askdb::retrieval
