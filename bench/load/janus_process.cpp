#include "load/janus_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "load/parleyd_process.h"

namespace parley::load {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The value of `key = "value"` in a libconfig file, or "" (the first one;
// commented-out lines are skipped).
std::string config_string(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    if (line.compare(start, key.size(), key) != 0) continue;
    auto open = line.find('"', start + key.size());
    auto close = open == std::string::npos ? open : line.find('"', open + 1);
    if (close == std::string::npos) continue;
    return line.substr(open + 1, close - open - 1);
  }
  return {};
}

// The shared objects in `folder` except those whose name contains `keep`
// (all of them when `keep` is empty), comma-separated: the form of
// janus.jcfg's `disable` lists.
std::string all_but(const fs::path& folder, const std::string& keep) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0 &&
        (keep.empty() || name.find(keep) == std::string::npos))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// A TCP port free on 127.0.0.1 now (inside the benchmark's own network
// namespace nothing else can take it before Janus does).
Expected<std::uint16_t> free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("setup", std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return make_error("setup", std::string("bind: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

Status write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return make_error("io_error", "cannot write " + p.string());
  return ok_status();
}

std::string tail(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

}  // namespace

Expected<std::unique_ptr<JanusProcess>> JanusProcess::start(const JanusOptions& o,
                                                            const fs::path& dir) {
  const fs::path conf = dir / "conf";
  std::error_code ec;
  fs::copy(o.system_config, conf, fs::copy_options::recursive, ec);
  if (ec)
    return make_error("setup", "cannot copy " + o.system_config.string() + " (is Debian's janus " +
                                   "installed? scripts/install-deps.sh --test): " + ec.message());
  const std::string system = read_text_file(o.system_config / "janus.jcfg");
  std::string plugins = config_string(system, "plugins_folder");
  std::string transports = config_string(system, "transports_folder");
  std::string events = config_string(system, "events_folder");
  std::string loggers = config_string(system, "loggers_folder");
  if (plugins.empty() || transports.empty())
    return make_error("setup", "no plugins_folder/transports_folder in " +
                                   (o.system_config / "janus.jcfg").string());
  auto port = free_tcp_port();
  if (!port) return port.error();

  // janus.jcfg: every plugin but the VideoRoom and every transport but HTTP
  // disabled; no event handlers or loggers; ICE on one interface.
  std::ostringstream main;
  main << "general: {\n"
       << "  configs_folder = \"" << conf.string() << "\"\n"
       << "  plugins_folder = \"" << plugins << "\"\n"
       << "  transports_folder = \"" << transports << "\"\n"
       << "  events_folder = \"" << events << "\"\n"
       << "  loggers_folder = \"" << loggers << "\"\n"
       << "  debug_level = " << o.debug_level << "\n"
       << "  session_timeout = 60\n";  // Janus's default: the client sends keepalives
  if (o.event_loops > 0) main << "  event_loops = " << o.event_loops << "\n";
  main << "}\n"
       << "certificates: {\n}\n"
       << "media: {\n"
       << "  rtp_port_range = \"" << o.rtp_port_range << "\"\n"
       << "}\n"
       << "nat: {\n"
       << "  nice_debug = false\n"
       << "  ice_enforce_list = \"" << o.ice_interface << "\"\n"
       << "}\n"
       << "plugins: {\n"
       << "  disable = \"" << all_but(plugins, "videoroom") << "\"\n"
       << "}\n"
       << "transports: {\n"
       << "  disable = \"" << all_but(transports, "libjanus_http") << "\"\n"
       << "}\n"
       << "loggers: {\n"
       << "  disable = \"" << all_but(loggers, "") << "\"\n"
       << "}\n"
       << "events: {\n"
       << "  broadcast = false\n"
       << "}\n";
  if (auto st = write_file(conf / "janus.jcfg", main.str()); !st) return st.error();
  // The HTTP transport: plain HTTP on 127.0.0.1 only, no admin API.
  std::ostringstream http;
  http << "general: {\n"
       << "  json = \"compact\"\n"
       << "  base_path = \"/janus\"\n"
       << "  http = true\n"
       << "  port = " << *port << "\n"
       << "  ip = \"127.0.0.1\"\n"
       << "  https = false\n"
       << "}\n"
       << "admin: {\n"
       << "  admin_http = false\n"
       << "  admin_https = false\n"
       << "}\n"
       << "cors: {\n}\n";
  if (auto st = write_file(conf / "janus.transport.http.jcfg", http.str()); !st) return st.error();
  // The VideoRoom without its sample rooms: the benchmark creates its own.
  if (auto st = write_file(conf / "janus.plugin.videoroom.jcfg", "general: {\n}\n"); !st)
    return st.error();

  const fs::path log_path = dir / "janus.log";
  const fs::path out_path = dir / "janus.out";
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_fd < 0) return make_error("io_error", "cannot open " + out_path.string());
  std::vector<std::string> argv_s = {o.binary.string(),
                                     "-F",
                                     conf.string(),
                                     "-C",
                                     (conf / "janus.jcfg").string(),
                                     "-i",
                                     o.address,
                                     "-N",
                                     "-o",
                                     "-L",
                                     log_path.string()};
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    return make_error("setup", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (o.cpu >= 0) {  // no allocation between fork and exec
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(o.cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  std::unique_ptr<JanusProcess> p(new JanusProcess(pid, log_path));
  p->url_ = "http://127.0.0.1:" + std::to_string(*port);
  if (auto st = p->await_api(); !st) {
    (void)p->stop();
    return make_error("setup", st.error().message + "\n" + tail(read_text_file(out_path), 1500));
  }
  return p;
}

Status JanusProcess::await_api() {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return make_error("setup", "janus exited during start-up (status " + std::to_string(status) +
                                     "):\n" + tail(log(), 2000));
    }
    client::Options opts;
    opts.timeout = std::chrono::seconds(2);
    if (auto http = client::HttpClient::create(url_, opts)) {
      auto res = (*http)->request("GET", "/janus/info");
      if (res && res->status == 200) return ok_status();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return make_error("setup",
                    "janus did not answer on " + url_ + " within 30 s:\n" + tail(log(), 2000));
}

double JanusProcess::cpu_seconds() const {
  return pid_ > 0 ? proc_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat") : 0;
}

std::uint64_t JanusProcess::rss_bytes() const {
  return pid_ > 0 ? proc_rss_bytes(pid_) : 0;
}

std::string JanusProcess::log() const {
  return read_text_file(log_path_);
}

int JanusProcess::stop() {
  if (pid_ <= 0) return exit_status_;
  exit_status_ = terminate_child(pid_, std::chrono::seconds(15));
  pid_ = -1;
  return exit_status_;
}

}  // namespace parley::load
