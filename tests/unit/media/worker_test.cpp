// A worker driven by a client built from the project's own pieces (the same
// ones the native load tool uses): STUN binding request, DTLS client, SRTP.
#include "media/worker.h"

#include <gtest/gtest.h>

#include "stun/stun.h"
#include "test_client.h"

namespace parley::media {
namespace {

using namespace std::chrono_literals;

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
    connect_client(*worker, client, transport, "srvU", "server-password-0123456789", server_ctx->fingerprint());
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

// --- ICE restart (Worker::restart_ice, docs/media.md §ICE restart)

constexpr char kNewPwd[] = "restarted-password-0123456789";

// Sends an SRTP-protected RTP packet from `via` (the client's keys, any
// socket) and returns the decrypted echo, or empty if none came.
std::vector<std::uint8_t> echo_through(Client& keys, Client& via, std::uint16_t seq) {
  std::vector<std::uint8_t> rtp = {0x80, 111, 0, std::uint8_t(seq), 0, 0, 0, 160, 0xAA, 0xBB, 0xCC, 0xDD, 1, 2, 3, 4};
  std::vector<std::uint8_t> buf(rtp.size() + kSrtpMaxTrailer);
  std::copy(rtp.begin(), rtp.end(), buf.begin());
  buf.resize(*keys.srtp_out->protect_rtp(buf, rtp.size()));
  via.send(buf);
  auto echoed = via.receive(500);
  if (echoed.empty()) return {};
  echoed.resize(echoed.size() + kSrtpMaxTrailer);
  auto n = keys.srtp_in->unprotect_rtp(echoed, echoed.size() - kSrtpMaxTrailer);
  if (!n) return {};
  echoed.resize(*n);
  return echoed;
}

bool is_success_with(const std::vector<std::uint8_t>& reply, const std::string& pwd) {
  auto msg = stun::parse(reply);
  return msg && msg->message_class() == stun::MessageClass::kSuccessResponse && stun::verify_integrity(*msg, pwd);
}

TEST_F(WorkerTest, IceRestartReplacesCredentialsAndKeepsDtlsAndSrtp) {
  ASSERT_NO_FATAL_FAILURE(connect());
  auto s = on_worker(*worker, [&] { return worker->restart_ice(transport->id(), "srvV", kNewPwd, "cliV"); });
  ASSERT_TRUE(s) << s.error().message;
  // Still connected where it was: media goes on before any new check.
  EXPECT_EQ(on_worker(*worker, [&] { return transport->state(); }), Transport::State::connected);
  EXPECT_FALSE(echo_through(client, client, 1).empty());

  // The old username is no longer known, whatever the password.
  client.send(client.binding_request("srvU:cliU", "server-password-0123456789"));
  EXPECT_TRUE(client.receive(300).empty());
  EXPECT_EQ(worker->stats().stun_unknown_username.load(), 1u);
  // The old password with the new username does not verify.
  client.send(client.binding_request("srvV:cliV", "server-password-0123456789"));
  EXPECT_TRUE(client.receive(300).empty());
  EXPECT_EQ(worker->stats().stun_bad_integrity.load(), 1u);

  // The client's new candidate (another port) checks with the new
  // credentials: answered with the new password, the transport moves there,
  // and the same SRTP keys carry media from it.
  Client moved;
  moved.server = client.server;
  moved.send(moved.binding_request("srvV:cliV", kNewPwd));
  EXPECT_TRUE(is_success_with(moved.receive(), kNewPwd));
  EXPECT_EQ(on_worker(*worker, [&] { return transport->bound()->text(); }),
            "127.0.0.1:" + std::to_string(moved.sock.port()));
  EXPECT_FALSE(on_worker(*worker, [&] { return transport->restarting(); }));
  auto echoed = echo_through(client, moved, 2);
  EXPECT_FALSE(echoed.empty()) << "media flows from the new address with the old keys";
  // The old address is no longer bound.
  std::size_t unbound = worker->stats().unbound_dropped.load();
  EXPECT_TRUE(echo_through(client, client, 3).empty());
  EXPECT_EQ(worker->stats().unbound_dropped.load(), unbound + 1);
}

TEST_F(WorkerTest, IceRestartRefusesUnknownTransportsAndTakenCredentials) {
  TransportParams other{"srvO", "other-password-0123456789ab", "cliO", client.ctx->fingerprint(),
                        DtlsSession::Role::server};
  on_worker(*worker, [&] { return *worker->add_transport(other); });
  auto unknown = on_worker(*worker, [&] { return worker->restart_ice(9999, "srvV", kNewPwd, "cliV"); });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "media_unknown_transport");
  auto taken = on_worker(*worker, [&] { return worker->restart_ice(transport->id(), "srvO", kNewPwd, "cliO"); });
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, "media_conflict");
  // Nothing changed: the old credentials still connect.
  ASSERT_NO_FATAL_FAILURE(connect());
}

