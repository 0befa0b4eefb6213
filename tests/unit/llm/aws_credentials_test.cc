// Tests of the AWS credential chain (llm/aws_credentials.h): the environment, the shared files,
// the ECS endpoint and IMDSv2 against loopback fakes (tests/support/fake_aws_metadata.h),
// their precedence, caching and refresh, the region and the messages. The environment is a
// map, ~ a temporary folder, and the clock a test clock where expiry matters; nothing reaches
// 169.254.x (AWS_EC2_METADATA_DISABLED=true unless IMDS is under test, and then its endpoint
// is a fake or a closed loopback port).
#include "llm/aws_credentials.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_aws_metadata.h"
#include "support/http_proxy_recorder.h"
#include "support/temp_home.h"

namespace askdb::llm {
namespace {

using Clock = std::chrono::system_clock;
using test::FakeAwsCredentials;
using test::FakeAwsFault;
using test::FakeAwsMetadataOptions;
using test::FakeAwsMetadataServer;

constexpr const char* kEcsPath = "/v2/credentials/0b9c4c7e-fake-task";

std::string iso8601(Clock::time_point t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A loopback port nothing listens on: bound, never listening, so connections are refused.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

size_t count_requests(const FakeAwsMetadataServer& fake, const std::string& prefix) {
  size_t n = 0;
  for (const test::FakeAwsRequest& r : fake.requests()) n += r.target.starts_with(prefix);
  return n;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class AwsCredentialsTest : public ::testing::Test {
 protected:
  AwsCredentialsTest() { vars["AWS_EC2_METADATA_DISABLED"] = "true"; }

  // The lookup reads `vars` and `now` live: a test may change them between calls.
  AwsLookup lookup() {
    AwsLookup l;
    l.env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    l.home = home.path();
    l.metadata_timeout_s = 5;  // generous: the sanitizer build is slow; nothing here hangs
    l.clock = [this] { return now ? *now : Clock::now(); };
    return l;
  }

  std::string path(const std::string& relative) const { return home.path() + "/" + relative; }
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(path(relative)).parent_path());
    std::ofstream(path(relative), std::ios::binary) << text;
  }

  // Points the ECS variables at `fake` (the relative URI; the host through ecs_endpoint).
  AwsLookup ecs_lookup(const FakeAwsMetadataServer& fake) {
    vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = kEcsPath;
    AwsLookup l = lookup();
    l.ecs_endpoint = fake.url();
    return l;
  }

  // Points IMDS at `fake`.
  AwsLookup imds_lookup(const FakeAwsMetadataServer& fake) {
    vars.erase("AWS_EC2_METADATA_DISABLED");
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = fake.url();
    return lookup();
  }

  testing::TempHome home{"askdb-aws"};
  std::map<std::string, std::string> vars;
  std::optional<Clock::time_point> now;
};

// ---- 1. The environment ----

TEST_F(AwsCredentialsTest, EnvironmentKeys) {
  vars["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT";
  vars["AWS_SECRET_ACCESS_KEY"] = "envSecret";
  vars["AWS_SESSION_TOKEN"] = "envToken";
  AwsCredentialChain chain(lookup());
  Result<AwsIdentity> got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAENVIRONMENT");
  EXPECT_EQ(got->credentials.secret_access_key, "envSecret");
  EXPECT_EQ(got->credentials.session_token, "envToken");
  EXPECT_EQ(got->source, "environment");
  EXPECT_FALSE(got->expires);

  vars.erase("AWS_SESSION_TOKEN");
  got = chain.get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->credentials.session_token, "");
}

TEST_F(AwsCredentialsTest, EnvironmentHalfSetSaysWhichIsMissing) {
  write(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n");
  vars["AWS_ACCESS_KEY_ID"] = "AKIAONLYID";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok()) << "must not fall through to the shared files";
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(got.error().message,
                       "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY "
                       "is not"))
      << got.error().message;

