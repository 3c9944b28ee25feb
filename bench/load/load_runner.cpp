#include "load/load_runner.h"

#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <functional>

#include "media/packet_pool.h"
#include "rtp/rtcp.h"

namespace parley::load {

namespace {

constexpr std::int64_t kReportIntervalNs = 1'000'000'000;
constexpr std::int64_t kConsentIntervalNs = 2'500'000'000;
constexpr std::int64_t kIdleWaitNs = 100'000'000;

// RFC 3550 §4: NTP timestamp, 32.32 fixed point seconds since 1900.
std::uint64_t ntp_now() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  std::uint64_t seconds = static_cast<std::uint64_t>(us / 1'000'000) + 2'208'988'800ull;
  std::uint64_t fraction = (static_cast<std::uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return seconds << 32 | fraction;
}

// The calling thread's CPU time (a system call, not the vDSO).
std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double percentile_ms(const std::vector<std::int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return 0;
  auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted_ns.size()));
  return static_cast<double>(sorted_ns[std::min(rank, sorted_ns.size() - 1)]) / 1e6;
}

void add(ClientCounters& sum, const ClientCounters& c) {
  sum.rtp_sent += c.rtp_sent;
  sum.rtcp_sent += c.rtcp_sent;
  sum.send_failed += c.send_failed;
  sum.rtp_received += c.rtp_received;
  sum.rtcp_received += c.rtcp_received;
  sum.unprotect_failed += c.unprotect_failed;
  sum.malformed += c.malformed;
  sum.stun_responses += c.stun_responses;
  sum.stun_requests_answered += c.stun_requests_answered;
  sum.dtls_datagrams += c.dtls_datagrams;
  sum.other += c.other;
  sum.pli_received += c.pli_received;
  sum.twcc_received += c.twcc_received;
  sum.sr_received += c.sr_received;
}

}  // namespace

namespace {

std::vector<SubscriberSetup> expecting_everything(const std::vector<PublisherSetup>& publishers,
                                                  const std::vector<MediaClient*>& subscribers) {
  std::vector<std::uint32_t> all;
  for (const auto& p : publishers) {
    all.push_back(p.audio.stream);
    all.push_back(p.video.stream);
  }
  std::vector<SubscriberSetup> out;
  for (auto* c : subscribers) out.push_back({c, all});
  return out;
}

}  // namespace

LoadRunner::LoadRunner(const TrackSchedule& audio, const TrackSchedule& video,
                       std::vector<PublisherSetup> publishers,
                       std::vector<MediaClient*> subscribers, RunnerOptions options)
    : LoadRunner(audio, video, publishers, expecting_everything(publishers, subscribers), options) {
}

LoadRunner::LoadRunner(const TrackSchedule& audio, const TrackSchedule& video,
                       std::vector<PublisherSetup> publishers,
                       std::vector<SubscriberSetup> subscribers, RunnerOptions options)
    : audio_(audio), video_(video), publishers_(std::move(publishers)), options_(options) {
  for (const auto& p : publishers_)
    streams_ = std::max<std::size_t>({streams_, p.audio.stream + 1, p.video.stream + 1});
  twcc_.assign(publishers_.size(), 0);
  for (const auto& s : subscribers) subscribers_.push_back(s.client);
  for (std::size_t i = 0; i < subscribers_.size(); ++i) subscriber_ssrcs_.push_back(random_u32());
  sent_.resize(streams_);
  seen_.assign(subscribers_.size() * streams_, 0);
  expects_.assign(subscribers_.size() * streams_, 0);
  for (std::size_t i = 0; i < subscribers.size(); ++i)
    for (auto stream : subscribers[i].streams)
      if (stream < streams_ && !expects_[i * streams_ + stream]) {
        expects_[i * streams_ + stream] = 1;
        ++expected_pairs_;
      }
}

LoadRunner::~LoadRunner() {
  stop();
}

