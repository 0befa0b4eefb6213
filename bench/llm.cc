// bench/llm: what askdb's LLM client itself costs, with no model and no network latency.
//
//  1. SigV4: signing a Bedrock Converse request with a 4 KiB body, microseconds per signature.
//  2. Decoding: a reply of 2,000 text deltas fed in 1 KiB pieces to each protocol's decoder
//     (OpenAI SSE, Anthropic SSE, Bedrock event stream), MB/s and nanoseconds per delta.
//  3. Calls: N complete() calls one after another through each provider (the call engine, the
//     HTTP client, the decoder) against its fake server on loopback, which answers at once;
//     p50/p99 milliseconds per call. Bedrock's include signing and the fake's SigV4 check.
//  4. Embeddings: 2,000 short texts through the OpenAI-compatible embedder (batches of 64) and
//     the Titan one (one text per request, 4 in flight), texts per second.
// Usage: bench_llm [--calls N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "llm/anthropic.h"
#include "llm/bedrock.h"
#include "llm/bedrock_embeddings.h"
#include "llm/embedder.h"
#include "llm/openai.h"
#include "llm/openai_embeddings.h"
#include "llm/sigv4.h"
#include "percentile.h"
#include "support/event_stream_encoder.h"
#include "support/fake_anthropic_server.h"
#include "support/fake_bedrock_server.h"
#include "support/fake_openai_server.h"

namespace {

using namespace askdb;
using Clock = std::chrono::steady_clock;

using askdb::bench::ms_since;

using askdb::bench::percentile;

constexpr int kDeltas = 2000;

std::string word(int i) { return " word" + std::to_string(i % 1000); }

std::string openai_body() {
  std::string body;
  for (int i = 0; i < kDeltas; ++i) {
    body +=
        R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":")" +
        word(i) + R"("},"finish_reason":null}]})" + "\n\n";
  }
  body +=
      R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
      "\n\n";
  body +=
      R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":2000,"total_tokens":2100}})"
      "\n\ndata: [DONE]\n\n";
  return body;
}

std::string anthropic_body() {
  std::string body =
      "event: message_start\ndata: "
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":100,"output_tokens":1}}})"
      "\n\nevent: content_block_start\ndata: "
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
      "\n\n";
  for (int i = 0; i < kDeltas; ++i) {
    body +=
        "event: content_block_delta\ndata: "
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
        word(i) + "\"}}\n\n";
  }
  body +=
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: "
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2000}})"
      "\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  return body;
}

std::string bedrock_body() {
  std::string body = test::bedrock_event_frame(
      "messageStart", R"({"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN","role":"assistant"})");
  for (int i = 0; i < kDeltas; ++i) {
    body += test::bedrock_event_frame("contentBlockDelta",
                                      R"({"contentBlockIndex":0,"delta":{"text":")" + word(i) +
                                          R"("},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGH"})");
  }
  body += test::bedrock_event_frame("contentBlockStop", R"({"contentBlockIndex":0,"p":"abcd"})");
  body += test::bedrock_event_frame("messageStop", R"({"p":"abcdefgh","stopReason":"end_turn"})");
  body += test::bedrock_event_frame(
      "metadata",
      R"({"metrics":{"latencyMs":100},"p":"abc","usage":{"inputTokens":100,"outputTokens":2000,"totalTokens":2100}})");
  return body;
}

llm::BedrockOptions bedrock_options(const std::string& endpoint) {
  llm::BedrockOptions o;
  o.region = "us-east-1";
  o.model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  o.endpoint = endpoint;
  o.credentials = []() -> Result<llm::AwsIdentity> {
    llm::AwsIdentity id;
    id.credentials = {"AKIDFAKEBEDROCK", "fake/bedrock/secret/key", ""};
    id.source = "environment";
    return id;
  };
  return o;
}

void bench_sigv4() {
  llm::SigV4Request request;
  request.method = "POST";
  request.path = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream";
  request.headers = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"},
                     {"content-type", "application/json"},
                     {"accept", "application/vnd.amazon.eventstream"}};
  request.body.assign(4096, 'x');
  llm::AwsCredentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                  "session-token"};
  llm::SigV4Params params;
  params.region = "us-east-1";
  params.service = "bedrock";
  params.amz_date = "20261124T120000Z";
  constexpr int kSignatures = 20000;
  const Clock::time_point start = Clock::now();
  size_t check = 0;
  for (int i = 0; i < kSignatures; ++i) {
    auto signed_request = llm::sign_with_headers(request, credentials, params);
    check += signed_request.ok() ? signed_request->signature.size() : 0;
  }
  const double ms = ms_since(start);
  std::printf("SigV4, Converse request with a 4 KiB body: %.2f us per signature (%d signed, %zu)\n",
              ms * 1000 / kSignatures, kSignatures, check / kSignatures);
}

