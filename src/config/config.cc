#include "config/config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/text.h"

namespace askdb {
namespace {

namespace fs = std::filesystem;

// One setting: where it lives in the file, its variable, how to parse and check it.
struct Setting {
  std::string section;
  std::string key;
  std::string help;
  std::string allowed;  // words for the error message
  bool text = true;     // a TOML string; else a TOML number
  // Parses `text` into the config; returns false when not allowed.
  std::function<bool(Config&, const std::string& text)> set;
  std::function<std::string(const Config&)> get;

  std::string name() const { return section + "." + key; }
  std::string env() const {
    std::string e = "ASKDB_" + section + "_" + key;
    for (auto& c : e) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return e;
  }
};

template <class S>
Setting text_setting(std::string section, std::string key, S Config::*sec, std::string S::*field,
                     std::string help, std::vector<std::string> choices = {}) {
  std::string allowed = "any text";
  if (!choices.empty()) {
    allowed = "one of:";
    for (const auto& c : choices) allowed += " \"" + c + "\"";
  }
  return Setting{
      std::move(section),
      std::move(key),
      std::move(help),
      allowed,
      true,
      [sec, field, choices](Config& c, const std::string& v) {
        if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
          return false;
        }
        c.*sec.*field = v;
        return true;
      },
      [sec, field](const Config& c) { return c.*sec.*field; }};
}

template <class S, class N>
Setting number_setting(std::string section, std::string key, S Config::*sec, N S::*field, double lo,
                       double hi, std::string help) {
  std::ostringstream allowed;
  allowed << (std::is_integral_v<N> ? "a whole number" : "a number") << " from " << lo << " to "
          << hi;
  return Setting{std::move(section),
                 std::move(key),
                 std::move(help),
                 allowed.str(),
                 false,
                 [sec, field, lo, hi](Config& c, const std::string& v) {
                   const std::string t(trim(v));
                   if (t.empty()) return false;
                   errno = 0;
                   char* end = nullptr;
                   const double d = std::strtod(t.c_str(), &end);
                   if (errno != 0 || end != t.c_str() + t.size() || !std::isfinite(d)) return false;
                   if (std::is_integral_v<N> && d != std::floor(d)) return false;
                   if (d < lo || d > hi) return false;
                   c.*sec.*field = static_cast<N>(d);
                   return true;
                 },
                 [sec, field](const Config& c) {
                   std::ostringstream o;
                   o << c.*sec.*field;
                   return o.str();
                 }};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      text_setting("database", "url", &Config::database, &DatabaseConfig::url,
                   "Target database, a libpq URL or conninfo (also DATABASE_URL). Empty: the PG* "
                   "variables if set, else the embedded demo cluster."),
      text_setting("database", "password", &Config::database, &DatabaseConfig::password,
                   "Password for database.url when the URL has none, so the URL can be plain "
                   "configuration and the password a secret (ASKDB_DATABASE_PASSWORD_FILE reads "
                   "it from a file). Also PGPASSWORD or ~/.pgpass."),
      text_setting("store", "url", &Config::store, &StoreConfig::url,
                   "Database for askdb's own tables (conversations, users), a libpq URL; its "
                   "role needs CREATE there. Empty: the embedded cluster, or database.url."),
      text_setting("store", "password", &Config::store, &StoreConfig::password,
                   "Password for store.url when the URL has none (ASKDB_STORE_PASSWORD_FILE "
                   "reads it from a file)."),
      text_setting("store", "schema", &Config::store, &StoreConfig::schema,
                   "Schema of askdb's own tables, left out of what the LLM sees."),
      text_setting("store", "synchronous_commit", &Config::store, &StoreConfig::synchronous_commit,
                   "on: every write of a conversation waits until PostgreSQL has it on disk. "
                   "off: writes return sooner under heavy load, but a crash of PostgreSQL "
                   "itself (not of askdb) can lose the last half second of them.",
                   {"on", "off"}),
      number_setting("store", "pool_size", &Config::store, &StoreConfig::pool_size, 1, 1000,
                     "Connections kept open to the app store."),
      text_setting("embedded", "home", &Config::embedded, &EmbeddedConfig::home,
                   "askdb's home (also ASKDB_HOME): the embedded cluster and its credentials. "
                   "Default ~/.local/share/askdb, /var/lib/askdb for root."),
      number_setting("embedded", "port", &Config::embedded, &EmbeddedConfig::port, 0, 65535,
                     "Loopback port of the embedded cluster; 0 picks a free one."),
      text_setting("embedded", "pg_bin_dir", &Config::embedded, &EmbeddedConfig::pg_bin_dir,
                   "Folder with initdb and pg_ctl. Empty: pg_config --bindir, then "
                   "/usr/lib/postgresql/<newest>/bin."),
      text_setting("embedded", "run_as", &Config::embedded, &EmbeddedConfig::run_as,
                   "Account the embedded cluster runs under when askdb runs as root."),
      text_setting("llm", "provider", &Config::llm, &LlmConfig::provider,
                   "LLM provider: bedrock, anthropic, openai (and servers speaking its API), "
                   "none. Empty: openai when a base URL or API key is set, anthropic when "
                   "ANTHROPIC_API_KEY is, bedrock when AWS credentials are found, else none.",
                   {"", "openai", "anthropic", "bedrock", "none"}),
      text_setting("llm", "base_url", &Config::llm, &LlmConfig::base_url,
                   "Server URL. openai: also OPENAI_BASE_URL, default https://api.openai.com/v1 "
                   "(Ollama: http://127.0.0.1:11434/v1). anthropic: also ANTHROPIC_BASE_URL, "
                   "default https://api.anthropic.com. bedrock: see AWS_ENDPOINT_URL."),
      text_setting("llm", "model", &Config::llm, &LlmConfig::model,
                   "Model name. Defaults: bedrock the Claude Sonnet 4.5 inference profile of "
                   "the region, anthropic claude-sonnet-4-5, openai gpt-4o-mini."),
      text_setting("llm", "api_key", &Config::llm, &LlmConfig::api_key,
                   "API key (also OPENAI_API_KEY or ANTHROPIC_API_KEY). Prefer a variable to "
                   "the file."),
      text_setting("llm", "region", &Config::llm, &LlmConfig::region,
                   "bedrock: AWS region. Empty: AWS_REGION, AWS_DEFAULT_REGION, then the AWS "
                   "profile's region."),
      number_setting("llm", "connect_timeout_s", &Config::llm, &LlmConfig::connect_timeout_s, 0.1,
                     600, "Seconds to wait for the LLM server to accept the connection."),
      number_setting("llm", "first_byte_timeout_s", &Config::llm, &LlmConfig::first_byte_timeout_s,
                     0, 3600,
                     "Seconds from sending a request to the first byte of the reply; 0: no "
                     "limit beyond llm.timeout_s."),
      number_setting("llm", "idle_timeout_s", &Config::llm, &LlmConfig::idle_timeout_s, 0, 3600,
                     "Longest silence, in seconds, while a reply streams; 0: no limit beyond "
                     "llm.timeout_s."),
      number_setting("llm", "timeout_s", &Config::llm, &LlmConfig::timeout_s, 1, 3600,
                     "Seconds one LLM call may take in all, retries included."),
      number_setting("llm", "max_retries", &Config::llm, &LlmConfig::max_retries, 0, 10,
                     "Extra attempts after throttling, overload, a 5xx or a dropped connection "
                     "(backoff with jitter, Retry-After honoured); never once text has "
                     "streamed."),
      number_setting("llm", "max_concurrent", &Config::llm, &LlmConfig::max_concurrent, 1, 100000,
                     "LLM requests in flight at once; more wait in a queue."),
      number_setting("llm", "max_queued", &Config::llm, &LlmConfig::max_queued, 0, 1000000,
                     "LLM requests that may wait for a place; beyond, questions get HTTP 429."),
      text_setting("llm", "ca_bundle", &Config::llm, &LlmConfig::ca_bundle,
                   "PEM file of certificate authorities to trust for the LLM (a TLS-inspecting "
                   "proxy's, say) as well as the system's. TLS is always verified. "
                   "HTTPS_PROXY and NO_PROXY are honoured."),
      text_setting("llm", "prices", &Config::llm, &LlmConfig::prices,
                   "USD per million input/output tokens by model, \"pattern=in/out\" separated "
                   "by commas, * matching any text, first match wins, checked before askdb's "
                   "built-in list prices. Models without a price show no cost."),
      number_setting("llm", "max_tokens", &Config::llm, &LlmConfig::max_tokens, 16, 200000,
                     "Most tokens the LLM may write per reply."),
      number_setting("llm", "temperature", &Config::llm, &LlmConfig::temperature, 0, 2,
                     "Sampling temperature; 0 is the most repeatable."),
      text_setting("embedding", "provider", &Config::embedding, &EmbeddingConfig::provider,
                   "Embeddings for the retrieval index: openai (and servers speaking its API: "
                   "Ollama, vLLM, llama.cpp, LM Studio) or bedrock (Titan Text Embeddings). "
                   "Timeouts, retries and limits are llm.*'s.",
                   {"", "openai", "bedrock", "none"}),
      text_setting("embedding", "model", &Config::embedding, &EmbeddingConfig::model,
                   "Embedding model. Defaults: openai text-embedding-3-small, bedrock "
                   "amazon.titan-embed-text-v2:0; Ollama: nomic-embed-text, say."),
      text_setting(
          "embedding", "base_url", &Config::embedding, &EmbeddingConfig::base_url,
          "openai: server URL; empty: OPENAI_BASE_URL, then llm.base_url when llm.provider "
          "is openai, then https://api.openai.com/v1. bedrock: the endpoint; empty: "
          "AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL, the region's."),
      text_setting("embedding", "api_key", &Config::embedding, &EmbeddingConfig::api_key,
                   "openai: API key; empty: llm.api_key when the embeddings go to the chat's "
                   "server, OPENAI_API_KEY when they go to OpenAI or to OPENAI_BASE_URL."),
      text_setting("embedding", "region", &Config::embedding, &EmbeddingConfig::region,
                   "bedrock: AWS region; empty: llm.region, AWS_REGION, AWS_DEFAULT_REGION, then "
                   "the AWS profile's."),
      number_setting("embedding", "dimensions", &Config::embedding, &EmbeddingConfig::dimensions, 0,
                     16384,
                     "Vector length to ask for (Titan v2: 256, 512 or 1024; OpenAI "
                     "text-embedding-3-*: any up to the model's); 0: the model's own."),
      number_setting("embedding", "batch_size", &Config::embedding, &EmbeddingConfig::batch_size, 1,
                     2048, "Texts per embeddings request (Titan takes one per request)."),
      number_setting("embedding", "parallel", &Config::embedding, &EmbeddingConfig::parallel, 1, 64,
                     "Embeddings requests in flight at once while indexing."),
      number_setting("query", "row_cap", &Config::query, &QueryConfig::row_cap, 1, 1000000,
                     "Most rows a query returns; the guard adds or lowers LIMIT to this."),
      number_setting("query", "statement_timeout_ms", &Config::query,
                     &QueryConfig::statement_timeout_ms, 1, 86400000,
                     "statement_timeout for each query, in milliseconds."),
      number_setting("query", "lock_timeout_ms", &Config::query, &QueryConfig::lock_timeout_ms, 1,
                     86400000, "lock_timeout for each query, in milliseconds."),
      number_setting("query", "idle_in_transaction_timeout_ms", &Config::query,
                     &QueryConfig::idle_in_transaction_timeout_ms, 1, 86400000,
                     "idle_in_transaction_session_timeout, in milliseconds."),
      number_setting("query", "pool_size", &Config::query, &QueryConfig::pool_size, 1, 1000,
                     "Connections kept open to the target database."),
      number_setting("pipeline", "max_retries", &Config::pipeline, &PipelineConfig::max_retries, 0,
                     10, "Extra SQL attempts after a guard refusal or a database error."),
      number_setting("pipeline", "answer_rows", &Config::pipeline, &PipelineConfig::answer_rows, 0,
                     10000, "Rows the LLM sees when it writes the answer in words."),
      number_setting("pipeline", "context_token_budget", &Config::pipeline,
                     &PipelineConfig::context_token_budget, 200, 1000000,
                     "Tokens of schema, values, examples and notes in the SQL prompt; the "
                     "whole schema when it fits, else the tables the question needs."),
      number_setting("pipeline", "verified_match", &Config::pipeline,
                     &PipelineConfig::verified_match, 0.1, 1,
                     "Similarity (0-1) at which a verified question answers without an LLM."),
      number_setting("pipeline", "history_turns", &Config::pipeline, &PipelineConfig::history_turns,
                     0, 100,
                     "Earlier turns of a conversation given to the LLM in full; older ones are "
                     "cut to their questions."),
      number_setting("pipeline", "history_token_budget", &Config::pipeline,
                     &PipelineConfig::history_token_budget, 0, 100000,
                     "Tokens of conversation history in each prompt."),
      number_setting("retrieval", "refresh_seconds", &Config::retrieval,
                     &RetrievalConfig::refresh_seconds, 0, 86400,
                     "How often askdb serve checks the database's catalog for changes and "
                     "re-indexes; 0: only at start (askdb index does it by hand)."),
      text_setting("retrieval", "private", &Config::retrieval, &RetrievalConfig::private_data,
                   "Tables (schema.table) and columns (schema.table.column) never indexed, "
                   "sampled or shown to the LLM, comma-separated; * matches any run of "
                   "characters: public.customers.email, *.*.ssn, hr.*"),
      text_setting("server", "host", &Config::server, &ServerConfig::host,
                   "Address askdb serve listens on. Anything but loopback needs server.auth."),
      number_setting("server", "port", &Config::server, &ServerConfig::port, 0, 65535,
                     "Port askdb serve listens on; 0 picks a free one."),
      text_setting("server", "auth", &Config::server, &ServerConfig::auth,
                   "Who may use the web chat: none (loopback only), local (askdb users add) or "
                   "proxy (a header set by a trusted load balancer). Empty: none on loopback.",
                   {"", "none", "local", "proxy"}),
      text_setting("server", "proxy_user_header", &Config::server, &ServerConfig::proxy_user_header,
                   "auth = proxy: the request header naming the signed-in user."),
      text_setting("server", "proxy_trusted", &Config::server, &ServerConfig::proxy_trusted,
                   "Load balancers, as comma-separated addresses or CIDRs: auth = proxy trusts "
                   "the user header only from them, and behind them rate limits count the "
                   "client's address from X-Forwarded-For rather than theirs."),
      number_setting("server", "threads", &Config::server, &ServerConfig::threads, 0, 256,
                     "Event-loop threads; 0: one per core, at least 2."),
      number_setting("server", "shutdown_grace_s", &Config::server, &ServerConfig::shutdown_grace_s,
                     0, 3600, "Seconds answers in flight may finish after SIGTERM or Ctrl-C."),
      number_setting("server", "max_body_bytes", &Config::server, &ServerConfig::max_body_bytes,
                     1024, 64 * 1024 * 1024, "Largest request body accepted, in bytes."),
      number_setting("server", "session_ttl_hours", &Config::server,
                     &ServerConfig::session_ttl_hours, 1, 24 * 365,
                     "auth = local: hours a login lasts."),
      number_setting("server", "requests_per_minute", &Config::server,
                     &ServerConfig::requests_per_minute, 1, 1000000,
                     "API requests per minute per user or address before 429."),
      number_setting("server", "idle_timeout_s", &Config::server, &ServerConfig::idle_timeout_s, 1,
                     3600,
                     "Seconds an idle keep-alive connection stays open. Behind a load balancer, "
                     "keep it above the balancer's own idle timeout (an AWS ALB's is 60 s)."),
      text_setting("server", "metrics", &Config::server, &ServerConfig::metrics,
                   "on: GET /metrics serves Prometheus metrics, without a login (block it at "
                   "the load balancer; see docs/api.md). off: 404, and nothing is recorded.",
                   {"on", "off"}),
      text_setting("paths", "prompts_dir", &Config::paths, &PathsConfig::prompts_dir,
                   "Folder of prompt templates. Empty: the prompts/ shipped with askdb."),
      text_setting("paths", "web_dir", &Config::paths, &PathsConfig::web_dir,
                   "Folder of the web chat's files. Empty: the web/ shipped with askdb."),
      text_setting("paths", "demo_dir", &Config::paths, &PathsConfig::demo_dir,
                   "Folder of the demo data set. Empty: the demo/ shipped with askdb."),
      text_setting("paths", "knowledge_dir", &Config::paths, &PathsConfig::knowledge_dir,
                   "Folder with examples.json (verified question/SQL pairs) and glossary.md for "
                   "the target database. Empty: the demo's, with the embedded database."),
  };
  return all;
}

