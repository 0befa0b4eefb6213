#include "cli/check.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/output.h"
#include "core/text.h"
#include "llm/aws_credentials.h"
#include "llm/from_config.h"

namespace askdb::cli {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  return buf;
}

std::string format_usd(std::optional<double> usd) {
  if (!usd) return "no price known";
  if (*usd > 0 && *usd < 0.0000005) return "under $0.000001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.6f", *usd);
  return buf;
}

// The outcome of one part of the check.
struct Part {
  json report;                   // for --json
  std::string line;              // for a terminal
  std::optional<Error> failure;  // what went wrong, if anything
};

Part check_llm(const Config& config, const llm::PriceTable& prices) {
  Part part;
  Result<std::unique_ptr<llm::Provider>> made = llm::make_provider(config.llm);
  if (!made) {
    part.failure = made.error();
  } else if (*made == nullptr) {
    part.failure =
        Error{ErrorCode::kLlm,
              "no LLM is configured: set ASKDB_LLM_PROVIDER with its credentials (AWS "
              "credentials for bedrock, ANTHROPIC_API_KEY, OPENAI_API_KEY, or "
              "ASKDB_LLM_BASE_URL for a local server); see README, \"Choosing the LLM\""};
  }
  if (part.failure) {
    part.report = {{"ok", false}, {"error", part.failure->message}};
    part.line = "LLM: " + part.failure->message;
    return part;
  }
  llm::Provider& provider = **made;
  llm::Request request;
  request.system = "You are checking a connection. Reply with the single word OK.";
  request.messages.push_back({llm::Role::kUser, "Reply with OK."});
  request.max_tokens = 16;
  const Clock::time_point start = Clock::now();
  Result<llm::Reply> reply = provider.complete(request);
  const double ms = ms_since(start);
  part.report = {{"provider", provider.describe()}, {"model", provider.model()}, {"ms", ms}};
  if (!reply) {
    part.failure = reply.error();
    part.report["ok"] = false;
    part.report["error"] = reply.error().message;
    part.line = "LLM: " + reply.error().message;
    return part;
  }
  const std::optional<double> cost = prices.cost_usd(provider.model(), reply->usage);
  const std::string text = shorten(collapse_whitespace(reply->text), 60);
  part.report["ok"] = true;
  part.report["reply"] = reply->text;
  part.report["tokens"] = {{"prompt", reply->usage.prompt_tokens},
                           {"completion", reply->usage.completion_tokens}};
  part.report["cost_usd"] = cost ? json(*cost) : json(nullptr);
  part.line = "LLM: " + provider.describe() + " answered \"" + text + "\" in " + format_ms(ms) +
              " (" + std::to_string(reply->usage.prompt_tokens) + " tokens in, " +
              std::to_string(reply->usage.completion_tokens) + " out, " + format_usd(cost) + ")";
  return part;
}

Part check_embedder(const Config& config, const llm::PriceTable& prices) {
  Part part;
  Result<std::unique_ptr<llm::Embedder>> made = llm::make_embedder(config.embedding, config.llm);
  if (!made) {
    part.failure = made.error();
    part.report = {{"ok", false}, {"error", made.error().message}};
    part.line = "Embeddings: " + made.error().message;
    return part;
  }
  if (*made == nullptr) {
    part.report = nullptr;
    part.line = config.embedding.provider == "none"
                    ? "Embeddings: none (embedding.provider = none): the index has no vectors"
                    : "Embeddings: askdb's built-in embedder (no embedding.provider set); "
                      "nothing to call";
    return part;
  }
  llm::Embedder& embedder = **made;
  const Clock::time_point start = Clock::now();
  Result<llm::Embeddings> got =
      embedder.embed({"How many orders were placed last month?", "orders.created_at timestamp"});
  const double ms = ms_since(start);
  part.report = {{"provider", embedder.describe()}, {"model", embedder.model()}, {"ms", ms}};
  if (!got) {
    part.failure = got.error();
    part.report["ok"] = false;
    part.report["error"] = got.error().message;
    part.line = "Embeddings: " + got.error().message;
    return part;
  }
  const std::optional<double> cost = prices.cost_usd(embedder.model(), llm::Usage{got->tokens, 0});
  part.report["ok"] = true;
  part.report["dimensions"] = embedder.dimensions();
  part.report["tokens"] = got->tokens;
  part.report["cost_usd"] = cost ? json(*cost) : json(nullptr);
  part.line = "Embeddings: " + embedder.describe() + " embedded 2 texts in " + format_ms(ms) +
              " (" + std::to_string(embedder.dimensions()) + " dimensions, " +
              std::to_string(got->tokens) + " tokens, " + format_usd(cost) + ")";
  return part;
}

// A hint when Bedrock is chosen but no credentials are visible without the network.
std::string credentials_hint(const Config& config) {
  const bool bedrock = config.llm.provider == "bedrock" || config.embedding.provider == "bedrock";
  if (!bedrock || llm::aws_credentials_configured(llm::AwsLookup{})) return "";
  return "no AWS credentials in the environment, ~/.aws or an ECS task role; only EC2 instance "
         "metadata is left to try";
}

}  // namespace

int run_check(const Config& config, bool json_output) {
  Result<llm::PriceTable> prices = llm::price_table(config.llm);
  if (!prices) return fail(prices.error(), json_output);
  const std::string hint = credentials_hint(config);
  if (!json_output && !hint.empty()) std::cerr << "askdb: " << hint << "\n";
  const Part chat = check_llm(config, *prices);
  if (!json_output) std::cout << chat.line << "\n" << std::flush;
  const Part embeddings = check_embedder(config, *prices);
  if (!json_output) std::cout << embeddings.line << "\n";
  if (json_output) {
    json out = {{"llm", chat.report}, {"embedding", embeddings.report}};
    if (!hint.empty()) out["warning"] = hint;
    print_json(out);
  }
  if (chat.failure) return exit_code_for(chat.failure->code);
  if (embeddings.failure) return exit_code_for(embeddings.failure->code);
  return 0;
}

}  // namespace askdb::cli
