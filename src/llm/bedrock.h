// Claude (or any chat model) on Amazon Bedrock through the Converse and ConverseStream APIs, as
// a Protocol (llm/exchange.h), called with no AWS SDK.
//
// POST {endpoint}/model/{model id, URL-encoded}/converse-stream (or /converse) with a Converse
// JSON body, signed with SigV4 (service "bedrock") afresh for each attempt with credentials from
// `BedrockOptions::credentials` (the AWS credential chain in production). A stream reply is
// AWS's binary event stream (llm/event_stream.h) of messageStart, contentBlockDelta...,
// contentBlockStop, messageStop and metadata events; a Converse reply is one JSON document.
// Errors name the provider, the model and the region, Bedrock's own message, and what to do
// (enable model access, fix IAM, use an inference profile, lower a token budget ...); none
// contains a secret key, a session token or a signature.
//
// Thread-safety: the Protocol returned by make_bedrock_protocol() may be used by several calls
// at once from any thread (as exchange.h requires); `credentials` and `amz_date` are called from
// those threads too and must be safe for that. bedrock_endpoint() and default_bedrock_model()
// are pure.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "llm/aws_credentials.h"
#include "llm/exchange.h"

namespace askdb::llm {

struct BedrockOptions {
  std::string region;    // "us-east-1"; required (address() fails with kConfig without it)
  std::string model;     // model id, inference profile id (us./eu./apac./global.) or ARN;
                         // empty: default_bedrock_model(region)
  std::string endpoint;  // "https://bedrock-runtime.us-east-1.amazonaws.com" (see
                         // bedrock_endpoint()); empty: the region's default, environment unread
  bool stream = true;    // ConverseStream; false: Converse (one JSON reply)
  // The credential chain's get(); tests pass fixed keys. Required.
  std::function<Result<AwsIdentity>()> credentials;
  // The signing time, "YYYYMMDDTHHMMSSZ"; empty: the clock, now (UTC).
  std::function<std::string()> amz_date;
};

// A Protocol for Bedrock's Converse API. Never fails: missing settings are reported by
// address() (kConfig) when a call is made.
std::unique_ptr<Protocol> make_bedrock_protocol(BedrockOptions options);

// The endpoint the AWS SDKs would use: AWS_ENDPOINT_URL_BEDROCK_RUNTIME, then AWS_ENDPOINT_URL
// (both skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is "true"), else
// https://bedrock-runtime.REGION.amazonaws.com (amazonaws.com.cn for cn-* regions). Trailing
// slashes stripped.
std::string bedrock_endpoint(const std::string& region, const EnvLookup& env);

// The default model for a region: the Claude Sonnet 4.5 cross-region inference profile with
// the region's geography prefix ("us." for us-* and ca-*, "eu." for eu-*, else "global."), e.g. "us.anthropic.claude-sonnet-4-5-20250929-v1:0".
std::string default_bedrock_model(const std::string& region);

}  // namespace askdb::llm