  vars.erase("AWS_ACCESS_KEY_ID");
  vars["AWS_SECRET_ACCESS_KEY"] = "onlyTheSecretValue";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message,
                       "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID "
                       "is not"))
      << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "onlyTheSecretValue"));

  vars["AWS_SECRET_ACCESS_KEY"] = "";  // empty counts as unset, as in the SDKs
  got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAFILE");
}

// ---- 2. The shared files ----

TEST_F(AwsCredentialsTest, DefaultProfileFromCredentialsFile) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = defaultSecret\n"
        "aws_session_token = defaultToken\n"
        "[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = workSecret\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIADEFAULT");
  EXPECT_EQ(got->credentials.secret_access_key, "defaultSecret");
  EXPECT_EQ(got->credentials.session_token, "defaultToken");
  EXPECT_EQ(got->source, "profile default (" + path(".aws/credentials") + ")");
  EXPECT_FALSE(got->expires);
}

TEST_F(AwsCredentialsTest, AwsProfileChoosesTheSection) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n"
        "[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = w\n"
        "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n");
  vars["AWS_DEFAULT_PROFILE"] = "other";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAOTHER");

  vars["AWS_PROFILE"] = "work";  // wins over AWS_DEFAULT_PROFILE
  got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAWORK");
  EXPECT_EQ(got->source, "profile work (" + path(".aws/credentials") + ")");
}

TEST_F(AwsCredentialsTest, ConfigFileProfileSections) {
  write(".aws/config",
        "[default]\naws_access_key_id = AKIACONFIGDEFAULT\naws_secret_access_key = cd\n"
        "[profile team]\naws_access_key_id = AKIACONFIGTEAM\naws_secret_access_key = ct\n"
        "[plain]\naws_access_key_id = AKIANOTAPROFILE\naws_secret_access_key = x\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIACONFIGDEFAULT");
  EXPECT_EQ(got->source, "profile default (" + path(".aws/config") + ")");

  vars["AWS_PROFILE"] = "team";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIACONFIGTEAM");

  vars["AWS_PROFILE"] = "plain";  // "[plain]" in the config file is not a profile
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
}

TEST_F(AwsCredentialsTest, CredentialsFileWinsOverConfigFile) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIAFROMCREDENTIALS\naws_secret_access_key = fromCreds\n");
  write(".aws/config",
        "[default]\naws_access_key_id = AKIAFROMCONFIG\naws_secret_access_key = fromConfig\n"
        "aws_session_token = configToken\nregion = eu-west-1\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAFROMCREDENTIALS");
  EXPECT_EQ(got->credentials.secret_access_key, "fromCreds");
  // Merged key by key, as botocore does: the token only the config file has comes along.
  EXPECT_EQ(got->credentials.session_token, "configToken");
  EXPECT_EQ(got->source, "profile default (" + path(".aws/credentials") + ")");
}

TEST_F(AwsCredentialsTest, CommentsWhitespaceAndCaseInTheFiles) {
  write(".aws/credentials",
        "# written by hand\r\n"
        "[default]   ; the usual one\r\n"
        "\tAWS_ACCESS_KEY_ID   =   AKIASPACED   # inline comment\r\n"
        "\tAws_Secret_Access_Key=spacedSecret\r\n"
        "s3 =\r\n"
        "    aws_access_key_id = NESTEDNOTUSED\r\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIASPACED");
  EXPECT_EQ(got->credentials.secret_access_key, "spacedSecret");
}

TEST_F(AwsCredentialsTest, CustomFilePaths) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIAIGNORED\naws_secret_access_key = i\n");
  write("elsewhere/creds", "[ci]\naws_access_key_id = AKIACUSTOM\naws_secret_access_key = c\n");
  write("elsewhere/conf", "[profile ci]\nregion = sa-east-1\n");
  vars["AWS_SHARED_CREDENTIALS_FILE"] = path("elsewhere/creds");
  vars["AWS_CONFIG_FILE"] = path("elsewhere/conf");
  vars["AWS_PROFILE"] = "ci";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIACUSTOM");
  EXPECT_EQ(got->source, "profile ci (" + path("elsewhere/creds") + ")");
  EXPECT_EQ(find_aws_region(lookup()), "sa-east-1");

  vars.erase("AWS_PROFILE");  // the custom credentials file has no [default]
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, path("elsewhere/creds") + " has no profile default"))
      << got.error().message;
}