// A transport whose consent lapsed (RFC 7675) comes back with an ICE
// restart: its DTLS association and SRTP contexts were kept. Here the
// restart comes after the failure; in the next test, before it.
TEST(WorkerRestart, AFailedTransportIsRevivedByIceRestart) {
  auto ctx = *DtlsContext::create();
  WorkerConfig config;
  config.consent_timeout = 1s;
  auto worker = *Worker::start(config, ctx);
  Client client;
  client.server = *Endpoint::parse("127.0.0.1", worker->port());
  std::vector<Transport::State> reported;  // on the worker thread
  Transport* t = on_worker(*worker, [&] {
    worker->set_handlers(
        [&](Transport& tr, Packet& p, bool rtcp) {
          if (rtcp) return;
          Packet* copy = worker->pool().acquire();
          std::copy(p.data, p.data + p.size, copy->data);
          copy->size = p.size;
          worker->send_rtp(tr, copy);
        },
        [&](Transport& tr) { reported.push_back(tr.state()); });
    return *worker->add_transport({"srvU", "server-password-0123456789", "cliU", client.ctx->fingerprint(),
                                   DtlsSession::Role::server});
  });
  ASSERT_NO_FATAL_FAILURE(connect_client(*worker, client, t, "srvU", "server-password-0123456789", ctx->fingerprint()));
  // No more checks: consent lapses.
  for (int i = 0; i < 500 && on_worker(*worker, [&] { return t->state(); }) != Transport::State::failed; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::failed);
  EXPECT_TRUE(echo_through(client, client, 1).empty()) << "nothing is sent without consent";

  auto s = on_worker(*worker, [&] { return worker->restart_ice(t->id(), "srvV", kNewPwd, "cliV"); });
  ASSERT_TRUE(s) << s.error().message;
  // Still failed until the client checks with the new credentials: nothing
  // is sent meanwhile, and the old credentials give nothing back.
  EXPECT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::failed);
  EXPECT_TRUE(echo_through(client, client, 2).empty());
  client.send(client.binding_request("srvU:cliU", "server-password-0123456789"));
  EXPECT_TRUE(client.receive(300).empty());
  EXPECT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::failed);

  client.send(client.binding_request("srvV:cliV", kNewPwd));
  EXPECT_TRUE(is_success_with(client.receive(), kNewPwd));
  EXPECT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::connected);
  EXPECT_EQ(on_worker(*worker, [&] { return reported.back(); }), Transport::State::connected);
  EXPECT_FALSE(echo_through(client, client, 3).empty()) << "media flows again with the same keys";
}

// The restart was applied while the transport was still connected, and its
// consent lapsed before the client's first check with the new credentials
// got through (the network was still down): that check revives it.
TEST(WorkerRestart, ConsentLapsingDuringARestartIsRecoveredByItsFirstCheck) {
  auto ctx = *DtlsContext::create();
  WorkerConfig config;
  config.consent_timeout = 1s;
  auto worker = *Worker::start(config, ctx);
  Client client;
  client.server = *Endpoint::parse("127.0.0.1", worker->port());
  Transport* t = on_worker(*worker, [&] {
    worker->set_handlers(
        [&](Transport& tr, Packet& p, bool rtcp) {
          if (rtcp) return;
          Packet* copy = worker->pool().acquire();
          std::copy(p.data, p.data + p.size, copy->data);
          copy->size = p.size;
          worker->send_rtp(tr, copy);
        },
        nullptr);
    return *worker->add_transport({"srvU", "server-password-0123456789", "cliU", client.ctx->fingerprint(),
                                   DtlsSession::Role::server});
  });
  ASSERT_NO_FATAL_FAILURE(connect_client(*worker, client, t, "srvU", "server-password-0123456789", ctx->fingerprint()));
  auto s = on_worker(*worker, [&] { return worker->restart_ice(t->id(), "srvV", kNewPwd, "cliV"); });
  ASSERT_TRUE(s) << s.error().message;
  for (int i = 0; i < 500 && on_worker(*worker, [&] { return t->state(); }) != Transport::State::failed; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::failed);
  Client moved;
  moved.server = client.server;
  moved.send(moved.binding_request("srvV:cliV", kNewPwd));
  EXPECT_TRUE(is_success_with(moved.receive(), kNewPwd));
  EXPECT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::connected);
  EXPECT_FALSE(echo_through(client, moved, 1).empty()) << "media flows again, from the new address";
}

// Without a DTLS association there is nothing to keep: the restart is
// refused and the transport stays as it was.
TEST(WorkerRestart, ATransportWhoseDtlsFailedCannotBeRestarted) {
  auto ctx = *DtlsContext::create();
  auto worker = *Worker::start(WorkerConfig{}, ctx);
  Client client;
  client.server = *Endpoint::parse("127.0.0.1", worker->port());
  auto stranger = *DtlsContext::create();  // the server expects this certificate, not the client's
  Transport* t = on_worker(*worker, [&] {
    return *worker->add_transport({"srvU", "server-password-0123456789", "cliU", stranger->fingerprint(),
                                   DtlsSession::Role::server});
  });
  client.send(client.binding_request("srvU:cliU", "server-password-0123456789"));
  ASSERT_TRUE(is_success_with(client.receive(), "server-password-0123456789"));
  client.dtls = *DtlsSession::create(client.ctx, DtlsSession::Role::client, ctx->fingerprint());
  auto send = [&client](std::span<const std::uint8_t> d) { client.send(d); };
  client.dtls->start(send);
  for (int i = 0; i < 40 && on_worker(*worker, [&] { return t->state(); }) != Transport::State::failed; ++i) {
    auto d = client.receive(100);
    if (!d.empty() && client.dtls->state() == DtlsSession::State::handshaking) client.dtls->on_datagram(d, send);
  }
  ASSERT_EQ(on_worker(*worker, [&] { return t->state(); }), Transport::State::failed);
  auto s = on_worker(*worker, [&] { return worker->restart_ice(t->id(), "srvV", kNewPwd, "cliV"); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "media_restart_failed");
  EXPECT_EQ(on_worker(*worker, [&] { return t->expected_username(); }), "srvU:cliU");
}

}  // namespace
}  // namespace parley::media
