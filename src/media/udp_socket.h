#pragma once
// A worker's UDP socket: non-blocking, read and written in batches with
// recvmmsg(2) and sendmmsg(2) so that one system call moves many datagrams.
// Receiving fills buffers from the worker's PacketPool; nothing is
// allocated per datagram. The batch arrays live in the socket.

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "common/error.h"
#include "media/packet_pool.h"

namespace parley::media {

// A peer's transport address, comparable and hashable (the 5-tuple lookup
// is by it: protocol and the local address are the socket's own).
struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  bool operator==(const Endpoint& o) const;
  std::string text() const;  // "1.2.3.4:5678" or "[::1]:5678", for logs
  static Expected<Endpoint> parse(const std::string& ip, std::uint16_t port);
};
struct EndpointHash {
  std::size_t operator()(const Endpoint& e) const;
};

struct Datagram {
  Packet* packet = nullptr;  // from the pool; the receiver releases it
  Endpoint from;
  bool truncated = false;    // larger than kPacketCapacity: to be dropped
};

struct Outgoing {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  const Endpoint* to = nullptr;  // must stay valid until send() returns
};

class UdpSocket {
 public:
  static constexpr std::size_t kBatch = 32;

  // Binds `address` (an IP literal) and `port` (0: any free port).
  static Expected<UdpSocket> bind(const std::string& address, std::uint16_t port);
  UdpSocket(UdpSocket&&) noexcept;
  UdpSocket& operator=(UdpSocket&&) noexcept;
  ~UdpSocket();

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

  // Reads up to out.size() (at most kBatch) waiting datagrams into buffers
  // from `pool`; returns how many. Stops early when the pool runs dry (the
  // rest stay in the kernel's queue, which drops on overflow).
  std::size_t receive(PacketPool& pool, std::span<Datagram> out);

  // Sends up to kBatch datagrams; returns how many were dealt with (sent,
  // or failed and counted in send_errors(), e.g. an unreachable peer).
  // Fewer than the batch only when the kernel's buffer is full: the caller
  // drops the rest and counts them.
  std::size_t send(std::span<const Outgoing> batch);
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  explicit UdpSocket(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint64_t send_errors_ = 0;
  std::array<mmsghdr, kBatch> msgs_{};
  std::array<iovec, kBatch> iovs_{};
};

}  // namespace parley::media
