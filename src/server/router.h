#pragma once
// HTTP routing and the API handlers, independent of the transport: the Beast
// code in http_server.cpp turns bytes into HttpRequest and HttpResponse into
// bytes; everything the API means lives here. Runs on the service thread.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "call/call_service.h"
#include "metrics/registry.h"
#include "server/static_files.h"
#include "service/service.h"

namespace parley::server {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query
  std::string authorization;
  std::string content_type;
  std::string body;
  bool from_loopback = false;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpResponse)>;

struct RouterConfig {
  std::string admin_token;       // local admin credential
  bool admin_remote = false;     // serve /admin/v1 beyond loopback
  std::size_t max_body = 1 << 20;
  const StaticFiles* web = nullptr;  // not owned; outlives the router
  call::CallService* calls = nullptr;  // not owned; null: calls are not served
  negotiation::CallWindow call_window;
};

class Router {
 public:
  // `service` and `metrics` are not owned and outlive the router.
  Router(service::Service& service, metrics::Registry& metrics, RouterConfig cfg);
  ~Router();

  void handle(const HttpRequest& req, Respond respond);

  // Every "METHOD /pattern" served, for the OpenAPI coverage test.
  std::vector<std::string> routes() const;

  const RouterConfig& config() const { return cfg_; }
  service::Service& service() { return service_; }
  metrics::Registry& metrics() { return metrics_; }

  struct Route;

 private:
  service::Service& service_;
  metrics::Registry& metrics_;
  RouterConfig cfg_;
  std::vector<Route> routes_;
};

// One WebSocket on /api/v1/live (docs/protocol.md §Push). Messages in:
//   {"type":"auth","token":...}  {"type":"subscribe","meeting":id}
//   {"type":"unsubscribe","meeting":id}
// Messages out: {"type":"authenticated"|"subscribed"|"unsubscribed"|"act"|"error", ...}.
// The upgrade request may instead carry Authorization: Bearer <token>.
class LiveChannel {
 public:
  // `send` queues one text message on the socket (call::Outgoing: shared,
  // and replacing a queued one of the same key); `service` outlives this.
  using Send = std::function<void(const call::Outgoing&)>;
  LiveChannel(Router& router, Send send, std::optional<service::Member> member);
  ~LiveChannel();  // unsubscribes everything and leaves its calls
  LiveChannel(const LiveChannel&) = delete;
  LiveChannel& operator=(const LiveChannel&) = delete;
  void on_message(std::string_view text);

 private:
  void error(const Error& e, const json::Json& meeting = nullptr);
  void send(const json::Json& message) { send_(call::outgoing(message)); }
  void on_call_message(const std::string& type, const json::Json& m);
  Router& router_;
  service::Service& service_;
  call::ConnectionId conn_;
  Send send_;
  std::optional<service::Member> member_;
  std::map<std::string, std::uint64_t> subscriptions_;  // meeting -> subscription
};

// The bearer token from an Authorization header, or "".
std::string bearer_token(std::string_view authorization);

}  // namespace parley::server
