// Tests of the AWS shared files' INI dialect and how the files and the profile are found
// (llm/aws_profile_files.h). Files live in a temporary folder; the environment is a map.
#include "llm/aws_profile_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "support/temp_home.h"

namespace askdb::llm {
namespace {

using Profiles = std::map<std::string, AwsProfileSettings>;

EnvLookup map_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

TEST(AwsProfileFilesTest, CredentialsFileSectionsAreProfileNames) {
  const Profiles p = parse_aws_shared_file(
      "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n"
      "[work]\naws_access_key_id=AKIAWORK\n[profile odd]\nregion = eu-west-1\n",
      AwsSharedFileKind::kCredentials);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.at("default").at("aws_access_key_id"), "AKIADEFAULT");
  EXPECT_EQ(p.at("default").at("aws_secret_access_key"), "s1");
  EXPECT_EQ(p.at("work").at("aws_access_key_id"), "AKIAWORK");
  // The credentials file takes section names as they are, as the CLI does.
  EXPECT_EQ(p.at("profile odd").at("region"), "eu-west-1");
}

TEST(AwsProfileFilesTest, ConfigFileUsesProfilePrefixAndDefault) {
  const Profiles p = parse_aws_shared_file(
      "[default]\nregion = us-east-1\n"
      "[profile work]\nregion = eu-central-1\n"
      "[profile   \"my team\"  ]\nregion = ap-south-1\n"
      "[work]\nregion = WRONG\n"
      "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n"
      "[services dev]\ns3 =\n  endpoint_url = http://localhost:4566\n"
      "[profilex]\nregion = WRONG\n",
      AwsSharedFileKind::kConfig);
  ASSERT_EQ(p.size(), 3u) << "only [default] and [profile NAME] are profiles";
  EXPECT_EQ(p.at("default").at("region"), "us-east-1");
  EXPECT_EQ(p.at("work").at("region"), "eu-central-1");
  EXPECT_EQ(p.at("my team").at("region"), "ap-south-1");
}

TEST(AwsProfileFilesTest, CommentsWhitespaceCaseAndLineEndings) {
  const Profiles p = parse_aws_shared_file(
      "# a comment before anything\r\n"
      "stray = ignored before the first section\r\n"
      "; another comment\r\n"
      "  [default]   # the default profile\r\n"
      "\r\n"
      "AWS_Access_Key_ID\t=\tAKIAMIXEDCASE   \r\n"
      "  # an indented comment\r\n"
      "aws_secret_access_key=secret/with+slash=   ; inline comment\r\n"
      "region: eu-north-1\r\n"
      "not a key line\r\n"
      "output = json#not-a-comment\r\n",
      AwsSharedFileKind::kCredentials);
  ASSERT_EQ(p.count("default"), 1u);
  const AwsProfileSettings& d = p.at("default");
  EXPECT_EQ(d.at("aws_access_key_id"), "AKIAMIXEDCASE");
  EXPECT_EQ(d.at("aws_secret_access_key"), "secret/with+slash=");
  EXPECT_EQ(d.at("region"), "eu-north-1");
  EXPECT_EQ(d.at("output"), "json#not-a-comment") << "'#' starts a comment only after whitespace";
  EXPECT_EQ(d.count("stray"), 0u);
}

TEST(AwsProfileFilesTest, NestedSubSectionsAreSkipped) {
  const Profiles p = parse_aws_shared_file(
      "[profile dev]\n"
      "s3 =\n"
      "    max_concurrent_requests = 20\n"
      "    aws_access_key_id = NESTED-NOT-A-KEY\n"
      "aws_access_key_id = AKIATOPLEVEL\n"
      "  indented_but_first = counts\n",
      AwsSharedFileKind::kConfig);
  const AwsProfileSettings& dev = p.at("dev");
  EXPECT_EQ(dev.at("aws_access_key_id"), "AKIATOPLEVEL");
  EXPECT_EQ(dev.at("s3"), "");
  EXPECT_EQ(dev.count("max_concurrent_requests"), 0u);
  // Deeper than the key before it: a continuation, skipped like the sub-section.
  EXPECT_EQ(dev.count("indented_but_first"), 0u);

  const Profiles q = parse_aws_shared_file(
      "[default]\n  aws_access_key_id = AKIAINDENTED\n  aws_secret_access_key = s\n",
      AwsSharedFileKind::kCredentials);
  EXPECT_EQ(q.at("default").at("aws_access_key_id"), "AKIAINDENTED");
  EXPECT_EQ(q.at("default").at("aws_secret_access_key"), "s") << "same indentation: a new key";
}

TEST(AwsProfileFilesTest, RepeatedSectionsMergeLaterKeysWin) {
  const Profiles p = parse_aws_shared_file(
      "[default]\nregion = us-east-1\noutput = json\n[profile default]\nregion = us-west-2\n",
      AwsSharedFileKind::kConfig);
  EXPECT_EQ(p.at("default").at("region"), "us-west-2");
  EXPECT_EQ(p.at("default").at("output"), "json");
}

TEST(AwsProfileFilesTest, FindsFilesAndProfile) {
  testing::TempHome home("askdb-aws-files");
  write_file(home.path() + "/.aws/credentials", "[work]\naws_access_key_id = AKIAWORK\n");
  write_file(home.path() + "/.aws/config", "[profile work]\nregion = eu-west-3\n");

  AwsSharedConfig shared = load_aws_shared_config(map_env({}), home.path());
  EXPECT_EQ(shared.profile, "default");
  EXPECT_EQ(shared.profile_variable, "");
  EXPECT_EQ(shared.credentials.path, home.path() + "/.aws/credentials");
  EXPECT_TRUE(shared.credentials.exists);
  EXPECT_FALSE(shared.merged_profile());
  EXPECT_EQ(shared.credentials.why_no_profile("default"),
            home.path() + "/.aws/credentials has no profile default");

  shared = load_aws_shared_config(map_env({{"AWS_DEFAULT_PROFILE", "work"}}), home.path());
  EXPECT_EQ(shared.profile, "work");
  EXPECT_EQ(shared.profile_variable, "AWS_DEFAULT_PROFILE");
  ASSERT_TRUE(shared.merged_profile());
  EXPECT_EQ(shared.merged_profile()->at("aws_access_key_id"), "AKIAWORK");
  EXPECT_EQ(shared.merged_profile()->at("region"), "eu-west-3");

  shared = load_aws_shared_config(
      map_env({{"AWS_PROFILE", "work"}, {"AWS_DEFAULT_PROFILE", "other"}}), home.path());
  EXPECT_EQ(shared.profile, "work");
  EXPECT_EQ(shared.profile_variable, "AWS_PROFILE");

  // $HOME from the environment when no home is given; "~/" expanded in the file variables.
  shared = load_aws_shared_config(
      map_env({{"HOME", home.path()}, {"AWS_CONFIG_FILE", "~/elsewhere/config"}}), "");
  EXPECT_EQ(shared.credentials.path, home.path() + "/.aws/credentials");
  EXPECT_EQ(shared.config.path, home.path() + "/elsewhere/config");
  EXPECT_FALSE(shared.config.exists);
  EXPECT_EQ(shared.config.why_no_profile("x"), home.path() + "/elsewhere/config does not exist");
}

TEST(AwsProfileFilesTest, UnreadableFileIsDescribed) {
  testing::TempHome home("askdb-aws-files");
  std::filesystem::create_directories(home.path() + "/.aws/credentials");  // a directory
  const AwsSharedFile file =
      read_aws_shared_file(home.path() + "/.aws/credentials", AwsSharedFileKind::kCredentials);
  EXPECT_TRUE(file.exists);
  EXPECT_EQ(file.why_no_profile("default"),
            home.path() + "/.aws/credentials cannot be read (it is a directory)");
}

}  // namespace
}  // namespace askdb::llm