const Setting* find_setting(const std::string& section, const std::string& key) {
  for (const auto& s : settings()) {
    if (s.section == section && s.key == key) return &s;
  }
  return nullptr;
}

Error invalid(const Setting& s, const std::string& value, const std::string& where) {
  return make_error(ErrorCode::kConfig, s.name() + " = \"" + value + "\" " + where +
                                            " is not allowed: use " + s.allowed + ".");
}

std::string default_home(const EnvLookup& env) {
  if (geteuid() == 0) return "/var/lib/askdb";
  if (auto xdg = env("XDG_DATA_HOME"); xdg && !xdg->empty()) return *xdg + "/askdb";
  if (auto home = env("HOME"); home && !home->empty()) return *home + "/.local/share/askdb";
  return ".askdb";
}

std::string expand_home(const std::string& path, const EnvLookup& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    if (auto home = env("HOME"); home) return *home + path.substr(1);
  }
  return path;
}

std::string toml_value_text(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) {
    std::ostringstream o;
    o << f->get();
    return o.str();
  }
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  return "<" + std::string(toml::impl::node_type_friendly_names[static_cast<int>(node.type())]) +
         ">";
}

Status apply_file(Config& config, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": the configuration file is not valid TOML: " << e.description();
    return make_error(ErrorCode::kConfig, msg.str());
  }
  for (const auto& [section_key, section_node] : table) {
    const std::string section(section_key.str());
    const auto* section_table = section_node.as_table();
    if (section_table == nullptr) {
      return make_error(ErrorCode::kConfig, path + ": \"" + section +
                                                "\" must be a [section]; see askdb.example.toml "
                                                "for the layout.");
    }
    for (const auto& [key_node, value] : *section_table) {
      const std::string key(key_node.str());
      const Setting* s = find_setting(section, key);
      if (s == nullptr) {
        std::string known;
        for (const auto& k : settings()) {
          if (k.section == section) known += (known.empty() ? "" : ", ") + k.key;
        }
        return make_error(ErrorCode::kConfig,
                          path + ": unknown setting " + section + "." + key +
                              (known.empty() ? " (no section [" + section + "] exists)"
                                             : "; [" + section + "] knows: " + known) +
                              ".");
      }
      const std::string text = toml_value_text(value);
      if (s->text != value.is_string()) {
        return make_error(ErrorCode::kConfig, path + ": " + s->name() + " = " + text +
                                                  " has the wrong type: use " +
                                                  (s->text ? "a quoted string" : s->allowed) + ".");
      }
      if (!s->set(config, text)) return invalid(*s, text, "in " + path);
    }
  }
  config.file = path;
  return ok_status();
}

