#include "cli/output.h"

#include <iostream>

namespace askdb::cli {

void print_json(const nlohmann::json& out) {
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

int fail(const Error& error, bool json) {
  std::cerr << "askdb: " << error.message << "\n";
  if (json) {
    print_json({{"error", {{"code", error_code_name(error.code)}, {"message", error.message}}}});
  }
  return exit_code_for(error.code);
}

}  // namespace askdb::cli
