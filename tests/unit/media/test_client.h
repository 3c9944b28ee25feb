#pragma once
// A media client built from the project's own pieces (STUN binding request,
// DTLS client, SRTP), and helpers to run code on a worker's thread. Used by
// the worker and forwarding tests; the native load tool is built the same way.

#include <gtest/gtest.h>
#include <poll.h>

#include <future>
#include <thread>

#include "media/worker.h"
#include "stun/stun.h"

namespace parley::media {

using namespace std::chrono_literals;

// Runs `f` on the worker's thread and waits for its result.
template <typename F>
auto on_worker(Worker& w, F f) {
  std::promise<decltype(f())> p;
  auto fut = p.get_future();
  w.post([&] { p.set_value(f()); });
  return fut.get();
}

struct Client {
  UdpSocket sock = *UdpSocket::bind("127.0.0.1", 0);
  Endpoint server;
  std::shared_ptr<DtlsContext> ctx = *DtlsContext::create();
  std::unique_ptr<DtlsSession> dtls;
  std::unique_ptr<Srtp> srtp_out, srtp_in;
  PacketPool pool{64};

  void send(std::span<const std::uint8_t> bytes) {
    Outgoing o{bytes.data(), bytes.size(), &server};
    ASSERT_EQ(sock.send({&o, 1}), 1u);
  }
  // Next datagram, or empty after a timeout.
  std::vector<std::uint8_t> receive(int timeout_ms = 2000) {
    pollfd p{sock.fd(), POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return {};
    std::array<Datagram, 1> d{};
    if (sock.receive(pool, d) != 1) return {};
    std::vector<std::uint8_t> out(d[0].packet->data, d[0].packet->data + d[0].packet->size);
    pool.release(d[0].packet);
    return out;
  }
  std::vector<std::uint8_t> binding_request(const std::string& username, const std::string& key) {
    stun::BindingRequestParams params;
    params.transaction_id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    params.username = username;
    params.key = key;
    params.priority = 12345;
    params.tie_breaker = 42;
    params.use_candidate = true;
    std::vector<std::uint8_t> out(512);
    out.resize(*stun::build_binding_request(params, out));
    return out;
  }
};


// Connects `client` to the transport `t` (whose ICE username is
// "<ufrag>:cliU" and password `pwd`) through the full ICE-lite, DTLS and
// SRTP exchange, and waits until the worker sees it connected.
inline void connect_client(Worker& worker, Client& client, Transport* t, const std::string& ufrag,
                           const std::string& pwd, const std::string& server_fingerprint) {
  client.send(client.binding_request(ufrag + ":cliU", pwd));
  auto reply = client.receive();
  auto msg = stun::parse(reply);
  ASSERT_TRUE(msg);
  ASSERT_EQ(msg->message_class(), stun::MessageClass::kSuccessResponse);
  client.dtls = *DtlsSession::create(client.ctx, DtlsSession::Role::client, server_fingerprint);
  auto send = [&client](std::span<const std::uint8_t> d) { client.send(d); };
  client.dtls->start(send);
  for (int i = 0; i < 20 && client.dtls->state() == DtlsSession::State::handshaking; ++i) {
    auto d = client.receive(500);
    if (d.empty()) client.dtls->on_timer(send);
    else client.dtls->on_datagram(d, send);
  }
  ASSERT_EQ(client.dtls->state(), DtlsSession::State::connected) << client.dtls->error();
  client.srtp_out = *Srtp::create(client.dtls->keys(), Srtp::Direction::outbound);
  client.srtp_in = *Srtp::create(client.dtls->keys(), Srtp::Direction::inbound);
  for (int i = 0; i < 100; ++i) {
    if (on_worker(worker, [&] { return t->state(); }) == Transport::State::connected) return;
    std::this_thread::sleep_for(10ms);
  }
  FAIL() << "server transport did not connect";
}

}  // namespace parley::media