TEST_F(AwsCredentialsTest, RoleProfileIsExplained) {
  write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n");
  write(".aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
        "source_profile = base\nregion = us-east-1\n");
  vars["AWS_PROFILE"] = "admin";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(m, "profile admin (" + path(".aws/config") + ")")) << m;
  EXPECT_TRUE(contains(m, "role_arn")) << m;
  EXPECT_TRUE(contains(m, "askdb does not do")) << m;
  EXPECT_TRUE(contains(m,
                       "eval \"$(aws configure export-credentials --profile admin --format "
                       "env)\""))
      << m;
  EXPECT_TRUE(contains(m, "ECS task role or an EC2 instance profile")) << m;
  EXPECT_TRUE(contains(m, "AWS_PROFILE unset")) << m;
}

TEST_F(AwsCredentialsTest, SsoProcessAndWebIdentityProfilesAreExplained) {
  write(".aws/config",
        "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Analyst\n"
        "[profile process]\ncredential_process = /usr/local/bin/get-creds --json\n"
        "[profile web]\nrole_arn = arn:aws:iam::123456789012:role/web\n"
        "web_identity_token_file = /var/run/token\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n");
  const std::map<std::string, std::string> expected = {
      {"sso", "IAM Identity Center"}, {"process", "credential_process"}, {"web", "role_arn"}};
  for (const auto& [profile, how] : expected) {
    vars["AWS_PROFILE"] = profile;
    Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
    ASSERT_FALSE(got.ok()) << profile;
    EXPECT_EQ(got.error().code, ErrorCode::kConfig);
    EXPECT_TRUE(contains(got.error().message, how)) << got.error().message;
    EXPECT_TRUE(contains(got.error().message, "--profile " + profile + " --format env"))
        << got.error().message;
  }
  // The default profile is held to the same rule (the SDKs would assume the role).
  vars.erase("AWS_PROFILE");
  write(".aws/config", "[default]\nsso_session = corp\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "without this profile")) << got.error().message;
}

TEST_F(AwsCredentialsTest, MissingNamedProfileNamesBothFiles) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n");
  vars["AWS_PROFILE"] = "prod";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok()) << "must not fall back to [default]";
  const std::string& m = got.error().message;
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(m, "AWS_PROFILE names the AWS profile 'prod'")) << m;
  EXPECT_TRUE(contains(m, path(".aws/credentials") + " has no profile prod")) << m;
  EXPECT_TRUE(contains(m, path(".aws/config") + " does not exist")) << m;
}

TEST_F(AwsCredentialsTest, ProfileWithOnlyOneKeyIsAnError) {
  write(".aws/credentials", "[default]\naws_secret_access_key = lonelySecretValue\n");
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(got.error().message, "has aws_secret_access_key but no aws_access_key_id"))
      << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "lonelySecretValue"));
}

TEST_F(AwsCredentialsTest, KeysRotatedInTheFileAreUsedWithoutARestart) {
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIAFIRST\naws_secret_access_key = 1\n");
  AwsCredentialChain chain(lookup());
  Result<AwsIdentity> got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAFIRST");
  write(".aws/credentials",
        "[default]\naws_access_key_id = AKIASECOND\naws_secret_access_key = 2\n");
  got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIASECOND");
}

// ---- Precedence ----

