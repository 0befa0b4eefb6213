// Embeddings from OpenAI's /v1/embeddings API and the servers that speak it (Ollama, vLLM, the
// llama.cpp server, LM Studio), as an EmbeddingWire (llm/embedder.h).
//
// POST {base_url}/embeddings with {"model", "input": [texts], "encoding_format": "float"} and
// "dimensions" when set; the reply's data[].embedding, ordered by data[].index, and
// usage.prompt_tokens. Errors read like the chat provider's (llm/openai_error.h) and name the
// embedding settings (ASKDB_EMBEDDING_MODEL, ASKDB_EMBEDDING_BASE_URL, ...).
//
// Thread-safety: the wire may be used by several calls at once (llm/exchange.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "llm/embedder.h"

namespace askdb::llm {

struct OpenAiEmbeddingOptions {
  std::string base_url = "https://api.openai.com/v1";  // without the trailing /embeddings
  std::string model = "text-embedding-3-small";
  std::string api_key;    // empty: no Authorization header
  size_t dimensions = 0;  // 0: the model's own (text-embedding-3-* can shorten theirs)
};

std::unique_ptr<EmbeddingWire> make_openai_embedding_wire(const OpenAiEmbeddingOptions& options);

}  // namespace askdb::llm
