#include "pg/conninfo.h"

#include <libpq-fe.h>

#include <memory>

#include "core/text.h"

namespace askdb::pg {
namespace {

// A conninfo value in single quotes, with \ and ' escaped as libpq reads them.
std::string quoted(const char* value) {
  std::string out = "'";
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p == '\\' || *p == '\'') out += '\\';
    out += *p;
  }
  return out + "'";
}

}  // namespace

Result<std::string> conninfo_with_password(const std::string& conninfo, const std::string& password,
                                           const std::string& setting) {
  if (password.empty()) return conninfo;
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
  if (!options) {
    // libpq's message names the part it could not read; it never repeats a password.
    std::string detail = error != nullptr ? std::string(trim(error)) : "out of memory";
    PQfreemem(error);
    return make_error(ErrorCode::kConfig, setting + " is not a libpq URL or conninfo (" + detail +
                                              "); see "
                                              "https://www.postgresql.org/docs/15/"
                                              "libpq-connect.html#LIBPQ-CONNSTRING.");
  }
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::string_view(o->keyword) == "password") {
      return make_error(ErrorCode::kConfig,
                        setting + " has a password of its own and " +
                            setting.substr(0, setting.find('.')) +
                            ".password is set too; remove the password from one of them.");
    }
    out += std::string(o->keyword) + "=" + quoted(o->val) + " ";
  }
  return out + "password=" + quoted(password.c_str());
}

}  // namespace askdb::pg
