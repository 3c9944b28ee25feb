// A worker driven by a client built from the project's own pieces (the same
// ones the native load tool uses): STUN binding request, DTLS client, SRTP.
#include "media/worker.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <future>

#include "stun/stun.h"

namespace parley::media {
namespace {

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

class WorkerTest : public ::testing::Test {
 protected:
  std::shared_ptr<DtlsContext> server_ctx = *DtlsContext::create();
  std::unique_ptr<Worker> worker = *Worker::start(WorkerConfig{}, server_ctx);
  Client client;
  Transport* transport = nullptr;
  std::vector<std::vector<std::uint8_t>> received_media;  // on the worker thread

  void SetUp() override {
    client.server = *Endpoint::parse("127.0.0.1", worker->port());
    TransportParams params{"srvU", "server-password-0123456789", "cliU", client.ctx->fingerprint(),
                           DtlsSession::Role::server};
    transport = on_worker(*worker, [&] { return *worker->add_transport(params); });
    on_worker(*worker, [&] {
      // Echo every RTP packet back to its sender: the forwarding path.
      worker->set_handlers(
          [this](Transport& t, Packet& p, bool rtcp) {
            received_media.emplace_back(p.data, p.data + p.size);
            if (rtcp) return;
            Packet* copy = worker->pool().acquire();
            std::copy(p.data, p.data + p.size, copy->data);
            copy->size = p.size;
            worker->send_rtp(t, copy);
          },
          nullptr);
      return 0;
    });
  }

  void connect() {
    client.send(client.binding_request("srvU:cliU", "server-password-0123456789"));
    auto reply = client.receive();
    auto msg = stun::parse(reply);
    ASSERT_TRUE(msg);
    ASSERT_EQ(msg->message_class(), stun::MessageClass::kSuccessResponse);
    ASSERT_TRUE(stun::verify_integrity(*msg, "server-password-0123456789"));
    client.dtls = *DtlsSession::create(client.ctx, DtlsSession::Role::client, server_ctx->fingerprint());
    auto send = [this](std::span<const std::uint8_t> d) { client.send(d); };
    client.dtls->start(send);
    for (int i = 0; i < 20 && client.dtls->state() == DtlsSession::State::handshaking; ++i) {
      auto d = client.receive(500);
      if (d.empty()) client.dtls->on_timer(send);
      else client.dtls->on_datagram(d, send);
    }
    ASSERT_EQ(client.dtls->state(), DtlsSession::State::connected) << client.dtls->error();
    client.srtp_out = *Srtp::create(client.dtls->keys(), Srtp::Direction::outbound);
    client.srtp_in = *Srtp::create(client.dtls->keys(), Srtp::Direction::inbound);
    // The server side finishes when the client's last flight arrives.
    for (int i = 0; i < 100; ++i) {
      if (on_worker(*worker, [&] { return transport->state(); }) == Transport::State::connected) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "server transport did not connect";
  }
};

TEST_F(WorkerTest, IceLiteDtlsAndSrtpCarryMediaBothWays) {
  ASSERT_NO_FATAL_FAILURE(connect());
  for (std::uint16_t seq = 1; seq <= 5; ++seq) {
    std::vector<std::uint8_t> rtp = {0x80, 111, 0, std::uint8_t(seq), 0, 0, 0, 160, 0xAA, 0xBB, 0xCC, 0xDD};
    for (int i = 0; i < 60; ++i) rtp.push_back(std::uint8_t(i + seq));
    std::vector<std::uint8_t> buf(rtp.size() + kSrtpMaxTrailer);
    std::copy(rtp.begin(), rtp.end(), buf.begin());
    buf.resize(*client.srtp_out->protect_rtp(buf, rtp.size()));
    client.send(buf);
    auto echoed = client.receive();
    ASSERT_FALSE(echoed.empty());
    echoed.resize(echoed.size() + kSrtpMaxTrailer);
    auto n = client.srtp_in->unprotect_rtp(echoed, echoed.size() - kSrtpMaxTrailer);
    ASSERT_TRUE(n) << n.error().message;
    echoed.resize(*n);
    EXPECT_EQ(echoed, rtp);
  }
  auto media = on_worker(*worker, [&] { return received_media.size(); });
  EXPECT_EQ(media, 5u);
}

TEST_F(WorkerTest, BadChecksAndStrangersAreDroppedAndCounted) {
  client.send(client.binding_request("srvU:cliU", "wrong-password"));
  client.send(client.binding_request("nobody:cliU", "server-password-0123456789"));
  std::vector<std::uint8_t> garbage = {0x00, 0x01, 0x00, 0x04};  // STUN-looking, truncated
  client.send(garbage);
  std::vector<std::uint8_t> dtls_from_stranger(50, 22);
  client.send(dtls_from_stranger);
  std::vector<std::uint8_t> rtp_from_stranger(50, 0x80);
  client.send(rtp_from_stranger);
  std::vector<std::uint8_t> unknown(10, 0xFF);
  client.send(unknown);
  EXPECT_TRUE(client.receive(300).empty()) << "nothing is answered";
  const auto& s = worker->stats();
  for (int i = 0; i < 100 && s.datagrams_in.load() < 6; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(s.stun_bad_integrity.load(), 1u);
  EXPECT_EQ(s.stun_unknown_username.load(), 1u);
  EXPECT_EQ(s.stun_malformed.load(), 1u);
  EXPECT_EQ(s.unbound_dropped.load(), 2u);
  EXPECT_EQ(s.unknown_kind_dropped.load(), 1u);
  EXPECT_EQ(on_worker(*worker, [&] { return transport->state(); }), Transport::State::waiting);
  // The worker still serves a correct client afterwards.
  ASSERT_NO_FATAL_FAILURE(connect());
}

TEST_F(WorkerTest, TamperedSrtpIsDroppedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(connect());
  std::vector<std::uint8_t> rtp = {0x80, 111, 0, 9, 0, 0, 0, 160, 0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 3, 4};
  std::vector<std::uint8_t> buf(rtp.size() + kSrtpMaxTrailer);
  std::copy(rtp.begin(), rtp.end(), buf.begin());
  buf.resize(*client.srtp_out->protect_rtp(buf, rtp.size()));
  buf[13] ^= 0x40;
  client.send(buf);
  EXPECT_TRUE(client.receive(300).empty());
  EXPECT_EQ(worker->stats().srtp_unprotect_failed.load(), 1u);
}

}  // namespace
}  // namespace parley::media
