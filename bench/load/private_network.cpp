#include "load/private_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace parley::load {

namespace {

constexpr const char* kInside = "pbench0";  // carries the address
constexpr const char* kPeer = "pbench1";

// Runs `ip ARGS...` (iproute2) and waits; its output is in the error.
Status run_ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv_s = {"ip"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::string command;
  for (const auto& a : argv_s) command += (command.empty() ? "" : " ") + a;
  int pipe_fd[2];
  if (::pipe2(pipe_fd, O_CLOEXEC) != 0)
    return make_error("setup", std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fd[0]);
    ::close(pipe_fd[1]);
    return make_error("setup", std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(pipe_fd[1], STDOUT_FILENO);
    ::dup2(pipe_fd[1], STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  std::string output;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipe_fd[0], buf, sizeof buf)) > 0) output.append(buf, static_cast<size_t>(n));
  ::close(pipe_fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error("setup", "`" + command + "` failed" +
                                   (WIFEXITED(status) && WEXITSTATUS(status) == 127
                                        ? std::string(" (is iproute2 installed?)")
                                        : std::string()) +
                                   ": " + output);
  return ok_status();
}

}  // namespace

Expected<PrivateNetwork> enter_private_network(const std::string& address) {
  in_addr parsed{};
  if (::inet_pton(AF_INET, address.c_str(), &parsed) != 1)
    return make_error("setup", "not an IPv4 address: " + address);
  if (::unshare(CLONE_NEWNET) != 0)
    return make_error("netns_unavailable",
                      std::string("cannot make a network namespace (unshare: ") +
                          std::strerror(errno) + "; run as root)");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"link", "set", "lo", "up"},
           {"link", "add", kInside, "type", "veth", "peer", "name", kPeer},
           {"addr", "add", address + "/32", "dev", kInside},
           {"link", "set", kInside, "up"},
           {"link", "set", kPeer, "up"}})
    if (auto st = run_ip(args); !st) return st.error();
  return PrivateNetwork{kInside, address};
}

}  // namespace parley::load
