// Embedder: turns texts into vectors, for the retrieval index (questions, tables, columns,
// examples and notes compared by meaning).
//
// Embedders that call a service (Titan Text Embeddings on Bedrock, OpenAI's /v1/embeddings
// and the servers that speak it, Ollama among them) are an EmbeddingWire plus a CallPolicy:
// make_wire_embedder() splits the texts into batches of the wire's size, sends up to
// `parallel` batches at once through one Exchange (llm/exchange.h: its queue, retries with
// backoff, timeouts and cancellation), and puts the vectors back in the order of the texts.
// Every vector is scaled to unit length, so a dot product is the cosine similarity. A blank
// text is not sent and gets an empty vector; a text longer than `max_input_bytes` is cut (at
// a UTF-8 boundary) before it is sent.
//
// Thread-safety: one Embedder may be used by several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/exchange.h"
#include "llm/provider.h"

namespace askdb::llm {

struct Embeddings {
  std::vector<std::vector<float>> vectors;  // one per text, in order; empty for a blank text
  int64_t tokens = 0;                       // input tokens, as the provider counted them
};

using EmbeddingsHandler = std::function<void(Result<Embeddings> embeddings)>;

class Embedder {
 public:
  virtual ~Embedder() = default;

  // For messages and logs: "bedrock (amazon.titan-embed-text-v2:0 in us-east-1)".
  virtual std::string describe() const = 0;
  virtual std::string model() const = 0;
  // The length of every vector: as configured, else as the first reply showed; 0 before that.
  virtual size_t dimensions() const = 0;

  // Embeds `texts` and returns at once. `on_done` runs once and must not block: on the
  // embedder's transfer thread, or on the caller's inside start() (nothing to send, a batch
  // that cannot be encoded or is refused at once), or on the thread that calls cancel(). Do not
  // hold a lock `on_done` takes while calling start() or cancel(). Call::cancel() stops every
  // batch still queued or in flight.
  virtual std::shared_ptr<Call> start(std::vector<std::string> texts,
                                      EmbeddingsHandler on_done) = 0;

  // The blocking form, for callers that may wait (indexing, the command line, tests).
  Result<Embeddings> embed(std::vector<std::string> texts);
};

// One embeddings endpoint: the Wire (address, decode, errors) and how to encode a batch. Its
// decoder's Reply carries the batch's vectors in `vectors` and the input tokens in
// usage.prompt_tokens.
class EmbeddingWire : public Wire {
 public:
  // Most texts in one request (Titan: 1).
  virtual size_t max_batch() const = 0;
  // The vector length asked for; 0: the model's own.
  virtual size_t dimensions() const = 0;
  // The request body for a batch of non-blank texts (at most max_batch()).
  virtual Result<std::string> encode(const std::vector<std::string_view>& texts) const = 0;
};

struct EmbedderOptions {
  size_t batch_size = 64;               // texts per request, at most the wire's max_batch()
  size_t parallel = 4;                  // requests in flight for one start()
  size_t max_input_bytes = 8000;        // longer texts are cut to this (about 2,000 tokens)
  size_t max_batch_bytes = 256 * 1024;  // a batch ends before its texts pass this
};

std::unique_ptr<Embedder> make_wire_embedder(std::unique_ptr<EmbeddingWire> wire,
                                             const CallPolicy& policy,
                                             const EmbedderOptions& options = {});

// A chat provider's error message reworded for an embedder: the settings it names become the
// embedding ones (ASKDB_LLM_MODEL → ASKDB_EMBEDDING_MODEL; BASE_URL, API_KEY and REGION alike)
// and "/chat/completions" becomes "/embeddings". The errors of both then read the same way.
std::string for_embedding_settings(std::string message);

// Scales `v` to unit length (left as is when all zero).
void normalize(std::vector<float>& v);

}  // namespace askdb::llm