Status LoadRunner::start() {
  if (thread_.joinable()) return make_error("load", "the runner is already running");
  stop_ = false;
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void LoadRunner::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::size_t LoadRunner::missing_pairs() const {
  return expected_pairs_ - seen_pairs_;
}

void LoadRunner::schedule_first(Track& t, std::int64_t start_ns, std::int64_t phase_us) {
  const auto& s = *t.schedule;
  phase_us %= s.loop_us;
  t.loop = 0;
  t.next = 0;
  while (t.next < s.packets.size() && s.packets[t.next].at_us < phase_us) ++t.next;
  if (t.next == s.packets.size()) {
    t.next = 0;
    t.loop = 1;
  }
  t.due_ns =
      start_ns +
      (static_cast<std::int64_t>(t.loop) * s.loop_us + s.packets[t.next].at_us - phase_us) * 1000;
}

void LoadRunner::advance(Track& t, std::int64_t start_ns, std::int64_t phase_us) {
  const auto& s = *t.schedule;
  if (++t.next == s.packets.size()) {
    t.next = 0;
    ++t.loop;
  }
  t.due_ns = start_ns + (static_cast<std::int64_t>(t.loop) * s.loop_us + s.packets[t.next].at_us -
                         phase_us % s.loop_us) *
                            1000;
}

void LoadRunner::on_subscriber_rtp(std::uint32_t subscriber, const rtp::RtpPacket& packet,
                                   std::int64_t now_ns) {
  auto trailer = read_trailer(packet.payload());
  if (!trailer || trailer->stream >= streams_) {
    ++unknown_trailers_;
    return;
  }
  subscriber_rtp_.fetch_add(1, std::memory_order_relaxed);
  const std::size_t pair = subscriber * streams_ + trailer->stream;
  if (!expects_[pair]) {
    ++unexpected_;
    return;
  }
  if (!seen_[pair]) {
    seen_[pair] = 1;
    if (++seen_pairs_ == expected_pairs_) warm_.store(true, std::memory_order_release);
  }
  if (trailer->sent_ns >= window_.load(std::memory_order_relaxed))
    received_.push_back(
        {subscriber, trailer->stream, trailer->index, trailer->sent_ns, now_ns - trailer->sent_ns});
}

void LoadRunner::send_reports(std::int64_t now_ns) {
  std::array<std::uint8_t, 512> buf{};
  for (auto& p : publishers_) {
    for (StreamState* s : {&p.audio, &p.video}) {
      // RFC 3550 §6.4.1 sender report, with the CNAME (§6.5) in the same compound packet.
      const std::uint32_t clock = s == &p.audio ? audio_.clock_rate : video_.clock_rate;
      rtp::SenderInfo info;
      info.ntp_timestamp = ntp_now();
      info.rtp_timestamp = static_cast<std::uint32_t>(
          s->timestamp_base + static_cast<std::uint64_t>(now_ns / 1000) * clock / 1'000'000);
      info.packet_count = s->sent;
      auto n = rtp::build_sender_report(buf, s->ssrc, info, {});
      if (!n) continue;
      auto m = rtp::build_sdes_cname(std::span(buf).subspan(*n), s->ssrc, p.cname);
      if (!m) continue;
      p.client->send_rtcp(buf, *n + *m);
    }
  }
  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    auto n = rtp::build_receiver_report(buf, subscriber_ssrcs_[i], {});
    if (n) subscribers_[i]->send_rtcp(buf, *n);
  }
}

