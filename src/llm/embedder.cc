#include "llm/embedder.h"

#include <atomic>
#include <cmath>
#include <future>
#include <map>
#include <mutex>
#include <utility>

#include "core/text.h"

namespace askdb::llm {

Result<Embeddings> Embedder::embed(std::vector<std::string> texts) {
  std::promise<Result<Embeddings>> promise;
  auto future = promise.get_future();
  start(std::move(texts),
        [&promise](Result<Embeddings> embeddings) { promise.set_value(std::move(embeddings)); });
  return future.get();
}

std::string for_embedding_settings(std::string message) {
  static const std::pair<std::string_view, std::string_view> kRenames[] = {
      {"ASKDB_LLM_MODEL", "ASKDB_EMBEDDING_MODEL"},
      {"ASKDB_LLM_BASE_URL", "ASKDB_EMBEDDING_BASE_URL"},
      {"ASKDB_LLM_API_KEY", "ASKDB_EMBEDDING_API_KEY"},
      {"ASKDB_LLM_REGION", "ASKDB_EMBEDDING_REGION"},
      {"/chat/completions", "/embeddings"},
  };
  for (const auto& [from, to] : kRenames) {
    for (size_t at = message.find(from); at != std::string::npos;
         at = message.find(from, at + to.size())) {
      message.replace(at, from.size(), to);
    }
  }
  return message;
}

void normalize(std::vector<float>& v) {
  double sum = 0;
  for (const float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0 || !std::isfinite(sum)) return;
  const double scale = 1.0 / std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(x * scale);
}

namespace {

// Texts sent in one request: their positions among the texts of a start().
using Batch = std::vector<size_t>;

class NothingToSend final : public Call {
 public:
  void cancel() override {}
};

// One start(): its batches, up to `parallel` of them in flight, and the vectors gathered.
class BatchCall final : public Call, public std::enable_shared_from_this<BatchCall> {
 public:
  // `exchange` and `wire` belong to the embedder, which outlives every send (its destructor
  // ends the calls in flight before they are freed, and a finished call sends nothing).
  BatchCall(Exchange& exchange, const EmbeddingWire& wire, std::atomic<size_t>& dimensions,
            size_t parallel, std::vector<std::string> texts, std::vector<Batch> batches,
            size_t max_input_bytes, EmbeddingsHandler on_done)
      : exchange_(exchange),
        wire_(wire),
        who_(wire.describe()),
        dimensions_(dimensions),
        parallel_(parallel),
        max_input_bytes_(max_input_bytes),
        texts_(std::move(texts)),
        batches_(std::move(batches)),
        on_done_(std::move(on_done)) {
    result_.vectors.resize(texts_.size());
  }

  // Sends batches until `parallel` are in flight or none is left.
  void send_more() {
    for (;;) {
      size_t index = 0;
      {
        std::lock_guard lock(mu_);
        if (finished_ || next_ >= batches_.size() || in_flight_.size() >= parallel_) return;
        index = next_++;
        in_flight_.emplace(index, nullptr);
      }
      std::vector<std::string_view> inputs;
      for (const size_t i : batches_[index])
        inputs.push_back(utf8_prefix(texts_[i], max_input_bytes_));
      Result<std::string> body = wire_.encode(inputs);
      if (!body) {
        end(body.error());
        return;
      }
      auto self = shared_from_this();
      std::shared_ptr<Call> call = exchange_.send(
          std::move(*body), TextSink{},
          [self, index](Result<Reply> reply) { self->on_batch(index, std::move(reply)); });
      bool stop = false;
      {
        std::lock_guard lock(mu_);
        auto it = in_flight_.find(index);
        if (it != in_flight_.end()) it->second = call;  // else it has already ended
        stop = finished_;
      }
      if (stop) {
        call->cancel();  // the call failed or was cancelled while this batch was being sent
        return;
      }
    }
  }

  void cancel() override { end(Error{ErrorCode::kLlm, who_ + ": the request was cancelled"}); }

 private:
  void on_batch(size_t index, Result<Reply> reply) {
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(index);
      if (finished_) return;
    }
    if (!reply) {
      end(where(index, reply.error()));
      return;
    }
    if (Status stored = store(index, *reply); !stored) {
      end(where(index, stored.error()));
      return;
    }
    bool all_done = false;
    {
      std::lock_guard lock(mu_);
      all_done = ++done_ == batches_.size();
    }
    if (all_done) {
      end(std::move(result_));
      return;
    }
    send_more();
  }

