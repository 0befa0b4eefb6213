// The AWS credential chain, its cache and its messages (see aws_credentials.h). The shared
// files' format lives in aws_profile_files.cc, the metadata exchanges in aws_metadata.cc.
// Thread-safety: AwsCredentialChain guards its cache with a mutex and serialises fetches with
// a second one; the free functions keep no state.
#include "llm/aws_credentials.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "core/text.h"
#include "llm/aws_metadata.h"
#include "llm/aws_profile_files.h"
#include "llm/http_client.h"

namespace askdb::llm {
namespace {

using Clock = std::chrono::system_clock;

// How long EC2 instance metadata that was not there is not asked again.
constexpr auto kInstanceMetadataRetryAfter = std::chrono::seconds(60);
// After a failed refresh, while the cached credentials still work, how long they are used
// before the next try (so a broken endpoint does not slow every question with retries).
constexpr auto kRefreshRetryAfter = std::chrono::seconds(30);

constexpr const char* kAdvice =
    "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an ECS task "
    "role or an EC2 instance profile; or choose another provider with ASKDB_LLM_PROVIDER.";

std::optional<std::string> env_value(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// What one long-term source gave: credentials, an error that stops the chain, or the reason it
// has nothing (for the final message).
struct SourceResult {
  std::optional<AwsIdentity> identity;
  std::optional<Error> error;
  std::string reason;
};

SourceResult from_environment(const EnvLookup& env) {
  SourceResult out;
  std::optional<std::string> id = env_value(env, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = env_value(env, "AWS_SECRET_ACCESS_KEY");
  if (id && secret) {
    AwsIdentity identity;
    identity.credentials.access_key_id = *id;
    identity.credentials.secret_access_key = *secret;
    identity.credentials.session_token =
        env_value(env, "AWS_SESSION_TOKEN")
            .value_or(env_value(env, "AWS_SECURITY_TOKEN").value_or(""));
    identity.source = "environment";
    out.identity = std::move(identity);
  } else if (id || secret) {
    const char* set = id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY";
    const char* missing = id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    out.error = Error{ErrorCode::kConfig,
                      std::string(set) + " is set but " + missing +
                          " is not: AWS credentials in the environment need both (and "
                          "AWS_SESSION_TOKEN for temporary ones). Set " +
                          missing + ", or unset " + set +
                          " to use a profile, an ECS task role or an EC2 instance profile."};
  } else {
    out.reason = "AWS_ACCESS_KEY_ID is not set";
  }
  return out;
}

// "/root/.aws/credentials" or "/root/.aws/credentials and /root/.aws/config": the files that
// hold the profile.
std::string files_with_profile(const AwsSharedConfig& shared) {
  std::vector<std::string> files;
  if (shared.credentials.profiles.count(shared.profile) != 0) {
    files.push_back(shared.credentials.path);
  }
  if (shared.config.profiles.count(shared.profile) != 0) files.push_back(shared.config.path);
  return files.size() == 2 ? files[0] + " and " + files[1] : files.empty() ? "" : files[0];
}

// A profile setting askdb cannot act on (it would have to run something or call STS), named for
// the message; nullptr when there is none.
const char* unsupported_setting(const AwsProfileSettings& profile, bool has_keys) {
  if (profile.count("role_arn") != 0) return "role_arn (it assumes an IAM role)";
  if (profile.count("web_identity_token_file") != 0) {
    return "web_identity_token_file (it assumes a role with a web identity token)";
  }
  for (const auto& [key, value] : profile) {
    if (key.starts_with("sso_")) return "IAM Identity Center (its sso_* settings)";
  }
  if (!has_keys && profile.count("credential_process") != 0) {
    return "credential_process (it runs a program)";
  }
  return nullptr;
}

SourceResult from_shared_files(const AwsSharedConfig& shared) {
  SourceResult out;
  const std::string& name = shared.profile;
  std::optional<AwsProfileSettings> profile = shared.merged_profile();
  if (!profile) {
    const std::string why =
        shared.credentials.why_no_profile(name) + ", " + shared.config.why_no_profile(name);
    if (shared.profile_variable.empty()) {
      out.reason = why;
      return out;
    }
    out.error = Error{
        ErrorCode::kConfig,
        shared.profile_variable + " names the AWS profile '" + name + "', which is in neither " +
            shared.credentials.path + " nor " + shared.config.path + " (" + why +
            "). Check the name (aws configure list-profiles), point AWS_SHARED_CREDENTIALS_FILE "
            "or AWS_CONFIG_FILE at the files that have it, or unset " +
            shared.profile_variable + "."};
    return out;
  }
  const std::string where = "profile " + name + " (" + files_with_profile(shared) + ")";
  auto setting = [&profile](const char* key) -> std::string {
    auto it = profile->find(key);
    return it == profile->end() ? "" : std::string(trim(it->second));
  };
  const std::string id = setting("aws_access_key_id");
  const std::string secret = setting("aws_secret_access_key");

  if (const char* how = unsupported_setting(*profile, !id.empty() && !secret.empty())) {
    std::string message = "the AWS " + where + " gets its credentials through " + how +
                          ", which askdb does not do: it reads keys only. Export temporary "
                          "keys for it first: eval \"$(aws configure export-credentials "
                          "--profile " +
                          name +
                          " --format env)\" (again when they expire), or run askdb where an ECS "
                          "task role or an EC2 instance profile provides credentials";
    message += shared.profile_variable.empty() ? ", without this profile."
                                               : ", with " + shared.profile_variable + " unset.";
    out.error = Error{ErrorCode::kConfig, std::move(message)};
    return out;
  }
  if (!id.empty() && !secret.empty()) {
    AwsIdentity identity;
    identity.credentials.access_key_id = id;
    identity.credentials.secret_access_key = secret;
    identity.credentials.session_token = setting("aws_session_token");
    if (identity.credentials.session_token.empty()) {
      identity.credentials.session_token = setting("aws_security_token");
    }
    // The file the keys came from: the credentials file's win.
    const auto in_credentials = shared.credentials.profiles.find(name);
    const bool from_credentials_file = in_credentials != shared.credentials.profiles.end() &&
                                       in_credentials->second.count("aws_access_key_id") != 0;
    identity.source = "profile " + name + " (" +
                      (from_credentials_file ? shared.credentials.path : shared.config.path) + ")";
    out.identity = std::move(identity);
    return out;
  }
  if (!id.empty() || !secret.empty()) {
    const char* has = id.empty() ? "aws_secret_access_key" : "aws_access_key_id";
    const char* lacks = id.empty() ? "aws_access_key_id" : "aws_secret_access_key";
    out.error = Error{ErrorCode::kConfig, "the AWS " + where + " has " + has + " but no " + lacks +
                                              ": add it (aws configure --profile " + name +
                                              "), or remove the profile's keys."};
    return out;
  }
  out.reason = where + " has no aws_access_key_id";
  return out;
}

}  // namespace

struct AwsCredentialChain::State {
  explicit State(AwsLookup l) : lookup(std::move(l)) {}

  Clock::time_point now() const { return lookup.clock ? lookup.clock() : Clock::now(); }
  bool fresh(const AwsIdentity& identity) const {
    return identity.expires && now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(lookup.refresh_before_s)) <
                                   *identity.expires;
  }
  bool valid(const AwsIdentity& identity) const {
    return identity.expires && now() < *identity.expires;
  }
  // The cached credentials when they satisfy `good`.
  template <class Pred>
  std::optional<AwsIdentity> cached_if(Pred good) {
    std::lock_guard lock(mu);
    if (cached && good(*cached)) return cached;
    return std::nullopt;
  }
  // After a failed refresh: the cached credentials while they still work (and no new try
  // for kRefreshRetryAfter).
  std::optional<AwsIdentity> still_valid(const std::string& why) {
    std::lock_guard lock(mu);
    if (!cached || !valid(*cached)) return std::nullopt;
    refresh_retry_after = now() + kRefreshRetryAfter;
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(*cached->expires - now());
    spdlog::warn(
        "could not refresh the AWS credentials ({}); using those from {}, which expire in {} s, "
        "and trying again in {} s",
        why, cached->source, left.count(), kRefreshRetryAfter.count());
    return cached;
  }
  // Fresh credentials, or ones that still work while a failed refresh waits to be retried.
  bool usable(const AwsIdentity& identity) const {
    return fresh(identity) || (valid(identity) && now() < refresh_retry_after);
  }
  void store(const AwsIdentity& identity) {
    // REQUIRES: mu held.
    cached = identity;
    refresh_retry_after = {};
  }

  Result<AwsIdentity> temporary(const std::string& environment_reason,
                                const std::string& files_reason);

  const AwsLookup lookup;
  HttpClient http;                    // the metadata requests; its thread starts with the first
  std::mutex refresh_mu;              // one fetch from ECS / EC2 at a time
  std::mutex mu;                      // guards the members below
  std::optional<AwsIdentity> cached;  // the last temporary credentials fetched
  Clock::time_point refresh_retry_after{};            // a refresh failed: no new try before this
  Clock::time_point instance_metadata_retry_after{};  // before this, EC2 metadata is not asked
  std::string instance_metadata_absent;               // why, when it was last asked
};

Result<AwsIdentity> AwsCredentialChain::State::temporary(const std::string& environment_reason,
                                                         const std::string& files_reason) {
  if (auto c = cached_if([this](const AwsIdentity& id) { return usable(id); })) return *c;
  std::unique_lock refresh(refresh_mu, std::try_to_lock);
  if (!refresh.owns_lock()) {
    // Another thread is fetching: keep signing with what still works, else wait for it.
    if (auto c = cached_if([this](const AwsIdentity& id) { return valid(id); })) return *c;
    refresh.lock();
    if (auto c = cached_if([this](const AwsIdentity& id) { return usable(id); })) return *c;
  }

  const EnvLookup& env = lookup.env;
  if (aws_container_credentials_configured(env)) {
    AwsFetch fetch =
        fetch_container_credentials(http, env, lookup.ecs_endpoint, lookup.metadata_timeout_s);
    if (fetch.outcome == AwsFetchOutcome::kGot) {
      std::lock_guard lock(mu);
      store(fetch.identity);
      return fetch.identity;
    }
    if (auto old = still_valid(fetch.error.message)) return *old;
    const bool ecs = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").has_value();
    const std::string what = ecs ? "the ECS task role's AWS credentials"
                                 : "AWS credentials from the container credentials endpoint";
    if (fetch.error.code == ErrorCode::kConfig) {
      return Error{ErrorCode::kConfig, what + " cannot be fetched: " + fetch.error.message + "."};
    }
    return Error{fetch.error.code,
                 "could not get " + what + " for Bedrock: " + fetch.error.message + ". " +
                     (ecs ? "Check that the task definition has a task role (taskRoleArn) and "
                            "that the container can reach the ECS agent; or set "
                          : "Check the endpoint and its authorization token; or set ") +
                     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose another provider "
                     "with ASKDB_LLM_PROVIDER."};
  }

  std::string instance_reason;
  bool known_absent = false;
  {
    std::lock_guard lock(mu);
    if (now() < instance_metadata_retry_after) {
      known_absent = true;
      instance_reason = instance_metadata_absent;
    }
  }
  if (!known_absent) {
    AwsFetch fetch = fetch_instance_credentials(http, env, lookup.metadata_timeout_s);
    std::lock_guard lock(mu);
    if (fetch.outcome == AwsFetchOutcome::kGot) {
      instance_metadata_retry_after = {};
      store(fetch.identity);
      return fetch.identity;
    }
    instance_reason = fetch.error.message;
    if (fetch.outcome == AwsFetchOutcome::kUnavailable) {
      instance_metadata_retry_after = now() + kInstanceMetadataRetryAfter;
      instance_metadata_absent = instance_reason;
    }
  }
  if (auto old = still_valid(instance_reason)) return *old;
  return Error{ErrorCode::kLlm,
               "no AWS credentials found for Bedrock: environment: " + environment_reason +
                   "; shared files: " + files_reason +
                   "; ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                   "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set; EC2 instance metadata: " +
                   instance_reason + ". " + kAdvice};
}

AwsCredentialChain::AwsCredentialChain(AwsLookup lookup)
    : state_(std::make_unique<State>(std::move(lookup))) {}

AwsCredentialChain::~AwsCredentialChain() = default;

Result<AwsIdentity> AwsCredentialChain::get() {
  const EnvLookup& env = state_->lookup.env;
  SourceResult environment = from_environment(env);
  if (environment.error) return *environment.error;
  if (environment.identity) return *environment.identity;

  const AwsSharedConfig shared = load_aws_shared_config(env, state_->lookup.home);
  SourceResult files = from_shared_files(shared);
  if (files.error) return *files.error;
  if (files.identity) return *files.identity;

  return state_->temporary(environment.reason, files.reason);
}

std::string find_aws_region(const AwsLookup& lookup) {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> v = env_value(lookup.env, name)) {
      const std::string region(trim(*v));
      if (!region.empty()) return region;
    }
  }
  const AwsSharedConfig shared = load_aws_shared_config(lookup.env, lookup.home);
  if (std::optional<AwsProfileSettings> profile = shared.merged_profile()) {
    auto it = profile->find("region");
    if (it != profile->end()) return std::string(trim(it->second));
  }
  return "";
}

bool aws_credentials_configured(const AwsLookup& lookup) {
  const EnvLookup& env = lookup.env;
  // One key alone counts: get() then says which one is missing, rather than askdb quietly
  // choosing another provider.
  if (env_value(env, "AWS_ACCESS_KEY_ID") || env_value(env, "AWS_SECRET_ACCESS_KEY")) return true;
  if (aws_container_credentials_configured(env)) return true;
  const AwsSharedConfig shared = load_aws_shared_config(env, lookup.home);
  std::optional<AwsProfileSettings> profile = shared.merged_profile();
  if (!profile) return false;
  for (const auto& [key, value] : *profile) {
    if (key == "aws_access_key_id" || key == "aws_secret_access_key" || key == "role_arn" ||
        key == "credential_process" || key == "web_identity_token_file" ||
        key.starts_with("sso_")) {
      return true;
    }
  }
  return false;
}

}  // namespace askdb::llm