// The value of a *_FILE variable: the file's text without its trailing line break(s), as a
// secret mounted by Docker, Kubernetes or ECS is written.
Result<std::string> read_secret_file(const std::string& variable, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kConfig, variable + " = " + path + ": the file cannot be read (" +
                                              std::strerror(errno) +
                                              "). Check the path and that askdb's user may "
                                              "read it, or unset " +
                                              variable + ".");
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Status apply_env(Config& config, const EnvLookup& env) {
  for (const auto& s : settings()) {
    std::string variable = s.env();
    std::optional<std::string> v = env(variable);
    if (!v && s.name() == "database.url") v = env(variable = "DATABASE_URL");
    if (!v && s.name() == "embedded.home") v = env(variable = "ASKDB_HOME");
    // ASKDB_<SECTION>_<KEY>_FILE: the value is the named file's text (secrets mounted as files).
    const std::string file_variable = s.env() + "_FILE";
    if (auto path = env(file_variable)) {
      if (v) {
        return make_error(ErrorCode::kConfig, "both " + file_variable + " and " + variable +
                                                  " are set; keep one of them.");
      }
      auto text = read_secret_file(file_variable, *path);
      if (!text) return text.error();
      // The value is not repeated in the message: it may be a secret.
      if (!s.set(config, *text)) {
        return make_error(ErrorCode::kConfig, s.name() + " from the file " + *path + " (" +
                                                  file_variable + ") is not allowed: use " +
                                                  s.allowed + ".");
      }
      continue;
    }
    if (v && !s.set(config, *v)) return invalid(s, *v, "from " + variable);
  }
  return ok_status();
}

