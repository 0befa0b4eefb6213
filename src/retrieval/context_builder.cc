#include "retrieval/context_builder.h"

#include <algorithm>
#include <cstdio>
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

std::string join_plain(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string format_score(double score) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", score);
  return buf;
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

// How a table may be shown (see ContextOptions::wide_columns).
enum class Form {
  kWhole,           // whole, or not at all
  kWholeOrCompact,  // whole, or compact when only that fits
  kCompactIfWide,   // compact when wide
};

// The tables the index ranked best (see ContextOptions::ranking), then, for each two of them
// that no foreign key joins directly, a table that joins both (a link table, or one between).
// `take(i, why, form)` adds table i when the budget allows: the best `options.whole_tables`
// whole when they fit, the others compact when wide.
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
  // namesake elsewhere: it gains a share of its best-scoring neighbour's score (and a table
  // the ranking missed but a ranked one joins becomes a candidate with that share alone). So
  // does, with schema_share, a table in the same schema as a strong hit.
  std::map<size_t, double> score;
  std::map<size_t, const TableHit*> hits;
  std::map<std::string, std::vector<size_t>> by_schema;
  for (const TableHit& hit : ranking) {
    auto it = index.find(hit.schema + "." + hit.name);
    if (it == index.end()) continue;  // gone from the catalog since it was indexed
    score[it->second] = hit.score;
    hits[it->second] = &hit;
    by_schema[hit.schema].push_back(it->second);
  }
  std::set<size_t> candidates;
  std::map<size_t, size_t> best_neighbour;
  for (const auto& [i, own] : score) {
    candidates.insert(i);
    for (const size_t j : joins[i]) candidates.insert(j);
  }
  std::vector<std::pair<double, size_t>> ranked;
  for (const size_t i : candidates) {
    const auto own_it = score.find(i);
    const double own = own_it != score.end() ? own_it->second : 0;
    double neighbour = 0;
    for (const size_t j : joins[i]) {
      auto it = score.find(j);
      if (it != score.end() && it->second > neighbour) {
        neighbour = it->second;
        best_neighbour[i] = j;
      }
    }
    double schema_mate = 0;
    if (options.schema_share > 0) {
      for (const size_t j : by_schema[catalog.tables[i].schema]) {
        if (j != i) schema_mate = std::max(schema_mate, score[j]);
      }
    }
    ranked.emplace_back(
        own + options.neighbour_share * neighbour + options.schema_share * schema_mate, i);
  }
  // Ties go by name (the catalog's order).
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (ranked.empty()) return;
  const double floor = ranked.front().first * options.min_relative_score;
  std::vector<size_t> best;
  for (const auto& [s, i] : ranked) {
    if ((s < floor && best.size() >= options.min_tables) || best.size() >= options.max_tables) {
      break;
    }
    std::string why;
    if (auto hit = hits.find(i); hit != hits.end()) {
      why = "the index ranks it for the question (score " + format_score(s);
      if (!hit->second->columns.empty()) why += "; columns " + join_plain(hit->second->columns);
    } else {
      why = "a foreign key joins it to a table the index ranks (score " + format_score(s);
    }
    if (auto n = best_neighbour.find(i); n != best_neighbour.end()) {
      why += "; joins " + catalog.tables[n->second].qualified_name();
    }
    take(i, why + ")",
         best.size() < options.whole_tables ? Form::kWholeOrCompact : Form::kCompactIfWide);
    if (taken.count(i) > 0) best.push_back(i);
  }
  // What the best tables' foreign keys reference: the lookups a question about them needs.
  for (size_t b = 0; b < best.size() && b < options.parents_of_top; ++b) {
    for (const auto& fk : catalog.tables[best[b]].foreign_keys) {
      auto it = index.find(fk.ref_schema + "." + fk.ref_table);
      if (it != index.end()) {
        take(it->second,
             "referenced by " + catalog.tables[best[b]].qualified_name() +
                 ", one of the best ranked",
             Form::kCompactIfWide);
      }
    }
  }
  // For each two chosen tables no foreign key joins directly, a table that joins both.
  for (size_t a = 0; a < best.size(); ++a) {
    for (size_t b = a + 1; b < best.size(); ++b) {
      const std::set<size_t>& from = joins[best[a]];
      if (from.count(best[b]) > 0) continue;
      for (const size_t middle : from) {
        if (joins[middle].count(best[b]) > 0) {
          take(middle,
               "joins " + catalog.tables[best[a]].qualified_name() + " and " +
                   catalog.tables[best[b]].qualified_name(),
               Form::kCompactIfWide);
          break;
        }
      }
    }
  }
}

