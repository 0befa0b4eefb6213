#include "llm/pricing.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/text.h"

namespace askdb::llm {
namespace {

// List prices per million tokens (input/output) published by Anthropic and OpenAI, which
// Bedrock charges alike for these models; check them against your contract and override with
// llm.prices. More specific patterns come first.
constexpr const char* kBuiltinPrices =
    "*claude-opus-4-5*=5/25, *claude-opus-4*=15/75, *claude-sonnet-4*=3/15, "
    "*claude-3-7-sonnet*=3/15, *claude-3-5-sonnet*=3/15, *claude-haiku-4-5*=1/5, "
    "*claude-3-5-haiku*=0.8/4, *claude-3-haiku*=0.25/1.25, *gpt-4o-mini*=0.15/0.6, "
    "*gpt-4o*=2.5/10, *gpt-4.1-nano*=0.1/0.4, *gpt-4.1-mini*=0.4/1.6, *gpt-4.1*=2/8, "
    "amazon.titan-embed-text-v2*=0.02/0, amazon.titan-embed-text-v1*=0.1/0, "
    "text-embedding-3-small*=0.02/0, text-embedding-3-large*=0.13/0, "
    "text-embedding-ada-002*=0.1/0";

std::optional<double> parse_price(std::string_view text) {
  const std::string t(trim(text));
  if (t.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (errno != 0 || end != t.c_str() + t.size() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

Status append_entries(std::string_view text, std::vector<ModelPrice>& out) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view entry = trim(text.substr(pos, comma - pos));
    pos = comma + 1;
    if (entry.empty()) continue;
    const size_t eq = entry.rfind('=');
    const size_t slash = eq == std::string_view::npos ? eq : entry.find('/', eq);
    std::optional<double> in;
    std::optional<double> out_price;
    if (slash != std::string_view::npos) {
      in = parse_price(entry.substr(eq + 1, slash - eq - 1));
      out_price = parse_price(entry.substr(slash + 1));
    }
    const std::string_view pattern = eq == std::string_view::npos ? "" : trim(entry.substr(0, eq));
    if (pattern.empty() || !in || !out_price) {
      return Error{ErrorCode::kConfig,
                   "llm.prices: cannot read \"" + std::string(entry) +
                       "\"; write MODEL=INPUT/OUTPUT in USD per million tokens, e.g. "
                       "\"*claude-sonnet-4*=3/15, llama3*=0/0\""};
    }
    out.push_back({std::string(pattern), *in, *out_price});
  }
  return ok_status();
}

}  // namespace

const char* builtin_prices() { return kBuiltinPrices; }

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative wildcard matching with one backtrack point per '*'.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<PriceTable> PriceTable::parse(std::string_view configured) {
  PriceTable table;
  if (auto st = append_entries(configured, table.entries_); !st) return st.error();
  if (auto st = append_entries(kBuiltinPrices, table.entries_); !st) return st.error();
  return table;
}

std::optional<ModelPrice> PriceTable::price_for(std::string_view model) const {
  for (const auto& e : entries_) {
    if (glob_match(e.pattern, model)) return e;
  }
  return std::nullopt;
}

std::optional<double> PriceTable::cost_usd(std::string_view model, const Usage& usage) const {
  const auto price = price_for(model);
  if (!price) return std::nullopt;
  return (static_cast<double>(usage.prompt_tokens) * price->input_per_mtok +
          static_cast<double>(usage.completion_tokens) * price->output_per_mtok) /
         1e6;
}

}  // namespace askdb::llm
