#pragma once
// Limits a process to a share of one CPU, to take a server past its limit
// on purpose and reliably on a small shared machine, where the load tool
// would otherwise run out of CPU before the server does. Three ways, tried
// in order (all need root):
//
//  - cgroup v1 `cpu` controller: a child group with cpu.cfs_quota_us /
//    cpu.cfs_period_us (the CFS bandwidth controller);
//  - cgroup v2: a child group with `cpu.max` ("QUOTA PERIOD");
//  - else a duty-cycle hog: a SCHED_FIFO thread of this process, pinned to
//    the server's CPU, that runs (1 − share) of every 10 ms and sleeps the
//    rest. The server must be pinned to that CPU; so is everything else
//    that runs there, which is why the cgroups come first.
//
// The limit is a ceiling; so that the process really gets its share on a
// machine busy with other work, it is also given precedence up to it: the
// group's weight at the maximum (cpu.shares, cpu.weight), or with the hog a
// nice value of −10 on each of its threads.
//
// The limit can be changed and lifted while the process runs; the group is
// removed (the process moved back to the root group) on destruction.

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "common/error.h"

namespace parley::load {

class CpuLimit {
 public:
  // `cpu`: the CPU the process is pinned to (used by the hog). `hog_only`
  // skips the cgroups (to try the fallback where cgroups work).
  static Expected<std::unique_ptr<CpuLimit>> create(pid_t pid, int cpu, bool hog_only = false);
  ~CpuLimit();
  CpuLimit(const CpuLimit&) = delete;
  CpuLimit& operator=(const CpuLimit&) = delete;

  // The process may use `share` (0 to 1) of one CPU from now on.
  Status set(double share);
  // No limit from now on.
  Status lift();
  // "cgroup v1", "cgroup v2" or "SCHED_FIFO hog", for the log.
  const std::string& how() const { return how_; }

 private:
  CpuLimit() = default;
  Status try_cgroup_v1();
  Status try_cgroup_v2(const std::filesystem::path& root);
  // Moves the process into a new group of ours under `root` (a v1 or v2
  // hierarchy) with `weight_file` set to `weight`, and keeps it.
  Status enter_group(const std::filesystem::path& root, bool v2, const char* weight_file,
                     const char* weight);
  void stop_hog();

  pid_t pid_ = 0;
  int cpu_ = 0;
  std::string how_;
  std::filesystem::path root_;   // the hierarchy's root group
  std::filesystem::path group_;  // ours; empty with the hog
  bool v2_ = false;
  std::thread hog_;
  std::atomic<double> hog_share_{1.0};  // 1: no hogging
  std::atomic<bool> hog_stop_{false};
};

}  // namespace parley::load
