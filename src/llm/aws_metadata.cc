// The ECS and EC2 metadata credential exchanges (see aws_metadata.h). Thread-safe: no state.
#include "llm/aws_metadata.h"

#include <arpa/inet.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "core/text.h"

namespace askdb::llm {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr const char* kEcsRelativeUri = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr const char* kEcsFullUri = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr const char* kEcsToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr const char* kEcsTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

// Credential replies are about 1.5 KB; anything far larger is not one.
constexpr size_t kMaxReplyBytes = 64 * 1024;
// Between attempts at the container endpoint: attempt n waits n times this.
constexpr double kRetryDelayS = 0.2;
constexpr int kContainerAttempts = 3;
constexpr int kInstanceAttempts = 2;

std::optional<std::string> env_value(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool env_true(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> v = env_value(env, name);
  return v && to_lower(trim(*v)) == "true";
}

// The parts of a URL that matter here; no validation beyond what the checks need.
struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case; an IPv6 literal keeps its brackets
  std::string origin;  // scheme://host[:port], without user info, path or query
};

std::optional<UrlParts> split_url(std::string_view url) {
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  UrlParts parts;
  parts.scheme = to_lower(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) return std::nullopt;
  std::string_view host = authority;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  if (host.empty()) return std::nullopt;
  parts.host = to_lower(host);
  parts.origin = parts.scheme + "://" + std::string(authority);
  return parts;
}

bool ipv6_equal(const std::string& bracketed, const char* literal) {
  if (bracketed.size() < 2 || bracketed.front() != '[') return false;
  const std::string inner = bracketed.substr(1, bracketed.size() - 2);
  in6_addr a{}, b{};
  return ::inet_pton(AF_INET6, inner.c_str(), &a) == 1 && ::inet_pton(AF_INET6, literal, &b) == 1 &&
         std::memcmp(&a, &b, sizeof a) == 0;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return ipv6_equal(host, "::1");
}

// One exchange's outcome, the 2xx body collected.
struct Reply {
  HttpResponse response;
  std::string body;

