// bench/load: how many concurrent chats one askdb server carries, and in how much memory.
//
// Starts fake_openai (its answers stream over --answer-seconds, the SQL comes at once) and
// `askdb demo --port 0` in a temporary $ASKDB_HOME (or $ASKDB_HOME when set), reads askdb's
// idle RSS, then runs rounds of N concurrent chats, N = 500, 1000, 2000, 3000, 5000, 7500,
// 10000 (up to --max; --quick: one round of 200). A chat is POST /api/v1/conversations, then
// POST …/messages with Accept: text/event-stream, read to its `done` event. Per round it prints
// the errors (a status other than 200/201, an `error` event, a connection failure, a stream
// without `done` or without an answer), p50/p99 of the time to the first event (request sent →
// first SSE event) and of the total (request sent → `done`), askdb's peak RSS (VmHWM, reset
// per round) and CPU time; it stops after the first round with an error or a p99
// time-to-first-event of 100 ms or more (--all: goes on to --max all the same, to see how it
// degrades). Target: 5,000 concurrent chats on 2 cores within 300 MiB, idle under 30 MiB.
//
// The client is one thread: one io_context, a coroutine per chat, the chats started 100 µs
// apart (10,000 a second) so the accept queue is not hit by all of them at once. It shares the
// machine's cores with askdb, PostgreSQL and the fake LLM; the figures include that.
// Usage: bench_load [--quick] [--all] [--max N] [--answer-seconds S] [--askdb PATH] [--fake PATH]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair) and inside Beast's parser.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "llm/sse.h"
#include "percentile.h"
#include "support/subprocess.h"

extern char** environ;

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using net::awaitable;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr const char* kQuestion = "How many stores are there?";
constexpr const char* kSql = "SELECT count(*) AS stores FROM stores";
constexpr const char* kAnswerMarker = "Answer the question from this result";  // prompts/answer
constexpr int kAnswerWords = 20;
constexpr double kTtfeTargetMs = 100;
constexpr int kTargetChats = 5000;
constexpr double kTargetPeakMiB = 300;
constexpr double kTargetIdleMiB = 30;
constexpr auto kRampStep = std::chrono::microseconds(100);

// Set by SIGINT/SIGTERM: the bench stops what it does and cleans up.
volatile std::sig_atomic_t g_interrupted = 0;
void on_stop_signal(int) { g_interrupted = 1; }

using askdb::bench::percentile;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---- the programs it runs ----------------------------------------------------------------------

struct Child {
  std::string name;
  pid_t pid = -1;
  std::string log;  // stdout and stderr
};

// Starts `argv` with `env`, stdout and stderr appended to `log`, stdin from /dev/null.
std::optional<Child> spawn_child(const std::string& name, const std::vector<std::string>& argv,
                                 std::vector<std::string> env, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "bench_load: cannot run %s: %s\n", args[0], std::strerror(rc));
    return std::nullopt;
  }
  return Child{name, pid, log};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_lines(const std::string& path, size_t count = 30) {
  const std::string text = read_file(path);
  size_t at = text.size();
  for (size_t n = 0; at > 0 && n <= count; --at) {
    if (text[at - 1] == '\n') ++n;
  }
  return text.substr(at);
}

// The last `count` warnings and errors in askdb's log: spdlog lines above info, and lines that
// are neither spdlog's nor askdb's own messages (a crash's).
std::string log_notes(const std::string& path, size_t count) {
  std::istringstream in(read_file(path));
  std::vector<std::string> notes;
  std::string line;
  while (std::getline(in, line)) {
    const bool spdlog = line.rfind("[", 0) == 0;
    const bool above_info = line.find("] [warning] ") != std::string::npos ||
                            line.find("] [error] ") != std::string::npos ||
                            line.find("] [critical] ") != std::string::npos;
    if (above_info || (!spdlog && !line.empty() && line.rfind("askdb: ", 0) != 0)) {
      notes.push_back(line);
    }
  }
  std::string out;
  for (size_t i = notes.size() > count ? notes.size() - count : 0; i < notes.size(); ++i) {
    out += "  " + notes[i] + "\n";
  }
  return out;
}

bool exited(Child& c) {
  if (c.pid <= 0) return true;
  int status = 0;
  if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
    c.pid = -1;
    return true;
  }
  return false;
}

