#include "support/fake_bedrock_server.h"

// GCC 12 reports false positives inside Boost.Beast's parser (maybe-uninitialized, through
// inlining, under -O2 with sanitizers) and on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair). Neither is a real defect.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "llm/sigv4.h"
#include "support/event_stream_encoder.h"
#include "support/fake_embedding.h"

namespace askdb::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using net::awaitable;
using net::ip::tcp;
using json = nlohmann::ordered_json;

constexpr size_t kMaxRequestBody = 64 * 1024 * 1024;
constexpr const char* kBedrockFault = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
constexpr const char* kCoralFault = ":http://internal.amazon.com/coral/com.amazon.coral.service/";
constexpr const char* kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr const char* kInvalidToken = "The security token included in the request is invalid.";

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The text of a Converse message's content blocks.
std::string content_text(const json& content) {
  std::string out;
  if (!content.is_array()) return out;
  for (const json& block : content) {
    if (block.is_object() && block.contains("text") && block["text"].is_string()) {
      out += block["text"].get<std::string>();
    }
  }
  return out;
}

std::string last_user_message_of(const json& body) {
  if (body.is_object() && body.contains("inputText") && body["inputText"].is_string()) {
    return body["inputText"].get<std::string>();  // Titan embeddings
  }
  if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()) return "";
  const json& messages = body["messages"];
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->is_object() && it->value("role", "") == "user" && it->contains("content")) {
      return content_text((*it)["content"]);
    }
  }
  return "";
}

int64_t token_estimate(size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

int64_t input_tokens_of(const json& body) {
  size_t bytes = 0;
  if (body.contains("messages") && body["messages"].is_array()) {
    for (const json& m : body["messages"]) {
      if (m.is_object() && m.contains("content")) bytes += content_text(m["content"]).size();
    }
  }
  if (body.contains("system")) bytes += content_text(body["system"]).size();
  if (body.contains("inputText") && body["inputText"].is_string()) {
    bytes += body["inputText"].get<std::string>().size();
  }
  return token_estimate(bytes);
}

// Splits `text` into pieces of `words` words each, a word carrying the spaces before it, so
// that the pieces concatenate to `text` exactly.
std::vector<std::string> split_words(const std::string& text, int words) {
  std::vector<std::string> pieces;
  if (words < 1) words = 1;
  std::string current;
  int count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts_word = i > 0 && !std::isspace(static_cast<unsigned char>(text[i])) &&
                             std::isspace(static_cast<unsigned char>(text[i - 1]));
    if (starts_word && ++count == words) {
      pieces.push_back(std::move(current));
      current.clear();
      count = 0;
    }
    current.push_back(text[i]);
  }
  if (!current.empty()) pieces.push_back(std::move(current));
  return pieces;
}

// Bedrock pads each event payload with a "p" field of varying length (against traffic
// analysis); the fake does too, so decoders are seen to ignore it.
std::string padding(uint64_t n) {
  static const std::string kLetters =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return kLetters.substr(0, 1 + (n * 7) % (kLetters.size() - 1));
}

// The message Bedrock sends in an exception frame of this type.
std::string exception_payload(const std::string& type, const std::string& message) {
  if (type == "modelStreamErrorException") {
    return dump({{"message", message.empty() ? "Model Stream Error" : message},
                 {"originalStatusCode", 500},
                 {"originalMessage", "The model stream failed."}});
  }
  std::string text = message;
  if (text.empty()) {
    if (type == "throttlingException") {
      text = "Too many requests, please wait before trying again.";
    } else if (type == "validationException") {
      text = "Input is too long for requested model.";
    } else if (type == "modelTimeoutException") {
      text = "Model has timed out in processing the request. Try your request again.";
    } else if (type == "serviceUnavailableException") {
      text = "Bedrock is unable to process your request.";
    } else {
      text = "The server encountered an internal error while processing the request.";
    }
  }
  return dump({{"message", text}});
}

// The parts of a SigV4 Authorization header.
struct Authorization {
  std::string algorithm;
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
  std::string terminator;
  std::vector<std::string> signed_headers;
  std::string signature;
};