// Tables `sql` reads by name after FROM or JOIN (bare, schema-qualified or quoted), as indexes
// into the catalog; each once, FROM's before JOIN's. A plain scan, not a parse: good enough
// for the verified SQL of examples and notes.
std::vector<size_t> tables_read_by(std::string_view sql,
                                   const std::map<std::string, size_t>& index) {
  std::vector<size_t> out;
  const std::string lower = to_lower(sql);
  for (const std::string_view keyword : {"from", "join"}) {
    for (size_t at = lower.find(keyword); at != std::string::npos;
         at = lower.find(keyword, at + 1)) {
      const bool word_start =
          at == 0 ||
          !(std::isalnum(static_cast<unsigned char>(lower[at - 1])) || lower[at - 1] == '_');
      size_t p = at + keyword.size();
      if (!word_start || p >= lower.size() || !std::isspace(static_cast<unsigned char>(lower[p]))) {
        continue;
      }
      while (p < lower.size() && std::isspace(static_cast<unsigned char>(lower[p]))) ++p;
      std::string name;  // as written, quotes removed
      while (p < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[p])) || sql[p] == '_' || sql[p] == '.' ||
              sql[p] == '"' || static_cast<unsigned char>(sql[p]) >= 0x80)) {
        if (sql[p] != '"') name += sql[p];
        ++p;
      }
      if (name.empty()) continue;
      const std::string qualified = name.find('.') == std::string::npos ? "public." + name : name;
      auto it = index.find(qualified);
      if (it == index.end()) it = index.find(to_lower(qualified));
      if (it != index.end() && std::find(out.begin(), out.end(), it->second) == out.end()) {
        out.push_back(it->second);
      }
    }
  }
  return out;
}

