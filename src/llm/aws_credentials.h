// AWS credentials and region, found the way the AWS SDKs find them, with no SDK.
//
// The chain, in order (the first source that has credentials wins):
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE, profile AWS_PROFILE or "default"; "[profile x]" sections in config);
//   3. the ECS task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (from 169.254.170.2) or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE sent as the Authorization header;
//   4. EC2 instance metadata, IMDSv2: PUT /latest/api/token first, then the role's credentials
//      (AWS_EC2_METADATA_DISABLED=true skips it; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it).
// Temporary credentials (ECS, EC2) are cached and fetched again `refresh_before_s` before
// they expire, so signing never uses expired ones.
//
// Region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region` in the config file.
//
// Thread-safety: AwsCredentialChain::get() may be called from several threads at once; one
// refresh runs at a time, the others wait for it (or use the still-valid cached credentials).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "llm/sigv4.h"

namespace askdb::llm {

// Credentials and where they came from.
struct AwsIdentity {
  AwsCredentials credentials;
  std::string source;  // "environment", "profile default (/root/.aws/credentials)", "ECS task
                       // role", "EC2 instance profile askdb-role"
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expires;
};

struct AwsLookup {
  EnvLookup env = process_env();
  std::string home;                // for ~/.aws; empty: $HOME
  double metadata_timeout_s = 1;   // per request to the ECS / EC2 endpoints
  double refresh_before_s = 300;   // fetch temporary credentials again this long before expiry
};

class AwsCredentialChain {
 public:
  explicit AwsCredentialChain(AwsLookup lookup);
  ~AwsCredentialChain();

  // Current credentials, fetched or refreshed when needed. Error{kLlm} when no source has
  // any: the message lists every place looked and why each gave nothing, and what to set.
  Result<AwsIdentity> get();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The region per the rules above; "" when none is set anywhere.
std::string find_aws_region(const AwsLookup& lookup);

// Whether credentials look present without any network request: the environment keys, a
// profile with keys (or role/SSO settings) in the shared files, or the ECS variables. Used to
// make Bedrock the default provider. EC2 instance metadata is not probed.
bool aws_credentials_configured(const AwsLookup& lookup);

}  // namespace askdb::llm
