// run_program: starts a program (initdb, pg_ctl, ...), optionally as another account, waits for
// it and returns what it printed. Used by the embedded cluster launcher.
//
// Thread-safe; the child runs no code of ours between fork and exec beyond async-signal-safe
// calls.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace askdb::pg {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks up an account by name; Error{kConfig} when it does not exist.
Result<Account> find_account(const std::string& name);

struct ProgramOutput {
  int exit_status = -1;  // the exit code, or 128 + signal
  std::string output;    // stdout and stderr together
};

// Runs argv[0] (an absolute path) with `argv`. `as` non-null: switch to that account first
// (REQUIRES: running as root). `cwd`: working directory for the child ("" keeps ours).
Result<ProgramOutput> run_program(const std::vector<std::string>& argv, const Account* as,
                                  const std::string& cwd = "");

// True when `as` may open `path` with the given access (R_OK, W_OK, X_OK), checked by a child
// running as that account.
bool account_can_access(const Account& as, const std::string& path, int mode);

}  // namespace askdb::pg
