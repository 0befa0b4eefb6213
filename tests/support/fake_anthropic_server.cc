// FakeAnthropicServer's implementation: see fake_anthropic_server.h. Everything but the public
// methods runs on the server's io thread; rules and recorded requests are shared under `mu`.
#include "support/fake_anthropic_server.h"

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
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

namespace askdb::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using net::awaitable;
using net::ip::tcp;
using json = nlohmann::ordered_json;

constexpr size_t kMaxRequestBody = 64 * 1024 * 1024;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Anthropic's error object: {"type":"error","error":{"type","message"},"request_id"}.
std::string error_body(const std::string& type, const std::string& message,
                       const std::string& request_id = "req_fake_error") {
  return dump(json{{"type", "error"},
                   {"error", {{"type", type}, {"message", message}}},
                   {"request_id", request_id}});
}

// The text of a content field: a string, or the text blocks of an array of blocks.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const json& block : content) {
      if (block.is_object() && block.value("type", "") == "text" && block.contains("text") &&
          block["text"].is_string()) {
        out += block["text"].get<std::string>();
      }
    }
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
  if (body.contains("system")) bytes += content_text(body["system"]).size();
  if (body.contains("messages") && body["messages"].is_array()) {
    for (const json& m : body["messages"]) {
      if (m.is_object() && m.contains("content")) bytes += content_text(m["content"]).size();
    }
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

// The message an `error` event of this type carries in the real API.
std::string stream_error_message(const std::string& type) {
  if (type == "overloaded_error") return "Overloaded";
  if (type == "api_error") return "Internal server error";
  if (type == "rate_limit_error") {
    return "This request would exceed your organization's rate limit. Please try again later.";
  }
  return type;
}

// One event of the stream: its name and its data.
struct Event {
  std::string name;
  std::string data;
};

// How one request is to be answered, decided under the lock.
struct Plan {
  FakeAnthropicRule rule;
  std::string model;
  bool stream = false;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

}  // namespace

std::string FakeAnthropicRequest::last_user_message() const {
  const json parsed = json::parse(body, nullptr, false);
  return parsed.is_discarded() ? "" : last_user_message_of(parsed);
}

std::string anthropic_error_body(int status) {
  switch (status) {
    case 400:
      return error_body("invalid_request_error",
                        "prompt is too long: 215389 tokens > 200000 maximum");
    case 401:
      return error_body("authentication_error", "invalid x-api-key");
    case 402:
      return error_body("billing_error",
                        "Your credit balance is too low to access the Anthropic API. Please go "
                        "to Plans & Billing to upgrade or purchase credits.");
    case 403:
      return error_body("permission_error",
                        "Your API key does not have permission to use the specified resource.");
    case 404:
      return error_body("not_found_error", "model: claude-9-opus");
    case 413:
      return error_body("request_too_large",
                        "Request exceeds the maximum allowed number of bytes.");
    case 429:
      return error_body(
          "rate_limit_error",
          "This request would exceed the rate limit for your organization (fake-org) of 50,000 "
          "input tokens per minute. For details, refer to: "
          "https://docs.claude.com/en/api/rate-limits. You can see the response headers for "
          "current usage. Please reduce the prompt length or the maximum tokens requested, or "
          "try again later. You may also contact sales at "
          "https://www.anthropic.com/contact-sales to discuss your options for a rate limit "
          "increase.");
    case 500:
      return error_body("api_error", "Internal server error");
    case 504:
      return error_body("timeout_error", "Request timeout");
    case 529:
      return error_body("overloaded_error", "Overloaded");
    default:
      return error_body("api_error", "HTTP " + std::to_string(status));
  }
}

struct FakeAnthropicServer::Impl {
  explicit Impl(FakeAnthropicOptions o) : options(std::move(o)) {}

  FakeAnthropicOptions options;
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
  std::vector<FakeAnthropicRule> rules;
  std::vector<FakeAnthropicRequest> requests;

  awaitable<void> accept_loop();
  awaitable<void> session(tcp::socket socket);
  // Answers one request; returns false when the connection must close afterwards.
  awaitable<bool> answer(tcp::socket& socket, const http::request<http::string_body>& request);

  awaitable<bool> send_simple(tcp::socket& socket, unsigned version, bool keep_alive, int status,
                              std::string content_type, std::string body,
                              const std::vector<std::pair<std::string, std::string>>& headers);
  awaitable<bool> send_events(tcp::socket& socket, unsigned version, bool keep_alive,
                              const Plan& plan);
  awaitable<bool> send_raw(tcp::socket& socket, unsigned version, bool keep_alive,
                           const Plan& plan);
  awaitable<void> sleep_ms(int ms);

  std::string message_json(const Plan& plan);
  std::vector<Event> events_for(const Plan& plan);
  std::optional<std::string> validate(const http::request<http::string_body>& request,
                                      const json& body, int& status) const;
  Plan plan_for(const json& body);
  std::string request_id() { return "req_fake" + std::to_string(next_id++); }
};

awaitable<void> FakeAnthropicServer::Impl::sleep_ms(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer timer(io, std::chrono::milliseconds(ms));
  error_code ec;
  co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

awaitable<void> FakeAnthropicServer::Impl::accept_loop() {
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

awaitable<void> FakeAnthropicServer::Impl::session(tcp::socket socket) {
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

std::optional<std::string> FakeAnthropicServer::Impl::validate(
    const http::request<http::string_body>& request, const json& body, int& status) const {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  if (request.method() != http::verb::post || path != "/v1/messages") {
    status = 404;
    return error_body("not_found_error", "Not Found");
  }
  if (!options.api_key.empty()) {
    const std::string key(request["x-api-key"]);
    if (key.empty()) {
      status = 401;
      return error_body("authentication_error", "x-api-key header is required");
    }
    if (key != options.api_key) {
      status = 401;
      return error_body("authentication_error", "invalid x-api-key");
    }
  }
  if (request["anthropic-version"].empty()) {
    status = 400;
    return error_body("invalid_request_error", "anthropic-version: header is required");
  }
  if (body.is_discarded() || !body.is_object()) {
    status = 400;
    return error_body("invalid_request_error",
                      "There was an issue with the format or content of your request. The "
                      "request body is not valid JSON.");
  }
  for (const char* field : {"model", "max_tokens", "messages"}) {
    if (!body.contains(field)) {
      status = 400;
      return error_body("invalid_request_error", std::string(field) + ": Field required");
    }
  }
  if (!body["model"].is_string()) {
    status = 400;
    return error_body("invalid_request_error", "model: Input should be a valid string");
  }
  if (!body["max_tokens"].is_number_integer() || body["max_tokens"].get<int64_t>() < 1) {
    status = 400;
    return error_body("invalid_request_error", "max_tokens: Input should be a valid integer");
  }
  if (!body["messages"].is_array() || body["messages"].empty()) {
    status = 400;
    return error_body("invalid_request_error", "messages: at least one message is required");
  }
  if (!options.models.empty()) {
    const std::string model = body["model"].get<std::string>();
    if (std::find(options.models.begin(), options.models.end(), model) == options.models.end()) {
      status = 404;
      return error_body("not_found_error", "model: " + model);
    }
  }
  return std::nullopt;
}

Plan FakeAnthropicServer::Impl::plan_for(const json& body) {
  Plan plan;
  plan.model = body["model"].get<std::string>();
  plan.stream = body.value("stream", false);
  const std::string last_user = last_user_message_of(body);
  {
    std::lock_guard lock(mu);
    plan.rule.reply = options.default_reply;
    for (auto it = rules.begin(); it != rules.end(); ++it) {
      if (it->match.empty() || last_user.find(it->match) != std::string::npos) {
        plan.rule = *it;
        if (it->once) rules.erase(it);
        break;
      }
    }
  }
  plan.input_tokens = plan.rule.input_tokens >= 0 ? plan.rule.input_tokens : prompt_tokens_of(body);
  plan.output_tokens = plan.rule.output_tokens >= 0 ? plan.rule.output_tokens
                                                    : token_estimate(plan.rule.reply.size());
  return plan;
}

awaitable<bool> FakeAnthropicServer::Impl::answer(tcp::socket& socket,
                                                  const http::request<http::string_body>& request) {
  {
    FakeAnthropicRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    recorded.api_key = std::string(request["x-api-key"]);
    recorded.anthropic_version = std::string(request["anthropic-version"]);
    recorded.content_type = std::string(request[http::field::content_type]);
    recorded.accept = std::string(request[http::field::accept]);
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

  switch (plan.rule.mode) {
    case FakeAnthropicMode::kHang: {
      error_code ec;
      co_await forever.async_wait(net::redirect_error(net::use_awaitable, ec));
      co_return false;
    }
    case FakeAnthropicMode::kHttpError: {
      std::string error =
          plan.rule.body.empty() ? anthropic_error_body(plan.rule.status) : plan.rule.body;
      std::string type =
          plan.rule.content_type.empty() ? "application/json" : plan.rule.content_type;
      std::vector<std::pair<std::string, std::string>> headers = plan.rule.headers;
      const bool has_retry_after = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return h.first == "retry-after" || h.first == "Retry-After";
      });
      if ((plan.rule.status == 429 || plan.rule.status == 529) && !has_retry_after) {
        headers.emplace_back("retry-after", "1");  // as the real API does
      }
      co_return co_await send_simple(socket, version, keep_alive, plan.rule.status, std::move(type),
                                     std::move(error), headers);
    }
    case FakeAnthropicMode::kJson:
      co_return co_await send_simple(socket, version, keep_alive, 200, "application/json",
                                     message_json(plan), plan.rule.headers);
    case FakeAnthropicMode::kRaw:
      co_return co_await send_raw(socket, version, keep_alive, plan);
    case FakeAnthropicMode::kStream:
      if (!plan.stream) {
        co_return co_await send_simple(socket, version, keep_alive, 200, "application/json",
                                       message_json(plan), plan.rule.headers);
      }
      co_return co_await send_events(socket, version, keep_alive, plan);
    case FakeAnthropicMode::kErrorEvent:
    case FakeAnthropicMode::kCutStream:
      co_return co_await send_events(socket, version, keep_alive, plan);
  }
  co_return false;
}

awaitable<bool> FakeAnthropicServer::Impl::send_simple(
    tcp::socket& socket, unsigned version, bool keep_alive, int status, std::string content_type,
    std::string body, const std::vector<std::pair<std::string, std::string>>& headers) {
  http::response<http::string_body> response{static_cast<http::status>(status), version};
  if (status == 529) response.reason("Overloaded");  // a status Beast has no phrase for
  response.set(http::field::server, "fake-anthropic");
  response.set(http::field::content_type, content_type);
  response.set("request-id", request_id());
  for (const auto& [name, value] : headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  error_code ec;
  co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

std::string FakeAnthropicServer::Impl::message_json(const Plan& plan) {
  json content = json::array();
  if (!plan.rule.reply.empty()) content.push_back({{"type", "text"}, {"text", plan.rule.reply}});
  return dump(json{{"id", "msg_fake" + std::to_string(next_id++)},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", plan.model},
                   {"content", std::move(content)},
                   {"stop_reason", plan.rule.stop_reason},
                   {"stop_sequence", nullptr},
                   {"usage",
                    {{"input_tokens", plan.input_tokens},
                     {"cache_creation_input_tokens", 0},
                     {"cache_read_input_tokens", 0},
                     {"output_tokens", plan.output_tokens}}}});
}

// The events of a reply, in the order the API sends them.
std::vector<Event> FakeAnthropicServer::Impl::events_for(const Plan& plan) {
  std::vector<Event> events;
  events.push_back({"message_start", dump(json{{"type", "message_start"},
                                               {"message",
                                                {{"id", "msg_fake" + std::to_string(next_id++)},
                                                 {"type", "message"},
                                                 {"role", "assistant"},
                                                 {"model", plan.model},
                                                 {"content", json::array()},
                                                 {"stop_reason", nullptr},
                                                 {"stop_sequence", nullptr},
                                                 {"usage",
                                                  {{"input_tokens", plan.input_tokens},
                                                   {"cache_creation_input_tokens", 0},
                                                   {"cache_read_input_tokens", 0},
                                                   {"output_tokens", 1}}}}}})});
  const std::vector<std::string> pieces = split_words(plan.rule.reply, options.words_per_chunk);
  const bool error_event = plan.rule.mode == FakeAnthropicMode::kErrorEvent;
  const size_t deltas =
      error_event ? std::min(pieces.size(), plan.rule.error_after_deltas) : pieces.size();
  if (!error_event || deltas > 0) {
    events.push_back(
        {"content_block_start", dump(json{{"type", "content_block_start"},
                                          {"index", 0},
                                          {"content_block", {{"type", "text"}, {"text", ""}}}})});
    events.push_back({"ping", R"({"type": "ping"})"});
  }
  for (size_t i = 0; i < deltas; ++i) {
    events.push_back({"content_block_delta",
                      dump(json{{"type", "content_block_delta"},
                                {"index", 0},
                                {"delta", {{"type", "text_delta"}, {"text", pieces[i]}}}})});
  }
  if (error_event) {
    events.push_back(
        {"error", dump(json{{"type", "error"},
                            {"error",
                             {{"type", plan.rule.error_type},
                              {"message", stream_error_message(plan.rule.error_type)}}}})});
    return events;
  }
  events.push_back(
      {"content_block_stop", dump(json{{"type", "content_block_stop"}, {"index", 0}})});
  events.push_back(
      {"message_delta",
       dump(json{{"type", "message_delta"},
                 {"delta", {{"stop_reason", plan.rule.stop_reason}, {"stop_sequence", nullptr}}},
                 {"usage", {{"output_tokens", plan.output_tokens}}}})});
  events.push_back({"message_stop", R"({"type":"message_stop"})"});
  return events;
}

awaitable<bool> FakeAnthropicServer::Impl::send_events(tcp::socket& socket, unsigned version,
                                                       bool keep_alive, const Plan& plan) {
  http::response<http::empty_body> response{http::status::ok, version};
  response.set(http::field::server, "fake-anthropic");
  response.set(http::field::content_type, "text/event-stream; charset=utf-8");
  response.set(http::field::cache_control, "no-cache");
  response.set("request-id", request_id());
  for (const auto& [name, value] : plan.rule.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  response.chunked(true);
  http::response_serializer<http::empty_body> serializer{response};
  error_code ec;
  co_await http::async_write_header(socket, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return false;

  const std::vector<Event> events = events_for(plan);
  size_t send_count = events.size();
  const bool cut = plan.rule.mode == FakeAnthropicMode::kCutStream;
  if (cut) send_count = std::max<size_t>(1, events.size() / 2);
  for (size_t i = 0; i < send_count; ++i) {
    if (i > 0) co_await sleep_ms(plan.rule.chunk_delay_ms);
    const std::string frame = "event: " + events[i].name + "\ndata: " + events[i].data + "\n\n";
    co_await net::async_write(socket, http::make_chunk(net::buffer(frame)),
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return false;
  }
  if (cut) co_return false;  // close without the last chunk

  co_await net::async_write(socket, http::make_chunk_last(),
                            net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

awaitable<bool> FakeAnthropicServer::Impl::send_raw(tcp::socket& socket, unsigned version,
                                                    bool keep_alive, const Plan& plan) {
  http::response<http::empty_body> response{http::status::ok, version};
  response.set(http::field::server, "fake-anthropic");
  response.set(http::field::content_type, plan.rule.content_type.empty()
                                              ? "text/event-stream; charset=utf-8"
                                              : plan.rule.content_type);
  response.set("request-id", request_id());
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

FakeAnthropicServer::FakeAnthropicServer(FakeAnthropicOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeAnthropicServer::~FakeAnthropicServer() { stop(); }

Status FakeAnthropicServer::start(uint16_t port) {
  if (impl_->started) {
    return Error{ErrorCode::kInternal, "the fake Anthropic server already started"};
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
    return Error{ErrorCode::kInternal, "the fake Anthropic server could not listen on 127.0.0.1:" +
                                           std::to_string(port) + ": " + e.what()};
  }
  impl_->started = true;
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  return ok_status();
}

void FakeAnthropicServer::stop() {
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

uint16_t FakeAnthropicServer::port() const { return impl_->port; }

std::string FakeAnthropicServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeAnthropicServer::add_rule(FakeAnthropicRule rule) {
  std::lock_guard lock(impl_->mu);
  impl_->rules.push_back(std::move(rule));
}

void FakeAnthropicServer::clear_rules() {
  std::lock_guard lock(impl_->mu);
  impl_->rules.clear();
}

void FakeAnthropicServer::set_default_reply(std::string text) {
  std::lock_guard lock(impl_->mu);
  impl_->options.default_reply = std::move(text);
}

std::vector<FakeAnthropicRequest> FakeAnthropicServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

size_t FakeAnthropicServer::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests.size();
}

void FakeAnthropicServer::clear_requests() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

}  // namespace askdb::test
