// askdb's command line: ask, sql, demo, serve, users, migrate, index, context, learn, note,
// check, health, settings. Parses arguments, loads the configuration, opens the workspace and
// prints results; everything else lives in the layers below.
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "chat/result_json.h"
#include "chat/workspace.h"
#include "cli/check.h"
#include "cli/health.h"
#include "cli/output.h"
#include "cli/retrieval_commands.h"
#include "cli/setup_role.h"
#include "cli/table.h"
#include "config/config.h"
#include "core/log.h"
#include "llm/aws_credentials.h"
#include "server/app.h"
#include "server/auth_mode.h"
#include "server/passwords.h"
#include "store/migrations.h"
#include "store/users.h"

namespace askdb::cli {
namespace {

// Ctrl-C and SIGTERM: a dedicated thread waits for them, releases the workspace (stopping
// the embedded cluster if this process started it) and exits. No process is left behind.
class SignalGuard {
 public:
  SignalGuard() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  // Waits in a background thread; on a signal runs `cleanup` and exits 130.
  void watch(std::function<void()> cleanup) {
    std::thread([this, cleanup = std::move(cleanup)] {
      int sig = 0;
      sigwait(&set_, &sig);
      std::fprintf(stderr, "\naskdb: interrupted; stopping.\n");
      cleanup();
      _exit(128 + sig);
    }).detach();
  }

