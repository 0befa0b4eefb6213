// Config: every setting askdb reads, with its default, loaded from a TOML file and then
// overridden by environment variables.
//
// Precedence, lowest first: built-in default, the file (`--config FILE`, else
// $ASKDB_HOME/askdb.toml, else ./askdb.toml), then ASKDB_<SECTION>_<KEY> variables (and the
// conventional aliases DATABASE_URL, ASKDB_HOME, OPENAI_BASE_URL, OPENAI_API_KEY). An invalid
// value yields Error{kConfig} naming the key, where it came from and what is allowed.
// A loaded Config is a plain value: copy it freely, share it read-only between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace askdb {

struct DatabaseConfig {
  std::string url;       // target database (libpq URL or conninfo); empty: see TargetKind
  std::string password;  // joined to `url` when it has none (a secret kept out of the URL)
};

struct StoreConfig {
  std::string url;                        // where conversations live; empty: see config.cc
  std::string password;                   // joined to `url` when it has none
  std::string schema = "askdb";           // askdb's own tables; never shown to the LLM
  std::string synchronous_commit = "on";  // "off": store commits return before the disk has them
  int pool_size = 6;                      // connections to the store
};

struct EmbeddedConfig {
  std::string home;                 // $ASKDB_HOME: the cluster, its credentials, askdb.toml
  int port = 0;                     // 0: choose a free loopback port
  std::string pg_bin_dir;           // empty: pg_config --bindir, then /usr/lib/postgresql/*/bin
  std::string run_as = "postgres";  // the account the cluster runs under when askdb runs as root
};

struct LlmConfig {
  std::string provider;  // "" (see resolve in config.cc and chat/workspace.cc), "openai",
                         // "anthropic", "bedrock"; "none" is turned into ""
  std::string base_url;  // openai, anthropic
  std::string model;     // empty: the provider's default
  std::string api_key;   // openai, anthropic
  std::string region;    // bedrock; empty: AWS_REGION, AWS_DEFAULT_REGION, the AWS profile
  double connect_timeout_s = 10;
  double first_byte_timeout_s = 60;  // request sent → first byte of the reply
  double idle_timeout_s = 30;        // longest silence inside a reply; 0: no limit
  double timeout_s = 120;            // one LLM call in all, retries included
  int max_retries = 2;               // extra attempts on throttling, overload, resets
  int max_concurrent = 32;           // requests in flight to the provider
  int max_queued = 256;              // requests waiting beyond those; more: HTTP 429
  std::string ca_bundle;             // PEM file of CAs to trust; empty: the system's
  std::string prices;                // "pattern=in/out, ..." USD per million tokens
  int max_tokens = 1024;
  double temperature = 0;
};

// The embedder of the retrieval index (llm/embedder.h); its timeouts, retries and limits are
// llm.*'s.
struct EmbeddingConfig {
  std::string provider;  // "" (none), "openai" (and servers speaking its API), "bedrock"
  std::string model;     // empty: text-embedding-3-small, amazon.titan-embed-text-v2:0
  std::string base_url;  // openai; bedrock: the endpoint. Empty: see config.cc
  std::string api_key;   // openai
  std::string region;    // bedrock; empty: llm.region, then the AWS chain
  int dimensions = 0;    // 0: the model's own
  int batch_size = 64;   // texts per request (Titan: always 1)
  int parallel = 4;      // requests in flight for one batch of texts
};

struct QueryConfig {
  int64_t row_cap = 1000;
  int statement_timeout_ms = 30000;
  int lock_timeout_ms = 5000;
  int idle_in_transaction_timeout_ms = 60000;
  int pool_size = 4;
};

struct PipelineConfig {
  int max_retries = 2;              // extra SQL attempts after a refusal or an error
  int answer_rows = 50;             // rows shown to the LLM when it writes the answer
  int context_token_budget = 2000;  // schema + values + examples + notes in the SQL prompt
  double verified_match = 0.8;      // similarity that lets a verified question answer alone
  int history_turns = 6;            // earlier turns of a conversation given in full
  int history_token_budget = 1500;  // tokens of conversation history in each prompt
};

struct RetrievalConfig {
  int refresh_seconds = 60;  // how often a server checks the catalog for changes; 0: at start only
  std::string private_data;  // "schema.table" / "schema.table.column" globs never indexed or shown
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string auth;  // "none", "local", "proxy"; empty: none on loopback, else refuse to start
  std::string proxy_user_header = "X-Forwarded-User";  // auth = proxy: who the user is
  std::string proxy_trusted = "127.0.0.1/32,::1/128";  // load balancers (CIDRs): see config.cc
  int threads = 0;                                     // 0: one per core, at least 2
  double shutdown_grace_s = 20;
  int max_body_bytes = 1024 * 1024;
  int session_ttl_hours = 24 * 7;
  int requests_per_minute = 120;  // per user (or address) on the API; questions count more
  double idle_timeout_s = 75;     // an idle keep-alive connection is closed after this
  std::string metrics = "on";     // "on": GET /metrics serves Prometheus metrics; "off": 404
};

struct PathsConfig {
  std::string prompts_dir;  // empty: found next to the binary or in the source tree
  std::string web_dir;      // the web chat's files; empty: found like prompts_dir
  std::string demo_dir;
  std::string knowledge_dir;  // examples.json + glossary.md; empty: the demo's, for the demo
};

// Where the target database comes from, in the order askdb looks.
enum class TargetKind {
  kUrl,       // database.url or DATABASE_URL
  kPgEnv,     // PGHOST / PGDATABASE / PGSERVICE ...: libpq reads them itself
  kEmbedded,  // nothing configured: the private cluster in $ASKDB_HOME
};

struct Config {
  DatabaseConfig database;
  StoreConfig store;
  EmbeddedConfig embedded;
  LlmConfig llm;
  EmbeddingConfig embedding;
  QueryConfig query;
  PipelineConfig pipeline;
  RetrievalConfig retrieval;
  ServerConfig server;
  PathsConfig paths;

  TargetKind target = TargetKind::kEmbedded;
  std::string file;  // the file loaded, empty when none
};

// Reads an environment variable; nullopt when unset. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct LoadOptions {
  std::string file;  // --config; empty: the default places, where a missing file is fine
  EnvLookup env = process_env();
};

Result<Config> load_config(const LoadOptions& options);

// One documented setting, for `askdb config` and the README table.
struct SettingDoc {
  std::string key;  // "llm.model"
  std::string env;  // "ASKDB_LLM_MODEL"
  std::string default_value;
  std::string help;
};
std::vector<SettingDoc> setting_docs();

}  // namespace askdb
