// BedrockSigner: what every request to bedrock-runtime shares, whatever the operation
// (Converse, ConverseStream, InvokeModel): the endpoint URL split for signing, and a SigV4
// signature (service "bedrock") made afresh for each attempt with credentials from the chain.
//
// Used by the Bedrock chat protocol (llm/bedrock.h) and the Titan embeddings wire
// (llm/bedrock_embeddings.h). Thread-safety: sign() may be called from several threads at once.
#pragma once

#include <mutex>
#include <string>

#include "core/result.h"
#include "llm/bedrock.h"
#include "llm/http_client.h"

namespace askdb::llm {

// https://bedrock-runtime.REGION.amazonaws.com (amazonaws.com.cn for cn-* regions).
std::string bedrock_region_endpoint(const std::string& region);

class BedrockSigner {
 public:
  // `options.endpoint` empty: the region's default endpoint. Never fails: missing settings are
  // reported by sign().
  explicit BedrockSigner(const BedrockOptions& options);

  const std::string& region() const { return region_; }
  const std::string& endpoint() const { return endpoint_; }
  // Whether the endpoint is the region's default one (messages then need not name it).
  bool default_endpoint() const;

  // POST {endpoint}{operation} (operation "/model/ID/converse-stream", its model id already
  // URL-encoded) with `body`, its headers signed. Error{kConfig} naming `who` when the region,
  // the endpoint or the credentials are missing (the chain's message says where it looked).
  Result<HttpRequest> sign(const std::string& who, const std::string& operation,
                           const std::string& accept, const std::string& body) const;

  // Where the credentials last signed with came from ("environment", "ECS task role", ...).
  std::string credential_source() const;

 private:
  std::string region_;
  std::string endpoint_;  // without a trailing slash
  std::string base_;      // scheme://authority[/path]
  std::string host_;      // the Host header
  std::string path_;      // the endpoint's own path prefix, "" usually
  bool valid_ = false;    // the endpoint is an http(s) URL
  std::function<Result<AwsIdentity>()> credentials_;
  std::function<std::string()> amz_date_;
  mutable std::mutex mu_;                  // guards credential_source_
  mutable std::string credential_source_;  // of the credentials last signed with
};

}  // namespace askdb::llm
