// Reads a fake OpenAI server script (rules.json) into options and rules, for the standalone
// fake_openai binary and for tests that keep their scripts as data files.
//
// The format is documented at the top of tests/support/fake_openai_main.cc. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "support/fake_openai_server.h"

namespace askdb::test {

struct FakeOpenAiScript {
  FakeOpenAiOptions options;
  std::vector<FakeRule> rules;
};

// Parses a script. `base_dir` resolves relative "body_file" paths. Returns Error{kUsage}
// naming the rule and the field for anything it does not understand.
Result<FakeOpenAiScript> parse_fake_openai_script(std::string_view text,
                                                  const std::string& base_dir);

// Reads and parses the script file at `path`.
Result<FakeOpenAiScript> load_fake_openai_script(const std::string& path);

}  // namespace askdb::test
