// FakeAwsMetadataServer: the two credential endpoints an AWS workload is given, on 127.0.0.1,
// for tests of the AWS credential chain that must never reach 169.254.x.
//
// It serves, over real HTTP/1.1 (Boost.Beast):
//   - the ECS container credentials endpoint: GET `ecs_path` (what
//     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI names) answers the credentials JSON ECS sends
//     ({"RoleArn","AccessKeyId","SecretAccessKey","Token","Expiration"}); when
//     `ecs_authorization` is set the Authorization header must equal it, else 401;
//   - EC2 instance metadata, IMDSv2 as the real service behaves: PUT /latest/api/token with
//     X-aws-ec2-metadata-token-ttl-seconds (1–21600, else 400) returns a session token;
//     every GET under /latest/meta-data/ must carry it in X-aws-ec2-metadata-token, else 401
//     (unless `imds_v1_allowed`); GET /latest/meta-data/iam/security-credentials/ lists the
//     role (404 when `role` is empty); GET …/security-credentials/ROLE its credentials, with
//     "Code":"Success".
// Credentials and their expiry are configurable at any time; faults can be injected into the
// next credential replies; every request is logged.
//
// Runs on its own thread; every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace askdb::test {

struct FakeAwsCredentials {
  std::string access_key_id = "ASIAFAKEFAKEFAKE0001";
  std::string secret_access_key = "fakeSecretKeyDoNotPrint0000000000000001";
  std::string token = "fakeSessionTokenDoNotPrint0001";
  std::string expiration;  // ISO 8601 as sent; empty: six hours from now
};

struct FakeAwsMetadataOptions {
  std::string ecs_path = "/v2/credentials/0b9c4c7e-fake-task";
  std::string ecs_authorization;    // required Authorization value; empty: none required
  std::string role = "askdb-role";  // the instance's role; empty: none attached (404)
  bool imds_v1_allowed = false;     // answer metadata GETs that carry no token
  // Not 200: PUT /latest/api/token answers this status (405: an IMDSv1-only endpoint or a
  // proxy that drops PUT), with no token.
  int imds_token_status = 200;
};

// What can go wrong with a credential reply (ECS, or IMDS's …/security-credentials/ROLE).
enum class FakeAwsFault {
  kStatus500,  // HTTP 500 with a small JSON body
  kClose,      // the connection closed without a reply
  kNotJson,    // 200 with a body that is not JSON
};

struct FakeAwsRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased

  std::string header(const std::string& name) const;  // "" when absent
};

class FakeAwsMetadataServer {
 public:
  explicit FakeAwsMetadataServer(FakeAwsMetadataOptions options = {});
  ~FakeAwsMetadataServer();  // stops the server
  FakeAwsMetadataServer(const FakeAwsMetadataServer&) = delete;
  FakeAwsMetadataServer& operator=(const FakeAwsMetadataServer&) = delete;

  // Listens on 127.0.0.1, an ephemeral port, and serves on a background thread.
  Status start();
  void stop();  // idempotent

  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  void set_credentials(FakeAwsCredentials credentials);
  // The next `count` credential replies fail with `fault` (after those, they succeed again).
  void fail_next(FakeAwsFault fault, int count = 1);
  // Every reply waits this long first (0: none).
  void set_delay_ms(int ms);

  std::vector<FakeAwsRequest> requests() const;  // in arrival order
  // Credential replies sent successfully so far (ECS and IMDS together).
  int credentials_served() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace askdb::test
