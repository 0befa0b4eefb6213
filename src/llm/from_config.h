// The LLM provider and the price table a configuration asks for.
//
// make_provider() picks the provider (llm.provider; when empty: openai when a base URL or key
// is set, anthropic when ANTHROPIC_API_KEY is, bedrock when AWS credentials are found, else
// none), fills in what the provider needs from the environment as the official SDKs do (AWS
// region and credential chain, endpoint overrides), and wraps it in the CallPolicy built from
// the llm.* timeouts, retries and limits.
// Thread-safety: the functions are pure except for reading the environment and files.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "llm/embedder.h"
#include "llm/exchange.h"
#include "llm/pricing.h"
#include "llm/provider.h"

namespace askdb::llm {

// The provider, or nullptr when none is configured (askdb then answers verified questions
// only). Error{kConfig} when the configuration cannot work (bedrock without a region, say).
Result<std::unique_ptr<Provider>> make_provider(const LlmConfig& config,
                                                const EnvLookup& env = process_env());

// llm.provider, or "bedrock" when it is empty and AWS credentials are found (without any
// network request: see aws_credentials_configured), else "".
std::string effective_provider(const LlmConfig& config, const EnvLookup& env = process_env());

CallPolicy call_policy(const LlmConfig& config);

// The embedder embedding.* asks for, or nullptr when embedding.provider is empty. Its timeouts,
// retries and limits are llm.*'s (its own queue and connections, though). Error{kConfig} when
// the configuration cannot work (bedrock without a region, say).
Result<std::unique_ptr<Embedder>> make_embedder(const EmbeddingConfig& embedding,
                                                const LlmConfig& llm,
                                                const EnvLookup& env = process_env());

// llm.prices followed by the built-in prices; Error{kConfig} for an unreadable entry.
Result<PriceTable> price_table(const LlmConfig& config);

}  // namespace askdb::llm
