// The AWS SigV4 test suite (aws-c-auth's tests/aws-signing-test-suite/v4, in
// shared/data/aws-sigv4): each case directory holds request.txt, context.json and the expected
// canonical request, string to sign and signature for header and for query signing. Every case
// is checked both ways; adding a case is adding a directory.
#include "llm/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace askdb::llm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path suite_dir() { return fs::path(std::string(ASKDB_SHARED_DATA) + "/aws-sigv4"); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(suite_dir(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Parses the suite's request.txt: a request line, headers (a line starting with whitespace
// continues the previous header), a blank line, the body.
SigV4Request parse_request(const std::string& text) {
  SigV4Request req;
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  next_line(line);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  req.method = line.substr(0, first_space);
  const std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  const size_t question = target.find('?');
  req.path = target.substr(0, question);
  if (question != std::string::npos) req.query = target.substr(question + 1);

  while (next_line(line)) {
    if (line.empty()) {
      if (pos < text.size()) req.body = text.substr(pos);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !req.headers.empty()) {
      req.headers.back().second += " " + line;
      continue;
    }
    const size_t colon = line.find(':');
    req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return req;
}

struct SuiteCase {
  SigV4Request request;
  AwsCredentials credentials;
  SigV4Params params;
};

SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  c.request = parse_request(read_file(dir / "request.txt"));
  const json context = json::parse(read_file(dir / "context.json"));
  const json& creds = context.at("credentials");
  c.credentials.access_key_id = creds.at("access_key_id").get<std::string>();
  c.credentials.secret_access_key = creds.at("secret_access_key").get<std::string>();
  c.credentials.session_token = creds.value("token", "");
  c.params.region = context.at("region").get<std::string>();
  c.params.service = context.at("service").get<std::string>();
  // "2015-08-30T12:36:00Z" -> "20150830T123600Z"
  std::string date = context.at("timestamp").get<std::string>();
  std::erase_if(date, [](char ch) { return ch == '-' || ch == ':'; });
  c.params.amz_date = date;
  c.params.normalize_path = context.value("normalize", true);
  c.params.add_content_sha256_header = context.value("sign_body", false);
  c.params.omit_session_token = context.value("omit_session_token", false);
  c.params.expires_s = context.value("expiration_in_seconds", 3600);
  return c;
}

std::string header_value(const std::string& signed_request, const std::string& name) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, HeaderSigning) {
  const fs::path dir = suite_dir() / GetParam();
  const SuiteCase c = load_case(dir);
  const Result<SigV4Signature> sig = sign_with_headers(c.request, c.credentials, c.params);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->canonical_request, read_file(dir / "header-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, read_file(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, read_file(dir / "header-signature.txt"));
  const std::string signed_request = read_file(dir / "header-signed-request.txt");
  EXPECT_EQ(sig->authorization, header_value(signed_request, "Authorization"));
  // Every header the signer adds appears, with that value, in the expected signed request.
  for (const auto& [name, value] : sig->additions) {
    EXPECT_EQ(value, header_value(signed_request, name)) << name;
  }
}

TEST_P(SigV4SuiteTest, QuerySigning) {
  const fs::path dir = suite_dir() / GetParam();
  SuiteCase c = load_case(dir);
  c.params.add_content_sha256_header = false;  // a header-signing option
  const Result<SigV4Signature> sig = sign_with_query(c.request, c.credentials, c.params);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  EXPECT_EQ(sig->canonical_request, read_file(dir / "query-canonical-request.txt"));
  EXPECT_EQ(sig->string_to_sign, read_file(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(sig->signature, read_file(dir / "query-signature.txt"));
  // Every parameter the signer adds appears in the expected presigned request line.
  const std::string signed_request = read_file(dir / "query-signed-request.txt");
  const std::string request_line = signed_request.substr(0, signed_request.find('\n'));
  for (const auto& [name, value] : sig->additions) {
    EXPECT_NE(request_line.find(name + "=" + value), std::string::npos) << name;
  }
  EXPECT_TRUE(sig->authorization.empty());
}

INSTANTIATE_TEST_SUITE_P(SigV4Aws, SigV4SuiteTest, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(SigV4Suite, HasEveryCase) { EXPECT_EQ(case_names().size(), 38u); }

SigV4Request vanilla() {
  SigV4Request req;
  req.method = "GET";
  req.path = "/";
  req.headers = {{"Host", "example.amazonaws.com"}};
  return req;
}

AwsCredentials example_credentials() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
}

SigV4Params example_params() {
  SigV4Params p;
  p.region = "us-east-1";
  p.service = "service";
  p.amz_date = "20150830T123600Z";
  return p;
}

TEST(SigV4Test, RefusesARequestWithoutHost) {
  SigV4Request req = vanilla();
  req.headers.clear();
  const auto sig = sign_with_headers(req, example_credentials(), example_params());
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, ErrorCode::kUsage);
  EXPECT_NE(sig.error().message.find("Host"), std::string::npos);
}

TEST(SigV4Test, RefusesAMalformedDate) {
  SigV4Params params = example_params();
  params.amz_date = "2015-08-30T12:36:00Z";
  const auto sig = sign_with_headers(vanilla(), example_credentials(), params);
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, ErrorCode::kConfig);
  EXPECT_NE(sig.error().message.find("2015-08-30T12:36:00Z"), std::string::npos);
}

TEST(SigV4Test, RefusesIncompleteCredentials) {
  AwsCredentials creds = example_credentials();
  creds.secret_access_key.clear();
  const auto sig = sign_with_query(vanilla(), creds, example_params());
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code, ErrorCode::kConfig);
}