void strip_trailing_slashes(std::string& url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
}

// Fills in the provider (when it follows from the environment) and its defaults. Bedrock's
// region and model, and the choice of Bedrock when AWS credentials are found, are settled when
// the provider is made (chat/workspace.cc): they need the AWS credential chain.
void resolve_llm(Config& config, const EnvLookup& env) {
  auto& llm = config.llm;
  if (llm.provider == "none") {
    llm.provider.clear();
    return;
  }
  if (llm.provider.empty()) {
    if (!llm.base_url.empty() || !llm.api_key.empty() || env("OPENAI_BASE_URL") ||
        env("OPENAI_API_KEY")) {
      llm.provider = "openai";
    } else if (env("ANTHROPIC_API_KEY") || env("ANTHROPIC_BASE_URL")) {
      llm.provider = "anthropic";
    }
  }
  if (llm.provider == "openai") {
    if (llm.base_url.empty()) llm.base_url = env("OPENAI_BASE_URL").value_or("");
    if (llm.api_key.empty()) llm.api_key = env("OPENAI_API_KEY").value_or("");
    if (llm.base_url.empty()) llm.base_url = "https://api.openai.com/v1";
    if (llm.model.empty()) llm.model = "gpt-4o-mini";
  } else if (llm.provider == "anthropic") {
    if (llm.base_url.empty()) llm.base_url = env("ANTHROPIC_BASE_URL").value_or("");
    if (llm.api_key.empty()) llm.api_key = env("ANTHROPIC_API_KEY").value_or("");
    if (llm.base_url.empty()) llm.base_url = "https://api.anthropic.com";
    if (llm.model.empty()) llm.model = "claude-sonnet-4-5";
  }
  strip_trailing_slashes(llm.base_url);
}

