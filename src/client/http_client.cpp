#include "client/http_client.h"

#include "common/encoding.h"

#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <variant>

namespace parley::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

Expected<Url> parse_url(const std::string& base) {
  Url u;
  std::string rest;
  if (base.rfind("http://", 0) == 0) {
    rest = base.substr(7);
  } else if (base.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = base.substr(8);
  } else {
    return make_error("bad_url", "server URL must start with http:// or https://: " + base);
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return make_error("bad_url", "server URL takes no path: " + base);
  auto colon = rest.rfind(':');
  auto bracket = rest.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    u.host = rest.substr(0, colon);
    u.port = rest.substr(colon + 1);
  } else {
    u.host = rest;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.size() > 2 && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty()) return make_error("bad_url", "cannot read host and port from " + base);
  return u;
}

namespace {

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  return fingerprint_text({md, len});
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Connection {
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> ssl;
  Url url;
  Options opts;

  Status setup_tls() {
    if (!url.tls) return ok_status();
    ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    if (opts.fingerprint.empty()) {
      ssl->set_default_verify_paths();
      ssl->set_verify_mode(asio::ssl::verify_peer);
      ssl->set_verify_callback(asio::ssl::host_name_verification(url.host));
    } else {
      // Pinned: accept exactly the certificate whose fingerprint was given.
      std::string pin = opts.fingerprint;
      for (auto& c : pin) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ssl->set_verify_mode(asio::ssl::verify_peer);
      ssl->set_verify_callback([pin](bool, asio::ssl::verify_context& ctx) {
        if (X509_STORE_CTX_get_error_depth(ctx.native_handle()) != 0) return true;
        X509* cert = X509_STORE_CTX_get_current_cert(ctx.native_handle());
        return cert && fingerprint_of(cert) == pin;
      });
    }
    return ok_status();
  }

  template <class Stream>
  Status connect(Stream& stream) {
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(url.host, url.port, ec);
    if (ec) return make_error("connect_failed", "cannot resolve " + url.host + ": " + ec.message());
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(opts.timeout);
    lowest.connect(results, ec);
    if (ec) return make_error("connect_failed", "cannot connect to " + url.host + ":" + url.port + ": " + ec.message());
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
      stream.handshake(asio::ssl::stream_base::client, ec);
      if (ec) return make_error("tls_failed", "TLS handshake with " + url.host + " failed: " + ec.message() +
                                                  " (pin the server's certificate with --tls-fingerprint)");
    }
    return ok_status();
  }
};

}  // namespace

struct HttpClient::Impl : Connection {
  std::variant<std::monostate, std::unique_ptr<PlainStream>, std::unique_ptr<TlsStream>> stream;
  beast::flat_buffer buffer;

  Status open() {
    buffer.clear();
    if (url.tls) {
      auto s = std::make_unique<TlsStream>(io, *ssl);
      if (auto st = connect(*s); !st) return st;
      stream = std::move(s);
    } else {
      auto s = std::make_unique<PlainStream>(io);
      if (auto st = connect(*s); !st) return st;
      stream = std::move(s);
    }
    return ok_status();
  }

  template <class Stream>
  Expected<Response> exchange(Stream& s, http::request<http::string_body>& req, bool& retry) {
    boost::system::error_code ec;
    beast::get_lowest_layer(s).expires_after(opts.timeout);
    http::write(s, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) http::read(s, buffer, parser, ec);
    if (ec) {
      retry = ec == http::error::end_of_stream || ec == asio::error::eof ||
              ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
      return make_error("connection_failed", "request failed: " + ec.message());
    }
    auto res = parser.release();
    if (!res.keep_alive()) stream = std::monostate{};
    return Response{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
                    std::move(res.body())};
  }
};

