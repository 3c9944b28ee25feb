#pragma once
// A small blocking HTTP/1.1 and WebSocket client for the CLI, the tests and
// the benchmark: one keep-alive connection, plain or TLS. With TLS the server
// is authenticated either by the system's CA store and host name, or by a
// pinned SHA-256 certificate fingerprint (what parleyd logs for a
// self-signed certificate).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/error.h"

namespace parley::client {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
};
Expected<Url> parse_url(const std::string& base);  // "http://127.0.0.1:8080"

struct Options {
  std::string fingerprint;  // "AB:CD:..." pins the server certificate; "" uses the CA store
  std::chrono::seconds timeout{30};
};

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  static Expected<std::unique_ptr<HttpClient>> create(const std::string& base_url, Options opts = {});
  ~HttpClient();
  // Reconnects once if the kept-alive connection was closed by the server.
  Expected<Response> request(const std::string& method, const std::string& target,
                             const std::string& body = {}, const std::string& bearer = {},
                             const std::string& content_type = "application/json");
  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A WebSocket to `target` (e.g. "/api/v1/live").
class LiveClient {
 public:
  static Expected<std::unique_ptr<LiveClient>> connect(const std::string& base_url, const std::string& target,
                                                       const std::string& bearer, Options opts = {});
  ~LiveClient();
  Status send(const std::string& text);
  // Next text message, or an error "timeout" / "closed".
  Expected<std::string> receive(std::chrono::milliseconds timeout);
  struct Impl;

 private:
  explicit LiveClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::client
