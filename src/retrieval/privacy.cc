#include "retrieval/privacy.h"

#include <fnmatch.h>

#include <algorithm>

#include "core/text.h"

namespace askdb::retrieval {
namespace {

bool glob(const std::string& pattern, std::string_view name) {
  // Case folded: "Customers.Email" is meant to cover customers.email, and hiding too much is
  // the safe mistake.
  return fnmatch(pattern.c_str(), std::string(name).c_str(), FNM_CASEFOLD) == 0;
}

std::vector<std::string> split_rules(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (const char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

bool PrivacyRules::table_is_private(std::string_view schema, std::string_view table) const {
  return std::any_of(tables.begin(), tables.end(), [&](const auto& rule) {
    return glob(rule[0], schema) && glob(rule[1], table);
  });
}

bool PrivacyRules::column_is_private(std::string_view schema, std::string_view table,
                                     std::string_view column) const {
  return table_is_private(schema, table) ||
         std::any_of(columns.begin(), columns.end(), [&](const auto& rule) {
           return glob(rule[0], schema) && glob(rule[1], table) && glob(rule[2], column);
         });
}

Result<PrivacyRules> parse_privacy_rules(std::string_view text) {
  PrivacyRules rules;
  for (const auto& rule : split_rules(text)) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot = rule.find('.');; dot = rule.find('.', start)) {
      parts.push_back(
          rule.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    const bool empty_part =
        std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); });
    if (empty_part || parts.size() < 2 || parts.size() > 3) {
      return make_error(ErrorCode::kConfig,
                        "retrieval.private: \"" + rule +
                            "\" is not a table (schema.table) or a column "
                            "(schema.table.column); write e.g. public.customers.email, "
                            "*.*.ssn or hr.*");
    }
    (parts.size() == 2 ? rules.tables : rules.columns).push_back(std::move(parts));
  }
  return rules;
}

Removed remove_private(Catalog& catalog, const PrivacyRules& rules) {
  Removed removed;
  if (rules.empty()) return removed;
  const auto joined = [](const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ".") + p;
    return out;
  };
  for (const auto& rule : rules.tables) {
    const auto matches = [&](const auto& t) {
      return glob(rule[0], t.schema) && glob(rule[1], t.name);
    };
    const bool any = std::any_of(catalog.tables.begin(), catalog.tables.end(), matches) ||
                     std::any_of(catalog.skipped.begin(), catalog.skipped.end(), matches);
    if (!any) removed.unmatched.push_back(joined(rule));
  }
  for (const auto& rule : rules.columns) {
    const auto in = [&](const auto& t, const auto& columns, const auto& name_of) {
      return glob(rule[0], t.schema) && glob(rule[1], t.name) &&
             std::any_of(columns.begin(), columns.end(),
                         [&](const auto& c) { return glob(rule[2], name_of(c)); });
    };
    const bool any =
        std::any_of(catalog.tables.begin(), catalog.tables.end(),
                    [&](const CatalogTable& t) {
                      return in(t, t.columns, [](const CatalogColumn& c) { return c.name; });
                    }) ||
        std::any_of(catalog.skipped.begin(), catalog.skipped.end(), [&](const SkippedRelation& r) {
          return in(r, r.columns, [](const std::string& c) { return c; });
        });
    if (!any) removed.unmatched.push_back(joined(rule));
  }
  auto& tables = catalog.tables;
  const size_t before = tables.size();
  tables.erase(std::remove_if(tables.begin(), tables.end(),
                              [&](const CatalogTable& t) {
                                if (!rules.table_is_private(t.schema, t.name)) return false;
                                removed.columns += t.columns.size();
                                return true;
                              }),
               tables.end());
  removed.tables = before - tables.size();
  for (auto& t : tables) {
    const auto is_private = [&](const std::string& column) {
      return rules.column_is_private(t.schema, t.name, column);
    };
    const size_t columns = t.columns.size();
    t.columns.erase(std::remove_if(t.columns.begin(), t.columns.end(),
                                   [&](const CatalogColumn& c) { return is_private(c.name); }),
                    t.columns.end());
    removed.columns += columns - t.columns.size();
    if (std::any_of(t.primary_key.begin(), t.primary_key.end(), is_private)) t.primary_key.clear();
    auto& fks = t.foreign_keys;
    fks.erase(std::remove_if(fks.begin(), fks.end(),
                             [&](const ForeignKey& fk) {
                               return std::any_of(fk.columns.begin(), fk.columns.end(),
                                                  is_private) ||
                                      rules.table_is_private(fk.ref_schema, fk.ref_table) ||
                                      std::any_of(fk.ref_columns.begin(), fk.ref_columns.end(),
                                                  [&](const std::string& c) {
                                                    return rules.column_is_private(fk.ref_schema,
                                                                                   fk.ref_table, c);
                                                  });
                             }),
              fks.end());
  }
  // What the read-only role may not read is listed by askdb index: not the private names.
  auto& skipped = catalog.skipped;
  skipped.erase(std::remove_if(skipped.begin(), skipped.end(),
                               [&](SkippedRelation& r) {
                                 if (rules.table_is_private(r.schema, r.name)) return true;
                                 if (r.columns.empty()) return false;
                                 auto& cs = r.columns;
                                 cs.erase(std::remove_if(cs.begin(), cs.end(),
                                                         [&](const std::string& c) {
                                                           return rules.column_is_private(
                                                               r.schema, r.name, c);
                                                         }),
                                          cs.end());
                                 return cs.empty();
                               }),
                skipped.end());
  return removed;
}

}  // namespace askdb::retrieval