  bool ok() const { return response.transport_ok() && response.head.is_success() && !too_big(); }
  bool too_big() const { return response.stopped_by_sink; }
};

Reply send(const HttpClient& http, const HttpRequest& request) {
  Reply reply;
  reply.response = http.post(request, [&reply](const HttpHead&, std::string_view piece) {
    if (reply.body.size() + piece.size() > kMaxReplyBytes) return false;
    reply.body.append(piece);
    return true;
  });
  return reply;
}

// Sends `request` up to `attempts` times while the reply is a 5xx (or 429), and, when
// `retry_transport`, while the connection fails.
Reply send_with_retries(const HttpClient& http, const HttpRequest& request, int attempts,
                        bool retry_transport) {
  for (int attempt = 1;; ++attempt) {
    Reply reply = send(http, request);
    const HttpResponse& r = reply.response;
    bool again = false;
    if (r.transport_ok()) {
      again = r.head.status >= 500 || r.head.status == 429;
    } else {
      again = retry_transport && r.failure != HttpFailure::kBadUrl;
    }
    if (!again || attempt >= attempts) return reply;
    std::this_thread::sleep_for(std::chrono::duration<double>(kRetryDelayS * attempt));
  }
}

// What went wrong with a reply that is not ok(), without advice: "could not connect to …",
// "HTTP 500 (message)". An error body's "message" is quoted (it holds no secrets); a 2xx body
// never is.
std::string describe(const Reply& reply) {
  const HttpResponse& r = reply.response;
  if (!r.transport_ok()) return r.failure_message;
  if (reply.too_big())
    return "the reply is larger than " + std::to_string(kMaxReplyBytes) + " bytes";
  std::string out = "HTTP " + std::to_string(r.head.status);
  const json body = json::parse(r.error_body, nullptr, false);
  std::string message;
  if (body.is_object()) {
    for (const char* key : {"message", "Message", "code", "Code"}) {
      if (body.contains(key) && body[key].is_string()) {
        message = body[key].get<std::string>();
        break;
      }
    }
  }
  if (!message.empty()) out += " (" + std::string(utf8_prefix(message, 200)) + ")";
  return out;
}

// Reads AccessKeyId, SecretAccessKey, Token and Expiration from a credentials reply into
// `identity`; returns what is wrong, "" when nothing is. Never quotes the body.
std::string read_credentials_json(const std::string& body, AwsIdentity& identity) {
  const json reply = json::parse(body, nullptr, false);
  if (!reply.is_object()) return "the reply is not a JSON object";
  auto text = [&reply](const char* key) -> std::string {
    if (!reply.contains(key) || !reply[key].is_string()) return "";
    return reply[key].get<std::string>();
  };
  identity.credentials.access_key_id = text("AccessKeyId");
  identity.credentials.secret_access_key = text("SecretAccessKey");
  identity.credentials.session_token = text("Token");
  if (identity.credentials.access_key_id.empty() ||
      identity.credentials.secret_access_key.empty()) {
    return "the reply has no AccessKeyId and SecretAccessKey";
  }
  const std::string expiration = text("Expiration");
  if (expiration.empty()) return "the reply has no Expiration";
  identity.expires = parse_aws_timestamp(expiration);
  if (!identity.expires) {
    return "the reply's Expiration '" + std::string(utf8_prefix(expiration, 40)) +
           "' is not an ISO 8601 time";
  }
  return "";
}

// strerror's text, lower-cased to sit inside a sentence: "no such file or directory".
std::string error_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

AwsFetch unavailable(std::string why) {
  AwsFetch out;
  out.outcome = AwsFetchOutcome::kUnavailable;
  out.error = Error{ErrorCode::kLlm, std::move(why)};
  return out;
}

AwsFetch failed(ErrorCode code, std::string why) {
  AwsFetch out;
  out.outcome = AwsFetchOutcome::kFailed;
  out.error = Error{code, std::move(why)};
  return out;
}

// The Authorization header's value for the container endpoint: "" when none is configured,
// nullopt (with `why`) when the configured one cannot be used.
std::optional<std::string> container_authorization(const EnvLookup& env, std::string& why) {
  std::string token;
  if (std::optional<std::string> file = env_value(env, kEcsTokenFile)) {
    std::string text;
    if (!read_file(*file, text)) {
      why = std::string(kEcsTokenFile) + " names " + *file + ", which cannot be read (" +
            error_text(errno) + ")";
      return std::nullopt;
    }
    token = std::string(trim(text));
    if (token.empty()) {
      why = std::string(kEcsTokenFile) + " names " + *file + ", which is empty";
      return std::nullopt;
    }
  } else if (std::optional<std::string> value = env_value(env, kEcsToken)) {
    token = std::string(trim(*value));
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    why = "the container authorization token (" +
          std::string(env_value(env, kEcsTokenFile) ? kEcsTokenFile : kEcsToken) +
          ") spans several lines; it must be one line";
    return std::nullopt;
  }
  return token;
}

HttpRequest metadata_request(std::string method, std::string url, double timeout_s) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.connect_timeout_s = timeout_s;
  request.timeout_s = timeout_s;
  // The ECS agent and the instance metadata service answer on link-local addresses that no
  // proxy can reach: a container's http_proxy must not take these requests (as in the SDKs).
  request.direct = true;
  return request;
}

}  // namespace

bool aws_container_credentials_configured(const EnvLookup& env) {
  return env_value(env, kEcsRelativeUri) || env_value(env, kEcsFullUri);
}

bool aws_container_url_allowed(const std::string& url, std::string& why) {
  std::optional<UrlParts> parts = split_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
    why = std::string(kEcsFullUri) + " is not an http(s) URL";
    return false;
  }
  if (parts->scheme == "https") return true;
  const std::string& host = parts->host;
  if (is_loopback_host(host) || host == "169.254.170.2" || host == "169.254.170.23" ||
      ipv6_equal(host, "fd00:ec2::23")) {
    return true;
  }
  why = std::string(kEcsFullUri) + " points at " + host +
        " over plain http; like the AWS SDKs, askdb fetches credentials over http only from a "
        "loopback address or the ECS/EKS agents (169.254.170.2, 169.254.170.23, "
        "[fd00:ec2::23]): use https, or one of those hosts";
  return false;
}