std::optional<Authorization> parse_authorization(std::string_view value) {
  Authorization out;
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  out.algorithm = std::string(value.substr(0, space));
  std::string credential;
  std::string signed_headers;
  std::string rest(value.substr(space + 1));
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t end = rest.find(',', pos);
    if (end == std::string::npos) end = rest.size();
    std::string part = rest.substr(pos, end - pos);
    pos = end + 1;
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    const size_t eq = part.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = part.substr(0, eq);
    const std::string v = part.substr(eq + 1);
    if (name == "Credential") credential = v;
    if (name == "SignedHeaders") signed_headers = v;
    if (name == "Signature") out.signature = v;
  }
  if (credential.empty() || signed_headers.empty() || out.signature.empty()) return std::nullopt;
  std::vector<std::string> scope;
  pos = 0;
  while (pos <= credential.size()) {
    size_t end = credential.find('/', pos);
    if (end == std::string::npos) end = credential.size();
    scope.push_back(credential.substr(pos, end - pos));
    pos = end + 1;
  }
  if (scope.size() != 5) return std::nullopt;
  out.access_key_id = scope[0];
  out.date = scope[1];
  out.region = scope[2];
  out.service = scope[3];
  out.terminator = scope[4];
  pos = 0;
  while (pos <= signed_headers.size()) {
    size_t end = signed_headers.find(';', pos);
    if (end == std::string::npos) end = signed_headers.size();
    out.signed_headers.push_back(signed_headers.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// An error reply decided while checking a request.
struct Refusal {
  int status = 0;
  std::string type;
  std::string message;
};

// How one request is to be answered, decided under the lock.
struct Plan {
  FakeBedrockRule rule;
  int64_t input_tokens = 0;
};

Refusal http_error_of(const FakeBedrockRule& rule);

}  // namespace

std::pair<std::string, std::string> bedrock_error_for_status(int status) {
  switch (status) {
    case 400:
      return {"ValidationException", "The provided model identifier is invalid."};
    case 403:
      return {"AccessDeniedException",
              "You don't have access to the model with the specified model ID."};
    case 404:
      return {"ResourceNotFoundException",
              "Could not resolve the foundation model from the provided model identifier."};
    case 408:
      return {"ModelTimeoutException",
              "Model has timed out in processing the request. Try your request again."};
    case 424:
      return {"ModelErrorException",
              "The system encountered an unexpected error during processing. Try your request "
              "again."};
    case 429:
      return {"ThrottlingException", "Too many requests, please wait before trying again."};
    case 500:
      return {"InternalServerException",
              "The server encountered an internal error while processing the request."};
    case 503:
      return {"ServiceUnavailableException", "Bedrock is unable to process your request."};
    default:
      return {"InternalServerException", "HTTP " + std::to_string(status)};
  }
}

namespace {

Refusal http_error_of(const FakeBedrockRule& rule) {
  Refusal out;
  out.status = rule.status;
  std::tie(out.type, out.message) = bedrock_error_for_status(rule.status);
  if (!rule.error_type.empty()) out.type = rule.error_type;
  if (!rule.message.empty()) out.message = rule.message;
  return out;
}

}  // namespace

std::string bedrock_error_type_header(const std::string& type) {
  const bool coral = type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
                     type == "IncompleteSignatureException" ||
                     type == "MissingAuthenticationTokenException" ||
                     type == "ExpiredTokenException";
  return type + (coral ? kCoralFault : kBedrockFault);
}

std::string FakeBedrockRequest::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

std::string FakeBedrockRequest::last_user_message() const {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? "" : last_user_message_of(parsed);
}

struct FakeBedrockServer::Impl {
  explicit Impl(FakeBedrockOptions o) : options(std::move(o)) {}

  FakeBedrockOptions options;
  net::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  // Hanging requests wait on this timer; stop() cancels it.
  net::steady_timer forever{io, net::steady_timer::time_point::max()};
  std::set<tcp::socket*> open_sockets;  // touched on the io thread only
  std::thread thread;
  std::atomic<uint16_t> port{0};
  bool started = false;
  bool stopped = false;
  std::atomic<uint64_t> next_id{1};

  mutable std::mutex mu;  // guards rules, requests, options.default_reply
  std::vector<FakeBedrockRule> rules;
  std::vector<FakeBedrockRequest> requests;

  awaitable<void> accept_loop();
  awaitable<void> session(tcp::socket socket);
  // Answers one request; returns false when the connection must close afterwards.
  awaitable<bool> answer(tcp::socket& socket, const http::request<http::string_body>& request);
  awaitable<bool> send_error(tcp::socket& socket, unsigned version, bool keep_alive,
                             const Refusal& refusal, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers);
  awaitable<bool> send_json(tcp::socket& socket, unsigned version, bool keep_alive,
                            const Plan& plan);
  awaitable<bool> send_embedding(tcp::socket& socket, unsigned version, bool keep_alive,
                                 const Plan& plan, const json& request);
  awaitable<bool> send_stream(tcp::socket& socket, unsigned version, bool keep_alive,
                              const Plan& plan);
  awaitable<void> sleep_ms(int ms);

  std::string request_id() { return "fake-" + std::to_string(next_id++) + "-0000-4000-8000"; }
  static FakeBedrockRequest receive(const http::request<http::string_body>& request);
  std::optional<Refusal> check_signature(const FakeBedrockRequest& received) const;
  std::optional<Refusal> refusal_for(const FakeBedrockRequest& received, const json& body) const;
  Plan plan_for(const std::string& last_user_message, int64_t input_tokens);
};

awaitable<void> FakeBedrockServer::Impl::sleep_ms(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer timer(io, std::chrono::milliseconds(ms));
  error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

awaitable<void> FakeBedrockServer::Impl::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      continue;
    }
    // As real servers do: each event leaves at once, not after the client's delayed ACK.
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(io, session(std::move(socket)), net::detached);
  }
}

