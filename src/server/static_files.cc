#include "server/static_files.h"

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "core/text.h"

namespace askdb::server {
namespace {

namespace fs = std::filesystem;

// A strong validator: the first 128 bits of the body's SHA-256, quoted.
std::string etag_of(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest.data(), &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned int i = 0; i < std::min(size, 16u); ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  out.push_back('"');
  return out;
}

// Whether an If-None-Match header names `etag` (weak comparison, RFC 9110 13.1.2).
bool etag_matches(std::string_view header, std::string_view etag) {
  for (const std::string& item : split(header, ',')) {
    std::string_view tag = trim(item);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

bool is_within(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

bool skipped(const std::string& name, const StaticFilesOptions& options) {
  if (name.empty() || name[0] == '.') return true;
  return std::find(options.skip_names.begin(), options.skip_names.end(), name) !=
         options.skip_names.end();
}

}  // namespace

std::string_view StaticFiles::content_type_for(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  const std::string lower = to_lower(path);
  for (const Type& type : kTypes) {
    if (lower.size() >= type.extension.size() &&
        lower.compare(lower.size() - type.extension.size(), type.extension.size(),
                      type.extension) == 0) {
      return type.content_type;
    }
  }
  return "application/octet-stream";
}

Result<StaticFiles> StaticFiles::load(const std::string& root, const StaticFilesOptions& options) {
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical_root, ec)) {
    return make_error(ErrorCode::kConfig, "the web folder " + root + " cannot be read (" +
                                              (ec ? ec.message() : "not a folder") +
                                              "); set paths.web_dir to the web chat's folder");
  }

  auto files = std::make_shared<Files>();
  size_t total = 0;
  fs::recursive_directory_iterator it(canonical_root, fs::directory_options::none, ec);
  if (ec) {
    return make_error(ErrorCode::kConfig,
                      "the web folder " + root + " cannot be read (" + ec.message() + ")");
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return make_error(ErrorCode::kConfig,
                        "the web folder " + root + " cannot be read (" + ec.message() + ")");
    }
    const fs::directory_entry& entry = *it;
    const std::string name = entry.path().filename().string();
    if (skipped(name, options)) {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    // Directory symlinks are not followed (recursion does not enter them); a file symlink is
    // served only when its target lies inside the root.
    if (!entry.is_regular_file(ec)) continue;
    const fs::path target = fs::canonical(entry.path(), ec);
    if (ec || !is_within(canonical_root, target)) continue;

    std::string body;
    if (!read_file(target.string(), body)) {
      return make_error(ErrorCode::kConfig, "cannot read " + entry.path().string());
    }
    total += body.size();
    if (total > options.max_total_bytes) {
      return make_error(ErrorCode::kConfig,
                        "the web folder " + root + " holds more than " +
                            std::to_string(options.max_total_bytes) +
                            " bytes of files; point paths.web_dir at the web chat's folder");
    }
    const std::string relative = entry.path().lexically_relative(canonical_root).generic_string();
    File file;
    file.content_type = std::string(content_type_for(relative));
    file.etag = etag_of(body);
    file.cache_control = file.content_type.starts_with("text/html") ? options.html_cache_control
                                                                    : options.asset_cache_control;
    file.body = std::move(body);
    files->emplace(relative, std::move(file));
  }
  return StaticFiles(std::move(files));
}

const StaticFiles::File* StaticFiles::find(std::string_view path) const {
  if (path.empty() || path[0] != '/') return nullptr;
  std::string key(path.substr(1));
  if (key.empty() || key.back() == '/') key += "index.html";
  if (key.find('\0') != std::string::npos || key.find('\\') != std::string::npos) return nullptr;
  for (const std::string& segment : split(key, '/')) {
    if (segment.empty() || segment[0] == '.') return nullptr;  // "..", ".", hidden, "//"
  }
  auto it = files_->find(key);
  return it == files_->end() ? nullptr : &it->second;
}

bool StaticFiles::serve(Exchange& exchange) const {
  const File* file = find(exchange.path());
  if (file == nullptr) return false;
  const std::string_view method = exchange.method();
  if (method != "GET" && method != "HEAD") {
    exchange.respond_error(405, "method_not_allowed",
                           std::string(method) + " is not allowed on " +
                               std::string(exchange.path()) + "; use GET or HEAD.",
                           {{"Allow", "GET, HEAD"}});
    return true;
  }
  const Headers headers = {{"ETag", file->etag}, {"Cache-Control", file->cache_control}};
  if (exchange.has_header("If-None-Match") &&
      etag_matches(exchange.header("If-None-Match"), file->etag)) {
    exchange.respond(304, "", "", headers);
    return true;
  }
  exchange.respond(200, file->body, file->content_type, headers);
  return true;
}

namespace {

// A coroutine of its own (not a lambda's body), so that the frame owns what it uses.
boost::asio::awaitable<void> serve_or_404(StaticFiles files, Exchange& exchange) {
  if (!files.serve(exchange)) {
    exchange.respond_error(404, "not_found",
                           "There is nothing at " + std::string(exchange.path()) + ".");
  }
  co_return;
}

}  // namespace

HttpServer::Handler StaticFiles::handler() const {
  return [files = *this](Exchange& exchange) { return serve_or_404(files, exchange); };
}

}  // namespace askdb::server
