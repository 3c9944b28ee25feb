#include "stun/socket_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace parley::stun {

SocketAddress SocketAddress::ipv4(const std::array<std::uint8_t, 4>& address, std::uint16_t port) {
  SocketAddress a;
  a.family_ = Family::kIpv4;
  std::copy(address.begin(), address.end(), a.address_.begin());
  a.port_ = port;
  return a;
}

SocketAddress SocketAddress::ipv6(const std::array<std::uint8_t, 16>& address, std::uint16_t port) {
  SocketAddress a;
  a.family_ = Family::kIpv6;
  a.address_ = address;
  a.port_ = port;
  return a;
}

Expected<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* address, socklen_t length) {
  if (address == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) {
    return make_error("stun_bad_address", "no socket address");
  }
  // memcpy rather than a cast: the caller's storage need not be aligned for
  // the concrete type.
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &in.sin_addr, bytes.size());
    return ipv4(bytes, ntohs(in.sin_port));
  }
  if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
    return ipv6(bytes, ntohs(in6.sin6_port));
  }
  return make_error("stun_bad_address", "not an IPv4 or IPv6 socket address");
}

Expected<SocketAddress> SocketAddress::from_sockaddr(const sockaddr_storage& address) {
  return from_sockaddr(reinterpret_cast<const sockaddr*>(&address), sizeof address);
}

socklen_t SocketAddress::to_sockaddr(sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof out);
  if (is_ipv4()) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port_);
    std::memcpy(&in.sin_addr, address_.data(), 4);
    std::memcpy(&out, &in, sizeof in);
    return sizeof in;
  }
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port_);
  std::memcpy(&in6.sin6_addr, address_.data(), 16);
  std::memcpy(&out, &in6, sizeof in6);
  return sizeof in6;
}

SocketAddress SocketAddress::unmapped() const {
  // RFC 4291 §2.5.5.2: ::ffff:0:0/96.
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                 0, 0, 0, 0, 0xff, 0xff};
  if (is_ipv4() || !std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address_.begin())) {
    return *this;
  }
  return ipv4({address_[12], address_[13], address_[14], address_[15]}, port_);
}

std::string SocketAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_ipv4() ? AF_INET : AF_INET6, address_.data(), text, sizeof text);
  std::string out = is_ipv4() ? std::string(text) : "[" + std::string(text) + "]";
  return out + ":" + std::to_string(port_);
}

bool operator==(const SocketAddress& a, const SocketAddress& b) {
  // Unused bytes of an IPv4 address are always zero, so all 16 compare.
  return a.family_ == b.family_ && a.port_ == b.port_ && a.address_ == b.address_;
}

}  // namespace parley::stun
