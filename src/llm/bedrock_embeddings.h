// Embeddings from Amazon Titan Text Embeddings on Bedrock (v2 by default, v1 too), as an
// EmbeddingWire (llm/embedder.h), called with no AWS SDK.
//
// POST {endpoint}/model/amazon.titan-embed-text-v2:0/invoke with {"inputText", "dimensions",
// "normalize": true}, signed like every Bedrock request (llm/bedrock_signer.h); the reply's
// "embedding" and "inputTextTokenCount". Titan takes one text per request, so the embedder's
// batches are one text each and its parallel requests do the batching. Errors read like the
// chat provider's (llm/bedrock_error.h) and name the embedding settings.
//
// Thread-safety: the wire may be used by several calls at once (llm/exchange.h).
#pragma once

#include <cstddef>
#include <memory>

#include "llm/bedrock.h"
#include "llm/embedder.h"

namespace askdb::llm {

inline constexpr const char* kDefaultTitanModel = "amazon.titan-embed-text-v2:0";

struct BedrockEmbeddingOptions {
  BedrockOptions bedrock;  // region, endpoint, credentials; model empty: kDefaultTitanModel
  size_t dimensions = 0;   // Titan v2: 256, 512 or 1024; 0: the model's own (1024)
};

std::unique_ptr<EmbeddingWire> make_titan_embedding_wire(BedrockEmbeddingOptions options);

}  // namespace askdb::llm