// Fills in the embedder's defaults; openai's URL and key may come from the chat provider's.
void resolve_embedding(Config& config, const EnvLookup& env) {
  auto& e = config.embedding;
  const auto& llm = config.llm;
  if (e.provider == "none") e.provider.clear();
  if (e.provider == "openai") {
    constexpr const char* kOpenAi = "https://api.openai.com/v1";
    std::string from_env = env("OPENAI_BASE_URL").value_or("");
    strip_trailing_slashes(from_env);
    if (e.base_url.empty()) e.base_url = from_env;
    if (e.base_url.empty() && llm.provider == "openai") e.base_url = llm.base_url;
    if (e.base_url.empty()) e.base_url = kOpenAi;
    strip_trailing_slashes(e.base_url);
    // A key goes only to the server it was given for: the chat's key to the chat's server,
    // OPENAI_API_KEY to OpenAI or to OPENAI_BASE_URL's server.
    if (e.api_key.empty() && llm.provider == "openai" && e.base_url == llm.base_url) {
      e.api_key = llm.api_key;
    }
    if (e.api_key.empty() && (e.base_url == kOpenAi || e.base_url == from_env)) {
      e.api_key = env("OPENAI_API_KEY").value_or("");
    }
    if (e.model.empty()) e.model = "text-embedding-3-small";
  } else if (e.provider == "bedrock") {
    if (e.region.empty()) e.region = llm.region;
    if (e.model.empty()) e.model = "amazon.titan-embed-text-v2:0";
  }
  strip_trailing_slashes(e.base_url);
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> load_config(const LoadOptions& options) {
  Config config;
  const EnvLookup& env = options.env;
  config.embedded.home = expand_home(env("ASKDB_HOME").value_or(default_home(env)), env);

  std::string file = options.file;
  if (!file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      return make_error(
          ErrorCode::kConfig,
          "the configuration file " + file + " does not exist or is not a file; check --config.");
    }
  } else {
    for (const auto& candidate :
         {config.embedded.home + "/askdb.toml", std::string("askdb.toml")}) {
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        file = candidate;
        break;
      }
    }
  }
  if (!file.empty()) {
    if (auto st = apply_file(config, file); !st) return st.error();
  }
  if (auto st = apply_env(config, env); !st) return st.error();
  config.embedded.home = expand_home(config.embedded.home, env);
  if (config.embedded.home.empty()) {
    return make_error(ErrorCode::kConfig,
                      "embedded.home is empty; set ASKDB_HOME to a folder "
                      "askdb may write to.");
  }
  resolve_llm(config, env);
  resolve_embedding(config, env);
  const std::string& schema = config.store.schema;
  if (schema.empty() ||
      schema.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return make_error(ErrorCode::kConfig, "store.schema = \"" + schema +
                                              "\" is not allowed: use a lower-case name of "
                                              "letters, digits and _.");
  }

  if (!config.database.url.empty()) {
    config.target = TargetKind::kUrl;
  } else {
    config.target = TargetKind::kEmbedded;
    for (const char* v : {"PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER"}) {
      if (env(v)) config.target = TargetKind::kPgEnv;
    }
  }
  return config;
}

std::vector<SettingDoc> setting_docs() {
  const Config defaults;
  std::vector<SettingDoc> out;
  for (const auto& s : settings()) {
    out.push_back({s.name(), s.env(), s.get(defaults), s.help});
  }
  return out;
}

}  // namespace askdb
