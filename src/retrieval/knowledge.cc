#include "retrieval/knowledge.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/text.h"
#include "retrieval/text_fold.h"

namespace askdb::retrieval {
namespace {

// Lower-case words of letters and digits (UTF-8 bytes above 0x7F count as letters).
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// pg_trgm's trigrams: each word padded with two spaces before and one after.
std::set<std::string> trigrams(const std::vector<std::string>& ws) {
  std::set<std::string> out;
  for (const auto& w : ws) {
    const std::string padded = "  " + w + " ";
    for (size_t i = 0; i + 3 <= padded.size(); ++i) out.insert(padded.substr(i, 3));
  }
  return out;
}

std::set<std::string> numbers(const std::vector<std::string>& ws) {
  std::set<std::string> out;
  for (const auto& w : ws) {
    if (std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.insert(w);
    }
  }
  return out;
}

}  // namespace

double question_similarity(std::string_view a, std::string_view b, bool numbers_must_agree) {
  const auto wa = words(a);
  const auto wb = words(b);
  if (numbers_must_agree && numbers(wa) != numbers(wb)) return 0;
  const auto ta = trigrams(wa);
  const auto tb = trigrams(wb);
  if (ta.empty() || tb.empty()) return 0;
  size_t common = 0;
  for (const auto& t : ta) common += tb.count(t);
  return static_cast<double>(common) / static_cast<double>(ta.size() + tb.size() - common);
}

std::vector<ExampleMatch> rank_examples(const Knowledge& knowledge, std::string_view question,
                                        size_t k, bool numbers_must_agree) {
  std::vector<ExampleMatch> all;
  for (const auto& e : knowledge.examples) {
    all.push_back({&e, question_similarity(question, e.question, numbers_must_agree)});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& x, const auto& y) { return x.similarity > y.similarity; });
  if (all.size() > k) all.resize(k);
  return all;
}

bool same_note_term(std::string_view a, std::string_view b) {
  return fold_text(trim(a)) == fold_text(trim(b));
}

Result<Knowledge> load_knowledge(const std::string& dir) {
  Knowledge knowledge;
  std::string text;
  const std::string examples_path = dir + "/examples.json";
  if (read_file(examples_path, text)) {
    try {
      const auto j = nlohmann::json::parse(text);
      for (const auto& item : j) {
        knowledge.examples.push_back(
            {item.at("question").get<std::string>(), item.at("sql").get<std::string>()});
      }
    } catch (const std::exception& e) {
      return make_error(
          ErrorCode::kConfig,
          examples_path + " is not a JSON list of {\"question\", \"sql\"} objects: " + e.what());
    }
  }
  text.clear();
  if (read_file(dir + "/glossary.md", text)) {
    GlossaryNote* current = nullptr;
    for (const auto& line : split(text, '\n')) {
      if (line.rfind("## ", 0) == 0) {
        knowledge.glossary.push_back({std::string(trim(line.substr(3))), ""});
        current = &knowledge.glossary.back();
      } else if (current != nullptr) {
        current->text += line + "\n";
      }
    }
    for (auto& note : knowledge.glossary) note.text = std::string(trim(note.text));
  }
  return knowledge;
}

}  // namespace askdb::retrieval