AwsFetch fetch_container_credentials(const HttpClient& http, const EnvLookup& env,
                                     const std::string& ecs_endpoint, double timeout_s) {
  std::string url;
  std::string where;  // for messages: the origin and the variable, never the path
  std::string source;
  if (std::optional<std::string> relative = env_value(env, kEcsRelativeUri)) {
    std::string base = ecs_endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    url = base + (relative->starts_with("/") ? "" : "/") + *relative;
    where = base + " (" + kEcsRelativeUri + ")";
    source = "ECS task role";
  } else if (std::optional<std::string> full = env_value(env, kEcsFullUri)) {
    std::string why;
    if (!aws_container_url_allowed(*full, why)) return failed(ErrorCode::kConfig, why);
    url = *full;
    where = split_url(*full)->origin + " (" + kEcsFullUri + ")";
    source = "container credentials endpoint " + split_url(*full)->host;
  } else {
    return unavailable(std::string(kEcsRelativeUri) + " is not set");
  }

  std::string why;
  std::optional<std::string> authorization = container_authorization(env, why);
  if (!authorization) return failed(ErrorCode::kConfig, why);

  HttpRequest request = metadata_request("GET", url, timeout_s);
  request.headers.emplace_back("Accept", "application/json");
  if (!authorization->empty()) request.headers.emplace_back("Authorization", *authorization);
  const Reply reply = send_with_retries(http, request, kContainerAttempts, true);
  if (!reply.ok()) {
    std::string problem = "fetching credentials from " + where + " failed: " + describe(reply);
    const int status = reply.response.head.status;
    if (reply.response.transport_ok() && (status == 401 || status == 403)) {
      problem += "; check " + std::string(kEcsTokenFile) + " / " + kEcsToken;
    }
    return failed(ErrorCode::kLlm, problem);
  }
  AwsFetch out;
  const std::string bad = read_credentials_json(reply.body, out.identity);
  if (!bad.empty()) {
    return failed(ErrorCode::kLlm, "the credentials from " + where + " are unusable: " + bad);
  }
  out.outcome = AwsFetchOutcome::kGot;
  out.identity.source = source;
  return out;
}

