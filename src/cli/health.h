// `askdb health`: asks a running `askdb serve` whether it is alive, for a container's
// HEALTHCHECK or a process supervisor (the slim image has no curl). One GET, no retries, never
// through a proxy; prints nothing when healthy and one line saying why not otherwise.
#pragma once

#include <string>

#include "config/config.h"

namespace askdb::cli {

// The URL `askdb health` checks by default: /healthz of the server `server` configures, reached
// on 127.0.0.1 when it listens on every address (0.0.0.0, ::, "") or on loopback, else on its
// own address (IPv6 in brackets). Example: host 0.0.0.0, port 8080 → http://127.0.0.1:8080/healthz.
std::string default_health_url(const ServerConfig& server);

// GETs `url`, or default_health_url() of the configuration (`config_file` as for every command,
// then the environment) when `url` is empty, waiting at most `timeout_s` seconds in all. Returns
// the exit status: 0 when it answers HTTP 200; 1 otherwise (also for a configuration that does
// not load), after one line on stderr saying what went wrong (refused, timed out, HTTP 503 and
// the start of its body) and what to check. Never 2, which Docker reserves in health checks.
int run_health(const std::string& config_file, const std::string& url, double timeout_s);

}  // namespace askdb::cli
