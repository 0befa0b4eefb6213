#include "llm/from_config.h"

#include "llm/anthropic.h"
#include "llm/aws_credentials.h"
#include "llm/bedrock.h"
#include "llm/bedrock_embeddings.h"
#include "llm/openai.h"
#include "llm/openai_embeddings.h"

namespace askdb::llm {

CallPolicy call_policy(const LlmConfig& c) {
  CallPolicy p;
  p.connect_timeout_s = c.connect_timeout_s;
  p.first_byte_timeout_s = c.first_byte_timeout_s;
  p.idle_timeout_s = c.idle_timeout_s;
  p.timeout_s = c.timeout_s;
  p.max_retries = c.max_retries;
  p.max_concurrent = c.max_concurrent;
  p.max_queued = c.max_queued;
  p.ca_bundle = c.ca_bundle;
  return p;
}

Result<PriceTable> price_table(const LlmConfig& config) { return PriceTable::parse(config.prices); }

namespace {

// Region, endpoint and credential chain for Bedrock; `what` and `setting` name the use in the
// message when no region is found.
Result<BedrockOptions> bedrock_options(const std::string& region, const std::string& base_url,
                                       const EnvLookup& env, const std::string& what,
                                       const std::string& setting) {
  AwsLookup lookup;
  lookup.env = env;
  BedrockOptions o;
  o.region = region.empty() ? find_aws_region(lookup) : region;
  if (o.region.empty()) {
    return Error{ErrorCode::kConfig,
                 what +
                     " needs an AWS region, and none is set: set AWS_REGION (e.g. us-east-1) "
                     "or " +
                     setting +
                     ", or `region` in your AWS profile; the model must be "
                     "enabled in that region's Bedrock console."};
  }
  o.endpoint = base_url.empty() ? bedrock_endpoint(o.region, env) : base_url;
  auto chain = std::make_shared<AwsCredentialChain>(lookup);
  o.credentials = [chain] { return chain->get(); };
  return o;
}

Result<std::unique_ptr<Protocol>> bedrock_protocol(const LlmConfig& c, const EnvLookup& env) {
  Result<BedrockOptions> o = bedrock_options(c.region, c.base_url, env, "Claude on Amazon Bedrock",
                                             "llm.region (ASKDB_LLM_REGION)");
  if (!o) return o.error();
  o->model = c.model.empty() ? default_bedrock_model(o->region) : c.model;
  return make_bedrock_protocol(std::move(*o));
}

}  // namespace

Result<std::unique_ptr<Embedder>> make_embedder(const EmbeddingConfig& e, const LlmConfig& llm,
                                                const EnvLookup& env) {
  std::unique_ptr<EmbeddingWire> wire;
  if (e.provider == "openai") {
    OpenAiEmbeddingOptions o;
    o.base_url = e.base_url;
    o.model = e.model;
    o.api_key = e.api_key;
    o.dimensions = static_cast<size_t>(e.dimensions);
    wire = make_openai_embedding_wire(o);
  } else if (e.provider == "bedrock") {
    Result<BedrockOptions> bedrock =
        bedrock_options(e.region, e.base_url, env, "Titan embeddings on Amazon Bedrock",
                        "embedding.region (ASKDB_EMBEDDING_REGION)");
    if (!bedrock) return bedrock.error();
    BedrockEmbeddingOptions o;
    o.bedrock = std::move(*bedrock);
    o.bedrock.model = e.model;
    o.dimensions = static_cast<size_t>(e.dimensions);
    wire = make_titan_embedding_wire(std::move(o));
  } else {
    return std::unique_ptr<Embedder>();
  }
  EmbedderOptions options;
  options.batch_size = static_cast<size_t>(e.batch_size);
  options.parallel = static_cast<size_t>(e.parallel);
  return make_wire_embedder(std::move(wire), call_policy(llm), options);
}

std::string effective_provider(const LlmConfig& c, const EnvLookup& env) {
  if (!c.provider.empty()) return c.provider;
  AwsLookup lookup;
  lookup.env = env;
  return aws_credentials_configured(lookup) ? "bedrock" : "";
}

Result<std::unique_ptr<Provider>> make_provider(const LlmConfig& c, const EnvLookup& env) {
  const std::string provider = effective_provider(c, env);
  std::unique_ptr<Protocol> protocol;
  if (provider == "openai") {
    OpenAiOptions o;
    o.base_url = c.base_url;
    o.model = c.model;
    o.api_key = c.api_key;
    protocol = make_openai_protocol(o);
  } else if (provider == "anthropic") {
    AnthropicOptions o;
    o.base_url = c.base_url;
    o.model = c.model;
    o.api_key = c.api_key;
    protocol = make_anthropic_protocol(o);
  } else if (provider == "bedrock") {
    auto bedrock = bedrock_protocol(c, env);
    if (!bedrock) return bedrock.error();
    protocol = std::move(*bedrock);
  } else {
    return std::unique_ptr<Provider>();
  }
  return make_protocol_provider(std::move(protocol), call_policy(c));
}

}  // namespace askdb::llm