void LoadRunner::run() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    error_ = "epoll_create1 failed";
    return;
  }
  // Event data: index into `all`, each client once: subscribers first (a
  // publisher that also receives is read as a subscriber), then the
  // publishers that only publish.
  std::vector<MediaClient*> all;
  std::vector<MediaClient::RtpHandler> handlers;
  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    all.push_back(subscribers_[i]);
    handlers.emplace_back(
        [this, s = static_cast<std::uint32_t>(i)](const rtp::RtpPacket& p, std::int64_t now) {
          on_subscriber_rtp(s, p, now);
        });
  }
  for (auto& p : publishers_) {
    if (std::find(all.begin(), all.end(), p.client) != all.end()) continue;
    all.push_back(p.client);
    handlers.emplace_back([this](const rtp::RtpPacket&, std::int64_t) { ++publisher_rtp_; });
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, all[i]->fd(), &ev);
  }

  const std::int64_t start_ns = monotonic_ns();
  std::vector<Track> tracks;
  tracks.reserve(publishers_.size() * 2);
  std::vector<std::size_t> owner;  // publisher index of each track
  for (std::size_t i = 0; i < publishers_.size(); ++i) {
    auto& p = publishers_[i];
    tracks.push_back(Track{&audio_, &p.audio});
    owner.push_back(i);
    tracks.push_back(Track{&video_, &p.video});
    owner.push_back(i);
  }
  for (std::size_t k = 0; k < tracks.size(); ++k)
    schedule_first(tracks[k], start_ns, publishers_[owner[k]].phase_us);

  std::array<std::uint8_t, media::kPacketCapacity> buf{};
  std::array<epoll_event, 64> events{};
  std::int64_t next_report = start_ns + kReportIntervalNs;
  std::int64_t next_consent = start_ns + kConsentIntervalNs;
  bool precise = true;
  // Busy-polling: the earliest packet due, from the last pass over the
  // tracks. A pass is made only once it is due, so that a turn that finds
  // nothing costs one epoll_wait, not a walk over every track; then every
  // packet due within the slack leaves with it, as after a sleep.
  std::int64_t next_due = start_ns;
  // Idle turns are counted in the thread's CPU time, not in wall time: on a
  // core shared with other work the thread is often descheduled in the
  // middle of one, and that time is not the tool's CPU. The clock is read
  // once a turn and each reading closes the turn before, so that no part
  // of a turn (the readings themselves included) escapes the count.
  std::int64_t cpu_mark = options_.busy_poll ? thread_cpu_ns() : 0;
  bool idle = false;  // the turn before found nothing to do
  while (!stop_.load(std::memory_order_relaxed)) {
    if (options_.busy_poll) {
      const std::int64_t cpu = thread_cpu_ns();
      if (idle) idle_poll_ns_.fetch_add(cpu - cpu_mark, std::memory_order_relaxed);
      cpu_mark = cpu;
    }
    std::int64_t now = monotonic_ns();
    bool worked = false;
    if (!options_.busy_poll || now >= next_due) {
      next_due = INT64_MAX;
      for (std::size_t k = 0; k < tracks.size(); ++k) {
        Track& t = tracks[k];
        PublisherSetup& p = publishers_[owner[k]];
        while (t.due_ns <= now + options_.send_slack_ns) {
          const auto& sp = t.schedule->packets[t.next];
          const std::int64_t stamp = monotonic_ns();
          const std::size_t len =
              write_packet(*t.schedule, sp, t.loop, *t.state, twcc_[owner[k]]++, stamp, buf);
          if (stamp >= window_.load(std::memory_order_relaxed))
            sent_[t.state->stream].push_back(stamp);
          p.client->send_rtp(buf, len);
          advance(t, start_ns, p.phase_us);
          worked = true;
        }
        next_due = std::min(next_due, t.due_ns);
      }
    }
    std::int64_t wake = std::min(now + kIdleWaitNs, next_due);
    if (options_.reports && now >= next_report) {
      send_reports(now);
      next_report += kReportIntervalNs;
      worked = true;
    }
    if (options_.consent_checks && now >= next_consent) {
      for (auto* c : all) c->send_consent_check();
      next_consent += kConsentIntervalNs;
      worked = true;
    }
    int n = 0;
    if (options_.busy_poll) {
      n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 0);
    } else {
      wake = std::min({wake, options_.reports ? next_report : wake,
                       options_.consent_checks ? next_consent : wake});
      const std::int64_t wait = std::max<std::int64_t>(0, wake - monotonic_ns());
      timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                  static_cast<long>(wait % 1'000'000'000)};
      n = precise ? epoll_pwait2(ep, events.data(), static_cast<int>(events.size()), &ts, nullptr)
                  : -1;
      if (n < 0 && errno == ENOSYS) precise = false;  // kernels before 5.11: millisecond waits
      if (!precise)
        n = epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                       static_cast<int>((wait + 999'999) / 1'000'000));
    }
    for (int i = 0; i < n; ++i) {
      const auto idx = static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64);
      all[idx]->drain(handlers[idx]);
    }
    idle = n <= 0 && !worked;
  }
  close(ep);
}

