#include "llm/from_config.h"

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

Result<std::unique_ptr<Provider>> make_provider(const LlmConfig& c, const EnvLookup& /*env*/) {
  const CallPolicy policy = call_policy(c);
  if (c.provider == "openai") {
    OpenAiOptions o;
    o.base_url = c.base_url;
    o.model = c.model;
    o.api_key = c.api_key;
    return make_openai_provider(o, policy);
  }
  return std::unique_ptr<Provider>();
}

}  // namespace askdb::llm
