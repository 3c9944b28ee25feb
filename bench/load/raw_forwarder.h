#pragma once
// The benchmark's reference: what receiving a packet and sending it to M
// destinations with SRTP costs on this machine, without any SFU logic. One
// thread, the same system calls and library calls a media worker makes
// (epoll_wait, recvmmsg into pool buffers, srtp_unprotect, then per
// destination a copy and srtp_protect, then sendmmsg in batches of 32),
// and nothing else: no ICE, no DTLS, no RTP parsing, no call state. Every
// RTP packet from a publisher goes to every subscriber of its meeting but
// itself (the routes are fixed before start); RTCP is decrypted and
// dropped. Keys are given (no handshake): the load tool's clients in
// raw mode (MediaClient::use_keys) hold the other half.

#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "media/packet_pool.h"
#include "media/srtp.h"
#include "media/udp_socket.h"

namespace parley::load {

// Fresh random SRTP keys for one client and the forwarder: `client.local`
// is `forwarder.remote` and the other way round.
struct KeyPair {
  media::SrtpKeys client, forwarder;
};
KeyPair random_keys(media::SrtpProfile profile);

class RawForwarder {
 public:
  static Expected<std::unique_ptr<RawForwarder>> create(const std::string& address);
  ~RawForwarder();
  RawForwarder(const RawForwarder&) = delete;
  RawForwarder& operator=(const RawForwarder&) = delete;

  const media::Endpoint& endpoint() const { return endpoint_; }
  // Before start(). `keys` are the forwarder's half.
  struct Role {
    bool publisher = false;
    bool subscriber = false;
    int meeting = 0;  // packets go to the subscribers of the same meeting
  };
  Status add_peer(const media::Endpoint& address, const media::SrtpKeys& keys, Role role);
  // A publisher only, or a subscriber only, in meeting 0.
  Status add_peer(const media::Endpoint& address, const media::SrtpKeys& keys, bool publisher) {
    return add_peer(address, keys, Role{publisher, !publisher, 0});
  }

  // `cpu` >= 0 pins the forwarding thread to that CPU (as a server would be).
  Status start(int cpu = -1);
  void stop();
  // Any thread.
  std::uint64_t forwarded() const { return forwarded_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  double cpu_seconds() const;  // of the forwarding thread, from its CPU clock

 private:
  struct Peer {
    media::Endpoint address;
    std::unique_ptr<media::Srtp> in, out;
    Role role;
    std::vector<std::size_t> targets;  // publishers: indices into peers_, set by start()
  };
  RawForwarder(media::UdpSocket socket, media::Endpoint endpoint)
      : socket_(std::move(socket)), endpoint_(endpoint) {}
  void run();
  void on_readable();
  void flush();

  media::UdpSocket socket_;
  media::Endpoint endpoint_;
  std::vector<Peer> peers_;
  std::size_t max_targets_ = 0;
  std::unordered_map<media::Endpoint, std::size_t, media::EndpointHash> by_address_;
  std::unique_ptr<media::PacketPool> pool_;
  struct Queued {
    media::Packet* packet;
    const media::Endpoint* to;
  };
  std::vector<Queued> out_;
  std::vector<media::Outgoing> outgoing_;
  std::thread thread_;
  clockid_t cpu_clock_{};  // the thread's CPU clock, read from other threads
  bool has_cpu_clock_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> forwarded_{0}, dropped_{0};
};

}  // namespace parley::load