// Why the knowledge index put an example or note in the context.
std::string knowledge_why(const KnowledgeHit& hit) {
  std::string why = "the knowledge index ranks it (score " + format_score(hit.score) + ": words " +
                    format_score(hit.text);
  if (hit.trigram > 0) why += ", trigrams " + format_score(hit.trigram);
  if (hit.vector != 0) why += ", vector " + format_score(hit.vector);
  return why + ")";
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

bool Context::has_table(std::string_view qualified_name) const {
  return std::any_of(tables.begin(), tables.end(),
                     [&](const ContextTable& t) { return t.name == qualified_name; });
}

int estimate_tokens(std::string_view text) { return static_cast<int>((text.size() + 3) / 4); }

std::string render_table(const CatalogTable& t, const std::set<std::string>* keep) {
  std::string out;
  // Comments on one line each: a line break would end the "--" comment and start SQL.
  if (!t.comment.empty()) out += "-- " + collapse_whitespace(t.comment) + "\n";
  if (t.row_estimate >= 0 && t.kind == "table") {
    out += "-- about " + std::to_string(t.row_estimate) + " rows\n";
  }
  const bool is_view = t.kind != "table";
  out += std::string(is_view ? "CREATE " : "CREATE TABLE ") +
         (is_view ? (t.kind == "view" ? "VIEW " : "MATERIALIZED VIEW ") : "") + t.qualified_name() +
         " (\n";
  std::vector<std::string> lines;
  std::vector<const CatalogColumn*> shown;  // the columns of lines' first entries
  std::vector<std::string> by_name_only;
  for (const auto& c : t.columns) {
    if (keep != nullptr && keep->count(c.name) == 0) {
      by_name_only.push_back(c.name);
      continue;
    }
    std::string line = "  " + sql_identifier(c.name) + " " + c.type;
    if (c.not_null && !is_view) line += " NOT NULL";
    lines.push_back(line);
    shown.push_back(&c);
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
    if (i < shown.size() && !shown[i]->comment.empty()) {
      out += "  -- " + collapse_whitespace(shown[i]->comment);
    }
    out += "\n";
  }
  if (!by_name_only.empty()) {
    // Inside the parentheses, so the names read as this table's.
    out += "  -- " + std::to_string(by_name_only.size()) + " more columns, by name: ";
    for (size_t i = 0; i < by_name_only.size(); ++i) {
      out += (i == 0 ? "" : ", ") + sql_identifier(by_name_only[i]);
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
  // Numbers aside: an example for 2025 shows how to write the SQL for 2024 as well.
  std::vector<ExampleMatch> matches;
  std::vector<ContextItem> example_items;
  if (options.knowledge != nullptr) {
    for (const KnowledgeHit& hit : *options.knowledge) {
      if (matches.size() >= options.max_examples) break;
      if (hit.entry.kind != KnowledgeKind::kExample ||
          hit.entry.position >= knowledge.examples.size()) {
        continue;
      }
      const VerifiedExample& e = knowledge.examples[hit.entry.position];
      matches.push_back({&e, question_similarity(question, e.question, false)});
      // One too long for the budget makes way for the next ones (as a note does).
      if (estimate_tokens(render_examples(matches)) > budget / 4) {
        matches.pop_back();
        continue;
      }
      example_items.push_back({e.question, hit.score, knowledge_why(hit)});
    }
  } else {
    matches = rank_examples(knowledge, question, options.max_examples, false);
    for (const auto& m : matches) {
      example_items.push_back({m.example->question, m.similarity,
                               "trigram similarity to the question " + format_score(m.similarity)});
    }
  }
  while (!matches.empty() && estimate_tokens(render_examples(matches)) > budget / 4) {
    matches.pop_back();
    example_items.pop_back();
  }
  ctx.examples = render_examples(matches);
  for (const auto& m : matches) ctx.example_questions.push_back(m.example->question);
  ctx.example_items = std::move(example_items);

  // Glossary: the notes the index ranked (or whose term the question names), then the rest,
  // within a sixth.
  const auto qstems = stems(question);
  std::vector<std::pair<const GlossaryNote*, ContextItem>> notes;
  std::set<const GlossaryNote*> in_notes;
  const auto listed = [&in_notes](const GlossaryNote* n) { return in_notes.count(n) > 0; };
  const auto add_note = [&](const GlossaryNote* n, ContextItem item) {
    notes.emplace_back(n, std::move(item));
    in_notes.insert(n);
  };
  if (options.knowledge != nullptr) {
    for (const KnowledgeHit& hit : *options.knowledge) {
      if (hit.entry.kind != KnowledgeKind::kNote ||
          hit.entry.position >= knowledge.glossary.size()) {
        continue;
      }
      const GlossaryNote* n = &knowledge.glossary[hit.entry.position];
      if (!listed(n)) add_note(n, {n->term, hit.score, knowledge_why(hit)});
    }
  } else {
    for (const auto& n : knowledge.glossary) {
      bool named = false;
      for (const auto& w : stems(n.term)) named = named || qstems.count(w) > 0;
      if (named) add_note(&n, {n.term, 0, "the question names its term"});
    }
  }
  for (const auto& n : knowledge.glossary) {
    if (!listed(&n)) add_note(&n, {n.term, 0, "room left in the glossary's budget"});
  }
  for (auto& [n, item] : notes) {
    const std::string block = "### " + n->term + "\n" + n->text + "\n\n";
    if (estimate_tokens(ctx.glossary + block) > budget / 6) continue;
    ctx.glossary += block;
    ctx.notes.push_back(n->term);
    ctx.note_items.push_back(std::move(item));
  }
  ctx.glossary = std::string(trim(ctx.glossary));

  // Values the question names, within an eighth: the exact literals to compare with.
  // Only of columns the catalog has: an index written before a column was made private (or
  // dropped) must not bring its values back.
  const auto in_catalog = [&catalog](const ValueHit& hit) {
    return std::any_of(catalog.tables.begin(), catalog.tables.end(), [&](const CatalogTable& t) {
      return t.schema == hit.schema && t.name == hit.table &&
             std::any_of(t.columns.begin(), t.columns.end(),
                         [&](const CatalogColumn& c) { return c.name == hit.column; });
    });
  };
  std::vector<ValueHit> values;
  if (options.values != nullptr) {
    for (const ValueHit& hit : *options.values) {
      if (!in_catalog(hit)) continue;
      values.push_back(hit);
      if (estimate_tokens(render_value_hits(values)) > budget / 8) {
        values.pop_back();
        break;
      }
    }
  }

  const int schema_budget = budget - estimate_tokens(ctx.examples) - estimate_tokens(ctx.glossary) -
                            estimate_tokens(render_value_hits(values));
  // Each table as shown, rendered when first needed: a catalog of thousands of tables is not
  // rendered whole for every question, only until it is clear it does not fit.
  std::vector<std::string> rendered(catalog.tables.size());
  const auto render = [&](size_t i) -> const std::string& {
    if (rendered[i].empty()) rendered[i] = render_table(catalog.tables[i]);
    return rendered[i];
  };
  size_t total = 0;
  for (size_t i = 0;
       i < catalog.tables.size() && static_cast<int>((total + 3) / 4) <= schema_budget; ++i) {
    total += render(i).size() + 1;
  }
  std::map<size_t, std::vector<std::string>> chosen;  // table → why
  if (static_cast<int>((total + 3) / 4) <= schema_budget) {
    for (size_t i = 0; i < catalog.tables.size(); ++i) {
      chosen[i].push_back("the whole schema fits the budget");
    }
  } else {
    ctx.schema_complete = false;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < catalog.tables.size(); ++i) {
      index[catalog.tables[i].schema + "." + catalog.tables[i].name] = i;
    }
    // The columns a compact table still shows whole: its keys, the columns the index found
    // the question's words in, and those holding a value the question names.
    std::map<size_t, std::set<std::string>> keep;
    for (size_t i = 0; i < catalog.tables.size(); ++i) {
      const CatalogTable& t = catalog.tables[i];
      keep[i].insert(t.primary_key.begin(), t.primary_key.end());
      for (const auto& fk : t.foreign_keys) {
        keep[i].insert(fk.columns.begin(), fk.columns.end());
        auto it = index.find(fk.ref_schema + "." + fk.ref_table);
        if (it != index.end())
          keep[it->second].insert(fk.ref_columns.begin(), fk.ref_columns.end());
      }
    }
    if (options.ranking != nullptr) {
      for (const TableHit& hit : *options.ranking) {
        auto it = index.find(hit.schema + "." + hit.name);
        if (it != index.end()) keep[it->second].insert(hit.columns.begin(), hit.columns.end());
      }
    }
    for (const ValueHit& hit : values) {
      auto it = index.find(hit.schema + "." + hit.table);
      if (it != index.end()) keep[it->second].insert(hit.column);
    }
    std::set<size_t> taken;
    int used = 0;
    // Table i in `form`; compact means the columns in keep[i] whole, the others by name.
    // Skipped when it does not fit.
    auto take = [&](size_t i, std::string why, Form form = Form::kWhole) {
      if (taken.count(i) > 0) {
        chosen[i].push_back(std::move(why));
        return;
      }
      const CatalogTable& t = catalog.tables[i];
      const bool wide = t.columns.size() > options.wide_columns;
      const int whole_cost = estimate_tokens(render(i)) + 1;
      if ((form != Form::kCompactIfWide || !wide) && used + whole_cost <= schema_budget) {
        used += whole_cost;
      } else if (wide && form != Form::kWhole) {
        std::string compact = render_table(t, &keep[i]);
        const int cost = estimate_tokens(compact) + 1;
        if (used + cost > schema_budget) return;
        used += cost;
        rendered[i] = std::move(compact);
        const auto by_name = std::count_if(t.columns.begin(), t.columns.end(), [&](const auto& c) {
          return keep[i].count(c.name) == 0;
        });
        why += " (wide: " + std::to_string(by_name) + " of its columns by name only)";
      } else {
        return;
      }
      taken.insert(i);
      chosen[i].push_back(std::move(why));
    };
    // First what the closest verified examples read: the LLM is asked to follow them, so it
    // needs their tables' columns.
    for (const auto& m : matches) {
      if (m.similarity < options.example_tables_similarity) continue;
      for (const size_t i : tables_read_by(m.example->sql, index)) {
        take(i, "read by the verified example \"" + m.example->question + "\"");
      }
    }
    // Then the tables of the best values: "customers in Sao Paulo" needs customers.
    std::set<size_t> value_tables;
    for (const ValueHit& hit : values) {
      auto it = index.find(hit.schema + "." + hit.table);
      if (it == index.end()) continue;
      if (value_tables.size() >= options.value_tables && value_tables.count(it->second) == 0) {
        continue;
      }
      value_tables.insert(it->second);
      take(it->second,
           "its column " + hit.column + " holds '" + hit.value + "', a value the question names");
    }
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
        take(i, "shares words with the question (score " + format_score(score) + ")");
        // Complete the join paths: what this table's foreign keys reach.
        for (const auto& fk : catalog.tables[i].foreign_keys) {
          auto it = index.find(fk.ref_schema + "." + fk.ref_table);
          if (it != index.end() && taken.count(i) > 0) {
            take(it->second,
                 "a foreign key of " + catalog.tables[i].qualified_name() + " references it");
          }
        }
      }
    }
  }
  for (auto& [i, why] : chosen) {
    const CatalogTable& t = catalog.tables[i];
    ctx.schema += render(i) + "\n";
    ContextTable shown{t.qualified_name(), {}, std::move(why)};
    for (const auto& c : t.columns) shown.columns.push_back(c.name);
    ctx.tables.push_back(std::move(shown));
  }
  ctx.schema = std::string(trim(ctx.schema));
  // Only the values of tables shown: a literal of a table the LLM cannot see only misleads.
  for (const ValueHit& hit : values) {
    if (ctx.has_table(qualified_name(hit.schema, hit.table))) ctx.value_hits.push_back(hit);
  }
  ctx.values = std::string(trim(render_value_hits(ctx.value_hits)));
  ctx.tokens = estimate_tokens(ctx.schema) + estimate_tokens(ctx.values) +
               estimate_tokens(ctx.examples) + estimate_tokens(ctx.glossary);
  return ctx;
}

}  // namespace askdb::retrieval
