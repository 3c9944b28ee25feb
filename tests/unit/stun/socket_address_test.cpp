// SocketAddress: conversions to and from the kernel's socket addresses.

#include "stun/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstring>

namespace parley::stun {
namespace {

TEST(StunSocketAddress, Ipv4RoundTrip) {
  const SocketAddress a = SocketAddress::ipv4({192, 0, 2, 1}, 32853);
  EXPECT_TRUE(a.is_ipv4());
  EXPECT_EQ(a.port(), 32853);
  EXPECT_EQ(a.to_string(), "192.0.2.1:32853");
  sockaddr_storage ss{};
  ASSERT_EQ(a.to_sockaddr(ss), static_cast<socklen_t>(sizeof(sockaddr_in)));
  sockaddr_in in{};
  std::memcpy(&in, &ss, sizeof in);
  EXPECT_EQ(in.sin_family, AF_INET);
  EXPECT_EQ(ntohs(in.sin_port), 32853);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
  EXPECT_STREQ(text, "192.0.2.1");
  auto back = SocketAddress::from_sockaddr(ss);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a);
}

TEST(StunSocketAddress, Ipv6RoundTrip) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::42", &in6.sin6_addr), 1);
  auto a = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->is_ipv4());
  EXPECT_EQ(a->family(), SocketAddress::Family::kIpv6);
  EXPECT_EQ(a->address_bytes().size(), 16u);
  EXPECT_EQ(a->to_string(), "[2001:db8::42]:443");
  sockaddr_storage ss{};
  ASSERT_EQ(a->to_sockaddr(ss), static_cast<socklen_t>(sizeof(sockaddr_in6)));
  EXPECT_EQ(std::memcmp(&ss, &in6, sizeof in6), 0);
}

TEST(StunSocketAddress, MappedIpv4) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(9);
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:198.51.100.3", &in6.sin6_addr), 1);
  auto a = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->is_ipv4());
  EXPECT_EQ(a->unmapped(), SocketAddress::ipv4({198, 51, 100, 3}, 9));
  const SocketAddress plain = SocketAddress::ipv6({0x20, 0x01, 0x0d, 0xb8}, 9);
  EXPECT_EQ(plain.unmapped(), plain);
  EXPECT_EQ(SocketAddress::ipv4({1, 2, 3, 4}, 5).unmapped(), SocketAddress::ipv4({1, 2, 3, 4}, 5));
}

TEST(StunSocketAddress, Equality) {
  EXPECT_EQ(SocketAddress(), SocketAddress::ipv4({0, 0, 0, 0}, 0));
  EXPECT_NE(SocketAddress::ipv4({1, 2, 3, 4}, 5), SocketAddress::ipv4({1, 2, 3, 4}, 6));
  EXPECT_NE(SocketAddress::ipv4({1, 2, 3, 4}, 5), SocketAddress::ipv4({1, 2, 3, 5}, 5));
  EXPECT_NE(SocketAddress::ipv4({0, 0, 0, 0}, 5), SocketAddress::ipv6({}, 5));
}

TEST(StunSocketAddress, RefusesOtherFamiliesAndShortLengths) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  auto a = SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&un), sizeof un);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "stun_bad_address");

  sockaddr_in in{};
  in.sin_family = AF_INET;
  EXPECT_FALSE(
      SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&in), sizeof in - 1).ok());
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  EXPECT_FALSE(
      SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&in6), sizeof(sockaddr_in))
          .ok());
  EXPECT_FALSE(SocketAddress::from_sockaddr(nullptr, 0).ok());
}

}  // namespace
}  // namespace parley::stun