TEST_F(AwsCredentialsTest, PrecedenceEnvironmentFilesEcsImds) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  write(".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n");
  vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  vars["AWS_SECRET_ACCESS_KEY"] = "e";
  AwsLookup l = ecs_lookup(fake);
  vars.erase("AWS_EC2_METADATA_DISABLED");
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = fake.url();

  Result<AwsIdentity> got = AwsCredentialChain(l).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->source, "environment");

  vars.erase("AWS_ACCESS_KEY_ID");
  vars.erase("AWS_SECRET_ACCESS_KEY");
  got = AwsCredentialChain(l).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "AKIAFILE");
  EXPECT_TRUE(fake.requests().empty()) << "long-term keys need no network";

  std::filesystem::remove(path(".aws/credentials"));
  got = AwsCredentialChain(l).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->source, "ECS task role");
  EXPECT_EQ(count_requests(fake, "/latest/"), 0u) << "IMDS is not asked when ECS answers";

  vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  got = AwsCredentialChain(l).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->source, "EC2 instance profile askdb-role");
}

// ---- 3. ECS ----

TEST_F(AwsCredentialsTest, EcsRelativeUri) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIAECSTASK";
  creds.secret_access_key = "ecsSecret";
  creds.token = "ecsToken";
  creds.expiration = "2099-01-02T03:04:05Z";
  fake.set_credentials(creds);

  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAECSTASK");
  EXPECT_EQ(got->credentials.secret_access_key, "ecsSecret");
  EXPECT_EQ(got->credentials.session_token, "ecsToken");
  EXPECT_EQ(got->source, "ECS task role");
  ASSERT_TRUE(got->expires);
  EXPECT_EQ(iso8601(*got->expires), "2099-01-02T03:04:05Z");

  const std::vector<test::FakeAwsRequest> log = fake.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].target, kEcsPath);
  EXPECT_EQ(log[0].header("authorization"), "");
}

// A container's http_proxy must not take the request to the ECS agent (a link-local address no
// proxy can reach); without the bypass, curl would send even 127.0.0.1 to the proxy.
TEST_F(AwsCredentialsTest, MetadataRequestsBypassAProxy) {
  test::HttpProxyRecorder proxy;
  ASSERT_TRUE(proxy.start().ok());
  // http_proxy points at the recorder while this lives, and is restored after, whatever happens.
  struct ProxyVariable {
    explicit ProxyVariable(const std::string& url) {
      if (const char* v = std::getenv("http_proxy")) saved = v;
      ::setenv("http_proxy", url.c_str(), 1);
    }
    ~ProxyVariable() {
      if (saved) {
        ::setenv("http_proxy", saved->c_str(), 1);
      } else {
        ::unsetenv("http_proxy");
      }
    }
    std::optional<std::string> saved;
  } variable(proxy.url());
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIAECSTASK";
  creds.secret_access_key = "ecsSecret";
  creds.token = "ecsToken";
  creds.expiration = "2099-01-02T03:04:05Z";
  fake.set_credentials(creds);
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAECSTASK");
  EXPECT_TRUE(proxy.request_lines().empty());
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST_F(AwsCredentialsTest, EcsFullUriWithAuthorizationToken) {
  FakeAwsMetadataOptions options;
  options.ecs_path = "/v1/credentials";
  options.ecs_authorization = "Bearer pod-identity-token";
  FakeAwsMetadataServer fake(options);
  ASSERT_TRUE(fake.start().ok());
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = fake.url() + "/v1/credentials";
  vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer pod-identity-token";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->source, "container credentials endpoint 127.0.0.1");
  EXPECT_EQ(fake.requests().at(0).header("authorization"), "Bearer pod-identity-token");

  vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer wrong-token-value";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_EQ(got.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(m, "HTTP 401 (invalid authorization token)")) << m;
  EXPECT_TRUE(contains(m, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) << m;
  EXPECT_TRUE(contains(m, fake.url() + " (AWS_CONTAINER_CREDENTIALS_FULL_URI)")) << m;
  EXPECT_FALSE(contains(m, "wrong-token-value")) << m;
  EXPECT_FALSE(contains(m, "/v1/credentials")) << "the path is not shown: " << m;
}

TEST_F(AwsCredentialsTest, EcsTokenFileWinsAndIsReadEachTime) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.expiration = iso8601(Clock::now() + std::chrono::seconds(60));  // inside the window
  fake.set_credentials(creds);
  write("token", "  file-token-1\n");
  vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = path("token");
  vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "env-token";
  AwsCredentialChain chain(ecs_lookup(fake));
  ASSERT_TRUE(chain.get().ok());
  write("token", "file-token-2\n");
  ASSERT_TRUE(chain.get().ok());
  const std::vector<test::FakeAwsRequest> log = fake.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].header("authorization"), "file-token-1");
  EXPECT_EQ(log[1].header("authorization"), "file-token-2");

  // A fresh chain (the other still holds credentials that work, and would keep using them).
  std::filesystem::remove(path("token"));
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(got.error().message, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE names " +
                                                path("token") + ", which cannot be read"))
      << got.error().message;
}