void bench_decoder(const char* name, const llm::Protocol& protocol, const std::string& body,
                   const char* content_type) {
  llm::HttpHead head;
  head.status = 200;
  head.content_type = content_type;
  constexpr int kRounds = 20;
  size_t text_bytes = 0;
  const Clock::time_point start = Clock::now();
  for (int round = 0; round < kRounds; ++round) {
    auto decoder = protocol.decoder();
    const llm::TextSink emit = [&text_bytes](std::string_view d) { text_bytes += d.size(); };
    for (size_t at = 0; at < body.size(); at += 1024) {
      if (auto failure = decoder->feed(head, std::string_view(body).substr(at, 1024), emit)) {
        std::printf("%s: decoding failed: %s\n", name, failure->error.message.c_str());
        return;
      }
    }
    auto reply = decoder->finish();
    if (!reply) {
      std::printf("%s: decoding failed: %s\n", name, reply.error().message.c_str());
      return;
    }
  }
  const double s = ms_since(start) / 1000;
  std::printf("  %-28s %7.1f MB/s  %6.0f ns per delta  (%zu-byte reply, %d deltas)\n", name,
              static_cast<double>(body.size()) * kRounds / s / 1e6, s * 1e9 / (kDeltas * kRounds),
              body.size(), kDeltas);
}

void bench_calls(const char* name, llm::Provider& provider, int calls) {
  llm::Request request;
  request.system = "You write PostgreSQL.";
  request.messages.push_back({llm::Role::kUser, "How many orders were placed in 2025?"});
  request.max_tokens = 256;
  for (int i = 0; i < 20; ++i) (void)provider.complete(request);  // connections, caches
  std::vector<double> ms;
  int failures = 0;
  for (int i = 0; i < calls; ++i) {
    const Clock::time_point start = Clock::now();
    auto reply = provider.complete(request);
    ms.push_back(ms_since(start));
    if (!reply) {
      if (++failures == 1) std::printf("  %s: %s\n", name, reply.error().message.c_str());
    }
  }
  std::printf("  %-36s p50 %.3f ms  p99 %.3f ms  (%d calls, %d failed)\n", name,
              percentile(ms, 0.5), percentile(ms, 0.99), calls, failures);
}

void bench_embedder(const char* name, llm::Embedder& embedder) {
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) {
    texts.push_back("column orders.order_date_" + std::to_string(i) +
                    " timestamp: when the order was placed");
  }
  (void)embedder.embed({"warm up"});
  const Clock::time_point start = Clock::now();
  auto got = embedder.embed(texts);
  const double ms = ms_since(start);
  if (!got) {
    std::printf("  %s: %s\n", name, got.error().message.c_str());
    return;
  }
  std::printf("  %-36s %8.0f texts/s  (%zu texts in %.0f ms, %zu dimensions)\n", name,
              static_cast<double>(texts.size()) * 1000 / ms, texts.size(), ms,
              embedder.dimensions());
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 2000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::max(1, std::atoi(argv[++i]));
  }

  bench_sigv4();

  std::printf("decoding a streamed reply, fed in 1 KiB pieces:\n");
  llm::OpenAiOptions openai_options;
  bench_decoder("OpenAI (SSE)", *llm::make_openai_protocol(openai_options), openai_body(),
                "text/event-stream");
  bench_decoder("Anthropic (SSE)", *llm::make_anthropic_protocol(llm::AnthropicOptions{}),
                anthropic_body(), "text/event-stream");
  bench_decoder("Bedrock (event stream)",
                *llm::make_bedrock_protocol(bedrock_options("http://127.0.0.1:1")), bedrock_body(),
                "application/vnd.amazon.eventstream");

  std::printf(
      "one call after another, fake server on loopback answering at once (\"SELECT 1;\"):\n");
  llm::CallPolicy policy;
  policy.max_retries = 0;
  test::FakeOpenAiServer openai_server;
  test::FakeAnthropicServer anthropic_server;
  test::FakeBedrockServer bedrock_server;
  if (!openai_server.start().ok() || !anthropic_server.start().ok() ||
      !bedrock_server.start().ok()) {
    std::fprintf(stderr, "bench_llm: a fake server could not start\n");
    return 1;
  }
  openai_options.base_url = openai_server.base_url();
  openai_options.model = "gpt-4o-mini";
  bench_calls("openai, SSE", *llm::make_openai_provider(openai_options, policy), calls);
  llm::AnthropicOptions anthropic_options;
  anthropic_options.base_url = anthropic_server.base_url();
  bench_calls("anthropic, SSE",
              *llm::make_protocol_provider(llm::make_anthropic_protocol(anthropic_options), policy),
              calls);
  bench_calls("bedrock, SigV4 + event stream",
              *llm::make_protocol_provider(
                  llm::make_bedrock_protocol(bedrock_options(bedrock_server.endpoint())), policy),
              calls);

  std::printf("embeddings, 2,000 texts:\n");
  llm::OpenAiEmbeddingOptions embedding_options;
  embedding_options.base_url = openai_server.base_url();
  auto openai_embedder =
      llm::make_wire_embedder(llm::make_openai_embedding_wire(embedding_options), policy);
  bench_embedder("openai, batches of 64 (8 dims)", *openai_embedder);
  llm::BedrockEmbeddingOptions titan_options;
  titan_options.bedrock = bedrock_options(bedrock_server.endpoint());
  titan_options.bedrock.model = "";
  auto titan_embedder =
      llm::make_wire_embedder(llm::make_titan_embedding_wire(titan_options), policy);
  bench_embedder("titan, 1 per request, 4 in flight", *titan_embedder);
  return 0;
}
