#include "media/udp_socket.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <unordered_set>

namespace parley::media {
namespace {

void wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
}

TEST(Endpoint, ParsesComparesAndHashes) {
  auto a = Endpoint::parse("127.0.0.1", 5000);
  auto b = Endpoint::parse("127.0.0.1", 5000);
  auto c = Endpoint::parse("127.0.0.1", 5001);
  auto d = Endpoint::parse("::1", 5000);
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(*a == *c);
  EXPECT_FALSE(*a == *d);
  EXPECT_EQ(EndpointHash{}(*a), EndpointHash{}(*b));
  EXPECT_EQ(a->text(), "127.0.0.1:5000");
  EXPECT_EQ(d->text(), "[::1]:5000");
  EXPECT_FALSE(Endpoint::parse("localhost", 1));
  EXPECT_FALSE(Endpoint::parse("300.1.1.1", 1));
}

TEST(UdpSocket, MovesDatagramsInBatches) {
  auto rx = UdpSocket::bind("127.0.0.1", 0);
  auto tx = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(rx && tx);
  ASSERT_NE(rx->port(), 0);
  auto to = Endpoint::parse("127.0.0.1", rx->port());
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<Outgoing> out;
  for (int i = 0; i < 20; ++i) payloads.push_back(std::vector<std::uint8_t>(10 + i, std::uint8_t(i)));
  for (auto& p : payloads) out.push_back(Outgoing{p.data(), p.size(), &*to});
  EXPECT_EQ(tx->send(out), 20u);

  PacketPool pool(64);
  std::array<Datagram, UdpSocket::kBatch> got{};
  std::size_t total = 0;
  auto from = Endpoint::parse("127.0.0.1", tx->port());
  while (total < 20) {
    wait_readable(rx->fd());
    std::size_t n = rx->receive(pool, got);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(got[i].packet->size, 10u + total);
      EXPECT_EQ(got[i].packet->data[0], total);
      EXPECT_EQ(got[i].from, *from);
      EXPECT_FALSE(got[i].truncated);
      pool.release(got[i].packet);
      ++total;
    }
  }
  EXPECT_EQ(pool.available(), 64u);  // nothing leaked, including unused reservations
}

TEST(UdpSocket, OversizedDatagramIsMarkedTruncated) {
  auto rx = UdpSocket::bind("127.0.0.1", 0);
  auto tx = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(rx && tx);
  auto to = Endpoint::parse("127.0.0.1", rx->port());
  std::vector<std::uint8_t> big(kPacketCapacity + 100, 7);
  Outgoing o{big.data(), big.size(), &*to};
  EXPECT_EQ(tx->send({&o, 1}), 1u);
  wait_readable(rx->fd());
  PacketPool pool(4);
  std::array<Datagram, 4> got{};
  ASSERT_EQ(rx->receive(pool, got), 1u);
  EXPECT_TRUE(got[0].truncated);
  pool.release(got[0].packet);
}

TEST(UdpSocket, EmptyPoolLeavesDatagramsQueued) {
  auto rx = UdpSocket::bind("127.0.0.1", 0);
  auto tx = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(rx && tx);
  auto to = Endpoint::parse("127.0.0.1", rx->port());
  std::uint8_t b = 1;
  Outgoing o{&b, 1, &*to};
  tx->send({&o, 1});
  wait_readable(rx->fd());
  PacketPool pool(1);
  Packet* held = pool.acquire();
  std::array<Datagram, 4> got{};
  EXPECT_EQ(rx->receive(pool, got), 0u);
  pool.release(held);
  EXPECT_EQ(rx->receive(pool, got), 1u);
  pool.release(got[0].packet);
}

TEST(UdpSocket, BindErrorsAreClear) {
  auto a = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(a);
  auto b = UdpSocket::bind("127.0.0.1", a->port());
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("cannot bind UDP"), std::string::npos);
  EXPECT_FALSE(UdpSocket::bind("not-an-ip", 0));
}

}  // namespace
}  // namespace parley::media
