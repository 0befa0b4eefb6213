#include "llm/bedrock_embeddings.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "llm/bedrock_error.h"
#include "llm/bedrock_signer.h"
#include "llm/sigv4.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxReplyBytes = 16 * 1024 * 1024;

// One InvokeModel reply: {"embedding": [...], "inputTextTokenCount": N}.
class TitanReplyDecoder final : public ReplyDecoder {
 public:
  explicit TitanReplyDecoder(std::string who) : who_(std::move(who)) {}

  std::optional<Failure> feed(const HttpHead& /*head*/, std::string_view piece,
                              const TextSink& /*emit*/) override {
    if (body_.size() + piece.size() > kMaxReplyBytes) {
      return Failure{Error{ErrorCode::kLlm, who_ + " sent a reply larger than " +
                                                std::to_string(kMaxReplyBytes) + " bytes"}};
    }
    body_.append(piece);
    return std::nullopt;
  }

  bool complete() const override { return false; }  // one document: whole only at its end

  Result<Reply> finish() override {
    const json root = json::parse(body_, nullptr, /*allow_exceptions=*/false);
    const json* embedding = nullptr;
    if (!root.is_discarded() && root.is_object()) {
      if (auto it = root.find("embedding"); it != root.end() && it->is_array()) {
        embedding = &*it;
      } else if (auto by_type = root.find("embeddingsByType");
                 by_type != root.end() && by_type->is_object() && by_type->contains("float") &&
                 (*by_type)["float"].is_array()) {
        embedding = &(*by_type)["float"];
      }
    }
    if (embedding == nullptr) {
      return Error{ErrorCode::kLlm, who_ + " answered without an \"embedding\" (\"" +
                                        bedrock_error_message(body_) +
                                        "\"): is ASKDB_EMBEDDING_MODEL a Titan text embeddings "
                                        "model, e.g. " +
                                        std::string(kDefaultTitanModel) + "?"};
    }
    Reply reply;
    std::vector<float> vector;
    vector.reserve(embedding->size());
    for (const json& x : *embedding) {
      if (!x.is_number()) {
        return Error{ErrorCode::kLlm,
                     who_ + " sent an embedding with a value that is not a number"};
      }
      vector.push_back(x.get<float>());
    }
    reply.vectors.push_back(std::move(vector));
    reply.usage.prompt_tokens = root.value("inputTextTokenCount", int64_t{0});
    body_.clear();
    return reply;
  }

 private:
  std::string who_;
  std::string body_;
};

class TitanEmbeddingWire final : public EmbeddingWire {
 public:
  explicit TitanEmbeddingWire(BedrockEmbeddingOptions options)
      : options_(std::move(options)), signer_(options_.bedrock) {
    std::string& model = options_.bedrock.model;
    if (model.empty()) model = kDefaultTitanModel;
    // v2 takes "dimensions" and "normalize"; v1 refuses any field but "inputText".
    v2_ = model.find("titan-embed-text-v2") != std::string::npos;
    describe_ = "bedrock embeddings (" + model;
    if (!signer_.region().empty()) describe_ += " in " + signer_.region();
    if (!signer_.default_endpoint()) describe_ += " at " + display_url(signer_.endpoint());
    describe_ += ")";
  }

  std::string describe() const override { return describe_; }
  std::string model() const override { return options_.bedrock.model; }
  size_t max_batch() const override { return 1; }
  size_t dimensions() const override { return options_.dimensions; }

  Result<std::string> encode(const std::vector<std::string_view>& texts) const override {
    if (texts.size() != 1) {
      return Error{ErrorCode::kInternal,
                   describe_ + " embeds one text per request, not " + std::to_string(texts.size())};
    }
    json body = {{"inputText", texts.front()}};
    if (v2_) {
      if (options_.dimensions != 0) body["dimensions"] = options_.dimensions;
      body["normalize"] = true;
    }
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  Result<HttpRequest> address(const std::string& body) const override {
    const std::string operation =
        "/model/" + aws_uri_encode(options_.bedrock.model, false) + "/invoke";
    return signer_.sign(describe_, operation, "application/json", body);
  }

  std::unique_ptr<ReplyDecoder> decoder() const override {
    return std::make_unique<TitanReplyDecoder>(describe_);
  }

  Failure http_failure(const HttpHead& head, std::string_view body) const override {
    Failure f = bedrock_http_failure(site(), head, body);
    if (bedrock_error_type(head, body) == "ValidationException") {
      f.error.message = describe_ + " refused the request: " + bedrock_error_message(body) +
                        " — check ASKDB_EMBEDDING_MODEL (now " + options_.bedrock.model +
                        "; Titan text embeddings, e.g. " + kDefaultTitanModel + ")" +
                        (options_.dimensions != 0 ? " and ASKDB_EMBEDDING_DIMENSIONS (now " +
                                                        std::to_string(options_.dimensions) +
                                                        "; Titan v2 offers 256, 512 or 1024)"
                                                  : "");
    }
    f.error.message = for_embedding_settings(std::move(f.error.message));
    return f;
  }

  Failure transport_failure(const HttpResponse& response) const override {
    Failure f = bedrock_transport_failure(site(), response);
    f.error.message = for_embedding_settings(std::move(f.error.message));
    return f;
  }

 private:
  BedrockSite site() const {
    return BedrockSite{describe_, options_.bedrock.model, signer_.region(), signer_.endpoint(),
                       signer_.credential_source()};
  }

  BedrockEmbeddingOptions options_;
  BedrockSigner signer_;
  bool v2_ = true;
  std::string describe_;
};

}  // namespace

std::unique_ptr<EmbeddingWire> make_titan_embedding_wire(BedrockEmbeddingOptions options) {
  return std::make_unique<TitanEmbeddingWire>(std::move(options));
}

}  // namespace askdb::llm