TEST(SigV4Test, CallerSetDateAndAuthorizationAreReplaced) {
  SigV4Request req = vanilla();
  req.headers.emplace_back("X-Amz-Date", "19990101T000000Z");
  req.headers.emplace_back("Authorization", "stale");
  const auto sig = sign_with_headers(req, example_credentials(), example_params());
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, BedrockPathIsEncodedTwice) {
  // A model id with a ':' is sent as %3A; the canonical path encodes that '%' again.
  SigV4Request req = vanilla();
  req.method = "POST";
  req.path = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke";
  const auto sig = sign_with_headers(req, example_credentials(), example_params());
  ASSERT_TRUE(sig.ok());
  EXPECT_NE(sig->canonical_request.find("\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/"
                                        "invoke\n"),
            std::string::npos);
}

TEST(SigV4Test, DotSegmentsAtTheEndLeaveNoTrailingSlash) {
  // As every AWS SDK normalizes (aws-c-auth, botocore, @smithy/signature-v4; found by
  // tests/aws-differential): a trailing slash only when the path as sent ends with one.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/a/b/..", "/a"}, {"/a/b/.", "/a/b"},   {"/a/b/../", "/a/"}, {"/a/./b/../c", "/a/c"},
      {"/..", "/"},      {"/a//b//", "/a/b/"}, {"//", "/"}};
  for (const auto& [path, canonical] : cases) {
    SigV4Request req = vanilla();
    req.path = path;
    const auto sig = sign_with_headers(req, example_credentials(), example_params());
    ASSERT_TRUE(sig.ok());
    EXPECT_NE(sig->canonical_request.find("\n" + canonical + "\n"), std::string::npos)
        << path << " should be signed as " << canonical << ":\n"
        << sig->canonical_request;
  }
}

TEST(SigV4Test, CallerContentSha256IsSignedAsThePayloadHash) {
  // As the AWS SDKs do (found by tests/aws-differential): a caller's x-amz-content-sha256 is the
  // hash the service checks, so the canonical request ends with it, not with the body's hash.
  SigV4Request req = vanilla();
  req.body = "hello";
  req.headers.emplace_back("X-Amz-Content-Sha256", " UNSIGNED-PAYLOAD ");
  const auto sig = sign_with_headers(req, example_credentials(), example_params());
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(
      sig->canonical_request.ends_with("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"
                                       "x-amz-date:20150830T123600Z\n\n"
                                       "host;x-amz-content-sha256;x-amz-date\n"
                                       "UNSIGNED-PAYLOAD"))
      << sig->canonical_request;
  // add_content_sha256_header replaces it with the body's hash.
  SigV4Params params = example_params();
  params.add_content_sha256_header = true;
  const auto replaced = sign_with_headers(req, example_credentials(), params);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->canonical_request.ends_with("\n" + sha256_hex("hello")));
}

TEST(SigV4Test, UriEncode) {
  EXPECT_EQ(aws_uri_encode("a b/c~-._+=", false), "a%20b%2Fc~-._%2B%3D");
  EXPECT_EQ(aws_uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(aws_uri_encode("\xE1\x88\xB4", false), "%E1%88%B4");
}

TEST(SigV4Test, Sha256Hex) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace askdb::llm