  // Blocks the calling thread until a signal arrives.
  int wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

// On a terminal, says so before the slow first start that creates the embedded cluster.
void announce_first_run(const Config& config) {
  if (config.target != TargetKind::kEmbedded || !isatty(STDERR_FILENO)) return;
  std::error_code ec;
  if (!std::filesystem::exists(config.embedded.home + "/cluster.json", ec)) {
    std::cerr << "askdb: first run: creating the embedded demo database in " << config.embedded.home
              << " (about 10 seconds)...\n";
  }
}

// Shared: the signal thread holds it too, so Ctrl-C during shutdown never sees it destroyed.
std::shared_ptr<chat::Workspace> open_workspace(const std::string& config_file, bool json,
                                                int& exit_code, bool update_index = true) {
  LoadOptions options;
  options.file = config_file;
  auto config = load_config(options);
  if (!config) {
    exit_code = fail(config.error(), json);
    return nullptr;
  }
  announce_first_run(*config);
  auto ws = chat::Workspace::open(*config, update_index);
  if (!ws) {
    exit_code = fail(ws.error(), json);
    return nullptr;
  }
  return std::move(*ws);
}

// Prints what --json asks for and the error, if any; returns the exit status. In text mode the
// SQL, the rows and the answer were printed as they arrived.
int finish(const chat::AskResult& result, bool json, bool with_answer) {
  // Cells from a SQL_ASCII database may not be UTF-8: replace, never abort.
  if (json) {
    std::cout << chat::to_json(result, with_answer)
                     .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  if (!result.error) return 0;
  if (!json) std::cerr << "askdb: " << result.error->message << "\n";
  return exit_code_for(result.error->code);
}

// "2 LLM calls, 1,840 tokens (1,700 in, 140 out), $0.0072 on claude-sonnet-4-5"
std::string usage_line(const chat::AskResult& r) {
  const auto& calls = r.llm_calls;
  std::ostringstream out;
  out << calls.size() << (calls.size() == 1 ? " LLM call, " : " LLM calls, ")
      << r.tokens.prompt_tokens + r.tokens.completion_tokens << " tokens ("
      << r.tokens.prompt_tokens << " in, " << r.tokens.completion_tokens << " out)";
  if (r.cost_usd) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "$%.4f", *r.cost_usd);
    out << ", " << buf;
  }
  out << " on " << calls.back().model;
  return out.str();
}

int run_ask(const std::string& config_file, const std::string& question, bool json,
            SignalGuard& signals) {
  if (auto st = chat::validate_question(question); !st) return fail(st.error(), json);
  int exit_code = 0;
  auto ws = open_workspace(config_file, json, exit_code);
  if (!ws) return exit_code;
  signals.watch([ws] { ws->release(); });

  chat::PipelineEvents events;
  bool answering = false;
  const bool tty = isatty(STDERR_FILENO);
  if (!json) {
    if (tty) {
      events.on_status = [](std::string_view stage) {
        std::cerr << "\r\033[2K… " << stage << std::flush;
      };
    }
    events.on_rows = [tty](const chat::AskResult& r) {
      if (tty) std::cerr << "\r\033[2K" << std::flush;
      std::cout << "SQL:\n" << r.sql << "\n\n";
      print_table(std::cout, r);
      std::cout << std::endl;
    };
    events.on_answer = [&answering, tty](std::string_view delta) {
      if (!answering) {
        if (tty) std::cerr << "\r\033[2K" << std::flush;
        std::cout << "Answer:\n";
        answering = true;
      }
      std::cout << delta << std::flush;
    };
  }
  auto result = ws->pipeline().ask(question, {}, events);
  if (!json) {
    if (tty) std::cerr << "\r\033[2K" << std::flush;
    if (answering) std::cout << "\n";
    if (!result.llm_calls.empty()) {
      std::cerr << "askdb: " << usage_line(result) << "\n";
    }
    if (result.error && !result.attempts.empty()) {
      std::cerr << "Attempts:\n";
      for (size_t i = 0; i < result.attempts.size(); ++i) {
        std::cerr << "  " << i + 1 << ". " << result.attempts[i].sql << "\n     → "
                  << (result.attempts[i].error.empty() ? "ran" : result.attempts[i].error) << "\n";
      }
    }
  }
  ws->release();
  return finish(result, json, true);
}

int run_sql(const std::string& config_file, const std::string& sql, bool json,
            SignalGuard& signals) {
  int exit_code = 0;
  auto ws = open_workspace(config_file, json, exit_code);
  if (!ws) return exit_code;
  signals.watch([ws] { ws->release(); });
  chat::PipelineEvents events;
  if (!json) {
    events.on_rows = [](const chat::AskResult& r) {
      std::cout << "SQL:\n" << r.sql << "\n\n";
      print_table(std::cout, r);
    };
  }
  auto result = ws->pipeline().run_sql(sql, events);
  ws->release();
  return finish(result, json, false);
}

struct ServeFlags {
  std::string host;  // empty: server.host
  int port = -1;     // -1: server.port
};

// `askdb serve` and `askdb demo`: the web chat and the API until Ctrl-C or SIGTERM.
// A server holds two sockets per open chat (the browser's and the LLM's): take every file
// descriptor the system allows.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int run_serve(const std::string& config_file, const ServeFlags& flags, bool demo,
              SignalGuard& signals) {
  raise_open_file_limit();
  // Two malloc arenas instead of glibc's 8 per core: the server's threads hand buffers to one
  // another, and memory freed in one arena is not reused by another. Measured with bench/load:
  // 5,000 open chats peak at 281 MiB instead of 321 MiB.
  mallopt(M_ARENA_MAX, 2);
  LoadOptions options;
  options.file = config_file;
  auto config = load_config(options);
  if (!config) return fail(config.error(), false);
  if (!flags.host.empty()) config->server.host = flags.host;
  if (flags.port >= 0) config->server.port = flags.port;
  if (demo && config->target != TargetKind::kEmbedded) {
    std::cerr << "askdb: `askdb demo` serves the embedded demo database, but a database is "
                 "configured (database.url, DATABASE_URL or PG* variables). Unset it, or run "
                 "`askdb serve` to chat with your database.\n";
    return 2;
  }
  // Before the database is opened and indexed: a container started without server.auth on
  // 0.0.0.0 says so at once. App::start checks again.
  if (auto auth = server::resolve_auth_mode(config->server); !auth) {
    return fail(auth.error(), false);
  }
  announce_first_run(*config);
  auto ws = chat::Workspace::open(*config);
  if (!ws) return fail(ws.error(), false);
  std::shared_ptr<chat::Workspace> workspace = std::move(*ws);
  auto app = server::App::start(*config, *workspace);
  if (!app) {
    workspace->release();
    return fail(app.error(), false);
  }
  std::cout << "askdb: the web chat is at " << (*app)->url() << "\n";
  // Through the log (JSON when stderr is not a terminal): a container's log is all JSON lines.
  const std::string llm = workspace->has_llm()
                              ? "LLM " + workspace->llm()->describe()
                              : std::string(
                                    "no LLM configured: only questions matching a verified "
                                    "example are answered (see README, \"Choosing the LLM\")");
  log_event(spdlog::level::info,
            "serving " + std::to_string(workspace->catalog()->tables.size()) + " tables; auth " +
                (*app)->auth_mode() + "; " + llm + ". Press Ctrl-C to stop.",
            {{"url", (*app)->url()}, {"version", ASKDB_VERSION}});
  if (config->llm.provider == "bedrock" && !llm::aws_credentials_configured(llm::AwsLookup{})) {
    spdlog::warn(
        "no AWS credentials in the environment, ~/.aws or an ECS task role; questions will try "
        "EC2 instance metadata, and fail if that has none. `askdb check` tries a call now.");
  }
  std::cout << std::flush;
  const int sig = signals.wait();
  spdlog::info("stopping on {}: no new connections; answers in flight get up to {} s",
               sig == SIGTERM  ? "SIGTERM"
               : sig == SIGINT ? "Ctrl-C"
                               : "a signal",
               config->server.shutdown_grace_s);
  (*app)->shutdown();
  app->reset();
  workspace->release();
  spdlog::info("stopped");
  return 0;
}

// Reads a password from stdin: one line, without echo on a terminal.
std::string read_password(const std::string& prompt) {
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The app store, migrated: for `askdb users` and `askdb migrate`. The workspace is kept open
// with it (it holds the embedded cluster, when that is where the store lives).
struct OpenStore {
  Config config;
  std::shared_ptr<chat::Workspace> workspace;
  pg::Connection conn;
};

Result<OpenStore> open_store(const std::string& config_file) {
  LoadOptions options;
  options.file = config_file;
  auto config = load_config(options);
  if (!config) return config.error();
  auto ws = chat::Workspace::open(*config);
  if (!ws) return ws.error();
  OpenStore out{*config, std::move(*ws), {}};
  auto conn = pg::Connection::open(out.workspace->store_conninfo(), "askdb's app store");
  if (!conn) return conn.error();
  if (auto st = store::migrate(*conn, out.config.store.schema); !st) return st.error();
  out.conn = std::move(*conn);
  return out;
}

// `askdb migrate`: brings the app store's tables up to date (serve does it at start too).
int run_migrate(const std::string& config_file) {
  auto opened = open_store(config_file);
  if (!opened) return fail(opened.error(), false);
  auto applied = store::applied_migrations(opened->conn, opened->config.store.schema);
  if (!applied) return fail(applied.error(), false);
  std::cout << "askdb: the app store (schema " << opened->config.store.schema << ") is at version "
            << (applied->empty() ? 0 : applied->back()) << "\n";
  return 0;
}

// `askdb users add|passwd|list|remove`: accounts for server.auth = "local".
int run_users(const std::string& config_file, const std::string& action, const std::string& name) {
  auto opened = open_store(config_file);
  if (!opened) return fail(opened.error(), false);
  pg::Connection& conn = opened->conn;
  store::UserStore users(opened->config.store.schema);
  if (action == "list") {
    auto list = users.list_users(conn);
    if (!list) return fail(list.error(), false);
    if (list->empty()) std::cerr << "askdb: no users yet; add one with `askdb users add NAME`\n";
    for (const auto& u : *list) std::cout << u.name << "\t" << u.created_at << "\n";
    return 0;
  }
  if (name.empty()) {
    return fail(make_error(ErrorCode::kUsage, "name the user: askdb users " + action + " NAME"),
                false);
  }
  Status st = ok_status();
  if (action == "add" || action == "passwd") {
    if (action == "add") {
      if (const std::string problem = store::user_name_problem(name); !problem.empty()) {
        return fail(make_error(ErrorCode::kUsage, problem), false);
      }
    }
    const std::string password = read_password("password for " + name + ": ");
    if (const std::string problem = server::password_problem(password); !problem.empty()) {
      return fail(make_error(ErrorCode::kUsage, problem), false);
    }
    auto hash = server::hash_password(password);
    if (!hash) return fail(hash.error(), false);
    st =
        action == "add" ? users.add_user(conn, name, *hash) : users.set_password(conn, name, *hash);
  } else if (action == "remove") {
    st = users.delete_user(conn, name);
  }
  if (!st) return fail(st.error(), false);
  std::cout << "askdb: user " << name
            << (action == "add"      ? " added"
                : action == "remove" ? " removed"
                                     : ": password changed")
            << "\n";
  return 0;
}

}  // namespace
}  // namespace askdb::cli

