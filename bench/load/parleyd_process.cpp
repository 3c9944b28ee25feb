#include "load/parleyd_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace parley::load {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

std::string read_text_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::string tail(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

}  // namespace

Expected<TempDir> TempDir::create(const fs::path& parent, const std::string& prefix) {
  std::string templ = (parent / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    return make_error("io_error", "mkdtemp in " + parent.string() + ": " + std::strerror(errno));
  return TempDir(fs::path(buf.data()));
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

double proc_cpu_seconds(const std::string& stat_path) {
  std::string stat = read_text_file(stat_path);
  auto paren = stat.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos || paren + 2 > stat.size()) return 0;
  std::stringstream ss(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // proc(5): field 3 is the state; 14 utime, 15 stime, in clock ticks.
  for (int i = 3; i <= 15 && ss >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::uint64_t proc_rss_bytes(pid_t pid) {
  // proc(5): statm's second field is the resident set, in pages.
  std::istringstream in(read_text_file("/proc/" + std::to_string(pid) + "/statm"));
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

Status pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0)
    return make_error("setup",
                      "cannot pin to CPU " + std::to_string(cpu) + ": " + std::strerror(errno));
  return ok_status();
}

Expected<std::unique_ptr<ParleydProcess>> ParleydProcess::start(
    const fs::path& binary, const fs::path& data_dir, const fs::path& log_path,
    const std::vector<std::string>& args, int cpu) {
  if (::access(binary.c_str(), X_OK) != 0)
    return make_error("setup", "cannot execute parleyd at " + binary.string() + " (use --parleyd)");
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return make_error("io_error", "cannot open " + log_path.string());
  std::vector<std::string> argv_s = {binary.string(), "--data-dir", data_dir.string(), "--port",
                                     "0"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return make_error("setup", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // If the benchmark dies (Ctrl-C, a timeout), its server goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (cpu >= 0) {  // no allocation between fork and exec
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(log_fd);
  auto p = std::unique_ptr<ParleydProcess>(new ParleydProcess(pid, log_path));
  if (auto s = p->await_url(); !s) return s.error();
  return p;
}

std::string ParleydProcess::log() const {
  return read_text_file(log_path_);
}

// The process's CPU clock (clock_getcpuclockid(3)): user + system time of
// all its threads, in nanoseconds, where /proc/PID/stat counts 10 ms ticks.
double ParleydProcess::cpu_seconds() const {
  if (pid_ <= 0) return 0;
  clockid_t cid;
  timespec ts{};
  if (clock_getcpuclockid(pid_, &cid) == 0 && clock_gettime(cid, &ts) == 0)
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  return proc_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat");
}

std::vector<ThreadCpu> ParleydProcess::threads() const {
  std::vector<ThreadCpu> out;
  if (pid_ <= 0) return out;
  std::error_code ec;
  const fs::path task = "/proc/" + std::to_string(pid_) + "/task";
  for (const auto& e : fs::directory_iterator(task, ec)) {
    ThreadCpu t;
    t.tid = static_cast<pid_t>(std::strtol(e.path().filename().c_str(), nullptr, 10));
    t.name = read_text_file(e.path() / "comm");
    while (!t.name.empty() && (t.name.back() == '\n' || t.name.back() == '\r')) t.name.pop_back();
    // schedstat(5): time on CPU in nanoseconds first; stat's ticks otherwise.
    std::istringstream sched(read_text_file(e.path() / "schedstat"));
    double ns = -1;
    if (sched >> ns && ns >= 0)
      t.seconds = ns / 1e9;
    else
      t.seconds = proc_cpu_seconds((e.path() / "stat").string());
    out.push_back(std::move(t));
  }
  return out;
}

int terminate_child(pid_t pid, std::chrono::seconds grace) {
  ::kill(pid, SIGTERM);
  const auto deadline = SteadyClock::now() + grace;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (SteadyClock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status;
}

int ParleydProcess::stop() {
  if (pid_ <= 0) return exit_status_;
  exit_status_ = terminate_child(pid_, std::chrono::seconds(30));
  pid_ = -1;
  return exit_status_;
}

// parleyd logs `event=listening url=http://127.0.0.1:PORT` once bound.
Status ParleydProcess::await_url() {
  constexpr std::string_view kMarker = "event=listening url=";
  auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < deadline) {
    std::string text = log();
    if (auto at = text.rfind(kMarker); at != std::string::npos) {
      auto begin = at + kMarker.size();
      auto end = text.find_first_of(" \t\r\n", begin);
      url_ = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      if (end != std::string::npos) return ok_status();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return make_error("setup", "parleyd exited during start-up:\n" + tail(text, 2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return make_error("setup", "parleyd did not report its URL within 30 s:\n" + tail(log(), 2000));
}

double metric_value(const std::string& text, const std::string& series) {
  const bool bare = series.find('{') == std::string::npos;
  double sum = 0;
  std::size_t at = 0;
  while ((at = text.find(series, at)) != std::string::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    const std::size_t after = at + series.size();
    at = after;
    if (!line_start || after >= text.size()) continue;
    std::size_t value_at = std::string::npos;
    if (text[after] == ' ')
      value_at = after + 1;
    else if (bare && text[after] == '{') {
      auto close = text.find("} ", after);
      auto eol = text.find('\n', after);
      if (close != std::string::npos && close < eol) value_at = close + 2;
    }
    if (value_at == std::string::npos) continue;
    sum += std::strtod(text.c_str() + value_at, nullptr);
    if (!bare) return sum;
  }
  return sum;
}

}  // namespace parley::load
