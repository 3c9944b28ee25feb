#pragma once
// Janus (Debian's `janus`, the comparison media server of the benchmarks)
// started as a child process with a configuration of its own, as
// ../shared/TESTING-NOTES.md describes: the system's /etc/janus copied into
// a temporary directory, then janus.jcfg, the HTTP transport's and the
// VideoRoom plugin's files rewritten there. Only the VideoRoom plugin and
// the HTTP transport are loaded (the streaming plugin's samples would bind
// UDP on every interface), the HTTP API listens on 127.0.0.1 only, the admin
// API is off, ICE gathers on the one interface given (ice_enforce_list:
// Janus skips loopback) and media ports come from `rtp_port_range`.
//
// What a benchmark reads from it: its API URL, CPU time (utime + stime from
// /proc/PID/stat) and resident memory. It is stopped with SIGTERM (SIGKILL
// after 15 s) on stop() or destruction, and gets SIGTERM if the benchmark
// dies first.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "common/error.h"

namespace parley::load {

struct JanusOptions {
  std::filesystem::path binary = "janus";
  std::filesystem::path system_config = "/etc/janus";  // copied, never written
  std::string ice_interface;                           // ice_enforce_list
  std::string address;                                 // -i: the address in Janus's SDP
  std::string rtp_port_range = "20000-40000";
  // 0 keeps Janus's default, one event loop (a thread) per handle; N > 0
  // shares N loops between all handles (janus.jcfg event_loops).
  int event_loops = 0;
  int debug_level = 4;  // Janus's default (info): nothing per packet
  int cpu = -1;         // >= 0: pin every Janus thread to this CPU
};

class JanusProcess {
 public:
  // Writes the configuration into `dir` (which must exist), starts Janus
  // and waits until its HTTP API answers GET /janus/info.
  static Expected<std::unique_ptr<JanusProcess>> start(const JanusOptions& options,
                                                       const std::filesystem::path& dir);
  ~JanusProcess() { (void)stop(); }
  JanusProcess(const JanusProcess&) = delete;
  JanusProcess& operator=(const JanusProcess&) = delete;

  // "http://127.0.0.1:PORT"; the Janus API is under /janus.
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  double cpu_seconds() const;
  std::uint64_t rss_bytes() const;
  std::string log() const;  // Janus's own log file
  // SIGTERM, up to 15 s for a clean exit, then SIGKILL; the wait status.
  int stop();

 private:
  JanusProcess(pid_t pid, std::filesystem::path log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  Status await_api();

  pid_t pid_;
  int exit_status_ = 0;
  std::filesystem::path log_path_;
  std::string url_;
};

}  // namespace parley::load