// Waits until `prefix` starts a line of the child's log; returns the rest of that line.
std::optional<std::string> wait_for_line(Child& c, const std::string& prefix, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(timeout_s * 1e3));
  while (Clock::now() < deadline && g_interrupted == 0) {
    const std::string text = read_file(c.log);
    for (size_t at = 0; at < text.size();) {
      const size_t end = text.find('\n', at);
      if (end == std::string::npos) break;
      if (text.compare(at, prefix.size(), prefix) == 0) {
        return text.substr(at + prefix.size(), end - at - prefix.size());
      }
      at = end + 1;
    }
    if (exited(c)) {
      std::fprintf(stderr, "bench_load: %s exited before it was ready:\n%s", c.name.c_str(),
                   last_lines(c.log).c_str());
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (g_interrupted != 0) return std::nullopt;
  std::fprintf(stderr, "bench_load: %s printed no \"%s\" line within %.0f s:\n%s", c.name.c_str(),
               prefix.c_str(), timeout_s, last_lines(c.log).c_str());
  return std::nullopt;
}

// SIGTERM, then SIGKILL after `grace_s`. Returns false when it had to be killed.
bool stop_child(Child& c, double grace_s) {
  if (exited(c)) return true;
  kill(c.pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(grace_s * 1e3));
  while (Clock::now() < deadline) {
    if (exited(c)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "bench_load: %s did not stop within %.0f s of SIGTERM; killing it\n",
               c.name.c_str(), grace_s);
  kill(c.pid, SIGKILL);
  waitpid(c.pid, nullptr, 0);
  c.pid = -1;
  return false;
}

// A postmaster left running by an askdb that crashed or had to be killed (a clean stop takes
// the cluster down with it, pid file included): stopped by its pid file (fast shutdown).
void stop_leftover_postgres(const std::string& home) {
  const std::string pid_file = home + "/pgdata/postmaster.pid";
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 0 || kill(static_cast<pid_t>(pid), SIGINT) != 0) return;
  std::fprintf(stderr, "bench_load: stopping the PostgreSQL askdb left running (pid %ld)\n", pid);
  for (int i = 0; i < 100 && std::filesystem::exists(pid_file); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// ---- askdb's memory and CPU, from /proc -----------------------------------------------------

struct ProcStatus {
  double rss_mib = 0;
  double hwm_mib = 0;
};

ProcStatus proc_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  ProcStatus s;
  std::string line;
  while (std::getline(in, line)) {
    long kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &kb) == 1) s.rss_mib = kb / 1024.0;
    if (std::sscanf(line.c_str(), "VmHWM: %ld kB", &kb) == 1) s.hwm_mib = kb / 1024.0;
  }
  return s;
}

// Resets VmHWM to the current RSS (Linux 4.0+: "5" > /proc/PID/clear_refs).
bool reset_peak_rss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// utime + stime of the process, in seconds.
double cpu_seconds(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream in(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// ---- the chats -------------------------------------------------------------------------------

struct Round {
  net::io_context* io = nullptr;
  tcp::endpoint server;
  std::string host_header;
  Clock::time_point start;
  Clock::time_point deadline;
  int running = 0;
  std::set<tcp::socket*> sockets;  // open sockets, closed when the deadline passes
  bool timed_out = false;
  std::vector<double> ttfe_ms;   // request sent → first event
  std::vector<double> total_ms;  // request sent → done
  std::map<std::string, int> errors;
  int error_count = 0;

  void fail(const std::string& kind) {
    ++error_count;
    ++errors[kind];
  }
};

http::request<http::string_body> post(const Round& r, const std::string& target, std::string body,
                                      const char* accept) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, r.host_header);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, accept);
  req.set(http::field::user_agent, "askdb-bench-load");
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

