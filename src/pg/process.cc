#include "pg/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace askdb::pg {
namespace {

// In the child: become `as`; returns false on failure (async-signal-safe calls only).
bool become(const Account& as) {
  if (setgroups(0, nullptr) != 0) return false;
  if (setgid(as.gid) != 0) return false;
  if (setuid(as.uid) != 0) return false;
  return true;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<Account> find_account(const std::string& name) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return make_error(ErrorCode::kConfig,
                      "the account \"" + name +
                          "\" does not exist. PostgreSQL refuses to run as root, so askdb runs "
                          "its embedded cluster as another account: install PostgreSQL (which "
                          "creates \"postgres\") or set embedded.run_as (ASKDB_EMBEDDED_RUN_AS).");
  }
  return Account{name, pw.pw_uid, pw.pw_gid};
}

Result<ProgramOutput> run_program(const std::vector<std::string>& argv, const Account* as,
                                  const std::string& cwd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorCode::kInternal, std::string("pipe failed: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return make_error(ErrorCode::kInternal, std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    // A new process group: a Ctrl-C meant for askdb must not reach the server it starts;
    // askdb stops the server itself.
    setpgid(0, 0);
    if (as != nullptr && !become(*as)) _exit(126);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  ProgramOutput out;
  char buf[4096];
  while (true) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  out.exit_status = wait_for(pid);
  if (out.exit_status == 127) {
    return make_error(ErrorCode::kConfig, "could not run " + argv[0] +
                                              ": it is missing or not "
                                              "executable.");
  }
  return out;
}

bool account_can_access(const Account& as, const std::string& path, int mode) {
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (!become(as)) _exit(2);
    _exit(access(path.c_str(), mode) == 0 ? 0 : 1);
  }
  return wait_for(pid) == 0;
}

}  // namespace askdb::pg
