// Connection: one libpq connection, and the typed rows a query returns.
//
// connect() takes anything libpq accepts (URL, conninfo, or "" to use the PG* variables and
// .pgpass). Failures become Error{kDatabase} with PostgreSQL's own words plus advice.
// A Connection is used by one thread at a time; Pool hands them out.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

struct pg_conn;
struct pg_cancel;

namespace askdb::pg {

struct Column {
  std::string name;
  std::string type;  // PostgreSQL's name for the type: "integer", "numeric", "text", ...
  uint32_t type_oid = 0;
};

// One cell: nullopt is SQL NULL; otherwise PostgreSQL's text form.
using Cell = std::optional<std::string>;

struct Rows {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
};

// How a value of this type is best shown in JSON.
enum class JsonKind { kNumber, kBool, kString };
JsonKind json_kind(uint32_t type_oid);

// Cancels whatever statement a connection is running, from any thread (libpq's PQcancel).
// Holds only the server's address and the connection's cancel key: it may outlive the
// connection, and then cancels nothing.
class QueryCanceller {
 public:
  explicit QueryCanceller(pg_cancel* cancel) : cancel_(cancel) {}
  ~QueryCanceller();
  QueryCanceller(const QueryCanceller&) = delete;
  QueryCanceller& operator=(const QueryCanceller&) = delete;

  // Asks the server to cancel the statement running now (none running: nothing happens). The
  // statement then fails with "canceling statement due to user request".
  void cancel() const;

 private:
  pg_cancel* cancel_;
};

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // `what` names the database in messages ("the demo database", "the target database").
  static Result<Connection> open(const std::string& conninfo, const std::string& what);

  // Runs one or more statements with no parameters and no result wanted.
  Status exec(const std::string& sql);
  // Runs one statement with text parameters and returns its rows.
  Result<Rows> query(const std::string& sql, const std::vector<Cell>& params = {});

  // False once the server has gone away; a pool drops such connections.
  bool healthy() const;
  // A canceller for this connection's statements, for another thread to use. Call it on the
  // thread using the connection; null when the connection is closed.
  std::shared_ptr<QueryCanceller> canceller();
  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn, std::string what) : conn_(conn), what_(std::move(what)) {}
  pg_conn* conn_ = nullptr;
  std::string what_;
};

// The SQLSTATE a Connection puts at the end of an error's message ("... (SQLSTATE 42703)"),
// or "" when it has none (libpq's own failures: a lost connection, a refused login).
std::string error_sqlstate(const Error& error);

// The SQL-escaped literal / identifier for `s` (no connection needed; standard strings on).
std::string quote_literal(const std::string& s);
std::string quote_ident(const std::string& s);

}  // namespace askdb::pg
