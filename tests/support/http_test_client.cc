#include "support/http_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "core/text.h"

namespace askdb::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Incremental SSE parsing: lines, "event:", "data:" (joined by "\n"), blank line ends an event.
class SseReader {
 public:
  // Returns false when on_event asked to stop.
  bool feed(std::string_view bytes, std::vector<SseEvent>& out,
            const std::function<bool(const SseEvent&)>& on_event) {
    buffer_.append(bytes);
    size_t nl;
    while ((nl = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (has_data_) {
          SseEvent e{name_.empty() ? "message" : name_, data_};
          out.push_back(e);
          if (on_event && !on_event(e)) return false;
        }
        name_.clear();
        data_.clear();
        has_data_ = false;
        continue;
      }
      if (line[0] == ':') continue;
      const size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "event") name_ = value;
      if (field == "data") {
        if (has_data_) data_ += "\n";
        data_ += value;
        has_data_ = true;
      }
    }
    return true;
  }

 private:
  std::string buffer_, name_, data_;
  bool has_data_ = false;
};

}  // namespace

nlohmann::json SseEvent::json() const { return nlohmann::json::parse(data, nullptr, false); }

std::string HttpReply::header(const std::string& name) const {
  auto it = headers.find(to_lower(name));
  return it == headers.end() ? "" : it->second;
}

nlohmann::json HttpReply::json() const { return nlohmann::json::parse(body, nullptr, false); }

HttpReply HttpTestClient::send(const HttpCall& call) const {
  HttpReply reply;
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(call.timeout);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    http::request<http::string_body> req(http::string_to_verb(call.method), call.target, 11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    for (const auto& [n, v] : call.headers) req.set(n, v);
    if (!call.body.empty() || call.method == "POST" || call.method == "PATCH") {
      req.body() = call.body;
      req.prepare_payload();
    }
    http::write(stream, req);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read_header(stream, buffer, parser);
    reply.status = static_cast<int>(parser.get().result_int());
    for (const auto& f : parser.get()) {
      reply.headers[to_lower(std::string(f.name_string()))] = std::string(f.value());
    }
    const bool sse = reply.header("content-type").starts_with("text/event-stream");
    SseReader sse_reader;
    char chunk[8192];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      beast::error_code ec;
      http::read_some(stream, buffer, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        reply.failure = ec.message();
        break;
      }
      const size_t got = sizeof chunk - parser.get().body().size;
      if (sse) {
        if (!sse_reader.feed(std::string_view(chunk, got), reply.events, call.on_event)) {
          reply.failure = "closed by the test";
          break;
        }
      } else {
        reply.body.append(chunk, got);
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    if (reply.failure.empty()) reply.failure = e.what();
  }
  return reply;
}

HttpReply HttpTestClient::get(const std::string& target) const {
  HttpCall call;
  call.target = target;
  return send(call);
}

HttpReply HttpTestClient::send_json(
    const std::string& method, const std::string& target, const nlohmann::json& body,
    std::vector<std::pair<std::string, std::string>> headers) const {
  HttpCall call;
  call.method = method;
  call.target = target;
  call.body = body.is_null() ? "" : body.dump();
  call.headers = std::move(headers);
  call.headers.emplace_back("Content-Type", "application/json");
  return send(call);
}

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

bool wait_until_up(const HttpTestClient& client) {
  for (int i = 0; i < 600; ++i) {
    if (client.get("/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace askdb::testing
