#include "llm/openai_embeddings.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "core/text.h"
#include "llm/openai_error.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxBatch = 2048;                    // OpenAI's limit on inputs per request
constexpr size_t kMaxReplyBytes = 256 * 1024 * 1024;  // 2,048 vectors of 3,072 floats as text

std::string embeddings_url(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return base_url + "/embeddings";
}

// The first bytes of a reply, for a message about it.
std::string excerpt(std::string_view body) {
  std::string out(utf8_prefix(body, 160));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (body.size() > 160) out += "...";
  return out;
}

// One reply: an embeddings list, {"data": [{"index", "embedding": [...]}], "usage"}.
class EmbeddingListDecoder final : public ReplyDecoder {
 public:
  explicit EmbeddingListDecoder(std::string who) : who_(std::move(who)) {}

  std::optional<Failure> feed(const HttpHead& /*head*/, std::string_view piece,
                              const TextSink& /*emit*/) override {
    if (body_.size() + piece.size() > kMaxReplyBytes) {
      return Failure{Error{ErrorCode::kLlm, who_ + " sent a reply larger than " +
                                                std::to_string(kMaxReplyBytes) +
                                                " bytes; lower ASKDB_EMBEDDING_BATCH_SIZE"}};
    }
    body_.append(piece);
    return std::nullopt;
  }

  bool complete() const override { return false; }  // one document: whole only at its end

  Result<Reply> finish() override {
    const json root = json::parse(body_, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded() || !root.is_object()) {
      return Error{ErrorCode::kLlm, who_ + " answered with something that is not JSON (\"" +
                                        excerpt(body_) +
                                        "\"): check that ASKDB_EMBEDDING_BASE_URL is an "
                                        "OpenAI-compatible server"};
    }
    if (root.contains("error") && !root["error"].is_null()) {
      return Error{ErrorCode::kLlm,
                   who_ + " answered with an error: " + parse_server_error(body_).message};
    }
    const auto data = root.find("data");
    if (data == root.end() || !data->is_array()) {
      return Error{ErrorCode::kLlm, who_ + " answered without a \"data\" list of embeddings (\"" +
                                        excerpt(body_) +
                                        "\"): is ASKDB_EMBEDDING_MODEL an embedding model?"};
    }
    Reply reply;
    reply.vectors.resize(data->size());
    for (size_t position = 0; position < data->size(); ++position) {
      const json& item = (*data)[position];
      size_t index = position;
      if (item.contains("index") && item["index"].is_number_unsigned()) {
        index = item["index"].get<size_t>();
      }
      const auto embedding = item.find("embedding");
      if (index >= reply.vectors.size() || embedding == item.end() || !embedding->is_array() ||
          !reply.vectors[index].empty()) {
        return Error{ErrorCode::kLlm, who_ + " sent an embeddings list that cannot be read (item " +
                                          std::to_string(position) + ": \"" + excerpt(item.dump()) +
                                          "\")"};
      }
      std::vector<float>& vector = reply.vectors[index];
      vector.reserve(embedding->size());
      for (const json& x : *embedding) {
        if (!x.is_number()) {
          return Error{ErrorCode::kLlm, who_ +
                                            " sent an embedding with a value that is not a "
                                            "number (item " +
                                            std::to_string(position) + ")"};
        }
        vector.push_back(x.get<float>());
      }
    }
    if (const auto usage = root.find("usage"); usage != root.end() && usage->is_object()) {
      reply.usage.prompt_tokens = usage->value("prompt_tokens", int64_t{0});
    }
    if (root.contains("model") && root["model"].is_string()) reply.model = root["model"];
    body_.clear();
    return reply;
  }

 private:
  std::string who_;
  std::string body_;
};

class OpenAiEmbeddingWire final : public EmbeddingWire {
 public:
  explicit OpenAiEmbeddingWire(OpenAiEmbeddingOptions options)
      : options_(std::move(options)),
        url_(embeddings_url(options_.base_url)),
        describe_("openai embeddings (" + options_.model + " at " +
                  display_url(options_.base_url) + ")") {}

  std::string describe() const override { return describe_; }
  std::string model() const override { return options_.model; }
  size_t max_batch() const override { return kMaxBatch; }
  size_t dimensions() const override { return options_.dimensions; }

  Result<std::string> encode(const std::vector<std::string_view>& texts) const override {
    json input = json::array();
    for (const std::string_view text : texts) input.push_back(text);
    json body = {
        {"model", options_.model}, {"input", std::move(input)}, {"encoding_format", "float"}};
    if (options_.dimensions != 0) body["dimensions"] = options_.dimensions;
    // Invalid UTF-8 (say, from a database value) is replaced, not fatal.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  Result<HttpRequest> address(const std::string& /*body*/) const override {
    HttpRequest http;
    http.url = url_;
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (!options_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }
    return http;
  }

  std::unique_ptr<ReplyDecoder> decoder() const override {
    return std::make_unique<EmbeddingListDecoder>(describe_);
  }

  Failure http_failure(const HttpHead& head, std::string_view body) const override {
    Failure f = openai_http_failure(describe_, head, body);
    if (head.status == 400 || head.status == 413 || head.status == 422) {
      const ServerError e = parse_server_error(body);
      f.error.message = describe_ + " returned HTTP " + std::to_string(head.status) + ": " +
                        e.message +
                        " — check ASKDB_EMBEDDING_MODEL (an embedding model the server serves, "
                        "now " +
                        options_.model + ")" +
                        (options_.dimensions != 0
                             ? " and ASKDB_EMBEDDING_DIMENSIONS (now " +
                                   std::to_string(options_.dimensions) + "; 0: the model's own)"
                             : "") +
                        "; for inputs too long, lower ASKDB_EMBEDDING_BATCH_SIZE";
    }
    f.error.message = for_embedding_settings(std::move(f.error.message));
    return f;
  }

  Failure transport_failure(const HttpResponse& response) const override {
    Failure f{openai_transport_error(response, options_.base_url)};
    f.error.message = for_embedding_settings(describe_ + ": " + f.error.message);
    f.retryable = is_transport_retryable(response.failure);
    return f;
  }

 private:
  OpenAiEmbeddingOptions options_;
  std::string url_;
  std::string describe_;
};

}  // namespace

std::unique_ptr<EmbeddingWire> make_openai_embedding_wire(const OpenAiEmbeddingOptions& options) {
  return std::make_unique<OpenAiEmbeddingWire>(options);
}

}  // namespace askdb::llm
