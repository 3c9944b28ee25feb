#pragma once
// SocketAddress: an IPv4 or IPv6 transport address (address + UDP port) as a
// plain value, independent of Boost.Asio, so that the wire-format modules and
// the media workers can name a peer without pulling Asio into their headers.
// It converts to and from the kernel's sockaddr_storage (recvmmsg/sendmmsg) and
// is what XOR-MAPPED-ADDRESS carries (RFC 8489 §14.2).

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "common/error.h"

namespace parley::stun {

class SocketAddress {
 public:
  // The numbers are the STUN address family codes (RFC 8489 §14.1).
  enum class Family : std::uint8_t { kIpv4 = 0x01, kIpv6 = 0x02 };

  // 0.0.0.0:0.
  SocketAddress() = default;

  static SocketAddress ipv4(const std::array<std::uint8_t, 4>& address, std::uint16_t port);
  static SocketAddress ipv6(const std::array<std::uint8_t, 16>& address, std::uint16_t port);

  // Error "stun_bad_address" for a family other than AF_INET/AF_INET6 or a
  // length too short for the family. An IPv4-mapped IPv6 address stays IPv6:
  // call unmapped() for the form to put on the wire.
  static Expected<SocketAddress> from_sockaddr(const sockaddr* address, socklen_t length);
  static Expected<SocketAddress> from_sockaddr(const sockaddr_storage& address);

  // Fills `out` (zeroed first) and returns the length to pass to sendto/sendmsg.
  socklen_t to_sockaddr(sockaddr_storage& out) const;

  Family family() const { return family_; }
  bool is_ipv4() const { return family_ == Family::kIpv4; }
  std::uint16_t port() const { return port_; }  // host byte order
  // 4 or 16 bytes, network byte order.
  std::span<const std::uint8_t> address_bytes() const {
    return std::span<const std::uint8_t>(address_.data(), is_ipv4() ? 4 : 16);
  }

  // ::ffff:a.b.c.d becomes a.b.c.d; anything else is returned unchanged. A
  // dual-stack socket reports IPv4 peers in the mapped form, but the peer knows
  // itself by its IPv4 address (RFC 4291 §2.5.5.2).
  SocketAddress unmapped() const;

  // "192.0.2.1:32853" or "[2001:db8::1]:32853", for logs and tests (allocates).
  std::string to_string() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b);

 private:
  Family family_ = Family::kIpv4;
  std::array<std::uint8_t, 16> address_{};  // IPv4 uses the first 4 bytes, the rest stay 0
  std::uint16_t port_ = 0;
};

}  // namespace parley::stun
