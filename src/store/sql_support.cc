#include "store/sql_support.h"

#include <cstdlib>

#include "core/text.h"

namespace askdb::store::detail {
namespace {

void clean_strings(nlohmann::json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (s.find('\0') != std::string::npos || !is_valid_utf8(s)) s = clean_text(s);
  } else if (j.is_array()) {
    for (auto& v : j) clean_strings(v);
  } else if (j.is_object()) {
    // Keys cannot be changed in place: rebuild the object only when one needs cleaning.
    bool dirty_keys = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key().find('\0') != std::string::npos || !is_valid_utf8(it.key())) dirty_keys = true;
      clean_strings(it.value());
    }
    if (dirty_keys) {
      nlohmann::json rebuilt = nlohmann::json::object();
      for (auto it = j.begin(); it != j.end(); ++it) rebuilt[clean_text(it.key())] = it.value();
      j = std::move(rebuilt);
    }
  }
}

std::string advice_for(const std::string& message) {
  if (message.find("SQLSTATE 42P01") != std::string::npos ||
      message.find("SQLSTATE 3F000") != std::string::npos) {
    return " The app store's tables are missing: run `askdb migrate` with the same store.url "
           "(ASKDB_STORE_URL) and store.schema.";
  }
  if (message.find("SQLSTATE 42501") != std::string::npos) {
    return " The role in store.url (ASKDB_STORE_URL) may not use askdb's tables: connect as the "
           "role that ran the migrations, or grant it the privileges.";
  }
  if (message.find("SQLSTATE") == std::string::npos) {
    return " Check that the app store's database (store.url, ASKDB_STORE_URL) is reachable.";
  }
  return "";
}

}  // namespace

std::string schema_prefix(const std::string& schema) { return pg::quote_ident(schema) + "."; }

Error store_error(const std::string& what, const Error& cause) {
  return make_error(ErrorCode::kDatabase, "could not " + what + " in the app store: " +
                                              cause.message + "." + advice_for(cause.message));
}

std::string iso_utc(std::string_view column) {
  return "to_char(" + std::string(column) +
         " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\0') {
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

pg::Cell jsonb_param(const nlohmann::json& j) {
  if (j.is_null() || j.is_discarded()) return std::nullopt;
  nlohmann::json copy = j;
  clean_strings(copy);
  return copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json json_cell(const pg::Cell& cell) {
  if (!cell) return nullptr;
  auto j = nlohmann::json::parse(*cell, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::optional<int64_t> int_cell(const pg::Cell& cell) {
  if (!cell) return std::nullopt;
  return std::strtoll(cell->c_str(), nullptr, 10);
}

std::optional<bool> bool_cell(const pg::Cell& cell) {
  if (!cell) return std::nullopt;
  return *cell == "t";
}

std::string text_cell(const pg::Cell& cell) { return cell.value_or(""); }

}  // namespace askdb::store::detail
