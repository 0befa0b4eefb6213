// print_table: rows in psql's aligned format, with "(N rows)" under them. Numbers are aligned
// right; widths count characters, not bytes.
#pragma once

#include <ostream>

#include "chat/pipeline.h"

namespace askdb::cli {

void print_table(std::ostream& out, const chat::AskResult& result);

}  // namespace askdb::cli
