// ProcessStats: what this process uses, read from /proc/self for the standard process_*
// metrics (memory, CPU time, open files, start time). Linux only; elsewhere, or when /proc
// cannot be read, the figures are 0. Thread-safe: read_process_stats() reads files only.
#pragma once

namespace askdb::server {

struct ProcessStats {
  double resident_memory_bytes = 0;  // /proc/self/statm: resident pages × page size
  double cpu_seconds = 0;            // user + system time, /proc/self/stat
  double start_time_seconds = 0;     // since the Unix epoch: boot time + start after boot
  double open_fds = 0;               // entries of /proc/self/fd
  double max_fds = 0;                // RLIMIT_NOFILE's soft limit
};

ProcessStats read_process_stats();

}  // namespace askdb::server