awaitable<void> FakeBedrockServer::Impl::session(tcp::socket socket) {
  open_sockets.insert(&socket);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    error_code ec;
    co_await http::async_read(socket, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const http::request<http::string_body> request = parser.release();
    const bool keep_open = co_await answer(socket, request);
    if (!keep_open) break;
  }
  open_sockets.erase(&socket);
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

std::optional<Refusal> FakeBedrockServer::Impl::check_signature(
    const FakeBedrockRequest& received) const {
  if (options.access_key_id.empty()) return std::nullopt;
  const std::string header = received.header("authorization");
  if (header.empty()) {
    return Refusal{403, "MissingAuthenticationTokenException", "Missing Authentication Token"};
  }
  const std::optional<Authorization> auth = parse_authorization(header);
  if (!auth || auth->algorithm != "AWS4-HMAC-SHA256") {
    return Refusal{403, "IncompleteSignatureException",
                   "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                   "parameters with the AWS4-HMAC-SHA256 algorithm."};
  }
  if (auth->access_key_id != options.access_key_id) {
    return Refusal{403, "UnrecognizedClientException", kInvalidToken};
  }
  const std::string token = received.header("x-amz-security-token");
  if (token != options.session_token) {
    return Refusal{403, "UnrecognizedClientException", kInvalidToken};
  }
  if (auth->region != options.region) {
    return Refusal{403, "InvalidSignatureException",
                   "Credential should be scoped to a valid region. "};
  }
  if (auth->service != "bedrock") {
    return Refusal{403, "InvalidSignatureException",
                   "Credential should be scoped to correct service: 'bedrock'. "};
  }
  const std::string amz_date = received.header("x-amz-date");
  if (amz_date.empty()) {
    return Refusal{403, "IncompleteSignatureException",
                   "Authorization header requires existence of either a 'X-Amz-Date' or a "
                   "'Date' header."};
  }
  if (amz_date.substr(0, 8) != auth->date || auth->terminator != "aws4_request") {
    return Refusal{403, "InvalidSignatureException",
                   "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                   "date from HTTP: '" +
                       auth->date + "' != '" + amz_date.substr(0, 8) + "'"};
  }

  // Recompute the signature from what arrived, as AWS does.
  llm::SigV4Request request;
  request.method = received.method;
  const size_t query = received.target.find('?');
  request.path = received.target.substr(0, query);
  if (query != std::string::npos) request.query = received.target.substr(query + 1);
  request.body = received.body;
  bool token_signed = false;
  for (const std::string& name : auth->signed_headers) {
    if (name == "x-amz-date") continue;  // the signer adds it from the params
    if (name == "x-amz-security-token") {
      token_signed = true;
      continue;
    }
    bool found = false;
    for (const auto& [n, v] : received.headers) {
      if (n == name) {
        request.headers.emplace_back(n, v);
        found = true;
      }
    }
    if (!found) return Refusal{403, "InvalidSignatureException", kSignatureMismatch};
  }
  llm::AwsCredentials credentials{options.access_key_id, options.secret_access_key,
                                  token_signed ? token : std::string()};
  llm::SigV4Params params;
  params.region = options.region;
  params.service = "bedrock";
  params.amz_date = amz_date;
  const auto expected = llm::sign_with_headers(request, credentials, params);
  if (!expected.ok() || expected->signature != auth->signature) {
    return Refusal{403, "InvalidSignatureException", kSignatureMismatch};
  }
  return std::nullopt;
}

Plan FakeBedrockServer::Impl::plan_for(const std::string& last_user_message, int64_t input_tokens) {
  std::lock_guard lock(mu);
  Plan plan;
  plan.input_tokens = input_tokens;
  bool matched = false;
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    if (it->match.empty() || last_user_message.find(it->match) != std::string::npos) {
      plan.rule = *it;
      if (it->once) rules.erase(it);
      matched = true;
      break;
    }
  }
  if (!matched) plan.rule.reply = options.default_reply;
  if (plan.rule.reply.empty()) plan.rule.reply = options.default_reply;
  return plan;
}

FakeBedrockRequest FakeBedrockServer::Impl::receive(
    const http::request<http::string_body>& request) {
  FakeBedrockRequest received;
  received.method = std::string(request.method_string());
  received.target = std::string(request.target());
  for (const auto& field : request) {
    received.headers.emplace_back(lower(std::string(field.name_string())),
                                  std::string(field.value()));
  }
  received.body = request.body();
  const std::string path = received.target.substr(0, received.target.find('?'));
  if (path.starts_with("/model/")) {
    const size_t slash = path.rfind('/');
    if (slash > 7) {
      received.model_id = percent_decode(path.substr(7, slash - 7));
      received.operation = path.substr(slash + 1);
    }
  }
  return received;
}

// Titan Text Embeddings' checks of an InvokeModel body, with its own messages.
std::optional<Refusal> titan_refusal(const json& body) {
  const auto malformed = [](const std::string& what) {
    return Refusal{
        400, "ValidationException",
        "Malformed input request: " + what + ", please reformat your input and try again."};
  };
  if (body.is_discarded() || !body.is_object()) return malformed("#: expected type: JSONObject");
  if (!body.contains("inputText")) return malformed("#: required key [inputText] not found");
  if (!body["inputText"].is_string()) return malformed("#/inputText: expected type: String");
  if (body["inputText"].get<std::string>().empty()) {
    return malformed("#/inputText: expected minLength: 1, actual: 0");
  }
  if (body.contains("dimensions")) {
    const json& d = body["dimensions"];
    if (!d.is_number_integer() || (d != 256 && d != 512 && d != 1024)) {
      return malformed("#/dimensions: " + d.dump() + " is not a valid enum value");
    }
  }
  return std::nullopt;
}

std::optional<Refusal> FakeBedrockServer::Impl::refusal_for(const FakeBedrockRequest& received,
                                                            const json& body) const {
  if (received.method != "POST" || received.model_id.empty() ||
      (received.operation != "converse" && received.operation != "converse-stream" &&
       received.operation != "invoke")) {
    return Refusal{404, "UnknownOperationException", "Unknown operation"};
  }
  if (std::optional<Refusal> refused = check_signature(received)) return refused;
  if (!options.allowed_models.empty() &&
      std::find(options.allowed_models.begin(), options.allowed_models.end(), received.model_id) ==
          options.allowed_models.end()) {
    return Refusal{403, "AccessDeniedException",
                   "You don't have access to the model with the specified model ID."};
  }
  if (received.operation == "invoke") return titan_refusal(body);
  if (body.is_discarded() || !body.is_object() || !body.contains("messages")) {
    return Refusal{400, "ValidationException",
                   "Malformed input request, please reformat your input and try again."};
  }
  return std::nullopt;
}

// GCC 12 mishandles temporaries with destructors inside co_await expressions (it destroys them
// twice), so every co_await below takes named values only.
awaitable<bool> FakeBedrockServer::Impl::answer(tcp::socket& socket,
                                                const http::request<http::string_body>& request) {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  FakeBedrockRequest received = receive(request);
  const json body = json::parse(received.body, nullptr, false);
  const std::optional<Refusal> refused = refusal_for(received, body);
  received.signature_valid = !options.access_key_id.empty() && !check_signature(received);
  {
    std::lock_guard lock(mu);
    requests.push_back(received);
  }
  const std::string no_body;
  const std::vector<std::pair<std::string, std::string>> no_headers;
  if (refused) {
    const bool keep =
        co_await send_error(socket, version, keep_alive, *refused, no_body, no_headers);
    co_return keep;
  }

  const Plan plan = plan_for(last_user_message_of(body), input_tokens_of(body));
  co_await sleep_ms(plan.rule.delay_ms);
  if (plan.rule.mode == FakeBedrockMode::kHang) {
    error_code ec;
    co_await forever.async_wait(net::redirect_error(net::use_awaitable, ec));
    co_return false;
  }
  if (plan.rule.mode == FakeBedrockMode::kHttpError) {
    const Refusal error = http_error_of(plan.rule);
    const bool keep =
        co_await send_error(socket, version, keep_alive, error, plan.rule.body, plan.rule.headers);
    co_return keep;
  }
  if (received.operation == "invoke") {
    const bool keep = co_await send_embedding(socket, version, keep_alive, plan, body);
    co_return keep;
  }
  if (received.operation == "converse") {
    const bool keep = co_await send_json(socket, version, keep_alive, plan);
    co_return keep;
  }
  const bool keep = co_await send_stream(socket, version, keep_alive, plan);
  co_return keep;
}

awaitable<bool> FakeBedrockServer::Impl::send_error(
    tcp::socket& socket, unsigned version, bool keep_alive, const Refusal& refusal,
    const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http::response<http::string_body> response{static_cast<http::status>(refusal.status), version};
  response.set(http::field::content_type, "application/json");
  response.set("x-amzn-requestid", request_id());
  response.set("x-amzn-errortype", bedrock_error_type_header(refusal.type));
  for (const auto& [name, value] : headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = body.empty() ? dump({{"message", refusal.message}}) : body;
  response.prepare_payload();
  error_code ec;
  co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

awaitable<bool> FakeBedrockServer::Impl::send_embedding(tcp::socket& socket, unsigned version,
                                                        bool keep_alive, const Plan& plan,
                                                        const json& request) {
  const size_t dimensions =
      request.contains("dimensions") ? request["dimensions"].get<size_t>() : 1024;
  const std::string text = request["inputText"].get<std::string>();
  const std::vector<float> vector = fake_embedding(text, dimensions);
  const json reply = {{"embedding", vector},
                      {"embeddingsByType", {{"float", vector}}},
                      {"inputTextTokenCount", plan.input_tokens}};
  const std::string body = dump(reply);
  std::string wire =
      std::string(version == 10 ? "HTTP/1.0" : "HTTP/1.1") +
      " 200 OK\r\nContent-Type: application/json\r\nx-amzn-requestid: " + request_id() +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  wire += keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
  const bool cut = plan.rule.mode == FakeBedrockMode::kCutStream;
  wire += cut ? body.substr(0, body.size() / 2) : body;  // cut: the connection closes mid-body
  error_code ec;
  co_await net::async_write(socket, net::buffer(wire), net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive && !cut;
}

awaitable<bool> FakeBedrockServer::Impl::send_json(tcp::socket& socket, unsigned version,
                                                   bool keep_alive, const Plan& plan) {
  const int64_t output_tokens = token_estimate(plan.rule.reply.size());
  const json reply = {
      {"metrics", {{"latencyMs", 123}}},
      {"output",
       {{"message",
         {{"content", json::array({{{"text", plan.rule.reply}}})}, {"role", "assistant"}}}}},
      {"stopReason", plan.rule.stop_reason},
      {"usage",
       {{"inputTokens", plan.input_tokens},
        {"outputTokens", output_tokens},
        {"totalTokens", plan.input_tokens + output_tokens}}}};
  http::response<http::string_body> response{http::status::ok, version};
  response.set(http::field::content_type, "application/json");
  response.set("x-amzn-requestid", request_id());
  for (const auto& [name, value] : plan.rule.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = dump(reply);
  response.prepare_payload();
  error_code ec;
  co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

awaitable<bool> FakeBedrockServer::Impl::send_stream(tcp::socket& socket, unsigned version,
                                                     bool keep_alive, const Plan& plan) {
  http::response<http::empty_body> response{http::status::ok, version};
  response.set(http::field::content_type, "application/vnd.amazon.eventstream");
  response.set("x-amzn-requestid", request_id());
  for (const auto& [name, value] : plan.rule.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.chunked(true);
  http::response_serializer<http::empty_body> serializer{response};
  error_code ec;
  co_await http::async_write_header(socket, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;

  // The frames, in the order Bedrock sends them.
  uint64_t n = next_id++;
  std::vector<std::string> frames;
  frames.push_back(test::bedrock_event_frame("messageStart",
                                             dump({{"p", padding(n++)}, {"role", "assistant"}})));
  const std::vector<std::string> pieces = split_words(plan.rule.reply, options.words_per_chunk);
  const size_t text_frames = plan.rule.mode == FakeBedrockMode::kException
                                 ? std::min(plan.rule.text_chunks, pieces.size())
                                 : pieces.size();
  for (size_t i = 0; i < text_frames; ++i) {
    frames.push_back(test::bedrock_event_frame(
        "contentBlockDelta",
        dump({{"contentBlockIndex", 0}, {"delta", {{"text", pieces[i]}}}, {"p", padding(n++)}})));
  }
  if (plan.rule.mode == FakeBedrockMode::kException) {
    const std::string type =
        plan.rule.error_type.empty() ? "modelStreamErrorException" : plan.rule.error_type;
    frames.push_back(
        test::bedrock_exception_frame(type, exception_payload(type, plan.rule.message)));
  } else {
    const int64_t output_tokens = token_estimate(plan.rule.reply.size());
    frames.push_back(test::bedrock_event_frame(
        "contentBlockStop", dump({{"contentBlockIndex", 0}, {"p", padding(n++)}})));
    frames.push_back(test::bedrock_event_frame(
        "messageStop", dump({{"p", padding(n++)}, {"stopReason", plan.rule.stop_reason}})));
    frames.push_back(test::bedrock_event_frame(
        "metadata", dump({{"metrics", {{"latencyMs", 321}}},
                          {"p", padding(n++)},
                          {"usage",
                           {{"inputTokens", plan.input_tokens},
                            {"outputTokens", output_tokens},
                            {"totalTokens", plan.input_tokens + output_tokens}}}})));
  }

  size_t send_count = frames.size();
  std::string partial;
  if (plan.rule.mode == FakeBedrockMode::kCutStream) {
    send_count = std::max<size_t>(1, frames.size() / 2);
    if (send_count < frames.size()) {
      partial = frames[send_count].substr(0, frames[send_count].size() / 2);
    }
  }
  for (size_t i = 0; i < send_count; ++i) {
    if (i > 0) co_await sleep_ms(plan.rule.chunk_delay_ms);
    co_await net::async_write(socket, http::make_chunk(net::buffer(frames[i])),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  if (plan.rule.mode == FakeBedrockMode::kCutStream) {
    if (!partial.empty()) {
      co_await net::async_write(socket, http::make_chunk(net::buffer(partial)),
                                net::redirect_error(net::use_awaitable, ec));
    }
    co_return false;  // close without the last chunk
  }
  co_await net::async_write(socket, http::make_chunk_last(),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

FakeBedrockServer::FakeBedrockServer(FakeBedrockOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeBedrockServer::~FakeBedrockServer() { stop(); }

Status FakeBedrockServer::start(uint16_t port) {
  if (impl_->started) {
    return Error{ErrorCode::kInternal, "the fake Bedrock server already started"};
  }
  try {
    impl_->acceptor.emplace(impl_->io);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen();
    impl_->port = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return Error{ErrorCode::kInternal, "the fake Bedrock server could not listen on 127.0.0.1:" +
                                           std::to_string(port) + ": " + e.what()};
  }
  impl_->started = true;
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  return ok_status();
}

void FakeBedrockServer::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->io, [impl = impl_.get()] {
    error_code ignored;
    impl->acceptor->close(ignored);
    impl->forever.cancel();
    // Close every connection now, so clients see the server go away; the suspended sessions
    // are destroyed with the io_context.
    for (tcp::socket* socket : impl->open_sockets) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
    }
    impl->open_sockets.clear();
    impl->io.stop();
  });
  impl_->thread.join();
}

uint16_t FakeBedrockServer::port() const { return impl_->port; }

std::string FakeBedrockServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeBedrockServer::add_rule(FakeBedrockRule rule) {
  std::lock_guard lock(impl_->mu);
  impl_->rules.push_back(std::move(rule));
}

void FakeBedrockServer::clear_rules() {
  std::lock_guard lock(impl_->mu);
  impl_->rules.clear();
}

void FakeBedrockServer::set_default_reply(std::string text) {
  std::lock_guard lock(impl_->mu);
  impl_->options.default_reply = std::move(text);
}

std::vector<FakeBedrockRequest> FakeBedrockServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

size_t FakeBedrockServer::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests.size();
}

void FakeBedrockServer::clear_requests() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

}  // namespace askdb::test
