#include "pg/embedded_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "core/text.h"
#include "pg/connection.h"
#include "pg/process.h"

namespace askdb::pg {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct EmbeddedCluster::Impl {
  std::optional<Account> account;  // set when askdb runs as root
  int lock_fd = -1;
};

namespace {

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    const ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Error home_error(const std::string& path, const std::string& why) {
  return make_error(ErrorCode::kConfig, "askdb cannot write to " + path + " (" + why +
                                            "). Set ASKDB_HOME to a folder you can write to.");
}

// Creates `path` (and its parents) with `mode`; a folder that already exists keeps its mode
// (ASKDB_HOME may be a folder the user owns for other reasons).
Status make_dir(const std::string& path, mode_t mode) {
  std::error_code ec;
  const bool created = fs::create_directories(path, ec);
  if (ec) return home_error(path, ec.message());
  if (created && chmod(path.c_str(), mode) != 0) return home_error(path, std::strerror(errno));
  if (access(path.c_str(), W_OK | X_OK) != 0) return home_error(path, std::strerror(errno));
  return ok_status();
}

// Writes a file only its owner may read, from the moment it exists (passwords).
Status write_private_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return home_error(path, std::strerror(errno));
  bool ok = fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = close(fd) == 0 && ok;
  if (!ok) return home_error(path, std::strerror(errno));
  return ok_status();
}

bool port_is_free(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

int pick_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// True when `pid` runs; a zombie (exited, not yet reaped by its parent) counts as gone.
bool process_alive(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::string stat;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", stat)) return true;
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'Z';
}

// The running postmaster's pid and port, from its postmaster.pid; nullopt when not running.
struct Postmaster {
  pid_t pid = 0;
  int port = 0;
};
std::optional<Postmaster> running_postmaster(const std::string& pgdata) {
  std::ifstream in(pgdata + "/postmaster.pid");
  if (!in) return std::nullopt;
  std::string line;
  Postmaster pm;
  for (int i = 0; i < 4 && std::getline(in, line); ++i) {
    if (i == 0) pm.pid = static_cast<pid_t>(std::atol(line.c_str()));
    if (i == 3) pm.port = std::atoi(line.c_str());
  }
  if (!process_alive(pm.pid)) return std::nullopt;
  std::string comm;
  if (read_file("/proc/" + std::to_string(pm.pid) + "/comm", comm) &&
      trim(comm).find("postgres") == std::string_view::npos) {
    return std::nullopt;  // the pid was reused by another program: a stale file
  }
  return pm;
}

std::string tail_of_file(const std::string& path, size_t max_bytes) {
  std::string text;
  if (!read_file(path, text)) return "";
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return std::string(trim(text));
}

}  // namespace

Result<std::string> find_pg_bin_dir(const std::string& configured) {
  auto has_tools = [](const std::string& dir) {
    return access((dir + "/initdb").c_str(), X_OK) == 0 &&
           access((dir + "/pg_ctl").c_str(), X_OK) == 0;
  };
  if (!configured.empty()) {
    if (has_tools(configured)) return configured;
    return make_error(ErrorCode::kConfig, "embedded.pg_bin_dir = \"" + configured +
                                              "\" holds no initdb and pg_ctl; point it at "
                                              "PostgreSQL's bin folder.");
  }
  for (const char* pg_config : {"/usr/bin/pg_config", "/usr/local/bin/pg_config"}) {
    if (access(pg_config, X_OK) != 0) continue;
    auto out = run_program({pg_config, "--bindir"}, nullptr);
    if (out && out->exit_status == 0) {
      std::string dir(trim(out->output));
      if (has_tools(dir)) return dir;
    }
  }
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    const int version = std::atoi(name.c_str());
    const std::string dir = entry.path().string() + "/bin";
    if (version > best_version && has_tools(dir)) {
      best = dir;
      best_version = version;
    }
  }
  if (!best.empty()) return best;
  // Reached only when no database is configured: in a container image without PostgreSQL,
  // pointing askdb at a database is the fix, so it comes first.
  return make_error(ErrorCode::kConfig,
                    "no database is configured, and PostgreSQL's server programs (initdb, pg_ctl) "
                    "for the embedded demo database were not found. Point askdb at a database "
                    "with DATABASE_URL, or install them (apt-get install postgresql) or set "
                    "embedded.pg_bin_dir (ASKDB_EMBEDDED_PG_BIN_DIR).");
}

EmbeddedCluster::~EmbeddedCluster() { release(); }

