// How a failed exchange with Amazon Bedrock reads to the user: Bedrock's error type and its own
// message, the provider, model and region, what to do about it, and whether a retry may help.
//
// Bedrock reports errors three ways, and all three go through the same table: an HTTP error
// reply (the type in the x-amzn-errortype header, "AccessDeniedException:http://internal...",
// and {"message": ...} or {"Message": ...} in the body), an exception message inside a
// ConverseStream (":exception-type" "throttlingException", payload {"message": ...}) and an
// error message inside it (":error-code", ":error-message"). Transport failures (no usable
// reply) get advice about the region, the endpoint and the network.
//
// Used by the Bedrock protocol (llm/bedrock.cc) and its stream decoder; pure functions,
// thread-safe. No message contains a secret key, a session token or a signature.
#pragma once

#include <string>
#include <string_view>

#include "llm/exchange.h"
#include "llm/http_client.h"

namespace askdb::llm {

// Who was called, for messages.
struct BedrockSite {
  std::string who;                // Protocol::describe(): "bedrock (MODEL in REGION)"
  std::string model;              // as configured
  std::string region;             // "us-east-1"
  std::string endpoint;           // "https://bedrock-runtime.us-east-1.amazonaws.com"
  std::string credential_source;  // AwsIdentity::source of the credentials sent; "" unknown
};

// The error type of an error reply: x-amzn-errortype up to its ':', else the body's "__type"
// or "code" after any '#'; "" when neither names one. "AccessDeniedException".
std::string bedrock_error_type(const HttpHead& head, std::string_view body);

// Bedrock's own message in an error body ("message" or "Message"), or the body itself when it
// is not such JSON; whitespace collapsed, cut to a few hundred bytes, and without the canonical
// request some AWS front ends append to a signature mismatch (it holds the session token).
std::string bedrock_error_message(std::string_view body);

// A non-2xx reply. Retryable for throttling, quota, model-not-ready, model timeouts, 5xx
// (InternalServer, ServiceUnavailable) and, for types it does not know, per
// is_status_retryable(); retry_after_s from retry_after_seconds(head).
Failure bedrock_http_failure(const BedrockSite& site, const HttpHead& head, std::string_view body);

// An exception inside the stream: `type` is its ":exception-type" ("throttlingException"),
// `payload` its JSON payload ({"message": ...}, for modelStreamErrorException also
// "originalStatusCode" and "originalMessage"). `text_bytes`: reply text already delivered, for
// the message. modelStreamErrorException is retryable unless its originalStatusCode is a status
// that is not (AWS documents it as "retry your request"; a model's own 4xx would not heal).
Failure bedrock_exception_failure(const BedrockSite& site, std::string_view type,
                                  std::string_view payload, size_t text_bytes);

// An error message inside the stream (":message-type" "error"), with its ":error-code" and
// ":error-message" headers.
Failure bedrock_stream_error_failure(const BedrockSite& site, std::string_view code,
                                     std::string_view message, size_t text_bytes);

// No usable HTTP reply: curl's account (naming host and port) plus what to check (AWS_REGION,
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME, the network, HTTPS_PROXY). Retryable per
// is_transport_retryable().
Failure bedrock_transport_failure(const BedrockSite& site, const HttpResponse& response);

// The model id to suggest when Bedrock wants an inference profile: `model` with the region's
// geography prefix ("anthropic.claude-x" in eu-west-1 → "eu.anthropic.claude-x"), or
// default_bedrock_model(region) when `model` is already a profile or an ARN.
std::string suggested_profile_model(const std::string& model, const std::string& region);

}  // namespace askdb::llm
