#pragma once
// Drives the load tool's clients on one thread: replays each publisher's
// audio and video schedules at real rate (loop after loop), sends sender
// reports, receiver reports and ICE consent checks, and reads everything
// that arrives, recording for every RTP packet a subscriber receives which
// stream and packet it was (from its payload trailer, schedule.h) and how
// long it took. One epoll loop over every client socket; the wait until the
// next packet is due is exact to the nanosecond (epoll_pwait2), or, with
// RunnerOptions::busy_poll, the thread never waits and polls instead.
//
// The measurement window is opened by the caller (open_window) once warm()
// says every subscriber has received every stream it expects (its own, if
// it also publishes, excluded); after stop(), results()
// judges what was sent and received in [t0, t1).

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "load/media_client.h"
#include "load/schedule.h"

namespace parley::load {

struct PublisherSetup {
  MediaClient* client = nullptr;  // not owned; outlives the runner
  StreamState audio, video;       // stream numbers 0..streams-1, unique across publishers
  std::int64_t phase_us = 0;      // where in its loops this publisher starts (spreads keyframes)
  std::string cname;
};

// A client that receives: the streams it should get (Trailer::stream
// numbers). A publisher that also receives (everyone in a meeting sees
// everyone else) is listed both as a publisher and as a subscriber with the
// same client; its own streams are not among those it expects.
struct SubscriberSetup {
  MediaClient* client = nullptr;  // not owned; outlives the runner
  std::vector<std::uint32_t> streams;
};

struct RunnerOptions {
  bool consent_checks = true;  // RFC 7675 checks every 2.5 s (an ICE server needs them)
  bool reports = true;         // RTCP SR from publishers, RR from subscribers, every second
  // Packets due within this much of a wake-up leave with it, up to that
  // much early: fewer wake-ups for the tool when thousands of packets a
  // second are due. The delay stamp is taken as each packet leaves, so
  // measurements are unaffected. 0: each packet exactly when due.
  std::int64_t send_slack_ns = 0;
  // The thread never sleeps in the kernel: between sends it polls its
  // sockets (epoll_wait with a zero timeout) instead of waiting on them.
  // On loopback the sender of a datagram runs the receiving socket's half
  // of the delivery in its own system call, waking the receiving thread
  // included (try_to_wake_up, an inter-processor interrupt when that
  // thread sleeps on another core); a server sending through a network
  // card would not pay that. With the tool always running, the server's
  // sends find no sleeper to wake. The thread then takes all of its core;
  // idle_poll_ns() tells how much of it was polling that found nothing.
  bool busy_poll = false;
};

// One stream over the window: packets sent times the subscribers that
// expect it, and how many of those (distinct) arrived.
struct StreamOutcome {
  std::uint64_t expected = 0, received = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // of what arrived
  double loss() const {
    return expected ? 1.0 - static_cast<double>(received) / static_cast<double>(expected) : 0;
  }
};

struct LoadResults {
  double seconds = 0;          // t1 - t0
  std::uint64_t sent = 0;      // packets publishers sent in the window
  std::uint64_t expected = 0;  // sent x subscribers
  std::uint64_t received = 0;  // distinct (subscriber, stream, packet) in the window
  std::uint64_t duplicates = 0;
  double loss = 0;  // 1 - received / expected
  double worst_subscriber_loss = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::uint64_t unknown_trailers = 0;        // RTP whose trailer names no stream of this run
  std::uint64_t unexpected = 0;              // RTP of a stream its subscriber was not meant to get
  std::uint64_t publisher_rtp_received = 0;  // publishers receive none: they answer inactive
  ClientCounters publishers, subscribers;    // summed
  std::vector<StreamOutcome> streams;        // by stream number
};

class LoadRunner {
 public:
  // Every subscriber expects every publisher's streams.
  LoadRunner(const TrackSchedule& audio, const TrackSchedule& video,
             std::vector<PublisherSetup> publishers, std::vector<MediaClient*> subscribers,
             RunnerOptions options);
  // Each subscriber expects the streams it lists.
  LoadRunner(const TrackSchedule& audio, const TrackSchedule& video,
             std::vector<PublisherSetup> publishers, std::vector<SubscriberSetup> subscribers,
             RunnerOptions options);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  Status start();  // the thread
  // Every subscriber has received at least one packet of every stream it
  // expects.
  bool warm() const { return warm_.load(std::memory_order_acquire); }
  // Which expected (subscriber, stream) pairs have seen nothing yet;
  // thread-safe only after stop().
  std::size_t missing_pairs() const;
  // RTP packets every subscriber received so far, duplicates included; any
  // thread (for sampling what a server forwarded over a CPU-time window).
  std::uint64_t subscriber_rtp() const { return subscriber_rtp_.load(std::memory_order_relaxed); }
  // With busy_poll: the CPU time of the loop's turns that sent nothing and
  // found nothing to read, so far; any thread. The tool's CPU less this is
  // what its work used (whether the tool, not the server, is the limit).
  std::int64_t idle_poll_ns() const { return idle_poll_ns_.load(std::memory_order_relaxed); }
  // From now on, packets stamped at or after `t0_ns` are recorded.
  void open_window(std::int64_t t0_ns) { window_.store(t0_ns, std::memory_order_release); }
  void stop();
  // After stop().
  LoadResults results(std::int64_t t0_ns, std::int64_t t1_ns) const;

 private:
  struct Track {
    const TrackSchedule* schedule;
    StreamState* state;
    std::size_t next = 0;  // index in schedule->packets
    std::uint64_t loop = 0;
    std::int64_t due_ns = 0;
  };
  struct Reception {
    std::uint32_t subscriber, stream, index;
    std::int64_t sent_ns, delay_ns;
  };
  void run();
  void schedule_first(Track& t, std::int64_t start_ns, std::int64_t phase_us);
  void advance(Track& t, std::int64_t start_ns, std::int64_t phase_us);
  void send_reports(std::int64_t now_ns);
  void on_subscriber_rtp(std::uint32_t subscriber, const rtp::RtpPacket& packet,
                         std::int64_t now_ns);

  const TrackSchedule& audio_;
  const TrackSchedule& video_;
  std::vector<PublisherSetup> publishers_;
  std::vector<MediaClient*> subscribers_;
  RunnerOptions options_;
  std::vector<std::uint8_t> expects_;  // subscriber * streams + stream
  std::size_t expected_pairs_ = 0;
  std::size_t streams_ = 0;
  std::vector<std::uint16_t> twcc_;  // per publisher: next transport-wide sequence number
  std::vector<std::uint32_t> subscriber_ssrcs_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> warm_{false};
  std::atomic<std::int64_t> window_{INT64_MAX};
  std::atomic<std::uint64_t> subscriber_rtp_{0};
  std::atomic<std::int64_t> idle_poll_ns_{0};
  std::string error_;  // set by the thread if its loop could not run

  // Owned by the thread until stop().
  std::vector<std::vector<std::int64_t>> sent_;  // per stream: send stamps at or after the window
  std::vector<Reception> received_;
  std::vector<std::uint8_t> seen_;  // subscriber * streams + stream
  std::size_t seen_pairs_ = 0;
  std::uint64_t unknown_trailers_ = 0;
  std::uint64_t unexpected_ = 0;
  std::uint64_t publisher_rtp_ = 0;
};

}  // namespace parley::load
