#pragma once
// A media worker (docs/media.md §Threads): one thread, one epoll loop, one
// UDP socket, one packet pool, and the transports of the calls placed on it.
// Datagrams are demultiplexed by first byte (RFC 7983) and then by STUN
// USERNAME or by 5-tuple; decrypted RTP and RTCP go to the media handler
// (the call layer), which forwards by handing packets back to send_rtp /
// send_rtcp. The control plane reaches a worker only through post().

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "media/dtls.h"
#include "media/loop.h"
#include "media/packet_pool.h"
#include "media/pressure.h"
#include "media/transport.h"
#include "media/udp_socket.h"

namespace parley::media {

struct WorkerConfig {
  std::string address = "127.0.0.1";  // IP literal to bind
  std::uint16_t port = 0;             // 0: any free port
  std::size_t pool_packets = 8192;    // buffers in the packet pool
  std::size_t max_datagram = kPacketCapacity;  // larger ones are dropped and counted as truncated
  std::size_t max_transports = 1024;
  std::chrono::seconds consent_timeout{30};  // no check from a bound peer for this long: failed
  PressureConfig pressure;  // --media-max-load (docs/media.md §Behaviour at the limit)
};

// Counters a worker keeps; read from any thread (relaxed atomics).
struct WorkerStats {
  std::atomic<std::uint64_t> datagrams_in{0}, datagrams_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<std::uint64_t> stun_malformed{0}, stun_unknown_username{0}, stun_bad_integrity{0};
  std::atomic<std::uint64_t> unbound_dropped{0}, unknown_kind_dropped{0}, truncated_dropped{0};
  std::atomic<std::uint64_t> dtls_failed{0}, srtp_unprotect_failed{0}, pool_exhausted{0}, send_dropped{0};
  std::atomic<std::uint64_t> transports{0};
  // Kept by the calls on this worker (media::Call).
  std::atomic<std::uint64_t> rtp_forwarded{0}, rtcp_forwarded{0}, rtp_malformed{0}, rtcp_malformed{0}, unknown_ssrc{0};
  std::atomic<std::uint64_t> keyframe_requests_sent{0}, keyframe_requests_suppressed{0};
  std::atomic<std::uint64_t> nacked_packets{0}, retransmitted_from_cache{0}, nack_misses{0}, nacks_sent{0};
  std::atomic<std::uint64_t> rtx_received{0}, twcc_feedback_sent{0}, layer_switches{0};
  // Behaviour at the limit (docs/media.md): the worker's load (busy
  // fraction over the last second) and pressure level (media::Pressure),
  // what it did about them, and the joins the control plane refused.
  std::atomic<double> load{0};
  std::atomic<std::uint64_t> pressure{0};
  std::atomic<std::uint64_t> layer_caps{0}, video_paused{0}, video_resumed{0}, paused_subscribers{0};
  std::atomic<std::uint64_t> channel_forwarded{0};  // RTP sent in interpretation channel slots
  std::atomic<std::uint64_t> joins_refused{0};  // written by the control plane
};

class Worker {
 public:
  // `transport` is the one the packet came in on; `packet` holds the
  // decrypted RTP or RTCP and is the worker's: borrow it, do not keep it.
  using MediaHandler = std::function<void(Transport& transport, Packet& packet, bool rtcp)>;
  using StateHandler = std::function<void(Transport& transport)>;

  static Expected<std::unique_ptr<Worker>> start(WorkerConfig config, std::shared_ptr<DtlsContext> dtls);
  ~Worker();  // stops the loop and joins the thread; transports are freed on it
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  std::uint16_t port() const { return port_; }
  const WorkerStats& stats() const { return stats_; }
  WorkerStats& counters() { return stats_; }  // worker thread: for the calls on it
  const std::string& fingerprint() const { return dtls_->fingerprint(); }

  // Any thread: runs `task` on the worker's thread.
  void post(std::function<void()> task) { loop_->post(std::move(task)); }

  // --- worker thread only
  void set_handlers(MediaHandler media, StateHandler state);
  Expected<Transport*> add_transport(TransportParams params);
  void remove_transport(TransportId id);
  // ICE restart of a transport (Transport::restart_ice): from now on only
  // checks with USERNAME "<local_ufrag>:<remote_ufrag>" and the new
  // password reach it; the old username is unknown. Errors:
  // media_unknown_transport, media_conflict (the new username is taken),
  // media_restart_failed (DTLS failed: nothing to keep; nothing changed).
  [[nodiscard]] Status restart_ice(TransportId id, std::string local_ufrag, std::string local_pwd,
                                   std::string remote_ufrag);
  Transport* find(TransportId id);
  PacketPool& pool() { return *pool_; }
  // The load, its pressure level and the shedding decisions of this worker.
  PressureGovernor& pressure() { return governor_; }
  // Test seam (docs/media.md §Behaviour at the limit): judge pressure from
  // `load` instead of the measured load, until called with nullopt. The
  // measurement goes on; the level, the stats and every decision then follow
  // the given load exactly as they follow a measured one.
  void set_load_for_test(std::optional<double> load) { load_override_ = load; }
  // Protects `packet` (taken: released after sending) for `to` and queues
  // it; sent at the end of the current batch. Dropped and counted if `to`
  // is not connected.
  void send_rtp(Transport& to, Packet* packet);
  // The same, with the caller's memo of the packet's outbound SRTP stream
  // on `to` (Srtp::StreamMemo: one per destination stream, it spares the
  // lookup per packet).
  void send_rtp(Transport& to, Packet* packet, Srtp::StreamMemo& memo);
  void send_rtcp(Transport& to, Packet* packet);
  Loop& loop() { return *loop_; }

 private:
  Worker() = default;
  void on_readable();
  void handle(Datagram& d);
  void handle_stun(Datagram& d);
  void handle_bound(Datagram& d, std::uint8_t first);
  void queue_plain(const Endpoint& to, std::span<const std::uint8_t> bytes);
  void queue(Transport& to, Packet* p);
  void send_protected(Transport& to, Packet* p, bool rtcp, Srtp::StreamMemo* memo = nullptr);
  void flush();
  void tick();
  void measure();
  void changed(Transport& t);

  WorkerConfig config_;
  std::shared_ptr<DtlsContext> dtls_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<PacketPool> pool_;
  std::optional<UdpSocket> socket_;
  std::uint16_t port_ = 0;
  WorkerStats stats_;
  PressureGovernor governor_;
  LoadMeter meter_;
  std::optional<double> load_override_;
  std::chrono::nanoseconds last_busy_{0};
  std::chrono::steady_clock::time_point last_measure_{}, last_step_{};
  MediaHandler on_media_;
  StateHandler on_state_;
  TransportId next_id_ = 1;
  std::unordered_map<TransportId, std::unique_ptr<Transport>> transports_;
  std::unordered_map<std::string, Transport*> by_username_;
  std::unordered_map<Endpoint, Transport*, EndpointHash> by_endpoint_;
  struct Queued {
    Packet* packet;
    Endpoint to;
  };
  std::vector<Queued> out_;         // reserved once; flushed after each batch
  std::vector<Outgoing> outgoing_;  // the same, as sendmmsg entries
  std::thread thread_;
};

}  // namespace parley::media
