#include "config/paths.h"

#include <unistd.h>

#include <filesystem>
#include <vector>

namespace askdb {

namespace fs = std::filesystem;

Result<std::string> find_data_dir(const std::string& name, const std::string& configured,
                                  const std::string& setting) {
  std::error_code ec;
  if (!configured.empty()) {
    if (fs::is_directory(configured, ec)) return configured;
    return make_error(ErrorCode::kConfig, setting + " = \"" + configured +
                                              "\" is not a folder; point it at askdb's " + name +
                                              "/ folder.");
  }
  std::vector<fs::path> candidates;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share" / "askdb" / name);
    candidates.push_back(exe.parent_path() / name);
  }
  candidates.push_back(fs::path(ASKDB_SOURCE_DIR) / name);
  std::string looked;
  for (const auto& c : candidates) {
    if (fs::is_directory(c, ec)) return c.lexically_normal().string();
    looked += (looked.empty() ? "" : ", ") + c.string();
  }
  return make_error(ErrorCode::kConfig, "askdb's " + name + "/ folder was not found (looked in " +
                                            looked + "). Set " + setting + ".");
}

}  // namespace askdb
