// The AWS shared files, ~/.aws/credentials and ~/.aws/config: where they are, which profile is
// meant, and that profile's settings, read the way the AWS CLI and SDKs read them.
//
// The INI dialect: "[section]" headers; "key = value" lines (':' also separates); full-line
// comments starting with '#' or ';', and inline ones where '#' or ';' follows whitespace; key
// names are case-insensitive (stored lower-cased), values trimmed. Lines indented under a key
// ("s3 =" then "  max_concurrent_requests = 10") are a nested sub-section or a continued value,
// both of which askdb skips. In the credentials file a profile's section is "[NAME]"; in the
// config file it is "[profile NAME]" (NAME may be quoted), or "[default]"; other config
// sections ("[sso-session x]", "[services x]") are not profiles. A section that appears twice
// is merged, later keys winning. Lines before the first section and lines that are neither a
// header nor a key are ignored, not errors.
//
// Pure functions over plain values, except that read_aws_shared_file and
// load_aws_shared_config read files. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace askdb::llm {

// One profile's settings: lower-cased key → value.
using AwsProfileSettings = std::map<std::string, std::string>;

enum class AwsSharedFileKind { kCredentials, kConfig };

// The profiles in a shared file's text, by name.
std::map<std::string, AwsProfileSettings> parse_aws_shared_file(std::string_view text,
                                                                AwsSharedFileKind kind);

// One shared file as found on disk.
struct AwsSharedFile {
  std::string path;
  bool exists = false;
  std::string problem;  // set when it exists but cannot be read: "permission denied"
  std::map<std::string, AwsProfileSettings> profiles;

  // "/root/.aws/credentials does not exist", "... cannot be read (permission denied)", or
  // "/root/.aws/config has no profile NAME".
  std::string why_no_profile(const std::string& profile) const;
};

// Reads and parses `path`; a missing or unreadable file is described, not an error.
AwsSharedFile read_aws_shared_file(const std::string& path, AwsSharedFileKind kind);

// Both shared files and the profile the environment selects.
struct AwsSharedConfig {
  std::string profile = "default";  // AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default"
  std::string profile_variable;     // "AWS_PROFILE" / "AWS_DEFAULT_PROFILE"; "" for the default
  AwsSharedFile credentials;        // AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
  AwsSharedFile config;             // AWS_CONFIG_FILE or ~/.aws/config

  // The selected profile, config file settings overridden key by key by the credentials
  // file's (as botocore merges them); nullopt when neither file has it.
  std::optional<AwsProfileSettings> merged_profile() const;
};

// Finds and reads both files. `home` replaces $HOME when not empty; a leading "~/" in the
// AWS_*_FILE variables is expanded too.
AwsSharedConfig load_aws_shared_config(const EnvLookup& env, const std::string& home);

// The home directory: `home` when set, else $HOME from `env`, else the account's entry in the
// password database; "" when none is known.
std::string aws_home_directory(const EnvLookup& env, const std::string& home);

}  // namespace askdb::llm
