#include "server/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace askdb::server {
namespace {

std::string read_text(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The boot time, in seconds since the epoch ("btime" of /proc/stat); 0 when unknown.
double boot_time() {
  std::istringstream in(read_text("/proc/stat"));
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  {
    std::istringstream statm(read_text("/proc/self/statm"));
    double size = 0;
    double resident = 0;
    if (statm >> size >> resident) out.resident_memory_bytes = resident * page;
  }
  {
    // After the command name, which may hold spaces and parentheses, come the fields from
    // the third (state) on: utime and stime are the 14th and 15th, starttime the 22nd.
    const std::string stat = read_text("/proc/self/stat");
    const size_t close = stat.rfind(')');
    if (close != std::string::npos && ticks > 0) {
      std::istringstream fields(stat.substr(close + 1));
      std::string field;
      double utime = 0;
      double stime = 0;
      double start = 0;
      for (int n = 3; n <= 22 && fields >> field; ++n) {
        if (n == 14) utime = std::strtod(field.c_str(), nullptr);
        if (n == 15) stime = std::strtod(field.c_str(), nullptr);
        if (n == 22) start = std::strtod(field.c_str(), nullptr);
      }
      out.cpu_seconds = (utime + stime) / ticks;
      const double boot = boot_time();
      if (boot > 0) out.start_time_seconds = boot + start / ticks;
    }
  }
  {
    std::error_code ec;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
      ++fds;
    }
    out.open_fds = fds;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return out;
}

}  // namespace askdb::server