std::string aws_instance_metadata_endpoint(const EnvLookup& env) {
  std::string endpoint;
  if (std::optional<std::string> e = env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    endpoint = *e;
  } else if (std::optional<std::string> mode =
                 env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
             mode && to_lower(trim(*mode)) == "ipv6") {
    endpoint = "http://[fd00:ec2::254]";
  } else {
    endpoint = "http://169.254.169.254";
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

AwsFetch fetch_instance_credentials(const HttpClient& http, const EnvLookup& env,
                                    double timeout_s) {
  if (env_true(env, "AWS_EC2_METADATA_DISABLED")) {
    return unavailable("skipped (AWS_EC2_METADATA_DISABLED=true)");
  }
  const std::string endpoint = aws_instance_metadata_endpoint(env);

  // 1. A session token (IMDSv2).
  HttpRequest token_request = metadata_request("PUT", endpoint + "/latest/api/token", timeout_s);
  token_request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  const Reply token_reply = send_with_retries(http, token_request, kInstanceAttempts, false);
  if (!token_reply.response.transport_ok()) {
    // Not on EC2 (or the endpoint is blocked): the usual case off AWS, not a failure.
    return unavailable("not reachable at " + endpoint + " (" +
                       token_reply.response.failure_message + ")");
  }
  std::string token;
  if (token_reply.ok()) {
    token = std::string(trim(token_reply.body));
  } else {
    const int status = token_reply.response.head.status;
    const bool v1_fallback = status == 403 || status == 404 || status == 405;
    if (!v1_fallback || env_true(env, "AWS_EC2_METADATA_V1_DISABLED")) {
      return failed(ErrorCode::kLlm, "the session token request (PUT " + endpoint +
                                         "/latest/api/token) failed: " + describe(token_reply));
    }
  }
  auto get = [&](const std::string& path) {
    HttpRequest request = metadata_request("GET", endpoint + path, timeout_s);
    if (!token.empty()) request.headers.emplace_back("X-aws-ec2-metadata-token", token);
    return send_with_retries(http, request, kInstanceAttempts, true);
  };

  // 2. The role's name.
  constexpr const char* kCredentialsPath = "/latest/meta-data/iam/security-credentials/";
  const Reply role_reply = get(kCredentialsPath);
  if (role_reply.response.transport_ok() && role_reply.response.head.status == 404) {
    return unavailable("the instance at " + endpoint + " has no IAM role (instance profile)");
  }
  if (!role_reply.ok()) {
    return failed(ErrorCode::kLlm, "asking " + endpoint +
                                       " for the instance's role failed: " + describe(role_reply));
  }
  const std::string role(
      trim(std::string_view(role_reply.body).substr(0, role_reply.body.find('\n'))));
  if (role.empty()) {
    return unavailable("the instance at " + endpoint + " has no IAM role (instance profile)");
  }

  // 3. Its credentials.
  const Reply credentials_reply = get(kCredentialsPath + role);
  if (!credentials_reply.ok()) {
    return failed(ErrorCode::kLlm, "fetching the credentials of role " + role + " from " +
                                       endpoint + " failed: " + describe(credentials_reply));
  }
  const json parsed = json::parse(credentials_reply.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("Code") && parsed["Code"].is_string() &&
      parsed["Code"].get<std::string>() != "Success") {
    std::string problem = "the credentials of role " + role + " from " + endpoint +
                          " are not available: " + parsed["Code"].get<std::string>();
    if (parsed.contains("Message") && parsed["Message"].is_string()) {
      problem += " (" + std::string(utf8_prefix(parsed["Message"].get<std::string>(), 200)) + ")";
    }
    return failed(ErrorCode::kLlm, problem);
  }
  AwsFetch out;
  const std::string bad = read_credentials_json(credentials_reply.body, out.identity);
  if (!bad.empty()) {
    return failed(ErrorCode::kLlm, "the credentials of role " + role + " from " + endpoint +
                                       " are unusable: " + bad);
  }
  out.outcome = AwsFetchOutcome::kGot;
  out.identity.source = "EC2 instance profile " + role;
  return out;
}

std::optional<Clock::time_point> parse_aws_timestamp(std::string_view text) {
  const std::string_view s = trim(text);
  auto number = [&s](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 19 || !number(0, 4, year) || s[4] != '-' || !number(5, 2, month) || s[7] != '-' ||
      !number(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !number(11, 2, hour) || s[13] != ':' || !number(14, 2, minute) || s[16] != ':' ||
      !number(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  double fraction = 0;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    double scale = 0.1;
    const size_t digits_start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      fraction += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == digits_start) return std::nullopt;
  }
  // The offset: "Z", "+hh:mm", "+hhmm" or "+hh"; none at all is taken as UTC.
  int offset_minutes = 0;
  const std::string_view offset = s.substr(i);
  if (offset == "Z" || offset == "z") {
    offset_minutes = 0;
  } else if (!offset.empty()) {
    int oh = 0, om = 0;
    const bool colon = offset.size() == 6 && offset[3] == ':';
    const bool valid = (offset[0] == '+' || offset[0] == '-') && number(i + 1, 2, oh) &&
                       (offset.size() == 3 || (offset.size() == 5 && number(i + 3, 2, om)) ||
                        (colon && number(i + 4, 2, om)));
    if (!valid || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (offset[0] == '-' ? -1 : 1) * (oh * 60 + om);
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = ::timegm(&tm);
  return Clock::from_time_t(t) - std::chrono::minutes(offset_minutes) +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(fraction));
}

}  // namespace askdb::llm