TEST_F(AwsCredentialsTest, EcsFullUriHostMustBeAllowed) {
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://credentials.example.com/role";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kConfig);
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m,
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI points at credentials.example.com "
                       "over plain http"))
      << m;
  EXPECT_TRUE(contains(m, "use https")) << m;
}

TEST_F(AwsCredentialsTest, EcsRetriesServerErrorsAndDroppedConnections) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  fake.fail_next(FakeAwsFault::kStatus500);
  fake.fail_next(FakeAwsFault::kClose);
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(fake.credentials_served(), 1);
}

TEST_F(AwsCredentialsTest, EcsFailureAfterRetriesIsAnError) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  write(".aws/config", "[default]\nregion = us-east-1\n");  // a profile without keys
  fake.fail_next(FakeAwsFault::kStatus500, 3);
  vars.erase("AWS_EC2_METADATA_DISABLED");
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = fake.url();  // must not be tried instead
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kLlm);
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m, "could not get the ECS task role's AWS credentials")) << m;
  EXPECT_TRUE(contains(m, "HTTP 500 (fake failure injected)")) << m;
  EXPECT_TRUE(contains(m, "taskRoleArn")) << m;
  EXPECT_EQ(fake.requests().size(), 3u);
  EXPECT_EQ(count_requests(fake, "/latest/"), 0u);
}

TEST_F(AwsCredentialsTest, EcsReplyThatIsNotJsonIsNotQuoted) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  fake.fail_next(FakeAwsFault::kNotJson);
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "unusable: the reply is not a JSON object"))
      << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "gateway says hello"));
}

// ---- 4. IMDSv2 ----

TEST_F(AwsCredentialsTest, ImdsV2TokenRoleAndCredentials) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIAINSTANCE";
  creds.secret_access_key = "instanceSecret";
  creds.token = "instanceToken";
  creds.expiration = "2099-05-06T07:08:09Z";
  fake.set_credentials(creds);
  Result<AwsIdentity> got = AwsCredentialChain(imds_lookup(fake)).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAINSTANCE");
  EXPECT_EQ(got->credentials.secret_access_key, "instanceSecret");
  EXPECT_EQ(got->credentials.session_token, "instanceToken");
  EXPECT_EQ(got->source, "EC2 instance profile askdb-role");
  ASSERT_TRUE(got->expires);
  EXPECT_EQ(iso8601(*got->expires), "2099-05-06T07:08:09Z");

  const std::vector<test::FakeAwsRequest> log = fake.requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].method, "PUT");
  EXPECT_EQ(log[0].target, "/latest/api/token");
  EXPECT_EQ(log[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  const std::string token = log[1].header("x-aws-ec2-metadata-token");
  EXPECT_FALSE(token.empty());
  EXPECT_EQ(log[1].method, "GET");
  EXPECT_EQ(log[1].target, "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(log[2].target, "/latest/meta-data/iam/security-credentials/askdb-role");
  EXPECT_EQ(log[2].header("x-aws-ec2-metadata-token"), token);
}

TEST_F(AwsCredentialsTest, ImdsFallsBackToV1WhereTheTokenRequestIsRefused) {
  FakeAwsMetadataOptions options;
  options.imds_token_status = 405;
  options.imds_v1_allowed = true;
  FakeAwsMetadataServer fake(options);
  ASSERT_TRUE(fake.start().ok());
  Result<AwsIdentity> got = AwsCredentialChain(imds_lookup(fake)).get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->source, "EC2 instance profile askdb-role");
  const std::vector<test::FakeAwsRequest> log = fake.requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].header("x-aws-ec2-metadata-token"), "");

  // Not when IMDSv1 is switched off; and a token request that fails otherwise is a failure.
  vars["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message,
                       "EC2 instance metadata: the session token request "
                       "(PUT " +
                           fake.url() + "/latest/api/token) failed: HTTP 405"))
      << got.error().message;
}