std::string EmbeddedCluster::conninfo(const char* user, const std::string& password) const {
  return "host=127.0.0.1 port=" + std::to_string(credentials_.port) +
         " dbname=" + kEmbeddedDatabase + " user=" + user + " password=" + password +
         " sslmode=disable connect_timeout=10 application_name=askdb";
}
std::string EmbeddedCluster::admin_conninfo() const {
  return conninfo(kEmbeddedAdmin, credentials_.admin_password);
}
std::string EmbeddedCluster::owner_conninfo() const {
  return conninfo(kEmbeddedOwner, credentials_.owner_password);
}
std::string EmbeddedCluster::reader_conninfo() const {
  return conninfo(kEmbeddedReader, credentials_.reader_password);
}

namespace {

// Everything open() does under the lock, with the state it needs.
class Opener {
 public:
  Opener(const EmbeddedConfig& config, std::string bin_dir, const Account* account)
      : home_(config.home),
        pgdata_(config.home + "/pgdata"),
        run_dir_(config.home + "/run"),
        log_(config.home + "/run/postgres.log"),
        state_file_(config.home + "/cluster.json"),
        bin_dir_(std::move(bin_dir)),
        configured_port_(config.port),
        account_(account) {}

  Result<ProgramOutput> pg(std::vector<std::string> argv) {
    argv[0] = bin_dir_ + "/" + argv[0];
    return run_program(argv, account_);
  }

  Status give_to_account(const std::string& path) {
    if (account_ == nullptr) return ok_status();
    if (chown(path.c_str(), account_->uid, account_->gid) != 0) {
      return home_error(path, std::string("chown: ") + std::strerror(errno));
    }
    return ok_status();
  }

  Result<ClusterCredentials> read_state() {
    std::string text;
    if (!read_file(state_file_, text)) {
      return make_error(ErrorCode::kConfig, "cannot read " + state_file_ + ": " +
                                                std::strerror(errno) +
                                                ". Check its owner, or set ASKDB_HOME.");
    }
    try {
      const auto j = json::parse(text);
      return ClusterCredentials{j.at("port").get<int>(), j.at("admin_password").get<std::string>(),
                                j.at("owner_password").get<std::string>(),
                                j.at("reader_password").get<std::string>()};
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kConfig, state_file_ + " is damaged (" + e.what() +
                                                "). Delete " + home_ +
                                                " to let askdb make a fresh demo cluster.");
    }
  }

  Status write_state(const ClusterCredentials& c) {
    const json j = {{"port", c.port},
                    {"admin_password", c.admin_password},
                    {"owner_password", c.owner_password},
                    {"reader_password", c.reader_password}};
    const std::string tmp = state_file_ + ".tmp";
    if (auto st = write_private_file(tmp, j.dump(2) + "\n"); !st) return st;
    if (rename(tmp.c_str(), state_file_.c_str()) != 0) {
      return home_error(state_file_, std::strerror(errno));
    }
    return ok_status();
  }

  Status stop(const char* mode) {
    if (!running_postmaster(pgdata_)) return ok_status();
    auto out = pg({"pg_ctl", "-D", pgdata_, "-m", mode, "-w", "-t", "60", "stop"});
    if (!out) return out.error();
    if (out->exit_status != 0 && running_postmaster(pgdata_)) {
      return make_error(ErrorCode::kDatabase, "could not stop the embedded PostgreSQL in " +
                                                  pgdata_ + ": " + std::string(trim(out->output)));
    }
    return ok_status();
  }

  // Chooses the port to start on; `remembered` is the last one used.
  Result<int> choose_port(int remembered) {
    if (configured_port_ != 0) {
      if (port_is_free(configured_port_)) return configured_port_;
      return make_error(ErrorCode::kConfig,
                        "port " + std::to_string(configured_port_) +
                            " on 127.0.0.1 is taken by another program, so the embedded "
                            "PostgreSQL cannot start there. Free it, or set embedded.port "
                            "(ASKDB_EMBEDDED_PORT) to another port, or to 0 to let askdb choose.");
    }
    if (remembered > 0 && port_is_free(remembered)) return remembered;
    const int port = pick_free_port();
    if (port == 0) {
      return make_error(ErrorCode::kDatabase,
                        "no free loopback port was found for the "
                        "embedded PostgreSQL.");
    }
    return port;
  }

  Status start(int port) {
    { std::ofstream touch(log_, std::ios::app); }
    chmod(log_.c_str(), 0600);
    if (auto st = give_to_account(log_); !st) return st;
    auto out = pg({"pg_ctl", "-D", pgdata_, "-l", log_, "-w", "-t", "60", "-o",
                   "-p " + std::to_string(port), "start"});
    if (!out) return out.error();
    if (out->exit_status != 0) {
      return make_error(ErrorCode::kDatabase,
                        "the embedded PostgreSQL in " + pgdata_ +
                            " did not start: " + std::string(trim(out->output)) + "\nIts log (" +
                            log_ + ") ends:\n" + tail_of_file(log_, 1500));
    }
    return ok_status();
  }

