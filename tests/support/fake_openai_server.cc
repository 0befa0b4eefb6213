#include "support/fake_openai_server.h"

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
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

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

json error_json(std::string message, std::string type, const char* code,
                const char* param = nullptr) {
  return {{"error",
           {{"message", std::move(message)},
            {"type", std::move(type)},
            {"param", param == nullptr ? json(nullptr) : json(param)},
            {"code", code == nullptr ? json(nullptr) : json(code)}}}};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The text of a message's content: a string, or the text parts of an array of parts.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const json& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string()) {
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

// The texts of an embeddings request's "input" (a string or an array of strings).
std::vector<std::string> inputs_of(const json& body) {
  std::vector<std::string> out;
  if (!body.is_object() || !body.contains("input")) return out;
  const json& input = body["input"];
  if (input.is_string()) out.push_back(input.get<std::string>());
  if (input.is_array()) {
    for (const json& x : input) out.push_back(x.is_string() ? x.get<std::string>() : "");
  }
  return out;
}

std::string last_user_message_of(const json& body) {
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

int64_t prompt_tokens_of(const json& body) {
  size_t bytes = 0;
  if (body.contains("messages") && body["messages"].is_array()) {
    for (const json& m : body["messages"]) {
      if (m.is_object() && m.contains("content")) bytes += content_text(m["content"]).size();
    }
  }
  return token_estimate(bytes);
}

// Splits `text` into pieces of `words` words each, a word carrying the spaces before it (as
// OpenAI's tokens do), so that the pieces concatenate to `text` exactly.
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

FakeRule default_rule(const std::string& reply) {
  FakeRule rule;
  rule.reply = reply;
  return rule;
}

// How one request is to be answered, decided under the lock.
struct Plan {
  FakeRule rule;
  std::string model;
  bool stream = true;
  bool include_usage = false;
  int64_t prompt_tokens = 0;
};

}  // namespace

std::string FakeRequest::last_user_message() const {
  json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? "" : last_user_message_of(parsed);
}

std::string openai_error_body(int status) {
  switch (status) {
    case 400:
      return dump(error_json(
          "This model's maximum context length is 128000 tokens. However, your messages resulted "
          "in 130412 tokens. Please reduce the length of the messages.",
          "invalid_request_error", "context_length_exceeded", "messages"));
    case 401:
      return dump(
          error_json("Incorrect API key provided: sk-wrong. You can find your API key at "
                     "https://platform.openai.com/account/api-keys.",
                     "invalid_request_error", "invalid_api_key"));
    case 403:
      return dump(error_json("Project `proj_fake` does not have access to model `gpt-4o`",
                             "invalid_request_error", "model_not_found"));
    case 404:
      return dump(error_json("The model `gpt-9` does not exist or you do not have access to it.",
                             "invalid_request_error", "model_not_found"));
    case 429:
      return dump(error_json(
          "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): "
          "Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
          "https://platform.openai.com/account/rate-limits to learn more.",
          "requests", "rate_limit_exceeded"));
    case 500:
      return dump(
          error_json("The server had an error while processing your request. Sorry about that!",
                     "server_error", nullptr));
    case 502:
      return dump(error_json("Bad gateway.", "cf_bad_gateway", nullptr));
    case 503:
      return dump(error_json("The engine is currently overloaded, please try again later",
                             "server_error", nullptr));
    default:
      return dump(error_json("HTTP " + std::to_string(status), "server_error", nullptr));
  }
}

struct FakeOpenAiServer::Impl {
  explicit Impl(FakeOpenAiOptions o) : options(std::move(o)) {}

  FakeOpenAiOptions options;
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
  std::atomic<size_t> abandoned{0};  // streams the client closed before their end

  mutable std::mutex mu;  // guards rules, requests, default_reply
  std::vector<FakeRule> rules;
  std::vector<FakeRequest> requests;

  awaitable<void> accept_loop();
  awaitable<void> session(tcp::socket socket);
  // Answers one request; returns false when the connection must close afterwards.
  awaitable<bool> answer(tcp::socket& socket, const http::request<http::string_body>& request);

  awaitable<bool> send_simple(tcp::socket& socket, unsigned version, bool keep_alive, int status,
                              std::string content_type, std::string body,
                              const std::vector<std::pair<std::string, std::string>>& headers);
  awaitable<bool> send_stream(tcp::socket& socket, unsigned version, bool keep_alive,
                              const Plan& plan);
  awaitable<bool> send_raw(tcp::socket& socket, unsigned version, bool keep_alive,
                           const Plan& plan);
  awaitable<bool> send_embeddings(tcp::socket& socket, unsigned version, bool keep_alive,
                                  const Plan& plan, const json& request);
  awaitable<void> sleep_ms(int ms);

  std::string completion_json(const Plan& plan) const;
  std::string chunk_json(const std::string& id, const Plan& plan, const json& delta,
                         const json& finish_reason) const;
  std::optional<std::string> validate(const http::request<http::string_body>& request,
                                      const json& body, int& status) const;
  Plan plan_for(const json& body);
};

awaitable<void> FakeOpenAiServer::Impl::sleep_ms(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer timer(io, std::chrono::milliseconds(ms));
  error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

awaitable<void> FakeOpenAiServer::Impl::accept_loop() {
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

awaitable<void> FakeOpenAiServer::Impl::session(tcp::socket socket) {
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

std::optional<std::string> FakeOpenAiServer::Impl::validate(
    const http::request<http::string_body>& request, const json& body, int& status) const {
  const std::string target(request.target());
  const std::string method(request.method_string());
  const std::string path = target.substr(0, target.find('?'));
  const bool embeddings = path == "/v1/embeddings";
  if (request.method() != http::verb::post || (path != "/v1/chat/completions" && !embeddings)) {
    status = 404;
    return dump(error_json("Invalid URL (" + method + " " + target + ")", "invalid_request_error",
                           nullptr));
  }
  if (!options.api_key.empty()) {
    const std::string auth(request[http::field::authorization]);
    if (auth.empty()) {
      status = 401;
      return dump(error_json(
          "You didn't provide an API key. You need to provide your API key in an Authorization "
          "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
          "field (with blank username) if you're accessing the API from your browser and are "
          "prompted for a username and password. You can obtain an API key from "
          "https://platform.openai.com/account/api-keys.",
          "invalid_request_error", nullptr));
    }
    if (auth != "Bearer " + options.api_key) {
      std::string shown = auth.starts_with("Bearer ") ? auth.substr(7) : auth;
      if (shown.size() > 8) shown = shown.substr(0, 3) + "*****" + shown.substr(shown.size() - 4);
      status = 401;
      return dump(error_json("Incorrect API key provided: " + shown +
                                 ". You can find your API key at "
                                 "https://platform.openai.com/account/api-keys.",
                             "invalid_request_error", "invalid_api_key"));
    }
  }
  if (body.is_discarded() || !body.is_object()) {
    status = 400;
    return dump(error_json(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
        "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
        "contact us through our help center at help.openai.com.)",
        "invalid_request_error", nullptr));
  }
  if (!body.contains("model") || !body["model"].is_string()) {
    status = 400;
    return dump(error_json("you must provide a model parameter", "invalid_request_error", nullptr));
  }
  if (embeddings) {
    if (!body.contains("input")) {
      status = 400;
      return dump(error_json("Missing required parameter: 'input'.", "invalid_request_error",
                             "missing_required_parameter", "input"));
    }
    const json& input = body["input"];
    bool valid = (input.is_string() && !input.get<std::string>().empty()) ||
                 (input.is_array() && !input.empty());
    if (input.is_array()) {
      for (const json& x : input) valid = valid && x.is_string() && !x.get<std::string>().empty();
    }
    if (!valid) {
      status = 400;
      return dump(
          error_json("'$.input' is invalid. Please check the API reference: "
                     "https://platform.openai.com/docs/api-reference.",
                     "invalid_request_error", nullptr));
    }
  } else if (!body.contains("messages") || !body["messages"].is_array() ||
             body["messages"].empty()) {
    status = 400;
    return dump(error_json("Missing required parameter: 'messages'.", "invalid_request_error",
                           "missing_required_parameter", "messages"));
  }
  if (!options.models.empty()) {
    const std::string model = body["model"].get<std::string>();
    bool known = false;
    for (const std::string& m : options.models) known = known || m == model;
    if (!known) {
      status = 404;
      return dump(
          error_json("The model `" + model + "` does not exist or you do not have access to it.",
                     "invalid_request_error", "model_not_found"));
    }
  }
  return std::nullopt;
}

Plan FakeOpenAiServer::Impl::plan_for(const json& body) {
  Plan plan;
  plan.model = body["model"].get<std::string>();
  plan.stream = body.value("stream", false);
  plan.include_usage = body.contains("stream_options") && body["stream_options"].is_object() &&
                       body["stream_options"].value("include_usage", false);
  plan.prompt_tokens = prompt_tokens_of(body);
  std::string last_user = last_user_message_of(body);
  for (const std::string& input : inputs_of(body)) {  // an embeddings request: any input matches
    last_user += input + "\n";
    plan.prompt_tokens += token_estimate(input.size());
  }

  std::lock_guard lock(mu);
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    if (it->match.empty() || last_user.find(it->match) != std::string::npos) {
      plan.rule = *it;
      if (it->once) rules.erase(it);
      return plan;
    }
  }
  plan.rule = default_rule(options.default_reply);
  return plan;
}

awaitable<bool> FakeOpenAiServer::Impl::answer(tcp::socket& socket,
                                               const http::request<http::string_body>& request) {
  {
    FakeRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    recorded.authorization = std::string(request[http::field::authorization]);
    recorded.body = request.body();
    std::lock_guard lock(mu);
    requests.push_back(std::move(recorded));
  }
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  const json body = json::parse(request.body(), nullptr, false);

  int status = 200;
  if (std::optional<std::string> refusal = validate(request, body, status)) {
    co_return co_await send_simple(socket, version, keep_alive, status, "application/json",
                                   std::move(*refusal), {});
  }

  const Plan plan = plan_for(body);
  co_await sleep_ms(plan.rule.delay_ms);
  if (!socket.is_open()) co_return false;

  const std::string target(request.target());
  if (target.substr(0, target.find('?')) == "/v1/embeddings" && plan.rule.mode != FakeMode::kHang &&
      plan.rule.mode != FakeMode::kHttpError && plan.rule.mode != FakeMode::kRaw) {
    co_return co_await send_embeddings(socket, version, keep_alive, plan, body);
  }
  switch (plan.rule.mode) {
    case FakeMode::kHang: {
      error_code ec;
      co_await forever.async_wait(net::redirect_error(net::use_awaitable, ec));
      co_return false;
    }
    case FakeMode::kHttpError: {
      std::string error_body =
          plan.rule.body.empty() ? openai_error_body(plan.rule.status) : plan.rule.body;
      std::string type =
          plan.rule.content_type.empty() ? "application/json" : plan.rule.content_type;
      co_return co_await send_simple(socket, version, keep_alive, plan.rule.status, std::move(type),
                                     std::move(error_body), plan.rule.headers);
    }
    case FakeMode::kJson:
      co_return co_await send_simple(socket, version, keep_alive, 200, "application/json",
                                     completion_json(plan), plan.rule.headers);
    case FakeMode::kRaw:
      co_return co_await send_raw(socket, version, keep_alive, plan);
    case FakeMode::kStream:
      if (!plan.stream) {
        co_return co_await send_simple(socket, version, keep_alive, 200, "application/json",
                                       completion_json(plan), plan.rule.headers);
      }
      co_return co_await send_stream(socket, version, keep_alive, plan);
    case FakeMode::kMalformedChunk:
    case FakeMode::kCutStream:
      co_return co_await send_stream(socket, version, keep_alive, plan);
  }
  co_return false;
}

awaitable<bool> FakeOpenAiServer::Impl::send_embeddings(tcp::socket& socket, unsigned version,
                                                        bool keep_alive, const Plan& plan,
                                                        const json& request) {
  size_t dimensions = options.embedding_dimensions;
  if (request.contains("dimensions") && request["dimensions"].is_number_unsigned()) {
    dimensions = request["dimensions"].get<size_t>();
  }
  const std::vector<std::string> inputs = inputs_of(request);
  json data = json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const size_t index = options.embeddings_reversed ? inputs.size() - 1 - i : i;
    data.push_back({{"object", "embedding"},
                    {"index", index},
                    {"embedding", fake_embedding(inputs[index], dimensions)}});
  }
  const json reply = {
      {"object", "list"},
      {"data", std::move(data)},
      {"model", plan.model},
      {"usage", {{"prompt_tokens", plan.prompt_tokens}, {"total_tokens", plan.prompt_tokens}}}};
  std::string body = dump(reply);
  if (plan.rule.mode == FakeMode::kMalformedChunk) body.resize(body.size() / 3);
  if (plan.rule.mode != FakeMode::kCutStream) {
    const bool keep = co_await send_simple(socket, version, keep_alive, 200, "application/json",
                                           std::move(body), plan.rule.headers);
    co_return keep;
  }
  // The head promises the whole body; half of it comes, then the connection closes.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" +
                           body.substr(0, body.size() / 2);
  error_code ec;
  co_await net::async_write(socket, net::buffer(head), net::redirect_error(net::use_awaitable, ec));
  co_return false;
}

awaitable<bool> FakeOpenAiServer::Impl::send_simple(
    tcp::socket& socket, unsigned version, bool keep_alive, int status, std::string content_type,
    std::string body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  response.set(http::field::server, "fake-openai");
  response.set(http::field::content_type, content_type);
  if (status >= 400) response.set("x-request-id", "req_fake" + std::to_string(next_id++));
  for (const auto& [name, value] : headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  error_code ec;
  co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

std::string FakeOpenAiServer::Impl::chunk_json(const std::string& id, const Plan& plan,
                                               const json& delta, const json& finish_reason) const {
  json chunk = {{"id", id},
                {"object", "chat.completion.chunk"},
                {"created", static_cast<int64_t>(std::time(nullptr))},
                {"model", plan.model},
                {"system_fingerprint", "fp_fake"},
                {"choices", json::array({{{"index", 0},
                                          {"delta", delta},
                                          {"logprobs", nullptr},
                                          {"finish_reason", finish_reason}}})}};
  return dump(chunk);
}

std::string FakeOpenAiServer::Impl::completion_json(const Plan& plan) const {
  const int64_t completion_tokens = token_estimate(plan.rule.reply.size());
  json completion = {
      {"id", "chatcmpl-fake" + std::to_string(next_id.load())},
      {"object", "chat.completion"},
      {"created", static_cast<int64_t>(std::time(nullptr))},
      {"model", plan.model},
      {"system_fingerprint", "fp_fake"},
      {"choices",
       json::array({{{"index", 0},
                     {"message",
                      {{"role", "assistant"}, {"content", plan.rule.reply}, {"refusal", nullptr}}},
                     {"logprobs", nullptr},
                     {"finish_reason", plan.rule.finish_reason}}})},
      {"usage",
       {{"prompt_tokens", plan.prompt_tokens},
        {"completion_tokens", completion_tokens},
        {"total_tokens", plan.prompt_tokens + completion_tokens}}}};
  return dump(completion);
}

awaitable<bool> FakeOpenAiServer::Impl::send_stream(tcp::socket& socket, unsigned version,
                                                    bool keep_alive, const Plan& plan) {
  http::response<http::empty_body> response{http::status::ok, version};
  response.set(http::field::server, "fake-openai");
  response.set(http::field::content_type, "text/event-stream; charset=utf-8");
  response.set(http::field::cache_control, "no-cache");
  for (const auto& [name, value] : plan.rule.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.chunked(true);
  http::response_serializer<http::empty_body> serializer{response};
  error_code ec;
  co_await http::async_write_header(socket, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;

  // The events, in the order OpenAI sends them.
  const std::string id = "chatcmpl-fake" + std::to_string(next_id++);
  std::vector<std::string> events;
  events.push_back(chunk_json(
      id, plan, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr));
  for (const std::string& piece : split_words(plan.rule.reply, options.words_per_chunk)) {
    events.push_back(chunk_json(id, plan, {{"content", piece}}, nullptr));
  }
  events.push_back(chunk_json(id, plan, json::object(), plan.rule.finish_reason));
  if (plan.include_usage) {
    const int64_t completion_tokens = token_estimate(plan.rule.reply.size());
    json usage_chunk = {{"id", id},
                        {"object", "chat.completion.chunk"},
                        {"created", static_cast<int64_t>(std::time(nullptr))},
                        {"model", plan.model},
                        {"system_fingerprint", "fp_fake"},
                        {"choices", json::array()},
                        {"usage",
                         {{"prompt_tokens", plan.prompt_tokens},
                          {"completion_tokens", completion_tokens},
                          {"total_tokens", plan.prompt_tokens + completion_tokens}}}};
    events.push_back(dump(usage_chunk));
  }
  events.push_back("[DONE]");

  if (plan.rule.mode == FakeMode::kMalformedChunk) {
    const size_t at = std::min<size_t>(2, events.size());
    events.insert(events.begin() + static_cast<std::ptrdiff_t>(at),
                  "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"de");
  }
  size_t send_count = events.size();
  if (plan.rule.mode == FakeMode::kCutStream) send_count = std::max<size_t>(1, events.size() / 2);

  for (size_t i = 0; i < send_count; ++i) {
    if (i > 0) co_await sleep_ms(plan.rule.chunk_delay_ms);
    const std::string frame = "data: " + events[i] + "\n\n";
    co_await net::async_write(socket, http::make_chunk(net::buffer(frame)),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      ++abandoned;
      co_return false;
    }
  }
  if (plan.rule.mode == FakeMode::kCutStream) co_return false;  // close without the last chunk

  co_await net::async_write(socket, http::make_chunk_last(),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

awaitable<bool> FakeOpenAiServer::Impl::send_raw(tcp::socket& socket, unsigned version,
                                                 bool keep_alive, const Plan& plan) {
  http::response<http::empty_body> response{http::status::ok, version};
  response.set(http::field::server, "fake-openai");
  response.set(http::field::content_type, plan.rule.content_type.empty()
                                              ? "text/event-stream; charset=utf-8"
                                              : plan.rule.content_type);
  for (const auto& [name, value] : plan.rule.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.chunked(true);
  http::response_serializer<http::empty_body> serializer{response};
  error_code ec;
  co_await http::async_write_header(socket, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;

  const std::string& body = plan.rule.body;
  const size_t step = plan.rule.raw_chunk_bytes == 0 ? body.size() : plan.rule.raw_chunk_bytes;
  for (size_t at = 0; at < body.size(); at += step) {
    if (at > 0) co_await sleep_ms(plan.rule.chunk_delay_ms);
    const size_t n = std::min(step, body.size() - at);
    co_await net::async_write(socket, http::make_chunk(net::buffer(body.data() + at, n)),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_await net::async_write(socket, http::make_chunk_last(),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

FakeOpenAiServer::FakeOpenAiServer(FakeOpenAiOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeOpenAiServer::~FakeOpenAiServer() { stop(); }

Status FakeOpenAiServer::start(uint16_t port) {
  if (impl_->started) return Error{ErrorCode::kInternal, "the fake OpenAI server already started"};
  try {
    impl_->acceptor.emplace(impl_->io);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen();
    impl_->port = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return Error{ErrorCode::kInternal, "the fake OpenAI server could not listen on 127.0.0.1:" +
                                           std::to_string(port) + ": " + e.what()};
  }
  impl_->started = true;
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  return ok_status();
}

void FakeOpenAiServer::stop() {
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

uint16_t FakeOpenAiServer::port() const { return impl_->port; }

std::string FakeOpenAiServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v1";
}

void FakeOpenAiServer::add_rule(FakeRule rule) {
  std::lock_guard lock(impl_->mu);
  impl_->rules.push_back(std::move(rule));
}

void FakeOpenAiServer::clear_rules() {
  std::lock_guard lock(impl_->mu);
  impl_->rules.clear();
}

void FakeOpenAiServer::set_default_reply(std::string text) {
  std::lock_guard lock(impl_->mu);
  impl_->options.default_reply = std::move(text);
}

std::vector<FakeRequest> FakeOpenAiServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

size_t FakeOpenAiServer::abandoned_streams() const { return impl_->abandoned.load(); }

size_t FakeOpenAiServer::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests.size();
}

void FakeOpenAiServer::clear_requests() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

}  // namespace askdb::test