int main(int argc, char** argv) {
  using namespace askdb::cli;
  SignalGuard signals;  // first, before any thread starts
  // A closed pipe (askdb ... | head) must not kill askdb before it stops its cluster.
  signal(SIGPIPE, SIG_IGN);
  // The log goes to stderr: stdout is for what a command prints (rows, JSON, the chat's URL).
  // JSON lines unless stderr is a terminal (a container's log driver, CloudWatch, journald).
  std::string log_error;
  askdb::setup_logging(askdb::log_settings_from_env(std::getenv("ASKDB_LOG_FORMAT"),
                                                    std::getenv("ASKDB_LOG_LEVEL"),
                                                    isatty(STDERR_FILENO) == 1, &log_error));
  if (!log_error.empty()) {
    std::cerr << "askdb: " << log_error << "\n";
    return 2;
  }

  CLI::App app{"askdb: ask a PostgreSQL database questions in plain language."};
  app.set_version_flag("--version", std::string("askdb ") + ASKDB_VERSION);
  app.require_subcommand(1);
  std::string config_file;
  app.add_option("--config", config_file,
                 "configuration file (default $ASKDB_HOME/askdb.toml, "
                 "then ./askdb.toml)");

  std::string question;
  bool json = false;
  auto* ask = app.add_subcommand("ask", "ask a question; prints the SQL, the rows and an answer");
  ask->add_option("question", question, "the question, in plain language")->required();
  ask->add_flag("--json", json, "print one JSON object instead of text");

  std::string sql;
  auto* sqlcmd = app.add_subcommand("sql", "run a read-only SQL query through askdb's guard");
  sqlcmd->add_option("query", sql, "the SQL text")->required();
  sqlcmd->add_flag("--json", json, "print one JSON object instead of text");

  ServeFlags serve_flags;
  auto* demo = app.add_subcommand(
      "demo", "serve the web chat over the embedded demo database (http://127.0.0.1:8080)");
  auto* serve = app.add_subcommand("serve", "serve the web chat and the HTTP API");
  for (auto* cmd : {demo, serve}) {
    cmd->add_option("--host", serve_flags.host, "address to listen on (server.host)");
    cmd->add_option("--port", serve_flags.port, "port to listen on; 0 picks a free one")
        ->check(CLI::Range(0, 65535));
  }
  std::string users_action;
  std::string user_name;
  auto* users = app.add_subcommand("users", "manage the accounts of server.auth = \"local\"");
  users->add_option("action", users_action, "add, passwd, remove or list")
      ->required()
      ->check(CLI::IsMember({"add", "passwd", "remove", "list"}));
  users->add_option("name", user_name, "the user name");
  auto* migrate = app.add_subcommand("migrate", "create or update askdb's own tables (app store)");
  SetupRoleFlags role_flags;
  auto* setup_role = app.add_subcommand(
      "setup-role", "print (or --apply) the SQL that creates askdb's read-only database role");
  setup_role->add_option("--role", role_flags.role, "the role's name")->capture_default_str();
  setup_role->add_option("--schemas", role_flags.schemas, "schemas it may read, comma-separated")
      ->capture_default_str();
  setup_role->add_option("--password-env", role_flags.password_env,
                         "variable holding the role's password (--apply sets it)");
  setup_role->add_option("--work-mem", role_flags.work_mem, "work_mem cap set on the role")
      ->capture_default_str();
  setup_role->add_flag("--apply", role_flags.apply,
                       "run the statements as an administrator instead of printing them");
  setup_role->add_option("--admin-url", role_flags.admin_url,
                         "administrator's libpq URL for --apply (default ASKDB_ADMIN_URL, then "
                         "the PG* variables)");
  auto* check = app.add_subcommand(
      "check", "call the configured LLM and embedder once each and report how it went");
  check->add_flag("--json", json, "print one JSON object instead of text");
  auto* index = app.add_subcommand(
      "index", "rewrite the schema index now (askdb also does it when the catalog changes)");
  index->add_flag("--json", json, "print one JSON object instead of text");
  auto* context = app.add_subcommand(
      "context", "show what the LLM would see for a question: tables and why, the prompt");
  context->add_option("question", question, "the question, in plain language")->required();
  context->add_flag("--json", json, "print one JSON object instead of text");
  std::string learn_question;
  std::string learn_sql;
  auto* learn =
      app.add_subcommand("learn", "teach askdb a verified question and its SQL (the SQL must run)");
  learn->add_option("--question", learn_question, "the question, in plain language")->required();
  learn->add_option("--sql", learn_sql, "the SQL that answers it")->required();
  learn->add_flag("--json", json, "print one JSON object instead of text");
  std::string note_term;
  std::string note_text;
  auto* note = app.add_subcommand(
      "note", "add a glossary note (a term and what it means here); replaces the term's note");
  note->add_option("--term", note_term, "the term, as questions say it")->required();
  note->add_option("--text", note_text, "what it means in this database")->required();
  note->add_flag("--json", json, "print one JSON object instead of text");
  std::string health_url;
  double health_timeout_s = 5;
  auto* health = app.add_subcommand(
      "health", "exit 0 if a running `askdb serve` answers /healthz (for container health checks)");
  health->add_option("--url", health_url,
                     "URL to GET (default http://127.0.0.1:<server.port>/healthz)");
  health->add_option("--timeout", health_timeout_s, "seconds to wait")->check(CLI::PositiveNumber);
  auto* settings = app.add_subcommand("settings",
                                      "list every setting, its variable and default "
                                      "(Markdown)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (*ask) return run_ask(config_file, question, json, signals);
    if (*sqlcmd) return run_sql(config_file, sql, json, signals);
    if (*demo) return run_serve(config_file, serve_flags, true, signals);
    if (*serve) return run_serve(config_file, serve_flags, false, signals);
    if (*users) return run_users(config_file, users_action, user_name);
    if (*migrate) return run_migrate(config_file);
    if (*setup_role) {
      role_flags.config_file = config_file;
      return run_setup_role(role_flags);
    }
    if (*health) return run_health(config_file, health_url, health_timeout_s);
    if (*learn || *note) {
      int exit_code = 0;
      auto ws = open_workspace(config_file, json, exit_code);
      if (!ws) return exit_code;
      signals.watch([ws] { ws->release(); });
      const int code = *learn ? run_learn(*ws, learn_question, learn_sql, json)
                              : run_note(*ws, note_term, note_text, json);
      ws->release();  // the signal watcher holds the workspace: stop the cluster now
      return code;
    }
    if (*index || *context) {
      int exit_code = 0;
      auto ws = open_workspace(config_file, json, exit_code, /*update_index=*/!*index);
      if (!ws) return exit_code;
      signals.watch([ws] { ws->release(); });
      const int code = *index ? run_index(*ws, json) : run_context(*ws, question, json);
      ws->release();  // the signal watcher holds the workspace: stop the cluster now
      return code;
    }
    if (*check) {
      askdb::LoadOptions options;
      options.file = config_file;
      auto config = askdb::load_config(options);
      if (!config) return fail(config.error(), json);
      return run_check(*config, json);
    }
  } catch (const std::exception& e) {
    std::cerr << "askdb: internal error: " << e.what()
              << "\nThis is a bug in askdb; please report it with the command that caused it.\n";
    return 1;
  }
  if (*settings) {
    std::cout << "| key | environment variable | default | meaning |\n|---|---|---|---|\n";
    for (const auto& d : askdb::setting_docs()) {
      std::cout << "| `" << d.key << "` | `" << d.env << "` | "
                << (d.default_value.empty() ? "" : "`" + d.default_value + "`") << " | " << d.help
                << " |\n";
    }
    return 0;
  }
  return 2;
}
