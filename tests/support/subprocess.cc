#include "support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

extern char** environ;

namespace askdb::testing {

SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env, double timeout_s,
                                const std::function<void(pid_t)>& on_started,
                                const std::string& stdin_text) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) merged[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [k, v] : env) {
    if (v == kUnset) {
      merged.erase(k);
    } else {
      merged[k] = v;
    }
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  int in_pipe[2] = {-1, -1};
  SubprocessResult result;
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  if (!stdin_text.empty() && pipe2(in_pipe, O_CLOEXEC) != 0) return result;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (in_pipe[0] >= 0) {
      dup2(in_pipe[0], 0);
    } else {
      const int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (in_pipe[0] >= 0) {
    close(in_pipe[0]);
    // Small texts only (a password): they fit the pipe's buffer, so this does not block.
    [[maybe_unused]] ssize_t n = write(in_pipe[1], stdin_text.data(), stdin_text.size());
    close(in_pipe[1]);
  }
  if (on_started) on_started(pid);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[8192];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::map<std::string, std::string> isolated_askdb_env(const std::string& home) {
  // No AWS credentials or instance metadata either: a developer's ~/.aws must not turn Bedrock
  // on, and no test may reach beyond loopback.
  std::map<std::string, std::string> env = {
      {"ASKDB_HOME", home},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/askdb-test/aws-credentials"},
      {"AWS_CONFIG_FILE", "/nonexistent/askdb-test/aws-config"},
      {"AWS_EC2_METADATA_DISABLED", "true"}};
  for (const char* name : {"DATABASE_URL",
                           "PGHOST",
                           "PGHOSTADDR",
                           "PGDATABASE",
                           "PGSERVICE",
                           "PGPORT",
                           "PGUSER",
                           "OPENAI_API_KEY",
                           "OPENAI_BASE_URL",
                           "ANTHROPIC_API_KEY",
                           "ANTHROPIC_BASE_URL",
                           "ASKDB_LLM_PROVIDER",
                           "ASKDB_LLM_BASE_URL",
                           "ASKDB_LLM_MODEL",
                           "ASKDB_LLM_API_KEY",
                           "ASKDB_LLM_REGION",
                           "ASKDB_EMBEDDING_PROVIDER",
                           "ASKDB_DATABASE_URL",
                           "AWS_ACCESS_KEY_ID",
                           "AWS_SECRET_ACCESS_KEY",
                           "AWS_SESSION_TOKEN",
                           "AWS_PROFILE",
                           "AWS_DEFAULT_PROFILE",
                           "AWS_REGION",
                           "AWS_DEFAULT_REGION",
                           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                           "AWS_ENDPOINT_URL",
                           "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"}) {
    env[name] = kUnset;
  }
  return env;
}

std::vector<std::string> environment_without_askdb_settings() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (kv.starts_with("ASKDB_") || kv.starts_with("OPENAI_") || kv.starts_with("ANTHROPIC_") ||
        kv.starts_with("AWS_") || kv.starts_with("DATABASE_URL=") || kv.starts_with("PG")) {
      continue;
    }
    env.push_back(kv);
  }
  return env;
}

}  // namespace askdb::testing