  // Checks a batch's vectors and puts them in their places.
  Status store(size_t index, Reply& reply) {
    const Batch& batch = batches_[index];
    if (reply.vectors.size() != batch.size()) {
      return Error{ErrorCode::kLlm, who_ + " returned " + std::to_string(reply.vectors.size()) +
                                        " vectors for " + std::to_string(batch.size()) +
                                        " texts; is the server an embeddings endpoint?"};
    }
    for (std::vector<float>& v : reply.vectors) {
      size_t expected = dimensions_.load();
      if (expected == 0 && !v.empty()) {
        dimensions_.compare_exchange_strong(expected, v.size());
        expected = dimensions_.load();
      }
      if (v.empty() || v.size() != expected) {
        const size_t asked = wire_.dimensions();
        std::string message = who_ + " returned a vector of " + std::to_string(v.size()) +
                              " dimensions where " + std::to_string(expected) + " were expected";
        message += asked != 0 ? ": the model may not offer " + std::to_string(asked) +
                                    " dimensions; set ASKDB_EMBEDDING_DIMENSIONS to one it "
                                    "offers, or to 0 for its own"
                              : ": did ASKDB_EMBEDDING_MODEL change? Reindex after changing it";
        return Error{ErrorCode::kLlm, std::move(message)};
      }
      normalize(v);
    }
    std::lock_guard lock(mu_);
    for (size_t k = 0; k < batch.size(); ++k) {
      result_.vectors[batch[k]] = std::move(reply.vectors[k]);
    }
    result_.tokens += reply.usage.prompt_tokens;
    return ok_status();
  }

  // The error, saying which texts failed when there were several batches.
  Error where(size_t index, Error error) const {
    if (batches_.size() > 1 && error.code == ErrorCode::kLlm) {
      const Batch& batch = batches_[index];
      error.message += " (texts " + std::to_string(batch.front() + 1) + "-" +
                       std::to_string(batch.back() + 1) + " of " + std::to_string(texts_.size()) +
                       ")";
    }
    return error;
  }

  // Ends the call with `outcome` once, and stops the batches still in flight (after a
  // failure or a cancel; none are left after success). Marking the call finished and taking its
  // batches happen at once, so a batch send_more() starts meanwhile either is among them or
  // sees the call finished and cancels itself.
  void end(Result<Embeddings> outcome) {
    std::vector<std::shared_ptr<Call>> to_cancel;
    EmbeddingsHandler on_done;
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
      on_done = std::move(on_done_);
      for (auto& [index, call] : in_flight_) {
        if (call) to_cancel.push_back(call);
      }
    }
    if (on_done) on_done(std::move(outcome));
    for (const auto& call : to_cancel) call->cancel();
  }

  Exchange& exchange_;
  const EmbeddingWire& wire_;
  const std::string who_;  // wire_.describe(), for cancel() after the embedder is gone
  std::atomic<size_t>& dimensions_;
  const size_t parallel_;
  const size_t max_input_bytes_;
  const std::vector<std::string> texts_;
  const std::vector<Batch> batches_;

  std::mutex mu_;  // guards the members below
  EmbeddingsHandler on_done_;
  size_t next_ = 0;  // the next batch to send
  size_t done_ = 0;  // batches stored
  std::map<size_t, std::shared_ptr<Call>> in_flight_;
  Embeddings result_;
  bool finished_ = false;
};

class WireEmbedder final : public Embedder {
 public:
  WireEmbedder(std::unique_ptr<EmbeddingWire> wire, const CallPolicy& policy,
               const EmbedderOptions& options)
      : wire_(wire.get()),
        options_(options),
        dimensions_(wire->dimensions()),
        exchange_(std::move(wire), policy) {
    options_.batch_size = std::max<size_t>(1, std::min(options_.batch_size, wire_->max_batch()));
    options_.parallel = std::max<size_t>(1, options_.parallel);
    options_.max_input_bytes = std::max<size_t>(16, options_.max_input_bytes);
  }

  std::string describe() const override { return wire_->describe(); }
  std::string model() const override { return wire_->model(); }
  size_t dimensions() const override { return dimensions_.load(); }

  std::shared_ptr<Call> start(std::vector<std::string> texts, EmbeddingsHandler on_done) override {
    std::vector<Batch> batches = batch(texts);
    if (batches.empty()) {
      Embeddings nothing;
      nothing.vectors.resize(texts.size());
      on_done(std::move(nothing));
      return std::make_shared<NothingToSend>();
    }
    auto call = std::make_shared<BatchCall>(exchange_, *wire_, dimensions_, options_.parallel,
                                            std::move(texts), std::move(batches),
                                            options_.max_input_bytes, std::move(on_done));
    call->send_more();
    return call;
  }

 private:
  // The non-blank texts in batches of at most batch_size texts and max_batch_bytes bytes.
  std::vector<Batch> batch(const std::vector<std::string>& texts) const {
    std::vector<Batch> batches;
    size_t bytes = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (trim(texts[i]).empty()) continue;
      const size_t size = std::min(texts[i].size(), options_.max_input_bytes);
      if (batches.empty() || batches.back().size() >= options_.batch_size ||
          bytes + size > options_.max_batch_bytes) {
        batches.emplace_back();
        bytes = 0;
      }
      batches.back().push_back(i);
      bytes += size;
    }
    return batches;
  }

  const EmbeddingWire* wire_;  // owned by exchange_
  EmbedderOptions options_;
  std::atomic<size_t> dimensions_;
  Exchange exchange_;  // last: destroyed first, ending every call before the rest goes
};

}  // namespace

std::unique_ptr<Embedder> make_wire_embedder(std::unique_ptr<EmbeddingWire> wire,
                                             const CallPolicy& policy,
                                             const EmbedderOptions& options) {
  return std::make_unique<WireEmbedder>(std::move(wire), policy, options);
}

}  // namespace askdb::llm
