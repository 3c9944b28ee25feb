#include "load/cpu_limit.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <sstream>

#include "load/parleyd_process.h"

namespace parley::load {

namespace fs = std::filesystem;

namespace {

Status write_file(const fs::path& p, const std::string& text) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error("setup", "open " + p.string() + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    return make_error("setup", "write " + p.string() + ": " + std::strerror(err));
  return ok_status();
}

bool has_word(const fs::path& p, const std::string& word) {
  std::istringstream in(read_text_file(p));
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

// CFS bandwidth: the quota may not be below 1 ms, and a short period keeps
// the throttled stretches short (the server is frozen for the rest of each
// period once its quota is spent).
std::pair<long, long> quota_and_period_us(double share) {
  const long period =
      std::clamp(static_cast<long>(std::ceil(1000.0 / std::max(share, 1e-3))), 20'000L, 1'000'000L);
  const long quota = std::max(1000L, static_cast<long>(share * static_cast<double>(period)));
  return {quota, period};
}

std::int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Expected<std::unique_ptr<CpuLimit>> CpuLimit::create(pid_t pid, int cpu, bool hog_only) {
  if (::geteuid() != 0) return make_error("setup", "limiting a process's CPU needs root");
  std::unique_ptr<CpuLimit> l(new CpuLimit());
  l->pid_ = pid;
  l->cpu_ = cpu;
  std::string why;
  if (!hog_only) {
    if (auto st = l->try_cgroup_v1(); st)
      return l;
    else
      why += st.error().message + "; ";
    for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
      if (auto st = l->try_cgroup_v2(root); st)
        return l;
      else
        why += st.error().message + "; ";
    }
  }
  // The hog: started idle; it reports whether it could become SCHED_FIFO.
  std::promise<std::string> started;
  auto result = started.get_future();
  l->hog_ = std::thread([self = l.get(), &started] {
    std::string err;
    if (auto st = pin_to_cpu(self->cpu_); !st) err = st.error().message;
    sched_param sp{};
    sp.sched_priority = 50;
    if (err.empty() && ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &sp) != 0)
      err = "SCHED_FIFO refused";
    started.set_value(err);
    if (!err.empty()) return;
    constexpr std::int64_t kPeriodNs = 10'000'000;
    std::int64_t cycle = now_ns();
    while (!self->hog_stop_.load(std::memory_order_relaxed)) {
      const double share = self->hog_share_.load(std::memory_order_relaxed);
      const std::int64_t busy_until = cycle + static_cast<std::int64_t>((1.0 - share) * kPeriodNs);
      while (now_ns() < busy_until) {
      }
      cycle += kPeriodNs;
      timespec ts{static_cast<time_t>(cycle / 1'000'000'000),
                  static_cast<long>(cycle % 1'000'000'000)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
      if (now_ns() - cycle > kPeriodNs) cycle = now_ns();  // fell behind: no burst to catch up
    }
  });
  if (auto err = result.get(); !err.empty()) {
    l->hog_.join();
    return make_error("setup", "no way to limit the server's CPU: " + why + "hog: " + err);
  }
  l->how_ = "SCHED_FIFO hog on CPU " + std::to_string(cpu);
  // Precedence over other work in what the hog leaves: nice −10 on every
  // thread (setpriority(2) takes thread ids on Linux).
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(std::stoi(task.path().filename().string())),
                        -10);
  return l;
}

Status CpuLimit::try_cgroup_v1() {
  const fs::path root = "/sys/fs/cgroup/cpu";
  if (!fs::exists(root / "cpu.cfs_quota_us"))
    return make_error("setup", "no cgroup v1 cpu controller");
  // cpu.shares: the most, first to the CPU, up to its quota.
  return enter_group(root, false, "cpu.shares", "262144");
}

Status CpuLimit::try_cgroup_v2(const fs::path& root) {
  if (!has_word(root / "cgroup.controllers", "cpu"))
    return make_error("setup", "no cgroup v2 cpu controller at " + root.string());
  if (!has_word(root / "cgroup.subtree_control", "cpu"))
    if (auto st = write_file(root / "cgroup.subtree_control", "+cpu"); !st)
      return make_error("setup", "cgroup v2: " + st.error().message);
  // cpu.weight: the most, first to the CPU, up to its quota.
  return enter_group(root, true, "cpu.weight", "10000");
}

Status CpuLimit::enter_group(const fs::path& root, bool v2, const char* weight_file,
                             const char* weight) {
  const std::string version = v2 ? "cgroup v2" : "cgroup v1";
  const fs::path group = root / ("parley-cpu-limit-" + std::to_string(::getpid()));
  std::error_code ec;
  if (!fs::create_directory(group, ec) && ec)
    return make_error("setup", version + ": " + ec.message());
  if (auto st = write_file(group / "cgroup.procs", std::to_string(pid_)); !st) {
    fs::remove(group, ec);
    return make_error("setup", version + ": " + st.error().message);
  }
  (void)write_file(group / weight_file, weight);
  root_ = root;
  group_ = group;
  v2_ = v2;
  how_ = version + " " + group.string();
  return ok_status();
}

Status CpuLimit::set(double share) {
  share = std::clamp(share, 0.01, 1.0);
  if (group_.empty()) {
    hog_share_.store(share);
    return ok_status();
  }
  const auto [quota, period] = quota_and_period_us(share);
  if (v2_)
    return write_file(group_ / "cpu.max", std::to_string(quota) + " " + std::to_string(period));
  // v1 refuses a period under the current quota's constraints in some
  // orders: lift the quota first, then set the period, then the quota.
  if (auto st = write_file(group_ / "cpu.cfs_quota_us", "-1"); !st) return st;
  if (auto st = write_file(group_ / "cpu.cfs_period_us", std::to_string(period)); !st) return st;
  return write_file(group_ / "cpu.cfs_quota_us", std::to_string(quota));
}

Status CpuLimit::lift() {
  if (group_.empty()) {
    hog_share_.store(1.0);
    return ok_status();
  }
  return v2_ ? write_file(group_ / "cpu.max", "max")
             : write_file(group_ / "cpu.cfs_quota_us", "-1");
}

void CpuLimit::stop_hog() {
  hog_stop_.store(true);
  if (hog_.joinable()) hog_.join();
}

CpuLimit::~CpuLimit() {
  (void)lift();
  stop_hog();
  if (group_.empty()) return;
  // Back to the root group if it still runs; then the empty group goes.
  (void)write_file(root_ / "cgroup.procs", std::to_string(pid_));
  for (int i = 0; i < 50; ++i) {
    if (::rmdir(group_.c_str()) == 0 || errno == ENOENT) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace parley::load