LoadResults LoadRunner::results(std::int64_t t0, std::int64_t t1) const {
  LoadResults r;
  r.seconds = static_cast<double>(t1 - t0) / 1e9;
  std::vector<std::uint64_t> sent_per_stream(streams_, 0);
  for (std::size_t s = 0; s < streams_; ++s)
    for (auto stamp : sent_[s])
      if (stamp >= t0 && stamp < t1) ++sent_per_stream[s];
  for (auto n : sent_per_stream) r.sent += n;
  std::vector<std::uint64_t> expected_per_subscriber(subscribers_.size(), 0);
  r.streams.assign(streams_, StreamOutcome{});
  for (std::size_t sub = 0; sub < subscribers_.size(); ++sub) {
    for (std::size_t s = 0; s < streams_; ++s)
      if (expects_[sub * streams_ + s]) {
        expected_per_subscriber[sub] += sent_per_stream[s];
        r.streams[s].expected += sent_per_stream[s];
      }
    r.expected += expected_per_subscriber[sub];
  }

  std::vector<Reception> in;
  for (const auto& x : received_)
    if (x.sent_ns >= t0 && x.sent_ns < t1 && expects_[x.subscriber * streams_ + x.stream])
      in.push_back(x);
  std::sort(in.begin(), in.end(), [](const Reception& a, const Reception& b) {
    return std::tie(a.subscriber, a.stream, a.index) < std::tie(b.subscriber, b.stream, b.index);
  });
  std::vector<std::int64_t> delays;
  delays.reserve(in.size());
  std::vector<std::vector<std::int64_t>> stream_delays(streams_);
  std::vector<std::uint64_t> per_subscriber(subscribers_.size(), 0);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i > 0 && in[i].subscriber == in[i - 1].subscriber && in[i].stream == in[i - 1].stream &&
        in[i].index == in[i - 1].index) {
      ++r.duplicates;
      continue;
    }
    ++r.received;
    ++r.streams[in[i].stream].received;
    ++per_subscriber[in[i].subscriber];
    delays.push_back(in[i].delay_ns);
    stream_delays[in[i].stream].push_back(in[i].delay_ns);
  }
  for (std::size_t s = 0; s < streams_; ++s) {
    auto& d = stream_delays[s];
    std::sort(d.begin(), d.end());
    r.streams[s].p50_ms = percentile_ms(d, 0.50);
    r.streams[s].p99_ms = percentile_ms(d, 0.99);
    r.streams[s].max_ms = d.empty() ? 0 : static_cast<double>(d.back()) / 1e6;
  }
  std::sort(delays.begin(), delays.end());
  r.p50_ms = percentile_ms(delays, 0.50);
  r.p99_ms = percentile_ms(delays, 0.99);
  r.max_ms = delays.empty() ? 0 : static_cast<double>(delays.back()) / 1e6;
  r.loss = r.expected ? 1.0 - static_cast<double>(r.received) / static_cast<double>(r.expected) : 0;
  for (std::size_t sub = 0; sub < subscribers_.size(); ++sub)
    if (expected_per_subscriber[sub])
      r.worst_subscriber_loss = std::max(
          r.worst_subscriber_loss, 1.0 - static_cast<double>(per_subscriber[sub]) /
                                             static_cast<double>(expected_per_subscriber[sub]));
  r.unknown_trailers = unknown_trailers_;
  r.unexpected = unexpected_;
  r.publisher_rtp_received = publisher_rtp_;
  for (const auto& p : publishers_) add(r.publishers, p.client->counters());
  for (auto* s : subscribers_) add(r.subscribers, s->counters());
  return r;
}

}  // namespace parley::load
