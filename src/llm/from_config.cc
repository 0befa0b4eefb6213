#include "llm/from_config.h"

#include "llm/anthropic.h"
#include "llm/aws_credentials.h"
#include "llm/bedrock.h"
#include "llm/openai.h"

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

Result<std::unique_ptr<Protocol>> bedrock_protocol(const LlmConfig& c, const EnvLookup& env) {
  AwsLookup lookup;
  lookup.env = env;
  BedrockOptions o;
  o.region = c.region.empty() ? find_aws_region(lookup) : c.region;
  if (o.region.empty()) {
    return Error{ErrorCode::kConfig,
                 "Claude on Amazon Bedrock needs an AWS region, and none is set: set AWS_REGION "
                 "(e.g. us-east-1) or llm.region (ASKDB_LLM_REGION), or `region` in your AWS "
                 "profile; the model must be enabled in that region's Bedrock console."};
  }
  o.model = c.model.empty() ? default_bedrock_model(o.region) : c.model;
  o.endpoint = c.base_url.empty() ? bedrock_endpoint(o.region, env) : c.base_url;
  auto chain = std::make_shared<AwsCredentialChain>(lookup);
  o.credentials = [chain] { return chain->get(); };
  return make_bedrock_protocol(std::move(o));
}

}  // namespace

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
