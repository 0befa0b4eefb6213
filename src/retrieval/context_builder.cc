#include "retrieval/context_builder.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/text.h"

namespace askdb::retrieval {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + sql_identifier(i);
  return out;
}

// Lower-case word stems of letters and digits; names split on '_' as well.
std::set<std::string> stems(std::string_view s) {
  std::set<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (cur.size() > 3 && cur.back() == 's') cur.pop_back();
    if (cur.size() > 1) out.insert(cur);
    cur.clear();
  };
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      cur += static_cast<char>(std::tolower(c));
    } else {
      flush();
    }
  }
  flush();
  return out;
}

double table_score(const CatalogTable& t, const std::set<std::string>& question) {
  double score = 0;
  for (const auto& w : stems(t.name)) score += 3.0 * static_cast<double>(question.count(w));
  for (const auto& c : t.columns) {
    for (const auto& w : stems(c.name)) score += 1.0 * static_cast<double>(question.count(w));
  }
  for (const auto& w : stems(t.comment)) score += 0.5 * static_cast<double>(question.count(w));
  return score;
}

// The tables the index ranked best (see ContextOptions::ranking), then, for each two of them
// that no foreign key joins directly, a table that joins both (a link table, or one between).
template <class Take>
void take_ranked(const Catalog& catalog, const std::map<std::string, size_t>& index,
                 const std::vector<TableHit>& ranking, const ContextOptions& options,
                 std::set<size_t>& taken, Take&& take) {
  // Foreign keys as an undirected graph over the catalog.
  std::map<size_t, std::set<size_t>> joins;
  for (size_t i = 0; i < catalog.tables.size(); ++i) {
    for (const auto& fk : catalog.tables[i].foreign_keys) {
      auto it = index.find(fk.ref_schema + "." + fk.ref_table);
      if (it == index.end() || it->second == i) continue;
      joins[i].insert(it->second);
      joins[it->second].insert(i);
    }
  }
  // A table joined to other tables the question names is likelier the one meant than a
  // namesake elsewhere: it gains a share of its best-scoring neighbour's score.
  std::map<size_t, double> score;
  for (const TableHit& hit : ranking) {
    auto it = index.find(hit.schema + "." + hit.name);
    if (it != index.end()) score[it->second] = hit.score;  // else gone from the catalog since
  }
  std::vector<std::pair<double, size_t>> ranked;
  for (const auto& [i, own] : score) {
    double neighbour = 0;
    for (const size_t j : joins[i]) {
      auto it = score.find(j);
      if (it != score.end()) neighbour = std::max(neighbour, it->second);
    }
    ranked.emplace_back(own + options.neighbour_share * neighbour, i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (ranked.empty()) return;
  const double floor = ranked.front().first * options.min_relative_score;
  std::vector<size_t> best;
  for (const auto& [s, i] : ranked) {
    if (s < floor || best.size() >= options.max_tables) break;
    take(i);
    if (taken.count(i) > 0) best.push_back(i);
  }
  // For each two chosen tables no foreign key joins directly, a table that joins both.
  for (size_t a = 0; a < best.size(); ++a) {
    for (size_t b = a + 1; b < best.size(); ++b) {
      const std::set<size_t>& from = joins[best[a]];
      if (from.count(best[b]) > 0) continue;
      for (const size_t middle : from) {
        if (joins[middle].count(best[b]) > 0) {
          take(middle);
          break;
        }
      }
    }
  }
}

std::string render_examples(const std::vector<ExampleMatch>& matches) {
  std::string out;
  for (const auto& m : matches) {
    out += "Question: " + m.example->question + "\nSQL:\n" + std::string(trim(m.example->sql)) +
           "\n\n";
  }
  return std::string(trim(out));
}

}  // namespace

int estimate_tokens(std::string_view text) { return static_cast<int>((text.size() + 3) / 4); }

std::string render_table(const CatalogTable& t) {
  std::string out;
  if (!t.comment.empty()) out += "-- " + t.comment + "\n";
  if (t.row_estimate >= 0 && t.kind == "table") {
    out += "-- about " + std::to_string(t.row_estimate) + " rows\n";
  }
  const bool is_view = t.kind != "table";
  out += std::string(is_view ? "CREATE " : "CREATE TABLE ") +
         (is_view ? (t.kind == "view" ? "VIEW " : "MATERIALIZED VIEW ") : "") + t.qualified_name() +
         " (\n";
  std::vector<std::string> lines;
  for (const auto& c : t.columns) {
    std::string line = "  " + sql_identifier(c.name) + " " + c.type;
    if (c.not_null && !is_view) line += " NOT NULL";
    lines.push_back(line);
  }
  if (!t.primary_key.empty()) lines.push_back("  PRIMARY KEY (" + join(t.primary_key) + ")");
  for (const auto& fk : t.foreign_keys) {
    const std::string ref = fk.ref_schema == "public" ? sql_identifier(fk.ref_table)
                                                      : sql_identifier(fk.ref_schema) + "." +
                                                            sql_identifier(fk.ref_table);
    lines.push_back("  FOREIGN KEY (" + join(fk.columns) + ") REFERENCES " + ref + " (" +
                    join(fk.ref_columns) + ")");
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (i + 1 < lines.size()) out += ",";
    // Column comments go after the comma, so the statement stays valid SQL.
    if (i < t.columns.size() && !t.columns[i].comment.empty()) {
      out += "  -- " + t.columns[i].comment;
    }
    out += "\n";
  }
  out += ");\n";
  return out;
}

Context build_context(const Catalog& catalog, const Knowledge& knowledge, std::string_view question,
                      const ContextOptions& options) {
  Context ctx;
  const int budget = std::max(options.token_budget, 1);

  // Examples first (at most a quarter of the budget): they teach the most per token.
  auto matches = rank_examples(knowledge, question, options.max_examples);
  while (!matches.empty() && estimate_tokens(render_examples(matches)) > budget / 4) {
    matches.pop_back();
  }
  ctx.examples = render_examples(matches);

  // Glossary: notes whose term the question names, then the rest, within a sixth.
  const auto qstems = stems(question);
  std::vector<const GlossaryNote*> notes;
  for (const auto& n : knowledge.glossary) {
    bool named = false;
    for (const auto& w : stems(n.term)) named = named || qstems.count(w) > 0;
    if (named) notes.push_back(&n);
  }
  for (const auto& n : knowledge.glossary) {
    if (std::find(notes.begin(), notes.end(), &n) == notes.end()) notes.push_back(&n);
  }
  for (const auto* n : notes) {
    const std::string block = "### " + n->term + "\n" + n->text + "\n\n";
    if (estimate_tokens(ctx.glossary + block) > budget / 6) continue;
    ctx.glossary += block;
  }
  ctx.glossary = std::string(trim(ctx.glossary));

  const int schema_budget = budget - estimate_tokens(ctx.examples) - estimate_tokens(ctx.glossary);
  std::vector<std::string> rendered;
  size_t total = 0;
  for (const auto& t : catalog.tables) {
    rendered.push_back(render_table(t));
    total += rendered.back().size() + 1;
  }
  std::vector<size_t> chosen;
  if (static_cast<int>((total + 3) / 4) <= schema_budget) {
    for (size_t i = 0; i < catalog.tables.size(); ++i) chosen.push_back(i);
  } else {
    ctx.schema_complete = false;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < catalog.tables.size(); ++i) {
      index[catalog.tables[i].schema + "." + catalog.tables[i].name] = i;
    }
    std::set<size_t> taken;
    int used = 0;
    auto take = [&](size_t i) {
      if (taken.count(i) > 0) return;
      const int cost = estimate_tokens(rendered[i]) + 1;
      if (used + cost > schema_budget) return;
      taken.insert(i);
      used += cost;
    };
    if (options.ranking != nullptr && !options.ranking->empty()) {
      take_ranked(catalog, index, *options.ranking, options, taken, take);
    } else {
      std::vector<std::pair<double, size_t>> ranked;
      for (size_t i = 0; i < catalog.tables.size(); ++i) {
        ranked.emplace_back(table_score(catalog.tables[i], qstems), i);
      }
      std::stable_sort(ranked.begin(), ranked.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (const auto& [score, i] : ranked) {
        take(i);
        // Complete the join paths: what this table's foreign keys reach.
        for (const auto& fk : catalog.tables[i].foreign_keys) {
          auto it = index.find(fk.ref_schema + "." + fk.ref_table);
          if (it != index.end() && taken.count(i) > 0) take(it->second);
        }
      }
    }
    chosen.assign(taken.begin(), taken.end());
  }
  for (size_t i : chosen) {
    ctx.schema += rendered[i] + "\n";
    ctx.tables.push_back(catalog.tables[i].qualified_name());
  }
  ctx.schema = std::string(trim(ctx.schema));
  ctx.tokens =
      estimate_tokens(ctx.schema) + estimate_tokens(ctx.examples) + estimate_tokens(ctx.glossary);
  return ctx;
}

}  // namespace askdb::retrieval
