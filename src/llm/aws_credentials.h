// AWS credentials and region, found the way the AWS SDKs find them, with no SDK.
//
// The chain, in order (the first source that has credentials wins):
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE, profile AWS_PROFILE, AWS_DEFAULT_PROFILE or "default"; "[profile x]"
//      sections in config; the INI dialect in aws_profile_files.h);
//   3. the ECS task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (from 169.254.170.2) or
//      AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE sent as the Authorization header;
//   4. EC2 instance metadata, IMDSv2: PUT /latest/api/token first, then the role's credentials
//      (AWS_EC2_METADATA_DISABLED=true skips it; AWS_EC2_METADATA_SERVICE_ENDPOINT moves it).
//      The exchanges of 3 and 4 are in aws_metadata.h.
// A source that is set up but unusable stops the chain with an error rather than silently
// yielding to the next one: only one of the two environment keys; AWS_PROFILE naming a profile
// neither file has; a profile that gets its credentials by assuming a role, through SSO, a web
// identity token or credential_process (askdb runs none of those; the error says how to export
// keys instead); an ECS endpoint that fails.
// Temporary credentials (ECS, EC2) are cached and fetched again `refresh_before_s` before
// they expire, so signing never uses expired ones; when that refresh fails, the cached ones are
// used until they do expire (with a new try every 30 s). The environment and the shared files
// are read again on every get() (no network, two small files): keys rotated in
// ~/.aws/credentials (aws configure, tools that write session tokens there) are used without a
// restart, where the SDKs would keep the first ones. When EC2 instance metadata cannot be
// reached (not on EC2) or the instance has no role, it is not asked again for a minute, so a
// missing-credentials error costs no timeout per question.
//
// Region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region` in the config file
// (or in the credentials file, which botocore honours too and which wins, as for keys).
//
// Thread-safety: AwsCredentialChain::get() may be called from several threads at once; one
// refresh runs at a time, the others wait for it (or use the still-valid cached credentials).
#pragma once

#include <chrono>
#include <functional>
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
  // Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is fetched from; tests point it at a fake.
  std::string ecs_endpoint = "http://169.254.170.2";
  // The current time; empty: the system clock. Tests pass their own to step past expiries.
  std::function<std::chrono::system_clock::time_point()> clock;
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
