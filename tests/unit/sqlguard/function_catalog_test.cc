// FunctionCatalog: building by hand, reading a pg_proc snapshot, and refusing malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sqlguard/guard.h"

namespace askdb::sqlguard {
namespace {

const std::string kSnapshot = std::string(ASKDB_SOURCE_DIR) + "/tests/cases/guard/pg_proc.tsv";

// A file in the test's temporary directory holding `text`; removed when it goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() /
             ("askdb_catalog_" + std::to_string(reinterpret_cast<uintptr_t>(this)) + ".tsv"))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(FunctionCatalogTest, AddAndLookup) {
  FunctionCatalog catalog;
  EXPECT_EQ(catalog.size(), 0u);
  catalog.add("lower", Volatility::kImmutable);
  catalog.add("now", Volatility::kStable);
  EXPECT_EQ(catalog.lookup("lower"), Volatility::kImmutable);
  EXPECT_EQ(catalog.lookup("now"), Volatility::kStable);
  EXPECT_EQ(catalog.lookup("missing"), std::nullopt);
  EXPECT_EQ(catalog.size(), 2u);
}

TEST(FunctionCatalogTest, OverloadsKeepTheMostVolatile) {
  FunctionCatalog catalog;
  catalog.add("age", Volatility::kStable);
  catalog.add("age", Volatility::kImmutable);  // a less volatile overload does not win
  EXPECT_EQ(catalog.lookup("age"), Volatility::kStable);
  catalog.add("age", Volatility::kVolatile);
  EXPECT_EQ(catalog.lookup("age"), Volatility::kVolatile);
  EXPECT_EQ(catalog.size(), 1u);
}

TEST(FunctionCatalogTest, NamesCompareExactly) {
  FunctionCatalog catalog;
  catalog.add("lower", Volatility::kImmutable);
  EXPECT_EQ(catalog.lookup("Lower"), std::nullopt);  // as PostgreSQL: "Lower" is another name
}

TEST(FunctionCatalogTest, ReadsTheSnapshot) {
  auto catalog = FunctionCatalog::from_tsv_file(kSnapshot);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EXPECT_GT(catalog->size(), 2500u);
  EXPECT_EQ(catalog->lookup("date_trunc"), Volatility::kStable);  // the timestamptz overload
  EXPECT_EQ(catalog->lookup("lower"), Volatility::kImmutable);
  EXPECT_EQ(catalog->lookup("now"), Volatility::kStable);
  EXPECT_EQ(catalog->lookup("random"), Volatility::kVolatile);
  EXPECT_EQ(catalog->lookup("percentile_cont"), Volatility::kImmutable);
  EXPECT_EQ(catalog->lookup("similarity"), Volatility::kImmutable);  // pg_trgm
  EXPECT_EQ(catalog->lookup("pg_sleep"), Volatility::kVolatile);
  EXPECT_EQ(catalog->lookup("RI_FKey_check_ins"), Volatility::kVolatile);  // mixed case kept
  EXPECT_EQ(catalog->lookup("datediff"), std::nullopt);
}

TEST(FunctionCatalogTest, SkipsCommentsBlankLinesAndCarriageReturns) {
  TempFile file("# a comment\n\nlower\ti\r\nnow\ts\nrandom\tv");
  auto catalog = FunctionCatalog::from_tsv_file(file.path());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EXPECT_EQ(catalog->size(), 3u);
  EXPECT_EQ(catalog->lookup("lower"), Volatility::kImmutable);
  EXPECT_EQ(catalog->lookup("random"), Volatility::kVolatile);
}

TEST(FunctionCatalogTest, MalformedLinesNameFileAndLine) {
  struct Bad {
    std::string text;
    std::string why;
  };
  for (const Bad& bad :
       {Bad{"lower\ti\nnow s\n", "no tab"}, Bad{"lower\ti\nnow\tx\n", "bad volatility \"x\""},
        Bad{"lower\ti\nnow\tstable\n", "bad volatility \"stable\""},
        Bad{"lower\ti\n\ts\n", "empty function name"}}) {
    TempFile file(bad.text);
    auto catalog = FunctionCatalog::from_tsv_file(file.path());
    ASSERT_FALSE(catalog.ok()) << bad.text;
    EXPECT_EQ(catalog.error().code, ErrorCode::kConfig);
    EXPECT_NE(catalog.error().message.find(file.path() + ":2: " + bad.why), std::string::npos)
        << catalog.error().message;
  }
}

TEST(FunctionCatalogTest, MissingFileIsAnError) {
  auto catalog = FunctionCatalog::from_tsv_file("/nonexistent/askdb/pg_proc.tsv");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.error().code, ErrorCode::kConfig);
  EXPECT_NE(catalog.error().message.find("/nonexistent/askdb/pg_proc.tsv"), std::string::npos);
}

}  // namespace
}  // namespace askdb::sqlguard
