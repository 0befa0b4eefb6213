#include "pg/connection.h"

#include <libpq-fe.h>

#include <string_view>
#include <utility>

#include "core/text.h"

namespace askdb::pg {
namespace {

// Built-in type OIDs (pg_type.dat); the rest are looked up with format_type().
struct BuiltinType {
  uint32_t oid;
  const char* name;
  JsonKind kind;
};
constexpr BuiltinType kBuiltinTypes[] = {
    {16, "boolean", JsonKind::kBool},
    {17, "bytea", JsonKind::kString},
    {18, "\"char\"", JsonKind::kString},
    {19, "name", JsonKind::kString},
    {20, "bigint", JsonKind::kNumber},
    {21, "smallint", JsonKind::kNumber},
    {23, "integer", JsonKind::kNumber},
    {25, "text", JsonKind::kString},
    {26, "oid", JsonKind::kNumber},
    {114, "json", JsonKind::kString},
    {700, "real", JsonKind::kNumber},
    {701, "double precision", JsonKind::kNumber},
    {790, "money", JsonKind::kString},
    {1042, "character", JsonKind::kString},
    {1043, "character varying", JsonKind::kString},
    {1082, "date", JsonKind::kString},
    {1083, "time without time zone", JsonKind::kString},
    {1114, "timestamp without time zone", JsonKind::kString},
    {1184, "timestamp with time zone", JsonKind::kString},
    {1186, "interval", JsonKind::kString},
    {1266, "time with time zone", JsonKind::kString},
    {1700, "numeric", JsonKind::kNumber},
    {2950, "uuid", JsonKind::kString},
    {3802, "jsonb", JsonKind::kString},
    {1009, "text[]", JsonKind::kString},
    {1007, "integer[]", JsonKind::kString},
    {1016, "bigint[]", JsonKind::kString},
    {705, "unknown", JsonKind::kString},
    {2249, "record", JsonKind::kString},
};

const BuiltinType* builtin(uint32_t oid) {
  for (const auto& t : kBuiltinTypes) {
    if (t.oid == oid) return &t;
  }
  return nullptr;
}

std::string result_error(const PGresult* res, PGconn* conn) {
  if (res == nullptr) return trim(PQerrorMessage(conn)).data();
  std::string msg(trim(PQresultErrorMessage(res)));
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  if (state != nullptr) msg += " (SQLSTATE " + std::string(state) + ")";
  return msg;
}

}  // namespace

JsonKind json_kind(uint32_t type_oid) {
  const auto* t = builtin(type_oid);
  return t != nullptr ? t->kind : JsonKind::kString;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Connection::Connection(Connection&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)), what_(std::move(other.what_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(other.conn_, nullptr);
    what_ = std::move(other.what_);
  }
  return *this;
}

Result<Connection> Connection::open(const std::string& conninfo, const std::string& what) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) {
    return make_error(ErrorCode::kDatabase, "out of memory connecting to " + what + ".");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string detail(trim(PQerrorMessage(conn)));
    PQfinish(conn);
    return make_error(ErrorCode::kDatabase,
                      "could not connect to " + what + ": " + detail +
                          "\nCheck that the server is running and that the address, user and "
                          "password (DATABASE_URL, PG* variables, ~/.pgpass or database.url in "
                          "askdb.toml) are right.");
  }
  PQsetClientEncoding(conn, "UTF8");
  return Connection(conn, what);
}

bool Connection::healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

QueryCanceller::~QueryCanceller() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
}

void QueryCanceller::cancel() const {
  if (cancel_ == nullptr) return;
  char error[256];
  // A failure (the server gone, say) leaves the statement to end by itself: nothing to do.
  (void)PQcancel(cancel_, error, sizeof error);
}

std::shared_ptr<QueryCanceller> Connection::canceller() {
  if (conn_ == nullptr) return nullptr;
  return std::make_shared<QueryCanceller>(PQgetCancel(conn_));
}

Status Connection::exec(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  const auto status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string msg = result_error(res, conn_);
    PQclear(res);
    return make_error(ErrorCode::kDatabase, msg);
  }
  PQclear(res);
  return ok_status();
}

Result<Rows> Connection::query(const std::string& sql, const std::vector<Cell>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  const auto status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string msg = result_error(res, conn_);
    PQclear(res);
    return make_error(ErrorCode::kDatabase, msg);
  }
  Rows out;
  const int ncols = PQnfields(res);
  const int nrows = PQntuples(res);
  for (int c = 0; c < ncols; ++c) {
    Column col;
    col.name = PQfname(res, c);
    col.type_oid = PQftype(res, c);
    if (const auto* t = builtin(col.type_oid)) col.type = t->name;
    out.columns.push_back(std::move(col));
  }
  out.rows.reserve(nrows);
  for (int r = 0; r < nrows; ++r) {
    std::vector<Cell> row;
    row.reserve(ncols);
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
      }
    }
    out.rows.push_back(std::move(row));
  }
  PQclear(res);
  // Name the remaining types the way psql does (format_type).
  for (auto& col : out.columns) {
    if (!col.type.empty()) continue;
    const std::string oid = std::to_string(col.type_oid);
    const char* param = oid.c_str();
    PGresult* t = PQexecParams(conn_, "SELECT format_type($1::oid, NULL)", 1, nullptr, &param,
                               nullptr, nullptr, 0);
    if (t != nullptr && PQresultStatus(t) == PGRES_TUPLES_OK && PQntuples(t) == 1) {
      col.type = PQgetvalue(t, 0, 0);
    } else {
      col.type = "oid " + std::to_string(col.type_oid);
    }
    PQclear(t);
  }
  return out;
}

std::string error_sqlstate(const Error& error) {
  static constexpr std::string_view kMark = "(SQLSTATE ";
  const size_t at = error.message.rfind(kMark);
  if (at == std::string::npos) return "";
  const size_t code = at + kMark.size();
  if (code + 6 > error.message.size() || error.message[code + 5] != ')') return "";
  for (size_t i = code; i < code + 5; ++i) {
    const char c = error.message[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return "";
  }
  return error.message.substr(code, 5);
}

std::string quote_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string quote_ident(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace askdb::pg
