// run_subprocess: runs a program (the askdb binary, in end-to-end tests) with extra
// environment variables, collects stdout and stderr apart, and kills it after a timeout.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace askdb::testing {

struct SubprocessResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  std::string out;
  std::string err;
  bool timed_out = false;
};

// `env` is added to (and overrides) this process's environment; a value of "\x01unset" removes
// the variable.
// `on_started`, when set, gets the child's pid right after it starts (to signal it).
// `stdin_text` (a few KiB at most) is the child's standard input; empty: /dev/null.
SubprocessResult run_subprocess(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env,
                                double timeout_s = 60,
                                const std::function<void(pid_t)>& on_started = nullptr,
                                const std::string& stdin_text = "");

inline constexpr const char* kUnset = "\x01unset";

// Environment for running askdb against the embedded cluster in `home` and nothing else: the
// variables that would point it at another database or an LLM are removed.
std::map<std::string, std::string> isolated_askdb_env(const std::string& home);

// This process's environment as NAME=value strings (for posix_spawn), less every variable that
// could point askdb at another database, LLM or setting: ASKDB_*, OPENAI_*, ANTHROPIC_*, AWS_*,
// DATABASE_URL, PG*.
std::vector<std::string> environment_without_askdb_settings();

}  // namespace askdb::testing