TEST_F(AwsCredentialsTest, ImdsWithoutRoleIsNotAvailableAndNotAskedAgainForAMinute) {
  FakeAwsMetadataOptions options;
  options.role = "";
  FakeAwsMetadataServer fake(options);
  ASSERT_TRUE(fake.start().ok());
  now = Clock::now();
  AwsCredentialChain chain(imds_lookup(fake));
  Result<AwsIdentity> got = chain.get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(got.error().message,
                       "EC2 instance metadata: the instance at " + fake.url() + " has no IAM role"))
      << got.error().message;
  const size_t asked = fake.requests().size();
  EXPECT_EQ(asked, 2u);

  *now += std::chrono::seconds(30);
  got = chain.get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "has no IAM role")) << got.error().message;
  EXPECT_EQ(fake.requests().size(), asked) << "remembered for a minute";

  *now += std::chrono::seconds(31);
  EXPECT_FALSE(chain.get().ok());
  EXPECT_EQ(fake.requests().size(), 2 * asked) << "asked again after a minute";
}

TEST_F(AwsCredentialsTest, ImdsUnreachableIsNotAvailable) {
  ClosedPort closed;
  vars.erase("AWS_EC2_METADATA_DISABLED");
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closed.url();
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "EC2 instance metadata: not reachable at " +
                                                closed.url() +
                                                " (could not "
                                                "connect to"))
      << got.error().message;
}

// ---- Caching and refresh ----

TEST_F(AwsCredentialsTest, TemporaryCredentialsAreReusedUntilTheRefreshWindow) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  const Clock::time_point start = Clock::now();
  now = start;
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIAFIRST";
  creds.expiration = iso8601(start + std::chrono::hours(1));
  fake.set_credentials(creds);
  AwsCredentialChain chain(ecs_lookup(fake));
  ASSERT_TRUE(chain.get().ok());
  ASSERT_TRUE(chain.get().ok());
  *now = start + std::chrono::minutes(50);  // 10 minutes left; the window is 5
  Result<AwsIdentity> got = chain.get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->credentials.access_key_id, "ASIAFIRST");
  EXPECT_EQ(fake.credentials_served(), 1);

  creds.access_key_id = "ASIASECOND";
  creds.expiration = iso8601(start + std::chrono::hours(2));
  fake.set_credentials(creds);
  *now = start + std::chrono::minutes(56);  // 4 minutes left: refresh
  got = chain.get();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->credentials.access_key_id, "ASIASECOND");
  EXPECT_EQ(fake.credentials_served(), 2);
}

TEST_F(AwsCredentialsTest, CredentialsExpiringSoonAreFetchedAgain) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIASHORT1";
  creds.expiration = iso8601(Clock::now() + std::chrono::seconds(120));  // < refresh_before_s
  fake.set_credentials(creds);
  AwsCredentialChain chain(imds_lookup(fake));
  Result<AwsIdentity> got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIASHORT1");
  creds.access_key_id = "ASIASHORT2";
  fake.set_credentials(creds);
  got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIASHORT2");
  EXPECT_EQ(fake.credentials_served(), 2);
}