namespace {

// A connection's Impl for `base_url`: URL parsed, TLS context ready, not yet connected.
template <class Impl>
Expected<std::unique_ptr<Impl>> make_impl(const std::string& base_url, const Options& opts) {
  auto url = parse_url(base_url);
  if (!url) return url.error();
  auto impl = std::make_unique<Impl>();
  impl->url = *url;
  impl->opts = opts;
  if (auto s = impl->setup_tls(); !s) return s.error();
  return impl;
}

}  // namespace

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Expected<std::unique_ptr<HttpClient>> HttpClient::create(const std::string& base_url, Options opts) {
  auto made = make_impl<Impl>(base_url, opts);
  if (!made) return made.error();
  auto impl = std::move(*made);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Expected<Response> HttpClient::request(const std::string& method, const std::string& target,
                                       const std::string& body, const std::string& bearer,
                                       const std::string& content_type) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->url.host + ":" + impl_->url.port);
  req.set(http::field::user_agent, "parley-cli/0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = std::holds_alternative<std::monostate>(impl_->stream);
    if (fresh)
      if (auto s = impl_->open(); !s) return s.error();
    bool retry = false;
    auto res = std::visit(
        [&](auto& s) -> Expected<Response> {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
            return make_error("connection_failed", "not connected");
          } else {
            return impl_->exchange(*s, req, retry);
          }
        },
        impl_->stream);
    if (res) return res;
    impl_->stream = std::monostate{};
    // Retry only a connection the server closed while idle, never a fresh one.
    if (!retry || fresh) return res;
  }
  return make_error("connection_failed", "request failed");
}

// ---------------------------------------------------------------- WebSocket

struct LiveClient::Impl : Connection {
  std::variant<std::monostate, std::unique_ptr<websocket::stream<PlainStream>>,
               std::unique_ptr<websocket::stream<TlsStream>>>
      ws;
  beast::flat_buffer buffer;
  // A pending async read survives a timeout so no message is lost.
  bool reading = false;
  boost::system::error_code read_ec;
  bool read_done = false;

  template <class WS>
  Status open(WS& w, const std::string& target, const std::string& bearer) {
    if (auto s = connect(w.next_layer()); !s) return s;
    beast::get_lowest_layer(w).expires_never();
    w.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& r) {
      if (!bearer.empty()) r.set(http::field::authorization, "Bearer " + bearer);
    }));
    boost::system::error_code ec;
    w.handshake(url.host + ":" + url.port, target, ec);
    if (ec) return make_error("connect_failed", "WebSocket handshake failed: " + ec.message());
    return ok_status();
  }
};

LiveClient::LiveClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveClient::~LiveClient() = default;

Expected<std::unique_ptr<LiveClient>> LiveClient::connect(const std::string& base_url, const std::string& target,
                                                          const std::string& bearer, Options opts) {
  auto made = make_impl<Impl>(base_url, opts);
  if (!made) return made.error();
  auto impl = std::move(*made);
  if (impl->url.tls) {
    auto w = std::make_unique<websocket::stream<TlsStream>>(impl->io, *impl->ssl);
    if (auto s = impl->open(*w, target, bearer); !s) return s.error();
    impl->ws = std::move(w);
  } else {
    auto w = std::make_unique<websocket::stream<PlainStream>>(impl->io);
    if (auto s = impl->open(*w, target, bearer); !s) return s.error();
    impl->ws = std::move(w);
  }
  return std::unique_ptr<LiveClient>(new LiveClient(std::move(impl)));
}

Status LiveClient::send(const std::string& text) {
  boost::system::error_code ec;
  std::visit(
      [&](auto& w) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
          w->text(true);
          w->write(asio::buffer(text), ec);
        }
      },
      impl_->ws);
  if (ec) return make_error("closed", "WebSocket write failed: " + ec.message());
  return ok_status();
}

Expected<std::string> LiveClient::receive(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  std::visit(
      [&](auto& w) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
          if (!im.reading) {
            im.reading = true;
            im.read_done = false;
            w->async_read(im.buffer, [&im](boost::system::error_code ec, std::size_t) {
              im.read_ec = ec;
              im.read_done = true;
            });
          }
        }
      },
      im.ws);
  im.io.restart();
  im.io.run_for(timeout);
  if (!im.read_done) return make_error("timeout", "no message within the timeout");
  im.reading = false;
  if (im.read_ec) return make_error("closed", "WebSocket closed: " + im.read_ec.message());
  std::string out = beast::buffers_to_string(im.buffer.data());
  im.buffer.consume(im.buffer.size());
  return out;
}

}  // namespace parley::client
