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

}  // namespace
}  // namespace parley::media
