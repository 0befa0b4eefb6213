// The embedded cluster launcher against real PostgreSQL binaries: creation, roles, the
// read-only role, stopping when the last user leaves, and recovery from a killed process.
#include "pg/embedded_cluster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "chat/workspace.h"
#include "pg/connection.h"
#include "support/temp_home.h"

namespace askdb {
namespace {

namespace fs = std::filesystem;

pid_t postmaster_pid(const std::string& home) {
  std::ifstream in(home + "/pgdata/postmaster.pid");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// Running, and not a zombie waiting for a parent that does not reap.
bool alive(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

class EmbeddedClusterTest : public ::testing::Test {
 protected:
  testing::TempHome home_{"askdb-cluster"};
  std::string demo_ = testing::write_tiny_demo(home_.path());
  EmbeddedConfig config() {
    EmbeddedConfig c;
    c.home = home_.path() + "/home";
    return c;
  }
  Result<std::unique_ptr<pg::EmbeddedCluster>> open() {
    return pg::EmbeddedCluster::open(
        config(), [&](const std::string& owner) { return chat::load_demo_data(owner, demo_); });
  }
};

TEST_F(EmbeddedClusterTest, LifecycleRolesAndRecovery) {
  auto cluster = open();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  EXPECT_TRUE((*cluster)->created());
  const std::string home = config().home;
  const pid_t pm = postmaster_pid(home);
  ASSERT_TRUE(alive(pm));

  {  // The reader may read the data but write nothing, and cannot see askdb's credentials.
    auto reader = pg::Connection::open((*cluster)->reader_conninfo(), "reader");
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto rows = reader->query("SELECT name FROM cities ORDER BY city_id");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->rows.size(), 2u);
    EXPECT_EQ(*rows->rows[0][0], "São Paulo");
    EXPECT_FALSE(reader->exec("INSERT INTO cities VALUES (3, 'x')").ok());
    EXPECT_FALSE(reader
                     ->exec("SET default_transaction_read_only = off; "
                            "INSERT INTO cities VALUES (3, 'x')")
                     .ok());
    EXPECT_FALSE(reader->exec("CREATE TABLE evil (a int)").ok());
  }
  {  // The owner owns the data.
    auto owner = pg::Connection::open((*cluster)->owner_conninfo(), "owner");
    ASSERT_TRUE(owner.ok()) << owner.error().message;
    EXPECT_TRUE(owner->exec("CREATE SCHEMA askdb").ok());
  }
  struct stat st {};
  ASSERT_EQ(stat((home + "/cluster.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A second user keeps the server up when the first leaves.
  auto second = open();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE((*second)->created());
  EXPECT_FALSE((*second)->started());
  (*cluster)->release();
  EXPECT_TRUE(alive(pm));
  (*second)->release();
  EXPECT_FALSE(alive(pm)) << "the last user must stop the server";

  // Reopening starts it again, on the remembered port.
  auto again = open();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE((*again)->started());
  EXPECT_FALSE((*again)->created());
  const int port = (*again)->port();
  const pid_t pm2 = postmaster_pid(home);
  ASSERT_TRUE(alive(pm2));

  // A user that was killed leaves a registration behind; it is ignored.
  std::ofstream(home + "/run/users/999999.dead") << "askdb\n";
  (*again)->release();
  EXPECT_FALSE(alive(pm2));

  // A stale postmaster.pid from a killed server does not stop the next start.
  std::ofstream(home + "/pgdata/postmaster.pid") << "999999\n" << home << "\n0\n" << port << "\n";
  auto after_crash = open();
  ASSERT_TRUE(after_crash.ok()) << after_crash.error().message;
  (*after_crash)->release();
}

TEST_F(EmbeddedClusterTest, HalfMadeClusterIsRedone) {
  {
    auto cluster = open();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  }
  // No cluster.json: as if the first run was interrupted before it finished.
  fs::remove(config().home + "/cluster.json");
  auto cluster = open();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  EXPECT_TRUE((*cluster)->created());
  auto reader = pg::Connection::open((*cluster)->reader_conninfo(), "reader");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
}

TEST_F(EmbeddedClusterTest, PortTakenIsAClearError) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto c = config();
  c.port = ntohs(addr.sin_port);
  auto cluster = pg::EmbeddedCluster::open(c, nullptr);
  close(fd);
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error().code, ErrorCode::kConfig);
  EXPECT_NE(cluster.error().message.find("port " + std::to_string(c.port)), std::string::npos)
      << cluster.error().message;
  EXPECT_NE(cluster.error().message.find("embedded.port"), std::string::npos);
}

TEST_F(EmbeddedClusterTest, UnwritableHome) {
  const std::string file = home_.path() + "/a-file";
  std::ofstream(file) << "x";
  auto c = config();
  c.home = file + "/home";
  auto cluster = pg::EmbeddedCluster::open(c, nullptr);
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error().code, ErrorCode::kConfig);
  EXPECT_NE(cluster.error().message.find("ASKDB_HOME"), std::string::npos);
}

}  // namespace
}  // namespace askdb