  // Makes a fresh cluster: initdb, settings, roles, database, data. Returns its credentials.
  Result<ClusterCredentials> create(const EmbeddedCluster::Populate& populate) {
    ClusterCredentials c;
    c.admin_password = random_hex(16);
    c.owner_password = random_hex(16);
    c.reader_password = random_hex(16);
    auto port = choose_port(0);
    if (!port) return port.error();
    c.port = *port;
    std::error_code ec;
    if (fs::exists(pgdata_, ec)) {
      // A half-made cluster from an interrupted first run: start over.
      if (auto st = stop("immediate"); !st) return st.error();
      fs::remove_all(pgdata_, ec);
      if (ec) return home_error(pgdata_, ec.message());
    }
    if (auto st = make_dir(pgdata_, 0700); !st) return st.error();
    if (auto st = give_to_account(pgdata_); !st) return st.error();
    const std::string pwfile = run_dir_ + "/initdb.pw";
    if (auto st = write_private_file(pwfile, c.admin_password + "\n"); !st) return st.error();
    if (auto st = give_to_account(pwfile); !st) return st.error();
    auto init = pg({"initdb", "-D", pgdata_, "-U", kEmbeddedAdmin, "--pwfile=" + pwfile,
                    "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"});
    fs::remove(pwfile, ec);
    if (!init) return init.error();
    if (init->exit_status != 0) {
      return make_error(ErrorCode::kDatabase,
                        "initdb failed for " + pgdata_ + ":\n" + std::string(trim(init->output)));
    }
    {
      std::ofstream conf(pgdata_ + "/postgresql.conf", std::ios::app);
      conf << "\n# Added by askdb: a private cluster, reachable on loopback only.\n"
              "listen_addresses = '127.0.0.1'\n"
              "unix_socket_directories = ''\n"
              "max_connections = 50\n"
              "password_encryption = 'scram-sha-256'\n";
      if (!conf) return home_error(pgdata_ + "/postgresql.conf", "write failed");
    }
    if (auto st = start(c.port); !st) return st.error();

    const auto base = "host=127.0.0.1 port=" + std::to_string(c.port) + " user=" + kEmbeddedAdmin +
                      " password=" + c.admin_password + " sslmode=disable";
    {
      auto admin = Connection::open(base + " dbname=postgres", "the embedded PostgreSQL");
      if (!admin) return admin.error();
      const std::string sql = std::string("CREATE ROLE ") + kEmbeddedOwner + " LOGIN PASSWORD " +
                              quote_literal(c.owner_password) + "; CREATE ROLE " + kEmbeddedReader +
                              " LOGIN PASSWORD " + quote_literal(c.reader_password) +
                              "; ALTER ROLE " + kEmbeddedReader +
                              " SET default_transaction_read_only = on;";
      if (auto st = admin->exec(sql); !st) return st.error();
      // CREATE DATABASE cannot share the implicit transaction of a multi-statement string.
      if (auto st = admin->exec(std::string("CREATE DATABASE ") + kEmbeddedDatabase + " OWNER " +
                                kEmbeddedOwner);
          !st) {
        return st.error();
      }
    }
    auto admin = Connection::open(base + " dbname=" + kEmbeddedDatabase, "the demo database");
    if (!admin) return admin.error();
    const std::string setup =
        std::string("REVOKE ALL ON DATABASE ") + kEmbeddedDatabase +
        " FROM PUBLIC; GRANT CONNECT ON DATABASE " + kEmbeddedDatabase + " TO " + kEmbeddedOwner +
        ", " + kEmbeddedReader + "; ALTER SCHEMA public OWNER TO " + kEmbeddedOwner +
        "; REVOKE CREATE ON SCHEMA public FROM PUBLIC; CREATE EXTENSION IF NOT EXISTS pg_trgm;";
    if (auto st = admin->exec(setup); !st) return st.error();
    EmbeddedCluster::Populate noop = [](const std::string&) { return ok_status(); };
    const auto& fill = populate ? populate : noop;
    const std::string owner = "host=127.0.0.1 port=" + std::to_string(c.port) +
                              " dbname=" + kEmbeddedDatabase + " user=" + kEmbeddedOwner +
                              " password=" + c.owner_password + " sslmode=disable";
    if (auto st = fill(owner); !st) return st.error();
    const std::string grants = std::string("GRANT USAGE ON SCHEMA public TO ") + kEmbeddedReader +
                               "; GRANT SELECT ON ALL TABLES IN SCHEMA public TO " +
                               kEmbeddedReader + "; ALTER DEFAULT PRIVILEGES FOR ROLE " +
                               kEmbeddedOwner + " IN SCHEMA public GRANT SELECT ON TABLES TO " +
                               kEmbeddedReader + ";";
    if (auto st = admin->exec(grants); !st) return st.error();
    if (auto st = write_state(c); !st) return st.error();
    return c;
  }

