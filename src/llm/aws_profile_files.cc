// The AWS shared files' INI dialect and where the files are (see aws_profile_files.h).
// Thread-safe: no state.
#include "llm/aws_profile_files.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "core/text.h"

namespace askdb::llm {
namespace {

// A variable's value, nullopt when unset or empty (the SDKs treat both alike).
std::optional<std::string> env_value(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

size_t indentation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

// The line without an inline comment: '#' or ';' after whitespace starts one.
std::string_view strip_inline_comment(std::string_view line) {
  for (size_t i = 1; i < line.size(); ++i) {
    if ((line[i] == '#' || line[i] == ';') && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::string unquote(std::string_view s) {
  if (s.size() >= 2 &&
      ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

// The profile a section header names, or nullopt when the section is not a profile.
std::optional<std::string> profile_of_section(std::string_view header, AwsSharedFileKind kind) {
  header = trim(header);
  if (header.empty()) return std::nullopt;
  if (kind == AwsSharedFileKind::kCredentials) return std::string(header);
  if (header == "default") return std::string("default");
  constexpr std::string_view kPrefix = "profile";
  if (header.size() > kPrefix.size() && header.starts_with(kPrefix) &&
      (header[kPrefix.size()] == ' ' || header[kPrefix.size()] == '\t')) {
    std::string name = unquote(trim(header.substr(kPrefix.size())));
    if (!name.empty()) return name;
  }
  return std::nullopt;
}

std::string error_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

}  // namespace

std::map<std::string, AwsProfileSettings> parse_aws_shared_file(std::string_view text,
                                                                AwsSharedFileKind kind) {
  std::map<std::string, AwsProfileSettings> profiles;
  AwsProfileSettings* section = nullptr;  // null: before the first section, or not a profile
  bool in_section = false;
  bool key_open = false;  // a key was seen in this section: deeper lines continue it
  size_t key_indent = 0;

  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(at, end - at);
    at = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

    const std::string_view stripped = trim(raw);
    if (stripped.empty() || stripped.front() == '#' || stripped.front() == ';') continue;
    const size_t indent = indentation(raw);
    // Deeper than the last key: a nested sub-section ("s3 =" then "  key = v") or a value
    // continued on the next line. Neither holds anything askdb reads.
    if (in_section && key_open && indent > key_indent) continue;

    const std::string_view line = trim(strip_inline_comment(stripped));
    if (line.front() == '[') {
      const size_t close = line.find(']');
      if (close == std::string_view::npos) continue;  // malformed header: ignored
      in_section = true;
      key_open = false;
      std::optional<std::string> name = profile_of_section(line.substr(1, close - 1), kind);
      section = name ? &profiles[*name] : nullptr;
      continue;
    }
    if (!in_section) continue;
    const size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) continue;
    key_open = true;
    key_indent = indent;
    if (section == nullptr) continue;
    std::string key = to_lower(trim(line.substr(0, sep)));
    (*section)[std::move(key)] = std::string(trim(line.substr(sep + 1)));
  }
  return profiles;
}

std::string AwsSharedFile::why_no_profile(const std::string& profile) const {
  if (!exists) return path + " does not exist";
  if (!problem.empty()) return path + " cannot be read (" + problem + ")";
  return path + " has no profile " + profile;
}

AwsSharedFile read_aws_shared_file(const std::string& path, AwsSharedFileKind kind) {
  AwsSharedFile file;
  file.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      file.exists = true;
      file.problem = error_text(errno);
    }
    return file;
  }
  file.exists = true;
  if (S_ISDIR(st.st_mode)) {
    file.problem = "it is a directory";
    return file;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    file.problem = error_text(errno != 0 ? errno : EACCES);
    return file;
  }
  std::ostringstream text;
  text << in.rdbuf();
  file.profiles = parse_aws_shared_file(text.str(), kind);
  return file;
}

std::optional<AwsProfileSettings> AwsSharedConfig::merged_profile() const {
  const auto in_config = config.profiles.find(profile);
  const auto in_credentials = credentials.profiles.find(profile);
  const bool has_config = in_config != config.profiles.end();
  const bool has_credentials = in_credentials != credentials.profiles.end();
  if (!has_config && !has_credentials) return std::nullopt;
  AwsProfileSettings merged;
  if (has_config) merged = in_config->second;
  if (has_credentials) {
    for (const auto& [key, value] : in_credentials->second) merged[key] = value;
  }
  return merged;
}

std::string aws_home_directory(const EnvLookup& env, const std::string& home) {
  if (!home.empty()) return home;
  if (std::optional<std::string> h = env_value(env, "HOME")) return *h;
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr) {
    return found->pw_dir;
  }
  return "";
}

AwsSharedConfig load_aws_shared_config(const EnvLookup& env, const std::string& home) {
  AwsSharedConfig out;
  if (std::optional<std::string> p = env_value(env, "AWS_PROFILE")) {
    out.profile = *p;
    out.profile_variable = "AWS_PROFILE";
  } else if (std::optional<std::string> d = env_value(env, "AWS_DEFAULT_PROFILE")) {
    out.profile = *d;
    out.profile_variable = "AWS_DEFAULT_PROFILE";
  }
  const std::string dir = aws_home_directory(env, home);
  auto path_of = [&](const char* variable, const char* name) {
    std::string path = env_value(env, variable).value_or("");
    if (path.empty()) return (dir.empty() ? std::string("~") : dir) + "/.aws/" + name;
    if (path == "~" || path.starts_with("~/")) path = dir + path.substr(1);
    return path;
  };
  out.credentials = read_aws_shared_file(path_of("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                                         AwsSharedFileKind::kCredentials);
  out.config =
      read_aws_shared_file(path_of("AWS_CONFIG_FILE", "config"), AwsSharedFileKind::kConfig);
  return out;
}

}  // namespace askdb::llm