// One chat: create a conversation, ask the question, read the event stream to `done`.
awaitable<void> chat(Round& r, int index) {
  struct Count {
    Round& r;
    ~Count() { --r.running; }
  } count{r};
  net::steady_timer ramp(*r.io, r.start + index * kRampStep);
  error_code ec;
  co_await ramp.async_wait(net::redirect_error(net::use_awaitable, ec));
  if (r.timed_out) {
    r.fail("not started before the round's deadline");
    co_return;
  }

  tcp::socket socket(*r.io);
  r.sockets.insert(&socket);
  struct Unlist {
    Round& r;
    tcp::socket* s;
    ~Unlist() { r.sockets.erase(s); }
  } unlist{r, &socket};
  auto failed = [&](const std::string& what) { r.fail(r.timed_out ? "timed out" : what); };

  co_await socket.async_connect(r.server, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("connect: " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);

  // 1. POST /api/v1/conversations → 201 {"id"}
  boost::beast::flat_buffer buffer;
  auto create = post(r, "/api/v1/conversations", "{}", "application/json");
  co_await http::async_write(socket, create, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("write: " + ec.message());
  http::response<http::string_body> created;
  co_await http::async_read(socket, buffer, created, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("read: " + ec.message());
  if (created.result_int() != 201 && created.result_int() != 200) {
    co_return failed("POST /conversations: HTTP " + std::to_string(created.result_int()));
  }
  const json conv = json::parse(created.body(), nullptr, false);
  if (!conv.is_object() || !conv.contains("id") || !conv["id"].is_string()) {
    co_return failed("POST /conversations: no id in the reply");
  }
  if (!created.keep_alive()) {  // the server closed: a new connection for the question
    socket.close(ec);
    socket = tcp::socket(*r.io);
    co_await socket.async_connect(r.server, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return failed("connect: " + ec.message());
    buffer.clear();
  }

  // 2. POST …/messages, Accept: text/event-stream, read to `done`.
  auto ask = post(r, "/api/v1/conversations/" + conv["id"].get<std::string>() + "/messages",
                  json{{"question", kQuestion}}.dump(), "text/event-stream");
  const auto sent = Clock::now();
  co_await http::async_write(socket, ask, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("write: " + ec.message());
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  co_await http::async_read_header(socket, buffer, parser,
                                   net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return failed("read: " + ec.message());
  if (parser.get().result_int() != 200) {
    co_return failed("POST /messages: HTTP " + std::to_string(parser.get().result_int()));
  }

  askdb::llm::SseParser sse;
  bool first = true, done = false;
  int answer_events = 0;
  std::string error_event;
  const auto on_event = [&](const askdb::llm::SseEvent& event) {
    if (first) {
      r.ttfe_ms.push_back(ms_between(sent, Clock::now()));
      first = false;
    }
    if (event.type == "answer") ++answer_events;
    if (event.type == "done") done = true;
    if (event.type == "error") {
      const json e = json::parse(event.data, nullptr, false);
      error_event = e.is_object() ? e.value("code", "?") : "?";
    }
    return !done && error_event.empty();
  };
  char body[4096];
  while (!parser.is_done() && !done && error_event.empty()) {
    parser.get().body().data = body;
    parser.get().body().size = sizeof body;
    co_await http::async_read_some(socket, buffer, parser,
                                   net::redirect_error(net::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    const size_t n = sizeof body - parser.get().body().size;
    if (n > 0 && !sse.feed(std::string_view(body, n), on_event).ok()) {
      co_return failed("a malformed event stream");
    }
    if (ec) break;
  }
  if (!error_event.empty()) co_return failed("error event: " + error_event);
  if (!done)
    co_return failed(ec ? "stream ended without done: " + ec.message()
                        : "stream ended without done");
  if (answer_events == 0) co_return failed("done without an answer");
  r.total_ms.push_back(ms_between(sent, Clock::now()));
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

// Reads askdb's RSS every 50 ms while the round runs; stops the round on SIGINT/SIGTERM.
awaitable<void> sample_memory(Round& r, pid_t pid, ProcStatus& peak) {
  net::steady_timer timer(*r.io);
  while (r.running > 0) {
    if (g_interrupted != 0) {
      r.io->stop();
      co_return;
    }
    const ProcStatus s = proc_status(pid);
    peak.rss_mib = std::max(peak.rss_mib, s.rss_mib);
    peak.hwm_mib = std::max(peak.hwm_mib, s.hwm_mib);
    timer.expires_after(std::chrono::milliseconds(50));
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

// Closes every open socket once the round's deadline passes.
awaitable<void> watchdog(Round& r) {
  net::steady_timer timer(*r.io);
  while (r.running > 0) {
    error_code ec;
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (Clock::now() < r.deadline) continue;
    r.timed_out = true;
    for (tcp::socket* s : r.sockets) s->close(ec);
  }
}

struct RoundResult {
  int n = 0;
  int errors = 0;
  double ttfe_p50 = 0, ttfe_p99 = 0, total_p50 = 0, total_p99 = 0;
  double peak_mib = 0;
  double cpu_s = 0;
  bool ok = false;
};

// Runs one round and prints its line. Returns nullopt when interrupted.
std::optional<RoundResult> run_round(int n, const tcp::endpoint& server, pid_t askdb_pid,
                                     double answer_s) {
  // The round outlives the io_context: coroutines still suspended when it is destroyed (after an
  // interrupt) unregister from the round as their frames go.
  Round r;
  net::io_context io(1);
  r.io = &io;
  r.server = server;
  r.host_header = "127.0.0.1:" + std::to_string(server.port());
  r.start = Clock::now() + std::chrono::milliseconds(20);
  r.deadline = r.start + n * kRampStep + std::chrono::seconds(60) +
               std::chrono::milliseconds(static_cast<int>(answer_s * 1e3));
  r.running = n;
  const bool hwm_reset = reset_peak_rss(askdb_pid);
  const double cpu_before = cpu_seconds(askdb_pid);
  ProcStatus peak = proc_status(askdb_pid);
  if (!hwm_reset) peak.hwm_mib = 0;  // VmHWM is the process's lifetime peak: use the samples

  for (int i = 0; i < n; ++i) net::co_spawn(io, chat(r, i), net::detached);
  net::co_spawn(io, sample_memory(r, askdb_pid, peak), net::detached);
  net::co_spawn(io, watchdog(r), net::detached);
  // Runs until every chat has ended (the samplers are then dropped with the io_context).
  while (r.running > 0 && !io.stopped()) io.run_one();
  if (g_interrupted != 0) return std::nullopt;

  RoundResult out;
  out.n = n;
  out.errors = r.error_count;
  out.ttfe_p50 = percentile(r.ttfe_ms, 0.5);
  out.ttfe_p99 = percentile(r.ttfe_ms, 0.99);
  out.total_p50 = percentile(r.total_ms, 0.5);
  out.total_p99 = percentile(r.total_ms, 0.99);
  const ProcStatus end = proc_status(askdb_pid);
  out.peak_mib = std::max({peak.rss_mib, peak.hwm_mib, hwm_reset ? end.hwm_mib : 0.0});
  out.cpu_s = cpu_seconds(askdb_pid) - cpu_before;
  out.ok = out.errors == 0 && out.ttfe_p99 < kTtfeTargetMs;
  std::printf("%6d %7d %9.1f %7.1f ms %8.2f %6.2f s %9.1f MiB %6.1f s\n", n, out.errors,
              out.ttfe_p50, out.ttfe_p99, out.total_p50 / 1e3, out.total_p99 / 1e3, out.peak_mib,
              out.cpu_s);
  int shown = 0;
  for (const auto& [kind, count] : r.errors) {
    if (shown++ == 5) {
      std::printf("         … and %zu more kinds\n", r.errors.size() - 5);
      break;
    }
    std::printf("         %d × %s\n", count, kind.c_str());
  }
  std::fflush(stdout);
  return out;
}

// Raises the open-file limit as far as allowed (the soft one to the hard one; as root, both to
// fs.nr_open); children inherit it. Returns the soft limit now in force.
rlim_t raise_open_files() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  rlim_t nr_open = 0;
  std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
  if (nr_open > lim.rlim_max) {
    rlimit wanted{nr_open, nr_open};
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) return nr_open;
  }
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

// askdb's environment: this one's, less anything that would point it at another database or
// LLM, plus the home, the fake LLM, and the API rate limit and the LLM's queue at their maximum.
std::vector<std::string> askdb_env(const std::string& home, int llm_port) {
  std::vector<std::string> env = askdb::testing::environment_without_askdb_settings();
  env.push_back("ASKDB_HOME=" + home);
  env.push_back("ASKDB_LLM_PROVIDER=openai");
  env.push_back("ASKDB_LLM_BASE_URL=http://127.0.0.1:" + std::to_string(llm_port) + "/v1");
  env.push_back("ASKDB_LLM_MODEL=fake");
  // Every chat comes from 127.0.0.1, one rate-limit key: the limit must not be what is measured.
  env.push_back("ASKDB_SERVER_REQUESTS_PER_MINUTE=1000000");
  // The LLM's queue (llm.max_concurrent, 32 by default, for a real provider's quota) would
  // answer most chats "busy" at once: the fake LLM takes any number, so the limit is raised to
  // what a deployment sized for this load would set.
  env.push_back("ASKDB_LLM_MAX_CONCURRENT=10000");
  env.push_back("ASKDB_LLM_MAX_QUEUED=10000");
  return env;
}

// The fake LLM's script: the SQL at once, the answer in kAnswerWords words over `answer_s`.
std::string fake_llm_script(double answer_s) {
  const std::string answer =
      "The demo database has this many stores in its stores table, counting every single store "
      "that "
      "the result above lists.";  // kAnswerWords words
  // One word per chunk: the role chunk, 20 words, the finish chunk, usage and [DONE], with the
  // delay between each two of them.
  const int delay_ms = static_cast<int>(answer_s * 1e3 / (kAnswerWords + 3));
  json script = {{"default_reply", std::string("```sql\n") + kSql + "\n```"},
                 {"words_per_chunk", 1},
                 {"rules", json::array({{{"match", kAnswerMarker},
                                         {"reply", answer},
                                         {"chunk_delay_ms", delay_ms},
                                         {"once", false}}})}};
  return script.dump(2);
}

struct Options {
  bool quick = false;
  bool all = false;  // every round up to max, past one that misses the bar
  int max = 10000;
  double answer_s = 2;
  std::string askdb;
  std::string fake;
};

int usage(const char* message) {
  std::fprintf(stderr,
               "bench_load: %s\nusage: bench_load [--quick] [--all] [--max N] [--answer-seconds S] "
               "[--askdb PATH] [--fake PATH]\n",
               message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  const std::filesystem::path here = std::filesystem::path(argv[0]).parent_path();
  opt.askdb = here / "askdb";
  opt.fake = here / "fake_openai";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--quick" || flag == "--all") {
      (flag == "--quick" ? opt.quick : opt.all) = true;
      continue;
    }
    if (i + 1 >= argc) return usage((flag + " needs a value, or is unknown").c_str());
    const char* value = argv[++i];
    if (flag == "--max") {
      opt.max = std::atoi(value);
    } else if (flag == "--answer-seconds") {
      opt.answer_s = std::atof(value);
    } else if (flag == "--askdb") {
      opt.askdb = value;
    } else if (flag == "--fake") {
      opt.fake = value;
    } else {
      return usage(("unknown option " + flag).c_str());
    }
  }
  if (opt.max < 1 || opt.answer_s < 0) return usage("bad --max or --answer-seconds");
  std::vector<int> rounds = {500, 1000, 2000, 3000, 5000, 7500, 10000};
  if (opt.quick) rounds = {200};
  rounds.erase(std::remove_if(rounds.begin(), rounds.end(), [&](int n) { return n > opt.max; }),
               rounds.end());
  if (rounds.empty()) rounds = {opt.max};

  signal(SIGPIPE, SIG_IGN);
  struct sigaction stop {};
  stop.sa_handler = on_stop_signal;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
  const rlim_t open_files = raise_open_files();

  char templ[] = "/tmp/askdb-load-XXXXXX";
  if (mkdtemp(templ) == nullptr) return usage("mkdtemp failed");
  const std::string tmp = templ;
  // As root askdb runs the embedded cluster as `postgres`, which must reach into the home.
  chmod(tmp.c_str(), 0711);
  std::string home;
  const bool temp_home = std::getenv("ASKDB_HOME") == nullptr;
  if (temp_home) {
    home = tmp + "/home";
    mkdir(home.c_str(), 0711);
    chmod(home.c_str(), 0711);
  } else {
    home = std::getenv("ASKDB_HOME");
  }

  int exit_code = 0;
  Child fake{"fake_openai", -1, ""}, askdb{"askdb", -1, ""};
  [&] {
    const std::string script = tmp + "/rules.json";
    std::ofstream(script) << fake_llm_script(opt.answer_s);
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    auto started = spawn_child("fake_openai", {opt.fake, "--port", "0", "--script", script}, env,
                               tmp + "/fake_openai.log");
    if (!started) return void(exit_code = 1);
    fake = *started;
    const auto fake_addr = wait_for_line(fake, "listening on 127.0.0.1:", 10);
    if (!fake_addr) return void(exit_code = 1);
    const int llm_port = std::atoi(fake_addr->c_str());

    const auto setup_start = Clock::now();
    started = spawn_child("askdb", {opt.askdb, "demo", "--host", "127.0.0.1", "--port", "0"},
                          askdb_env(home, llm_port), tmp + "/askdb.log");
    if (!started) return void(exit_code = 1);
    askdb = *started;
    const auto url = wait_for_line(askdb, "askdb: the web chat is at ", 120);
    if (!url) return void(exit_code = 1);
    int port = 0;
    if (std::sscanf(url->c_str(), "http://%*[^:]:%d", &port) != 1 || port <= 0) {
      std::fprintf(stderr, "bench_load: cannot read a port from \"%s\"\n", url->c_str());
      return void(exit_code = 1);
    }
    const double setup_ms = ms_between(setup_start, Clock::now());
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double idle_mib = proc_status(askdb.pid).rss_mib;

    std::printf(
        "bench_load: %s, %u cores, open-file limit %llu; fake LLM: SQL at once, answers of %d "
        "words over %.1f s\n",
        opt.askdb.c_str(), std::thread::hardware_concurrency(),
        static_cast<unsigned long long>(open_files), kAnswerWords, opt.answer_s);
    std::printf("askdb demo ready at %s in %.0f ms; idle RSS %.1f MiB\n", url->c_str(), setup_ms,
                idle_mib);
    std::printf(
        "chat: POST /api/v1/conversations, POST …/messages \"%s\" (SSE to done); API rate limit "
        "at its maximum\n",
        kQuestion);
    std::printf("     N  errors  ttfe p50     p99     total p50    p99   askdb peak RSS   CPU\n");
    std::fflush(stdout);

    const tcp::endpoint server(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
    std::vector<RoundResult> passed;  // the rounds that met the bar, in order
    bool missed = false;              // a round missed it
    for (size_t i = 0; i < rounds.size(); ++i) {
      const int n = rounds[i];
      // askdb holds two sockets per chat (browser side and LLM side); this process one.
      if (static_cast<rlim_t>(2 * n + 200) > open_files) {
        std::printf("%6d  skipped: needs about %d open files, the limit is %llu\n", n, 2 * n + 200,
                    static_cast<unsigned long long>(open_files));
        break;
      }
      const std::optional<RoundResult> round = run_round(n, server, askdb.pid, opt.answer_s);
      if (!round) break;
      const RoundResult& r = *round;
      if (!r.ok) std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a crash lands
      if (exited(askdb)) {
        std::printf("askdb exited during the round; the end of its log:\n%s",
                    last_lines(askdb.log, 15).c_str());
        exit_code = 1;
        break;
      }
      if (!r.ok) {
        const std::string notes = log_notes(askdb.log, 10);
        if (!notes.empty()) std::printf("askdb's last warnings and errors:\n%s", notes.c_str());
        missed = true;
        if (!opt.all) break;
      } else if (!missed) {  // the figure is the largest N with every smaller round good too
        passed.push_back(r);
      }
      // A pause between rounds, for the last connections to close.
      for (int wait = 0; wait < 20 && i + 1 < rounds.size() && g_interrupted == 0; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    const RoundResult* best = passed.empty() ? nullptr : &passed.back();
    // The target's round: the first with at least kTargetChats chats.
    const RoundResult* at_target = nullptr;
    for (const RoundResult& r : passed) {
      if (r.n >= kTargetChats && at_target == nullptr) at_target = &r;
    }
    if (best) {
      std::printf(
          "largest N with zero errors and p99 time-to-first-event under %.0f ms: %d (askdb peak "
          "RSS %.1f MiB)\n",
          kTtfeTargetMs, best->n, best->peak_mib);
    } else {
      std::printf("no round had zero errors and p99 time-to-first-event under %.0f ms\n",
                  kTtfeTargetMs);
    }
    std::string why;
    if (at_target == nullptr) why += "; fewer than the target's chats";
    if (at_target != nullptr && at_target->peak_mib > kTargetPeakMiB) {
      why += "; peak RSS over the target at " + std::to_string(at_target->n) + " chats";
    }
    if (idle_mib >= kTargetIdleMiB) why += "; idle RSS over the target";
    if (opt.quick || opt.max < kTargetChats) why += " (--quick or --max: not tried)";
    std::printf("target (>= %d chats within %.0f MiB, idle under %.0f MiB): %s%s\n", kTargetChats,
                kTargetPeakMiB, kTargetIdleMiB, why.empty() ? "met" : "not met", why.c_str());
  }();

  if (g_interrupted != 0) {
    std::printf("bench_load: interrupted; stopping askdb and the fake LLM\n");
    exit_code = 130;
  }
  stop_child(askdb, 60);
  // Only in a home of its own: a given $ASKDB_HOME may be another askdb's too.
  if (temp_home) stop_leftover_postgres(home);
  stop_child(fake, 10);
  if (exit_code != 0 && exit_code != 130) {
    std::fprintf(stderr, "bench_load: logs kept in %s\n", tmp.c_str());
  } else {
    std::filesystem::remove_all(tmp);
  }
  return exit_code;
}