TEST_F(AwsCredentialsTest, FailedRefreshKeepsCredentialsThatStillWork) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  const Clock::time_point start = Clock::now();
  now = start;
  FakeAwsCredentials creds;
  creds.access_key_id = "ASIAKEPT";
  creds.expiration = iso8601(start + std::chrono::hours(1));
  fake.set_credentials(creds);
  AwsCredentialChain chain(ecs_lookup(fake));
  ASSERT_TRUE(chain.get().ok());

  *now = start + std::chrono::minutes(58);  // inside the window, not expired
  fake.fail_next(FakeAwsFault::kStatus500, 3);
  Result<AwsIdentity> got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAKEPT");
  EXPECT_EQ(fake.requests().size(), 4u) << "the refresh was tried (three attempts)";

  *now += std::chrono::seconds(20);  // the next try waits 30 s: no request per question
  got = chain.get();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->credentials.access_key_id, "ASIAKEPT");
  EXPECT_EQ(fake.requests().size(), 4u);

  *now = start + std::chrono::minutes(61);  // expired: a failure is now an error
  fake.fail_next(FakeAwsFault::kStatus500, 3);
  got = chain.get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "HTTP 500")) << got.error().message;

  got = chain.get();  // and the endpoint back: fresh credentials
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(fake.credentials_served(), 2);
}

TEST_F(AwsCredentialsTest, ConcurrentGetsFetchOnce) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  fake.set_delay_ms(300);
  AwsCredentialChain chain(ecs_lookup(fake));
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<std::string> keys(kThreads);
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<AwsIdentity> got = chain.get();
      if (!got.ok()) {
        ++failures;
        return;
      }
      keys[i] = got->credentials.access_key_id;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& key : keys) EXPECT_EQ(key, FakeAwsCredentials{}.access_key_id);
  EXPECT_EQ(fake.requests().size(), 1u);
  EXPECT_EQ(fake.credentials_served(), 1);
}

// ---- Nothing found ----

TEST_F(AwsCredentialsTest, NothingFoundListsEveryPlaceLooked) {
  ClosedPort closed;
  vars.erase("AWS_EC2_METADATA_DISABLED");
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closed.url();
  vars["AWS_SESSION_TOKEN"] = "strayTokenThatMustNotShow";
  Result<AwsIdentity> got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kLlm);
  const std::string& m = got.error().message;
  const std::string expected_start =
      "no AWS credentials found for Bedrock: environment: AWS_ACCESS_KEY_ID is not set; shared "
      "files: " +
      path(".aws/credentials") + " does not exist, " + path(".aws/config") +
      " does not exist; ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
      "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; EC2 instance metadata: not reachable at " +
      closed.url() + " (";
  EXPECT_EQ(m.substr(0, expected_start.size()), expected_start) << m;
  EXPECT_TRUE(m.ends_with(
      "). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an ECS "
      "task role or an EC2 instance profile; or choose another provider with "
      "ASKDB_LLM_PROVIDER."))
      << m;
  EXPECT_FALSE(contains(m, "strayTokenThatMustNotShow"));

  // A default profile that exists without keys, IMDS skipped.
  write(".aws/credentials", "[default]\naws_session_token = anotherTokenNotToShow\n");
  vars["AWS_EC2_METADATA_DISABLED"] = "true";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "shared files: profile default (" +
                                                path(".aws/credentials") +
                                                ") has no aws_access_key_id; ECS:"))
      << got.error().message;
  EXPECT_TRUE(contains(got.error().message,
                       "EC2 instance metadata: skipped (AWS_EC2_METADATA_DISABLED=true)."))
      << got.error().message;
  EXPECT_FALSE(contains(got.error().message, "anotherTokenNotToShow"));
}

