// `askdb health` as a container's HEALTHCHECK runs it: the real binary against a running
// `askdb demo`, then against a port where nothing listens. Exit 0 only for HTTP 200 from
// /healthz; 1, never 2 (reserved by Docker), with one line saying why for anything else.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "pg/connection.h"
#include "support/demo_cluster.h"
#include "support/http_test_client.h"
#include "support/subprocess.h"

namespace askdb {
namespace {

using testing::DemoCluster;
using testing::free_port;
using testing::HttpTestClient;
using testing::SubprocessResult;
using testing::wait_until_up;

std::map<std::string, std::string> env() {
  auto e = testing::isolated_askdb_env(DemoCluster::get().home());
  e["ASKDB_STORE_SCHEMA"] = "health_cli";
  return e;
}

SubprocessResult health(std::map<std::string, std::string> e,
                        const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {ASKDB_BINARY, "health"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_subprocess(argv, e, 30);
}

TEST(HealthCli, HealthyWhileServingUnhealthyForAnythingButHttp200) {
  const uint16_t port = free_port();
  HttpTestClient client(port);
  std::future<std::vector<SubprocessResult>> checks;
  auto served = testing::run_subprocess(
      {ASKDB_BINARY, "demo", "--port", std::to_string(port)}, env(), 120, [&](pid_t pid) {
        checks = std::async(std::launch::async, [&, pid] {
          std::vector<SubprocessResult> out;
          bool up = false;
          for (int i = 0; i < 600 && !up; ++i) {
            up = client.get("/healthz").status == 200;
            if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
          if (up) {
            // As in the image: the server's settings, listening on every address.
            auto e = env();
            e["ASKDB_SERVER_HOST"] = "0.0.0.0";
            e["ASKDB_SERVER_PORT"] = std::to_string(port);
            out.push_back(health(e));
            out.push_back(
                health(env(), {"--url", "http://127.0.0.1:" + std::to_string(port) + "/nope"}));
          }
          kill(pid, SIGTERM);
          return out;
        });
      });
  const auto results = checks.get();
  EXPECT_EQ(served.exit_code, 0) << served.err;
  ASSERT_EQ(results.size(), 2u) << "the server did not come up: " << served.err;
  EXPECT_EQ(results[0].exit_code, 0) << results[0].err;
  EXPECT_EQ(results[0].err, "");
  EXPECT_EQ(results[0].out, "");
  EXPECT_EQ(results[1].exit_code, 1) << results[1].err;
  EXPECT_NE(
      results[1].err.find("http://127.0.0.1:" + std::to_string(port) + "/nope answered HTTP 404"),
      std::string::npos)
      << results[1].err;
  auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
  if (conn) (void)conn->exec("DROP SCHEMA IF EXISTS health_cli CASCADE");
}

TEST(HealthCli, NothingListeningIsUnhealthyAndSaysWhere) {
  const uint16_t port = free_port();
  auto e = env();
  e["ASKDB_SERVER_PORT"] = std::to_string(port);
  auto r = health(e, {"--timeout", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("askdb: health: http://127.0.0.1:" + std::to_string(port) +
                       "/healthz did not answer"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Is `askdb serve` running"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  // A setting that does not load is unhealthy too: 1, not the usual 2 of a configuration error.
  e["ASKDB_SERVER_PORT"] = "eighty";
  r = health(e);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("server.port"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace askdb
