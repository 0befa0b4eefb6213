#include "support/demo_cluster.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "chat/workspace.h"
#include "config/paths.h"

namespace askdb::testing {
DemoCluster& DemoCluster::get() {
  static DemoCluster* instance = [] {
    auto* c = new DemoCluster();
    std::string templ = "/tmp/askdb-demo-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
      std::fprintf(stderr, "mkdtemp failed\n");
      std::abort();
    }
    chmod(templ.c_str(), 0711);
    c->home_ = templ;
    Config config = c->config();
    auto demo_dir = find_data_dir("demo", "", "paths.demo_dir");
    if (!demo_dir) {
      std::fprintf(stderr, "%s\n", demo_dir.error().message.c_str());
      std::abort();
    }
    auto cluster = pg::EmbeddedCluster::open(config.embedded, [&](const std::string& owner) {
      return chat::load_demo_data(owner, *demo_dir);
    });
    if (!cluster) {
      std::fprintf(stderr, "the test cluster did not start: %s\n", cluster.error().message.c_str());
      std::abort();
    }
    c->cluster_ = std::move(*cluster);
    std::atexit([] { DemoCluster::get().shutdown(); });
    return c;
  }();
  return *instance;
}

Config DemoCluster::config() const {
  Config config;
  config.embedded.home = home_;
  config.target = TargetKind::kEmbedded;
  return config;
}

void DemoCluster::shutdown() {
  if (cluster_) {
    cluster_->release();
    cluster_.reset();
  }
  std::error_code ec;
  std::filesystem::remove_all(home_, ec);
}

}  // namespace askdb::testing