TEST_F(AwsCredentialsTest, NoSecretInAnyMessage) {
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  FakeAwsCredentials creds;
  creds.expiration = "not a time";
  fake.set_credentials(creds);
  const std::vector<std::string> secrets = {creds.secret_access_key, creds.token, "envSecretValue",
                                            "authTokenValue"};
  std::vector<std::string> messages;
  // ECS: an unusable Expiration (the body around it holds secrets).
  vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "authTokenValue";
  Result<AwsIdentity> got = AwsCredentialChain(ecs_lookup(fake)).get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "Expiration 'not a time' is not an ISO 8601 time"))
      << got.error().message;
  messages.push_back(got.error().message);
  // IMDS: the same.
  vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  got = AwsCredentialChain(imds_lookup(fake)).get();
  ASSERT_FALSE(got.ok());
  messages.push_back(got.error().message);
  // The environment half set.
  vars["AWS_SECRET_ACCESS_KEY"] = "envSecretValue";
  got = AwsCredentialChain(lookup()).get();
  ASSERT_FALSE(got.ok());
  messages.push_back(got.error().message);
  for (const std::string& m : messages) {
    for (const std::string& secret : secrets) {
      EXPECT_FALSE(contains(m, secret)) << secret << " in: " << m;
    }
  }
}

// ---- Region and configured ----

TEST_F(AwsCredentialsTest, RegionRules) {
  EXPECT_EQ(find_aws_region(lookup()), "");
  write(".aws/config", "[default]\nregion = eu-west-1\n[profile tokyo]\nregion = ap-northeast-1\n");
  EXPECT_EQ(find_aws_region(lookup()), "eu-west-1");
  vars["AWS_PROFILE"] = "tokyo";
  EXPECT_EQ(find_aws_region(lookup()), "ap-northeast-1");
  vars["AWS_DEFAULT_REGION"] = "us-west-2";
  EXPECT_EQ(find_aws_region(lookup()), "us-west-2");
  vars["AWS_REGION"] = "us-east-2";
  EXPECT_EQ(find_aws_region(lookup()), "us-east-2");
  vars["AWS_REGION"] = "";  // empty counts as unset
  EXPECT_EQ(find_aws_region(lookup()), "us-west-2");
  vars.erase("AWS_DEFAULT_REGION");
  vars["AWS_PROFILE"] = "missing";
  EXPECT_EQ(find_aws_region(lookup()), "");
}

TEST_F(AwsCredentialsTest, CredentialsConfiguredWithoutNetwork) {
  EXPECT_FALSE(aws_credentials_configured(lookup()));
  write(".aws/config", "[default]\nregion = eu-west-1\n");
  EXPECT_FALSE(aws_credentials_configured(lookup())) << "a region alone is not credentials";

  vars["AWS_ACCESS_KEY_ID"] = "AKIAX";
  EXPECT_TRUE(aws_credentials_configured(lookup()));
  vars.erase("AWS_ACCESS_KEY_ID");

  vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = kEcsPath;
  EXPECT_TRUE(aws_credentials_configured(lookup()));
  vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:1/creds";
  EXPECT_TRUE(aws_credentials_configured(lookup()));
  vars.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");

  write(".aws/credentials", "[work]\naws_access_key_id = AKIAW\naws_secret_access_key = w\n");
  EXPECT_FALSE(aws_credentials_configured(lookup()));
  vars["AWS_PROFILE"] = "work";
  EXPECT_TRUE(aws_credentials_configured(lookup()));
  write(".aws/config", "[profile sso]\nsso_session = corp\n");
  vars["AWS_PROFILE"] = "sso";
  EXPECT_TRUE(aws_credentials_configured(lookup()));
  vars["AWS_PROFILE"] = "nowhere";
  EXPECT_FALSE(aws_credentials_configured(lookup()));

  // Instance metadata is never probed, even where it would answer.
  vars.erase("AWS_PROFILE");
  FakeAwsMetadataServer fake;
  ASSERT_TRUE(fake.start().ok());
  AwsLookup l = imds_lookup(fake);
  EXPECT_FALSE(aws_credentials_configured(l));
  EXPECT_TRUE(fake.requests().empty());
}

}  // namespace
}  // namespace askdb::llm
