// bench/pipeline: what askdb itself costs per question, apart from the LLM and the SQL.
//
// Starts the embedded demo cluster (in $ASKDB_HOME, or a temporary home it creates) and a
// zero-latency fake OpenAI-compatible server on loopback, then:
//  1. asks N questions in-process through the real pipeline and prints p50/p99 of the total
//     time and of askdb's own overhead = total - (LLM calls + SQL execution);
//  2. runs the askdb binary (`askdb ask`, cold process, cluster already running) M times and
//     prints p50/p99 wall time and the peak RSS.
// Usage: bench_pipeline [--questions N] [--runs M] [--askdb PATH]
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "chat/workspace.h"
#include "percentile.h"
#include "support/fake_openai_server.h"
#include "support/subprocess.h"

namespace {

using Clock = std::chrono::steady_clock;

using askdb::bench::percentile;

double stage(const askdb::chat::AskResult& r, const std::string& name) {
  for (const auto& [n, ms] : r.timings_ms) {
    if (n == name) return ms;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int questions = 300;
  int runs = 30;
  std::string askdb_binary = std::filesystem::path(argv[0]).parent_path() / "askdb";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--questions") questions = std::atoi(argv[i + 1]);
    if (flag == "--runs") runs = std::atoi(argv[i + 1]);
    if (flag == "--askdb") askdb_binary = argv[i + 1];
  }

  std::string home;
  bool temp_home = false;
  if (const char* h = std::getenv("ASKDB_HOME")) {
    home = h;
  } else {
    char templ[] = "/tmp/askdb-bench-XXXXXX";
    home = mkdtemp(templ);
    chmod(home.c_str(), 0711);
    temp_home = true;
  }

  askdb::test::FakeOpenAiServer llm;
  if (!llm.start().ok()) {
    std::fprintf(stderr, "bench: the fake LLM did not start\n");
    return 1;
  }
  askdb::test::FakeRule sql_rule;
  sql_rule.match = "Question:";
  sql_rule.reply =
      "```sql\nSELECT s.store_name, count(*) AS orders FROM orders o JOIN stores s "
      "ON s.store_id = o.store_id GROUP BY 1 ORDER BY 2 DESC\n```";
  sql_rule.once = false;
  llm.add_rule(sql_rule);
  llm.set_default_reply("The busiest store leads with the most orders.");

  askdb::Config config;
  config.embedded.home = home;
  config.target = askdb::TargetKind::kEmbedded;
  config.llm.provider = "openai";
  config.llm.base_url = llm.base_url();
  config.llm.model = "fake";
  const auto setup_start = Clock::now();
  auto ws = askdb::chat::Workspace::open(config);
  if (!ws) {
    std::fprintf(stderr, "bench: %s\n", ws.error().message.c_str());
    return 1;
  }
  std::printf("setup (cluster %s, catalog, prompts): %.0f ms\n",
              (*ws)->cluster()->created() ? "created with demo data" : "started",
              std::chrono::duration<double, std::milli>(Clock::now() - setup_start).count());

  const std::vector<std::string> asks = {"Which stores took the most orders?",
                                         "Orders per store, busiest first",
                                         "How many orders did each store get?"};
  std::vector<double> total, overhead;
  for (int i = 0; i < questions; ++i) {
    auto r = (*ws)->pipeline().ask(asks[static_cast<size_t>(i) % asks.size()], {});
    if (r.error) {
      std::fprintf(stderr, "bench: question failed: %s\n", r.error->message.c_str());
      return 1;
    }
    const double t = stage(r, "total");
    total.push_back(t);
    overhead.push_back(t - stage(r, "write_sql") - stage(r, "answer") - stage(r, "run"));
  }
  std::printf("in-process, %d questions, zero-latency fake LLM, demo schema (%zu tables):\n",
              questions, (*ws)->catalog()->tables.size());
  std::printf("  askdb overhead (all but LLM calls and SQL execution): p50 %.3f ms  p99 %.3f ms\n",
              percentile(overhead, 0.5), percentile(overhead, 0.99));
  std::printf("  whole question incl. loopback LLM calls and SQL:      p50 %.3f ms  p99 %.3f ms\n",
              percentile(total, 0.5), percentile(total, 0.99));

  // Cold processes: `askdb ask` with the cluster already running (this process holds it).
  std::vector<std::string> env_strings = askdb::testing::environment_without_askdb_settings();
  env_strings.push_back("ASKDB_HOME=" + home);
  env_strings.push_back("ASKDB_LLM_BASE_URL=" + llm.base_url());
  env_strings.push_back("ASKDB_LLM_MODEL=fake");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string question = "Which stores took the most orders?";
  std::vector<char*> args = {askdb_binary.data(), const_cast<char*>("ask"), question.data(),
                             const_cast<char*>("--json"), nullptr};
  std::vector<double> walls;
  long peak_kb = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, askdb_binary.c_str(), &actions, nullptr, args.data(), envp.data()) != 0) {
      std::fprintf(stderr, "bench: cannot run %s\n", askdb_binary.c_str());
      return 1;
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    walls.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    peak_kb = std::max(peak_kb, usage.ru_maxrss);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "bench: askdb ask exited with %d\n", WEXITSTATUS(status));
      return 1;
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  std::printf("cold `askdb ask --json` process, cluster running, %d runs (%s):\n", runs,
              askdb_binary.c_str());
  std::printf("  wall: p50 %.1f ms  p99 %.1f ms   peak RSS: %.1f MiB\n", percentile(walls, 0.5),
              percentile(walls, 0.99), static_cast<double>(peak_kb) / 1024.0);

  (*ws)->release();
  if (temp_home) std::filesystem::remove_all(home);
  return 0;
}
