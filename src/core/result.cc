#include "core/result.h"

namespace askdb {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
    case ErrorCode::kConfig:
      return 2;
    case ErrorCode::kLlm:
    case ErrorCode::kBusy:
      return 3;
    case ErrorCode::kGuard:
      return 4;
    case ErrorCode::kDatabase:
      return 5;
    case ErrorCode::kInternal:
      return 1;
  }
  return 1;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUsage:
      return "usage";
    case ErrorCode::kConfig:
      return "config";
    case ErrorCode::kLlm:
      return "llm";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kGuard:
      return "guard";
    case ErrorCode::kDatabase:
      return "database";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace askdb
