#include "llm/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "core/text.h"

namespace askdb::llm {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr char kHex[] = "0123456789abcdef";

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string to_hex(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims the value and collapses each run of whitespace inside it into one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a '%' not followed by two hex digits is kept as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
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

// Removes "." and ".." segments and empty ones ("//"), as the AWS SDKs do (aws-c-auth, botocore,
// @smithy/signature-v4): the path keeps a trailing slash only when it ends with one, so "/a/b/.."
// gives "/a" and "/a/b/." gives "/a/b" (RFC 3986's remove_dot_segments: "/a/" and "/a/b/").
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(pos, end - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = end + 1;
  }
  std::string out;
  for (std::string_view segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || path.ends_with('/')) out.push_back('/');
  return out;
}

std::string canonical_path(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  return aws_uri_encode(normalize ? normalize_path(path) : std::string(path), true);
}

// Each parameter of `raw` decoded and re-encoded the SigV4 way, plus `extra` (already encoded),
// sorted by name then value and joined with '&'.
std::string canonical_query(std::string_view raw, const Pairs& extra) {
  Pairs params = extra;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t end = raw.find('&', pos);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view param = raw.substr(pos, end - pos);
    pos = end + 1;
    if (param.empty()) continue;
    const size_t eq = param.find('=');
    const std::string_view name = param.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    params.emplace_back(aws_uri_encode(percent_decode(name), false),
                        aws_uri_encode(percent_decode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

bool valid_amz_date(std::string_view date) {
  if (date.size() != 16 || date[8] != 'T' || date[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (date[i] < '0' || date[i] > '9')) return false;
  }
  return true;
}

enum class Mode { kHeaders, kQuery };

Result<SigV4Signature> sign(const SigV4Request& request, const AwsCredentials& credentials,
                            const SigV4Params& params, Mode mode) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return make_error(ErrorCode::kConfig,
                      "AWS credentials are incomplete: an access key id and a secret access key "
                      "are both needed to sign a request");
  }
  if (params.region.empty() || params.service.empty()) {
    return make_error(ErrorCode::kConfig, "an AWS region and service are needed to sign a request");
  }
  if (!valid_amz_date(params.amz_date)) {
    return make_error(ErrorCode::kConfig, "the signing time \"" + params.amz_date +
                                              "\" is not of the form 20150830T123600Z");
  }
  if (request.method.empty()) {
    return make_error(ErrorCode::kUsage, "the request to sign has no HTTP method");
  }

  const std::string date = params.amz_date.substr(0, 8);
  const std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  std::string payload_hash = sha256_hex(request.body);
  const bool sign_token = !credentials.session_token.empty() && !params.omit_session_token;

  // The headers to sign, lower-cased; the ones the signer sets replace any the caller set.
  Pairs headers;
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    std::string key = to_lower(name);
    if (key == "authorization") continue;
    if (mode == Mode::kHeaders &&
        (key == "x-amz-date" || (key == "x-amz-security-token" && sign_token) ||
         (key == "x-amz-content-sha256" && params.add_content_sha256_header))) {
      continue;
    }
    has_host = has_host || key == "host";
    // A caller's own x-amz-content-sha256 ("UNSIGNED-PAYLOAD", "STREAMING-…", a hash) is what the
    // service takes as the payload's hash, so it is signed as that (as the AWS SDKs do).
    if (key == "x-amz-content-sha256") payload_hash = trim_all(value);
    headers.emplace_back(std::move(key), trim_all(value));
  }
  if (!has_host) {
    return make_error(ErrorCode::kUsage, "the request to sign has no Host header");
  }

  SigV4Signature out;
  if (mode == Mode::kHeaders) {
    headers.emplace_back("x-amz-date", params.amz_date);
    out.additions.emplace_back("X-Amz-Date", params.amz_date);
    if (sign_token) headers.emplace_back("x-amz-security-token", credentials.session_token);
    if (!credentials.session_token.empty()) {
      out.additions.emplace_back("X-Amz-Security-Token", credentials.session_token);
    }
    if (params.add_content_sha256_header) {
      headers.emplace_back("x-amz-content-sha256", payload_hash);
      out.additions.emplace_back("x-amz-content-sha256", payload_hash);
    }
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n': a repeated header joins the previous line
      canonical_headers += "," + headers[i].second + "\n";
      continue;
    }
    canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += headers[i].first;
  }

  Pairs query_additions;
  if (mode == Mode::kQuery) {
    query_additions.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
    query_additions.emplace_back("X-Amz-Credential",
                                 aws_uri_encode(credentials.access_key_id + "/" + scope, false));
    query_additions.emplace_back("X-Amz-Date", params.amz_date);
    query_additions.emplace_back("X-Amz-Expires", std::to_string(params.expires_s));
    query_additions.emplace_back("X-Amz-SignedHeaders", aws_uri_encode(signed_headers, false));
    if (sign_token) {
      query_additions.emplace_back("X-Amz-Security-Token",
                                   aws_uri_encode(credentials.session_token, false));
    }
  }

  out.canonical_request = request.method + "\n" +
                          canonical_path(request.path, params.normalize_path) + "\n" +
                          canonical_query(request.query, query_additions) + "\n" +
                          canonical_headers + "\n" + signed_headers + "\n" + payload_hash;
  out.string_to_sign = std::string(kAlgorithm) + "\n" + params.amz_date + "\n" + scope + "\n" +
                       sha256_hex(out.canonical_request);

  std::string key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
  key = hmac_sha256(key, params.region);
  key = hmac_sha256(key, params.service);
  key = hmac_sha256(key, "aws4_request");
  const std::string raw_signature = hmac_sha256(key, out.string_to_sign);
  out.signature =
      to_hex(reinterpret_cast<const unsigned char*>(raw_signature.data()), raw_signature.size());

  if (mode == Mode::kHeaders) {
    out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                        scope + ", SignedHeaders=" + signed_headers +
                        ", Signature=" + out.signature;
    out.additions.emplace_back("Authorization", out.authorization);
  } else {
    out.additions = std::move(query_additions);
    if (!credentials.session_token.empty() && !sign_token) {
      out.additions.emplace_back("X-Amz-Security-Token",
                                 aws_uri_encode(credentials.session_token, false));
    }
    out.additions.emplace_back("X-Amz-Signature", out.signature);
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return to_hex(digest, size);
}

std::string aws_uri_encode(std::string_view data, bool keep_slash) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size());
  for (char ch : data) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xF]);
    }
  }
  return out;
}

Result<SigV4Signature> sign_with_headers(const SigV4Request& request,
                                         const AwsCredentials& credentials,
                                         const SigV4Params& params) {
  return sign(request, credentials, params, Mode::kHeaders);
}

Result<SigV4Signature> sign_with_query(const SigV4Request& request,
                                       const AwsCredentials& credentials,
                                       const SigV4Params& params) {
  return sign(request, credentials, params, Mode::kQuery);
}

}  // namespace askdb::llm
