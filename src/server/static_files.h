// StaticFiles: the web chat's files (index.html, scripts, styles, icons, fonts), read into
// memory once at start and served with their content type, a strong ETag (304 for a matching
// If-None-Match) and Cache-Control. Only regular files found under the root at load time can
// be served, so there is no directory listing and no way out of the root: ".." and its
// encodings, NUL, hidden names and symlinks leading outside the root all answer 404.
//
// Thread-safe after load(): serving only reads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "server/exchange.h"
#include "server/http_server.h"

namespace askdb::server {

struct StaticFilesOptions {
  // index.html and other pages: always revalidated, so a new version shows at once.
  std::string html_cache_control = "no-cache";
  // Everything else. The web app's file names carry no content hash, so by default they are
  // revalidated too (cheap: a 304). With hashed names use "public, max-age=31536000, immutable".
  std::string asset_cache_control = "no-cache";
  // Files and folders with these names are not loaded (nor anything whose name starts with '.').
  std::vector<std::string> skip_names = {"node_modules"};
  size_t max_total_bytes = 64 * 1024 * 1024;  // load() refuses a bigger tree
};

class StaticFiles {
 public:
  // Reads every regular file under `root`. Error{kConfig} when the root is not a readable
  // folder, or holds more than max_total_bytes.
  static Result<StaticFiles> load(const std::string& root, const StaticFilesOptions& options = {});

  // Answers GET and HEAD for a loaded file ("/" and "/dir/" mean their index.html), and 405
  // for other methods on one; returns false, answering nothing, when there is no such file.
  bool serve(Exchange& exchange) const;
  // A handler that serves, or answers 404 `not_found`.
  HttpServer::Handler handler() const;

  size_t file_count() const { return files_->size(); }
  // "text/javascript; charset=utf-8" for "app.js"; application/octet-stream when unknown.
  static std::string_view content_type_for(std::string_view path);

 private:
  struct File {
    std::string body;
    std::string content_type;
    std::string etag;
    std::string cache_control;
  };
  using Files = std::unordered_map<std::string, File>;  // by path under the root: "js/api.js"

  explicit StaticFiles(std::shared_ptr<const Files> files) : files_(std::move(files)) {}
  const File* find(std::string_view path) const;

  std::shared_ptr<const Files> files_;
};

}  // namespace askdb::server
