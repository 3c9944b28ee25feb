#include "media/udp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace parley::media {

bool Endpoint::operator==(const Endpoint& o) const {
  if (addr.ss_family != o.addr.ss_family) return false;
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    const auto& b = reinterpret_cast<const sockaddr_in&>(o.addr);
    return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
  }
  if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    const auto& b = reinterpret_cast<const sockaddr_in6&>(o.addr);
    return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
  }
  return false;
}

std::size_t EndpointHash::operator()(const Endpoint& e) const {
  // FNV-1a over the address bytes and port: cheap, and the 5-tuple table is
  // per worker with a bounded number of sessions.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h ^= static_cast<const std::uint8_t*>(p)[i];
      h *= 1099511628211ull;
    }
  };
  if (e.addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(e.addr);
    mix(&a.sin_addr, sizeof a.sin_addr);
    mix(&a.sin_port, sizeof a.sin_port);
  } else if (e.addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(e.addr);
    mix(&a.sin6_addr, sizeof a.sin6_addr);
    mix(&a.sin6_port, sizeof a.sin6_port);
  }
  return static_cast<std::size_t>(h);
}

std::string Endpoint::text() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(a.sin6_port));
  }
  return "?";
}

Expected<Endpoint> Endpoint::parse(const std::string& ip, std::uint16_t port) {
  Endpoint e;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    e.len = sizeof(sockaddr_in);
    return e;
  }
  e = Endpoint{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    e.len = sizeof(sockaddr_in6);
    return e;
  }
  return make_error("bad_config", "\"" + ip + "\" is not an IP address");
}

Expected<UdpSocket> UdpSocket::bind(const std::string& address, std::uint16_t port) {
  auto ep = Endpoint::parse(address, port);
  if (!ep) return ep.error();
  int fd = socket(ep->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error("media_system", std::string("socket: ") + std::strerror(errno));
  // Generous kernel buffers: a burst of video keyframes from several
  // publishers must not overflow between two reads, nor the seconds of
  // backlog of a worker past its limit while it lowers layers and sheds
  // video (docs/media.md §Behaviour at the limit). The kernel caps the plain
  // options at net.core.rmem_max / wmem_max (208 KiB by default); with
  // CAP_NET_ADMIN the FORCE variants are not capped.
  int size = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ep->addr), ep->len) != 0) {
    int err = errno;
    close(fd);
    return make_error("bad_config", "cannot bind UDP " + address + ":" + std::to_string(port) + ": " +
                                        std::strerror(err));
  }
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  std::uint16_t bound = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(local).sin6_port)
                                                    : ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port);
  return UdpSocket(fd, bound);
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), port_(o.port_), send_errors_(o.send_errors_) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    port_ = o.port_;
    send_errors_ = o.send_errors_;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

std::size_t UdpSocket::receive(PacketPool& pool, std::span<Datagram> out) {
  std::size_t want = std::min(out.size(), kBatch);
  std::size_t n = 0;
  for (; n < want; ++n) {
    Packet* p = pool.acquire();
    if (!p) break;
    out[n] = Datagram{p, {}, false};
    iovs_[n] = iovec{p->data, kPacketCapacity};
    msgs_[n] = mmsghdr{};
    msgs_[n].msg_hdr.msg_iov = &iovs_[n];
    msgs_[n].msg_hdr.msg_iovlen = 1;
    msgs_[n].msg_hdr.msg_name = &out[n].from.addr;
    msgs_[n].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
  }
  int got = n ? recvmmsg(fd_, msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr) : 0;
  if (got < 0) got = 0;  // EAGAIN: nothing waiting
  for (std::size_t i = 0; i < n; ++i) {
    if (i < static_cast<std::size_t>(got)) {
      out[i].packet->size = msgs_[i].msg_len;
      out[i].from.len = msgs_[i].msg_hdr.msg_namelen;
      out[i].truncated = (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    } else {
      pool.release(out[i].packet);  // taken for a datagram that was not there
      out[i].packet = nullptr;
    }
  }
  return static_cast<std::size_t>(got);
}

std::size_t UdpSocket::send(std::span<const Outgoing> batch) {
  std::size_t total = std::min(batch.size(), kBatch);
  std::size_t done = 0;
  while (done < total) {
    std::size_t n = total - done;
    for (std::size_t i = 0; i < n; ++i) {
      const Outgoing& o = batch[done + i];
      iovs_[i] = iovec{const_cast<std::uint8_t*>(o.data), o.size};
      msgs_[i] = mmsghdr{};
      msgs_[i].msg_hdr.msg_iov = &iovs_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      msgs_[i].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&o.to->addr);
      msgs_[i].msg_hdr.msg_namelen = o.to->len;
    }
    int sent = sendmmsg(fd_, msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent > 0) {
      done += static_cast<std::size_t>(sent);
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // full: the rest is dropped by the caller
    // The first datagram of the batch failed (e.g. an unreachable peer):
    // skip it and go on with the others.
    ++send_errors_;
    ++done;
  }
  return done;
}

}  // namespace parley::media
