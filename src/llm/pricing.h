// PriceTable: what an LLM call cost, from token counts and a table of list prices per model.
//
// Prices are USD per million input (prompt) and output (completion) tokens. A table is read
// from llm.prices ("pattern=in/out, pattern=in/out", `*` matching any run of characters, the
// first matching pattern winning) and followed by askdb's built-in list prices for the common
// Claude and OpenAI models, which apply to their Bedrock ids too ("us.anthropic.claude-...").
// A model that matches nothing has no price: its cost is unknown, not zero (local models).
// A PriceTable is a plain value, safe to share read-only between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/provider.h"

namespace askdb::llm {

struct ModelPrice {
  std::string pattern;       // "*claude-sonnet-4*"
  double input_per_mtok = 0;   // USD per million prompt tokens
  double output_per_mtok = 0;  // USD per million completion tokens
};

class PriceTable {
 public:
  // `configured` (llm.prices, may be empty) first, then the built-in prices. Error{kConfig}
  // naming the entry that cannot be read and the expected form.
  static Result<PriceTable> parse(std::string_view configured);

  // The first price whose pattern matches `model`, or nullopt.
  std::optional<ModelPrice> price_for(std::string_view model) const;

  // USD for `usage` on `model`; nullopt when the model has no price.
  std::optional<double> cost_usd(std::string_view model, const Usage& usage) const;

  const std::vector<ModelPrice>& entries() const { return entries_; }

 private:
  std::vector<ModelPrice> entries_;
};

// The built-in list prices, as "pattern=in/out" entries (documented in `askdb settings`).
const char* builtin_prices();

// Whether `text` matches `pattern`, where `*` matches any run of characters (case-sensitive).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace askdb::llm