  std::string home_, pgdata_, run_dir_, log_, state_file_, bin_dir_;
  int configured_port_;
  const Account* account_;
};

std::string users_dir(const std::string& home) { return home + "/run/users"; }

// Removes registrations ("<pid>.<random>") of askdb processes that are gone; returns how many
// remain.
int live_users(const std::string& home) {
  int live = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(users_dir(home), ec)) {
    const pid_t pid = static_cast<pid_t>(std::atol(entry.path().filename().c_str()));
    if (process_alive(pid)) {
      ++live;
    } else {
      fs::remove(entry.path(), ec);
    }
  }
  return live;
}

}  // namespace

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::open(const EmbeddedConfig& config,
                                                               const Populate& populate) {
  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster());
  cluster->impl_ = std::make_shared<Impl>();
  cluster->home_ = config.home;
  const bool root = geteuid() == 0;
  if (root) {
    auto account = find_account(config.run_as);
    if (!account) return account.error();
    cluster->impl_->account = *account;
  }
  const Account* account = cluster->impl_->account ? &*cluster->impl_->account : nullptr;
  // As root the cluster's account must pass through home and run/ (but not read them).
  const mode_t dir_mode = root ? 0711 : 0700;
  for (const auto& dir : {config.home, config.home + "/run", users_dir(config.home)}) {
    if (auto st = make_dir(dir, dir == users_dir(config.home) ? 0700 : dir_mode); !st) {
      return st.error();
    }
  }
  if (account != nullptr && !account_can_access(*account, config.home + "/run", X_OK)) {
    return make_error(ErrorCode::kConfig,
                      "the embedded PostgreSQL runs as \"" + account->name +
                          "\" (PostgreSQL refuses root), and that account cannot reach " +
                          config.home +
                          ": a parent folder is closed to it. Set ASKDB_HOME to a "
                          "folder it can reach, such as /var/lib/askdb.");
  }
  auto bin_dir = find_pg_bin_dir(config.pg_bin_dir);
  if (!bin_dir) return bin_dir.error();
  cluster->bin_dir_ = *bin_dir;

  const std::string lock_path = config.home + "/run/lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return home_error(lock_path, std::strerror(errno));
  cluster->impl_->lock_fd = fd;
  flock(fd, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() { flock(fd, LOCK_UN); }
  } unlock{fd};

  Opener opener(config, *bin_dir, account);
  std::error_code ec;
  if (!fs::exists(config.home + "/cluster.json", ec)) {
    auto made = opener.create(populate);
    if (!made) {
      (void)opener.stop("immediate");
      return made.error();
    }
    cluster->credentials_ = *made;
    cluster->created_ = true;
    cluster->started_ = true;
  } else {
    auto state = opener.read_state();
    if (!state) return state.error();
    cluster->credentials_ = *state;
    if (auto pm = running_postmaster(config.home + "/pgdata")) {
      cluster->credentials_.port = pm->port;
    } else {
      fs::remove(config.home + "/pgdata/postmaster.pid", ec);  // stale, from a killed server
      auto port = opener.choose_port(state->port);
      if (!port) return port.error();
      if (auto st = opener.start(*port); !st) return st.error();
      cluster->started_ = true;
      if (*port != state->port) {
        cluster->credentials_.port = *port;
        if (auto st = opener.write_state(cluster->credentials_); !st) return st.error();
      }
    }
  }
  cluster->registration_ =
      users_dir(config.home) + "/" + std::to_string(getpid()) + "." + random_hex(4);
  if (auto st = write_private_file(cluster->registration_, "askdb\n"); !st) return st.error();
  return cluster;
}

void EmbeddedCluster::release() {
  std::lock_guard guard(mu_);
  if (released_ || impl_ == nullptr) return;
  released_ = true;
  const int fd = impl_->lock_fd;
  if (fd < 0) return;
  flock(fd, LOCK_EX);
  std::error_code ec;
  fs::remove(registration_, ec);
  if (live_users(home_) == 0) {
    EmbeddedConfig config;
    config.home = home_;
    Opener opener(config, bin_dir_, impl_->account ? &*impl_->account : nullptr);
    (void)opener.stop("fast");
  }
  flock(fd, LOCK_UN);
  close(fd);
  impl_->lock_fd = -1;
}

}  // namespace askdb::pg
