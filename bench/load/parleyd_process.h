#pragma once
// A parleyd started as a child process for a benchmark (as
// negotiation_bench does it), with a temporary data directory, and what a
// benchmark reads from it: its URL, its CPU time from /proc (the whole
// process and per thread) and its /metrics counters.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace parley::load {

// Owns a temporary directory tree; removes it on destruction.
class TempDir {
 public:
  static Expected<TempDir> create(const std::filesystem::path& parent, const std::string& prefix);
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// One thread's CPU time, for telling the media workers from the rest.
struct ThreadCpu {
  pid_t tid = 0;
  std::string name;  // /proc/PID/task/TID/comm
  double seconds = 0;
};

// CPU seconds (user + system) of /proc/<pid>/stat or .../task/<tid>/stat.
double proc_cpu_seconds(const std::string& stat_path);

// Resident set size of a process, from /proc/<pid>/statm; 0 if unknown.
std::uint64_t proc_rss_bytes(pid_t pid);

// Restricts the calling thread (and the threads and processes it creates
// from now on) to one CPU.
Status pin_to_cpu(int cpu);

// Ends a child process: SIGTERM, up to `grace` for a clean exit, then
// SIGKILL. Reaps it; returns its wait status.
int terminate_child(pid_t pid, std::chrono::seconds grace);

// A parleyd child; SIGTERM and reaped on destruction.
class ParleydProcess {
 public:
  // Forks before the caller starts threads of its own; `args` follow
  // --data-dir DIR --port 0. Waits for the "event=listening url=" line.
  // `cpu` >= 0 pins the server (every thread it will have) to that CPU.
  static Expected<std::unique_ptr<ParleydProcess>> start(const std::filesystem::path& binary,
                                                         const std::filesystem::path& data_dir,
                                                         const std::filesystem::path& log_path,
                                                         const std::vector<std::string>& args,
                                                         int cpu = -1);
  ~ParleydProcess() { (void)stop(); }
  ParleydProcess(const ParleydProcess&) = delete;
  ParleydProcess& operator=(const ParleydProcess&) = delete;

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  std::string log() const;
  double cpu_seconds() const;
  std::vector<ThreadCpu> threads() const;
  // SIGTERM, up to 30 s for a clean exit, then SIGKILL; the wait status.
  int stop();

 private:
  ParleydProcess(pid_t pid, std::filesystem::path log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  Status await_url();

  pid_t pid_;
  int exit_status_ = 0;
  std::filesystem::path log_path_;
  std::string url_;
};

// The value of one series in Prometheus text (`name{labels} value`), summed
// over every label set when `series` is a bare metric name; 0 if absent.
double metric_value(const std::string& text, const std::string& series);

std::string read_text_file(const std::filesystem::path& p);

}  // namespace parley::load
