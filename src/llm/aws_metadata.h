// Temporary AWS credentials from the metadata endpoints a task or an instance is given: the ECS
// container credentials endpoint and EC2's instance metadata service (IMDSv2). The pieces of
// AwsCredentialChain (aws_credentials.h) that talk HTTP, kept apart so each exchange reads on
// its own.
//
// Each fetch makes blocking requests through the given HttpClient (one at a time, a timeout
// of `timeout_s` each) and says what it found: credentials, "this source has nothing here"
// (not configured, not on EC2, no role attached), or a failure. Reply bodies that may hold
// secrets are never quoted in a message.
//
// Thread-safe: plain functions; HttpClient may be shared between threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/result.h"
#include "llm/aws_credentials.h"
#include "llm/http_client.h"

namespace askdb::llm {

enum class AwsFetchOutcome {
  kGot,          // identity holds credentials
  kUnavailable,  // the source has nothing here; error.message says why
  kFailed,       // the source is there but failed (or is misconfigured); error says how
};

struct AwsFetch {
  AwsFetchOutcome outcome = AwsFetchOutcome::kUnavailable;
  AwsIdentity identity;  // kGot
  // kUnavailable, kFailed: a fragment for a longer message, without advice ("not reachable at
  // http://169.254.169.254 (…)", "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or …"),
  // and the code the whole error should carry (kConfig for a setting askdb cannot use).
  Error error;
};

// Whether AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI is set.
bool aws_container_credentials_configured(const EnvLookup& env);

// Whether AWS_CONTAINER_CREDENTIALS_FULL_URI may be fetched, as the AWS SDKs decide: any https
// URL; plain http only to a loopback host (127.0.0.0/8, ::1, localhost) or to the ECS and EKS
// agents (169.254.170.2, 169.254.170.23, fd00:ec2::23). When not, `why` says so.
bool aws_container_url_allowed(const std::string& url, std::string& why);

// The ECS (or EKS Pod Identity) credentials: GET `ecs_endpoint` + the relative URI, else the
// full URI, with the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read now)
// or AWS_CONTAINER_AUTHORIZATION_TOKEN. Tries three times on connection failures and 5xx.
// kUnavailable only when neither variable is set.
AwsFetch fetch_container_credentials(const HttpClient& http, const EnvLookup& env,
                                     const std::string& ecs_endpoint, double timeout_s);

// The EC2 instance profile's credentials through IMDSv2 (a PUT for a session token, then the
// role's name, then its credentials), falling back to IMDSv1 where the token request is
// refused with 403/404/405, as the SDKs do, unless AWS_EC2_METADATA_V1_DISABLED=true.
// kUnavailable when AWS_EC2_METADATA_DISABLED=true, when the endpoint cannot be reached (not on
// EC2) and when the instance has no role.
AwsFetch fetch_instance_credentials(const HttpClient& http, const EnvLookup& env, double timeout_s);

// The instance metadata endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, else
// http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv6, else
// http://169.254.169.254; without a trailing '/'.
std::string aws_instance_metadata_endpoint(const EnvLookup& env);

// An ISO 8601 / RFC 3339 time as the metadata endpoints write it: "2026-11-24T18:00:00Z",
// with optional fractional seconds and a "Z", "+00:00" or "+0000"-style offset.
std::optional<std::chrono::system_clock::time_point> parse_aws_timestamp(std::string_view text);

}  // namespace askdb::llm
