#include "server/http_server.h"

#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange declared first

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>
#include <mutex>
#include <spdlog/spdlog.h>

#include "server/errors.h"
#include "server/send_queue.h"

namespace parley::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
// Boost 1.74 has no as_tuple: errors come back through redirect_error.
inline auto with(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

struct EventLoop::Impl {
  std::optional<asio::io_context> io{std::in_place, 1};
  std::mutex mu;        // guards `closed` against posts from the writer thread
  bool closed = false;
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;
void EventLoop::post(std::function<void()> task) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->closed) asio::post(*impl_->io, std::move(task));
}

void EventLoop::close() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->closed = true;
  }
  // Once `closed` is set no thread touches the io_context again. Destroying
  // it destroys its handlers, ending every suspended session coroutine now,
  // while the service they refer to still exists.
  impl_->io.reset();
}

bool is_loopback_address(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  auto a = asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

struct HttpServer::Impl {
  EventLoop& loop;
  Router& router;
  ListenConfig cfg;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> ssl;
  std::size_t in_flight = 0;  // requests inside the router
  bool stopping = false;

  Impl(EventLoop& l, Router& r, ListenConfig c)
      : loop(l), router(r), cfg(std::move(c)), acceptor(*l.impl().io) {}
  asio::io_context& io() { return *loop.impl().io; }
};

namespace {

using Body = http::string_body;

HttpResponse make_error_response(const Error& e) {
  return HttpResponse{http_status(e.code), "application/json", error_body(e).dump() + "\n", {}};
}

// Awaits the router's answer, which may come later (after a durable commit).
template <class Token>
auto async_route(HttpServer::Impl& s, HttpRequest req, Token&& token) {
  return asio::async_initiate<Token, void(HttpResponse)>(
      [&s](auto handler, HttpRequest req) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        ++s.in_flight;
        s.router.handle(req, [&s, h](HttpResponse res) {
          // Always resume through the loop, never from inside handle().
          asio::post(s.io(), [&s, h, res = std::move(res)]() mutable {
            --s.in_flight;
            (*h)(std::move(res));
          });
        });
      },
      token, std::move(req));
}

template <class Stream>
class LiveSocket : public std::enable_shared_from_this<LiveSocket<Stream>> {
 public:
  explicit LiveSocket(websocket::stream<Stream> ws) : ws_(std::move(ws)) {}

  void send(const call::Outgoing& message) {
    if (closed_) return;
    if (!queue_.push(message, writing_)) {  // a reader this slow is dropped
      closed_ = true;
      beast::get_lowest_layer(ws_).close();
      return;
    }
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ws_.get_executor(), write_loop(this->shared_from_this()), asio::detached);
    }
  }

  websocket::stream<Stream>& ws() { return ws_; }
  void mark_closed() { closed_ = true; }

 private:
  static awaitable<void> write_loop(std::shared_ptr<LiveSocket> self) {
    while (!self->queue_.empty() && !self->closed_) {
      boost::system::error_code ec;
      auto text = self->queue_.front().text;  // kept alive while written
      co_await self->ws_.async_write(asio::buffer(*text), with(ec));
      if (ec) {
        self->closed_ = true;
        break;
      }
      self->queue_.pop();
    }
    self->queue_.clear();
    self->writing_ = false;
  }

  websocket::stream<Stream> ws_;
  SendQueue queue_;
  bool writing_ = false;
  bool closed_ = false;
};

template <class Stream>
awaitable<void> serve_live(HttpServer::Impl& s, Stream stream, http::request<Body> req) {
  beast::get_lowest_layer(stream).expires_never();
  auto sock = std::make_shared<LiveSocket<Stream>>(websocket::stream<Stream>(std::move(stream)));
  auto& ws = sock->ws();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.read_message_max(64 * 1024);
  boost::system::error_code ec;
  co_await ws.async_accept(req, with(ec));
  if (ec) co_return;
  std::weak_ptr<LiveSocket<Stream>> weak = sock;
  auto member = s.router.service().authenticate(bearer_token(std::string(req[http::field::authorization])));
  LiveChannel channel(
      s.router, [weak](const call::Outgoing& msg) {
        if (auto p = weak.lock()) p->send(msg);
      },
      member);
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code rec;
    co_await ws.async_read(buffer, with(rec));
    if (rec) break;
    if (!ws.got_text()) {
      channel.on_message("not text");  // answered with an error message
    } else {
      channel.on_message(beast::buffers_to_string(buffer.data()));
    }
    buffer.consume(buffer.size());
  }
  sock->mark_closed();
}

