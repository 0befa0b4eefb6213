// Tests of the metadata helpers (llm/aws_metadata.h) that need no chain: timestamps, which
// container URLs may be fetched, the instance metadata endpoint, and that the fake metadata
// server refuses what the real IMDSv2 refuses.
#include "llm/aws_metadata.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "llm/http_client.h"
#include "support/fake_aws_metadata.h"

namespace askdb::llm {
namespace {

using Clock = std::chrono::system_clock;

EnvLookup map_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

int64_t epoch_ms(std::optional<Clock::time_point> t) {
  EXPECT_TRUE(t.has_value());
  if (!t) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

TEST(AwsTimestampTest, ParsesTheFormsMetadataEndpointsSend) {
  // 2026-11-24T18:00:00Z is 1795543200 s after the epoch.
  constexpr int64_t kBase = 1795543200000;
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T18:00:00Z")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T18:00:00.250Z")), kBase + 250);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T18:00:00.123456789Z")), kBase + 123);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T18:00:00+00:00")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T20:00:00+02:00")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T17:30:00-0030")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T19:00:00+01")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp(" 2026-11-24t18:00:00z ")), kBase);
  EXPECT_EQ(epoch_ms(parse_aws_timestamp("2026-11-24T18:00:00")), kBase) << "no offset: UTC";
}

TEST(AwsTimestampTest, RejectsWhatIsNotATime) {
  for (const char* bad :
       {"", "tomorrow", "2026-11-24", "2026-13-24T18:00:00Z", "2026-11-24T25:00:00Z",
        "2026-11-24T18:00:00.Z", "2026-11-24T18:00:00Q", "2026-11-24T18:00:00+2",
        "2026-11-24T18:00:00+02:", "2026-11-24T18:00:00+02:3", "2026-11-24T18:00:00+0200Z",
        "2026-11-24T18:00:00Zjunk", "1795543200"}) {
    EXPECT_FALSE(parse_aws_timestamp(bad)) << bad;
  }
}

TEST(AwsContainerUrlTest, AllowsWhatTheSdksAllow) {
  std::string why;
  for (const char* ok :
       {"https://creds.example.com/role", "http://127.0.0.1:51679/creds", "http://127.1.2.3/x",
        "http://localhost:8080/creds", "http://[::1]:80/creds", "http://169.254.170.2/v2/c",
        "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "http://[FD00:EC2:0:0::23]:80/v1/credentials", "HTTP://user@169.254.170.2/x"}) {
    EXPECT_TRUE(aws_container_url_allowed(ok, why)) << ok << ": " << why;
  }
  for (const char* refused :
       {"http://creds.example.com/role", "http://169.254.169.254/latest", "http://10.0.0.1/x",
        "http://127.0.0.1.evil.example/x", "http://[fd00:ec2::254]/x", "ftp://127.0.0.1/x",
        "not a url", "http:///nohost"}) {
    why.clear();
    EXPECT_FALSE(aws_container_url_allowed(refused, why)) << refused;
    EXPECT_NE(why.find("AWS_CONTAINER_CREDENTIALS_FULL_URI"), std::string::npos) << why;
  }
  aws_container_url_allowed("http://creds.example.com/role", why);
  EXPECT_NE(why.find("creds.example.com"), std::string::npos) << why;
  EXPECT_NE(why.find("https"), std::string::npos) << why;
}

TEST(AwsInstanceMetadataTest, EndpointFromTheEnvironment) {
  EXPECT_EQ(aws_instance_metadata_endpoint(map_env({})), "http://169.254.169.254");
  EXPECT_EQ(
      aws_instance_metadata_endpoint(map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})),
      "http://[fd00:ec2::254]");
  EXPECT_EQ(aws_instance_metadata_endpoint(
                map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"},
                         {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})),
            "http://127.0.0.1:9");
}

// The fake answers as the real IMDSv2 does, so the chain's tests prove the token dance.
TEST(AwsFakeMetadataTest, ImdsRequiresTheSessionToken) {
  test::FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  HttpClient http;
  auto call = [&http](std::string method, std::string url,
                      std::vector<std::pair<std::string, std::string>> headers) {
    HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.headers = std::move(headers);
    request.timeout_s = 10;
    std::string body;
    HttpResponse r = http.post(request, [&body](const HttpHead&, std::string_view piece) {
      body.append(piece);
      return true;
    });
    return std::make_pair(r.head.status, body);
  };
  const std::string roles = fake.url() + "/latest/meta-data/iam/security-credentials/";

  EXPECT_EQ(call("GET", roles, {}).first, 401) << "IMDSv1 is off, as on new instances";
  EXPECT_EQ(call("GET", roles, {{"X-aws-ec2-metadata-token", "made-up"}}).first, 401);
  EXPECT_EQ(call("PUT", fake.url() + "/latest/api/token", {}).first, 400) << "TTL required";
  EXPECT_EQ(call("GET", fake.url() + "/latest/api/token",
                 {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}})
                .first,
            405);
  auto [status, token] = call("PUT", fake.url() + "/latest/api/token",
                              {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
  ASSERT_EQ(status, 200);
  ASSERT_FALSE(token.empty());
  auto [role_status, role] = call("GET", roles, {{"X-aws-ec2-metadata-token", token}});
  EXPECT_EQ(role_status, 200);
  EXPECT_EQ(role, "askdb-role");

  const std::vector<test::FakeAwsRequest> log = fake.requests();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[4].method, "PUT");
  EXPECT_EQ(log[4].header("X-aws-ec2-metadata-token-ttl-seconds"), "21600");
}

}  // namespace
}  // namespace askdb::llm
