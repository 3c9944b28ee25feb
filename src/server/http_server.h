#pragma once
// The network edge of parleyd: one event loop (Boost.Asio), an HTTP/1.1 and
// WebSocket listener (Boost.Beast, C++20 coroutines), plain on loopback and
// TLS elsewhere. All Asio/Beast code lives in http_server.cpp, the one slow
// translation unit; everything else sees this small interface.
//
// Threading: one thread runs the loop; the router, the service and every
// session run on it. Other threads (the store's writer) reach it only
// through EventLoop::post.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "server/router.h"

namespace parley::server {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Thread-safe. After close() tasks are dropped.
  void post(std::function<void()> task);
  // Destroys every pending handler and session (on the calling thread, with
  // the loop stopped). Call after the server's run() returned and before the
  // objects the sessions use (router, service) are destroyed.
  void close();
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;  // Allocated by this.
};

struct ListenConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  bool tls = false;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  std::size_t max_body = 1 << 20;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds drain_timeout{5};
};

class HttpServer {
 public:
  // Binds the listening socket. Errors: "address_in_use", "bind_failed",
  // "tls_unavailable".
  static Expected<std::unique_ptr<HttpServer>> bind(EventLoop& loop, Router& router, ListenConfig cfg);
  ~HttpServer();
  std::uint16_t port() const;
  // Serves until SIGTERM or SIGINT, then stops accepting, lets requests in
  // flight finish (up to drain_timeout) and returns.
  void run();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_address(const std::string& address);

}  // namespace parley::server
