// `askdb check`: calls the configured LLM and embedder once each, with a tiny request, and
// says what answered, how fast, for how many tokens and what it cost; or what went wrong and
// what to do. For trying a provider's setup (credentials, region, model access) before serving.
#pragma once

#include "config/config.h"

namespace askdb::cli {

// Prints the report (text, or one JSON object with `json`) and returns the exit status: 0 when
// the LLM answered (and the embedder, when one is configured), else the status of the first
// failure (3 for an LLM failure or none configured, 2 for a configuration error).
int run_check(const Config& config, bool json);

}  // namespace askdb::cli