template <class Stream>
awaitable<void> serve_http(HttpServer::Impl& s, Stream stream, bool loopback) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<Body> parser;
    parser.body_limit(s.cfg.max_body);
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(s.cfg.idle_timeout);
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, with(ec));
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      break;
    HttpResponse res;
    bool keep_alive = false;
    http::verb method = http::verb::unknown;
    if (ec == http::error::body_limit) {
      res = make_error_response(make_error("payload_too_large", "the body exceeds " + std::to_string(s.cfg.max_body) + " bytes"));
    } else if (ec) {
      res = make_error_response(make_error("bad_request", "malformed HTTP request: " + ec.message()));
    } else {
      auto req = parser.release();
      method = req.method();
      auto target = req.target();
      if (websocket::is_upgrade(req) && target.substr(0, target.find('?')) == "/api/v1/live") {
        co_await serve_live(s, std::move(stream), std::move(req));
        co_return;
      }
      keep_alive = req.keep_alive() && !s.stopping;
      HttpRequest hreq{std::string(req.method_string()), std::string(req.target()),
                       std::string(req[http::field::authorization]),
                       std::string(req[http::field::content_type]), std::move(req.body()), loopback};
      res = co_await async_route(s, std::move(hreq), use_awaitable);
    }
    http::response<Body> out{static_cast<http::status>(res.status), 11};
    out.set(http::field::server, "parleyd");
    out.set(http::field::content_type, res.content_type);
    out.set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : res.headers) out.set(k, v);
    out.keep_alive(keep_alive);
    out.body() = method == http::verb::head ? std::string() : std::move(res.body);
    out.prepare_payload();
    boost::system::error_code wec;
    co_await http::async_write(stream, out, with(wec));
    if (wec || !keep_alive) break;
  }
  beast::error_code ignored;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    // Read (and drop) what the client is still sending, a bounded amount for
    // a bounded time: closing with unread data would reset the connection
    // and the client would lose the answer (a 413, say) already sent.
    char sink[16384];
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < (16u << 20)) {
      boost::system::error_code rec;
      auto n = co_await stream.async_read_some(asio::buffer(sink), with(rec));
      if (rec) break;
      drained += n;
    }
  } else {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(with(ignored));
  }
}

awaitable<void> serve_connection(HttpServer::Impl& s, tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  bool loopback = !ec && peer.address().is_loopback();
  beast::tcp_stream tcp_stream(std::move(socket));
  if (!s.ssl) {
    co_await serve_http(s, std::move(tcp_stream), loopback);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), *s.ssl);
  beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(15));
  boost::system::error_code hec;
  co_await tls.async_handshake(asio::ssl::stream_base::server, with(hec));
  if (hec) co_return;
  co_await serve_http(s, std::move(tls), loopback);
}

awaitable<void> accept_loop(HttpServer::Impl& s) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await s.acceptor.async_accept(with(ec));
    if (ec) {
      if (s.stopping || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
      continue;
    }
    asio::co_spawn(s.io(), serve_connection(s, std::move(socket)), asio::detached);
  }
}

}  // namespace

Expected<std::unique_ptr<HttpServer>> HttpServer::bind(EventLoop& loop, Router& router, ListenConfig cfg) {
  auto impl = std::make_unique<Impl>(loop, router, std::move(cfg));
  auto& c = impl->cfg;
  if (c.tls) {
    impl->ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    impl->ssl->use_certificate_chain_file(c.cert_file.string(), ec);
    if (!ec) impl->ssl->use_private_key_file(c.key_file.string(), asio::ssl::context::pem, ec);
    if (ec) return make_error("tls_unavailable", "cannot load TLS certificate/key: " + ec.message());
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(c.address == "localhost" ? "127.0.0.1" : c.address, ec);
  if (ec) return make_error("bind_failed", "not an IP address: " + c.address);
  tcp::endpoint ep(address, c.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (ec == asio::error::address_in_use)
    return make_error("address_in_use", "port " + std::to_string(c.port) + " on " + c.address +
                                             " is already in use by another process");
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("bind_failed", "cannot listen on " + c.address + ":" + std::to_string(c.port) + ": " + ec.message());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run() {
  auto& s = *impl_;
  asio::signal_set signals(s.io(), SIGTERM, SIGINT);
  asio::steady_timer drain(s.io());
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> wait_drained = [&] {
    if (s.in_flight == 0 || std::chrono::steady_clock::now() >= *deadline) {
      spdlog::info("event=stopped in_flight={}", s.in_flight);
      s.io().stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&](boost::system::error_code) { wait_drained(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("event=shutdown signal={} in_flight={}", sig, s.in_flight);
    s.stopping = true;
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    *deadline = std::chrono::steady_clock::now() + s.cfg.drain_timeout;
    wait_drained();
  });
  asio::co_spawn(s.io(), accept_loop(s), asio::detached);
  s.io().run();
}

}  // namespace parley::server
