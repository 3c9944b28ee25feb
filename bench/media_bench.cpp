// media_bench: how many RTP packets per CPU-second a real parleyd forwards
// when N publishers send real-rate VP8 and Opus to M subscribers in one
// call, with the forwarding delay and loss the subscribers see, next to
// what the bare system calls and SRTP of forwarding cost on this machine
// (the raw loop, load/raw_forwarder.h) measured in the same run with the
// same clients and the same media. bench/README.md explains how to run it
// and what the figures mean.
//
// Setup goes through the product as users would: parleyd is started as a
// child process with one media worker (--media-workers 1, so the figure is
// per core), parties, negotiators and N+M participants are enrolled with
// keys of their own and signed in, a meeting is negotiated to announced
// with them all on the signed roster (load/call_setup.h), and each joins
// its call over the WebSocket with a real SDP offer, answers the server's
// offers, and connects with ICE-lite checks, DTLS and SRTP
// (load/parley_signalling.h, load/media_client.h).

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "crypto/identity_key.h"
#include "json/canonical.h"
#include "load/call_setup.h"
#include "load/clip.h"
#include "load/load_runner.h"
#include "load/media_client.h"
#include "load/options.h"
#include "load/parley_signalling.h"
#include "load/parleyd_process.h"
#include "load/raw_forwarder.h"
#include "load/schedule.h"

namespace fs = std::filesystem;
using parley::Error;
using parley::Expected;
using parley::make_error;
using parley::ok_status;
using parley::Status;
using parley::json::Json;
using namespace parley::load;
using SteadyClock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------- options

struct Options {
  fs::path parleyd;
  fs::path tmp_root = "/tmp";
  fs::path video = fs::path(PARLEY_LOAD_MEDIA_DIR) / "clip.ivf";
  fs::path audio = fs::path(PARLEY_LOAD_MEDIA_DIR) / "clip.opus";
  int publishers = 4;
  int subscribers = 4;
  int seconds = 10;
  int media_workers = 1;
  int warmup_timeout = 30;
  double pacing = 2.5;
  bool raw = true;
  bool check = false;
  std::string json_path;
  std::vector<std::string> limits;  // the shape was reduced to fit: why
};

void usage(std::ostream& out) {
  out << "usage: media_bench [--publishers N] [--subscribers M] [--seconds S] [--parleyd PATH] "
         "[--json FILE]\n"
         "                   [--media-workers W] [--video FILE.ivf] [--audio FILE.opus] [--pacing "
         "F]\n"
         "                   [--warmup-timeout S] [--tmp-dir DIR] [--no-raw] [--check]\n"
         "  --publishers N     participants sending Opus + VP8 (default 4)\n"
         "  --subscribers M    participants receiving every publisher's streams (default 4)\n"
         "  --seconds S        length of each measurement window (default 10)\n"
         "  --parleyd PATH     server binary (default: ../src/app/parleyd next to this binary)\n"
         "  --media-workers W  parleyd's --media-workers (default 1: the figure is per core)\n"
         "  --video, --audio   pre-encoded clips (default: bench/load/media/clip.ivf, clip.opus)\n"
         "  --pacing F         video pacing rate as a multiple of the clip's bitrate (default 2.5, "
         "as\n"
         "                     a browser's pacer; 0 sends each frame as one burst)\n"
         "  --warmup-timeout S how long every subscriber may take to receive every stream (default "
         "30)\n"
         "  --json FILE        also write the results as JSON\n"
         "  --tmp-dir DIR      where the temporary data dir goes (default /tmp)\n"
         "  --no-raw           skip the raw reference loop\n"
         "  --check            exit 1 unless every subscriber received every stream through "
         "parleyd\n"
         "                     (for the smoke test; no timing is judged)\n";
}

Expected<Options> parse_args(int argc, char** argv) {
  Options o;
  const auto self = self_dir();
  o.parleyd = self ? built_parleyd(*self) : fs::path("parleyd");
  ArgWalker args(argc, argv);
  while (args.next()) {
    const std::string& arg = args.arg();
    if (args.is_help()) return make_error("help", "");
    if (arg == "--no-raw") {
      o.raw = false;
      continue;
    }
    if (arg == "--check") {
      o.check = true;
      continue;
    }
    if (auto st = args.take_value(); !st) return st.error();
    const std::string& v = args.value();
    Status st = ok_status();
    if (arg == "--parleyd")
      o.parleyd = v;
    else if (arg == "--tmp-dir")
      o.tmp_root = v;
    else if (arg == "--json")
      o.json_path = v;
    else if (arg == "--video")
      o.video = v;
    else if (arg == "--audio")
      o.audio = v;
    else if (arg == "--pacing") {
      char* end = nullptr;
      o.pacing = std::strtod(v.c_str(), &end);
      if (*end != '\0' || o.pacing < 0 || o.pacing > 100)
        return make_error("usage", "--pacing takes a number from 0 to 100");
    } else if (arg == "--publishers")
      st = args.number(1, 100, o.publishers);
    else if (arg == "--subscribers")
      st = args.number(1, 100, o.subscribers);
    else if (arg == "--seconds")
      st = args.number(1, 3600, o.seconds);
    else if (arg == "--media-workers")
      st = args.number(1, 64, o.media_workers);
    else if (arg == "--warmup-timeout")
      st = args.number(1, 600, o.warmup_timeout);
    else
      return make_error("usage", "unknown option " + arg);
    if (!st) return st.error();
  }
  // Each subscriber gets one m= section per published stream besides its own
  // two, and the server stops at 64 sections (sdp::Capabilities): at most
  // 31 publishers. One meeting's roster holds 100 members
  // (negotiation/parameters.cpp), and everyone in the call must be on it.
  // Beyond either limit the largest shape that works is used, and said.
  if (2 + 2 * o.publishers > 64) {
    o.limits.push_back("at most 31 publishers (a subscriber's session holds 64 m= sections): " +
                       std::to_string(o.publishers) + " -> 31");
    o.publishers = 31;
  }
  if (static_cast<std::size_t>(o.publishers + o.subscribers) > kMaxRoster) {
    const int fit = static_cast<int>(kMaxRoster) - o.publishers;
    o.limits.push_back("a meeting's roster holds " + std::to_string(kMaxRoster) +
                       " members, publishers and subscribers together: subscribers " +
                       std::to_string(o.subscribers) + " -> " + std::to_string(fit));
    o.subscribers = fit;
  }
  return o;
}

// ---------------------------------------------------------------- helpers

std::string host_load_note() {
  double load1 = 0;
  std::ifstream("/proc/loadavg") >> load1;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  char line[160];
  std::snprintf(
      line, sizeof line, "host load average %.2f on %u cores%s", load1, cores,
      load1 > 0.5 * cores ? " (busy: other work competes for CPU, figures are noisy)" : "");
  return line;
}

double load_average() {
  double load1 = 0;
  std::ifstream("/proc/loadavg") >> load1;
  return load1;
}

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

void sleep_until_ns(std::int64_t t) {
  for (;;) {
    std::int64_t left = t - monotonic_ns();
    if (left <= 0) return;
    std::this_thread::sleep_for(
        std::chrono::nanoseconds(std::min<std::int64_t>(left, 100'000'000)));
  }
}

// One run's figures, parleyd's or the raw loop's.
struct Measured {
  std::string name;
  LoadResults load;
  std::uint64_t forwarded = 0;    // server counter over the window
  double cpu_seconds = 0;         // of the process (parleyd) or of the loop's thread (raw)
  double worker_cpu_seconds = 0;  // parleyd: its media worker thread(s); raw: = cpu_seconds
  std::string worker_threads;     // how the worker threads were found
  double client_cpu_seconds = 0;  // this process over the window
  std::string srtp_profile;
  std::map<std::string, double> counters;  // parleyd's other media counters over the window
  std::vector<ThreadCpu> threads;          // parleyd's threads, CPU seconds over the window
  double per_cpu_second() const {
    return cpu_seconds > 0 ? static_cast<double>(forwarded) / cpu_seconds : 0;
  }
  double per_worker_cpu_second() const {
    return worker_cpu_seconds > 0 ? static_cast<double>(forwarded) / worker_cpu_seconds : 0;
  }
};

// The clients of one run: publishers first, then subscribers.
struct Clients {
  std::vector<std::unique_ptr<MediaClient>> media;
  std::vector<PublisherSetup> publishers;
  std::vector<MediaClient*> subscribers;
};

// Stream numbers, SSRCs and loop phases of the publishers: publisher i
// starts i/N of the way into its loops, so that keyframes do not coincide.
std::vector<PublisherSetup> publisher_setups(const Clients& c, int publishers,
                                             const TrackSchedule& video) {
  std::vector<PublisherSetup> out;
  for (int i = 0; i < publishers; ++i) {
    PublisherSetup p;
    p.client = c.media[static_cast<std::size_t>(i)].get();
    p.audio.stream = static_cast<std::uint32_t>(2 * i);
    p.video.stream = static_cast<std::uint32_t>(2 * i + 1);
    p.audio.ssrc = random_u32();
    p.video.ssrc = random_u32();
    while (p.video.ssrc == p.audio.ssrc) p.video.ssrc = random_u32();
    p.audio.sequence = static_cast<std::uint16_t>(random_u32());
    p.video.sequence = static_cast<std::uint16_t>(random_u32());
    p.audio.timestamp_base = random_u32();
    p.video.timestamp_base = random_u32();
    p.audio.audio_level = static_cast<std::uint8_t>(30 + i % 60);
    p.phase_us = video.loop_us * i / publishers;
    p.cname = "load-" + std::to_string(i);
    out.push_back(p);
  }
  return out;
}

// Waits for every subscriber to receive every stream, then measures one
// window of `seconds`; `sample` is called right before t0 and right after t1.
struct Window {
  std::int64_t t0 = 0, t1 = 0;
  bool warm = false;
  double warmup_seconds = 0;
};
template <class Sample>
Window measure(LoadRunner& runner, int seconds, int warmup_timeout, Sample sample) {
  Window w;
  const auto start = SteadyClock::now();
  while (!runner.warm() && SteadyClock::now() - start < std::chrono::seconds(warmup_timeout))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  w.warm = runner.warm();
  w.warmup_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  // Half a second more, so that the first window packets do not meet the
  // keyframe requests and retransmission of a fresh subscription.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  sample(true);
  w.t0 = monotonic_ns();
  runner.open_window(w.t0);
  sleep_until_ns(w.t0 + static_cast<std::int64_t>(seconds) * 1'000'000'000);
  w.t1 = monotonic_ns();
  sample(false);
  // Late packets of the window still count: give them a second to arrive.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  runner.stop();
  return w;
}

// ---------------------------------------------------------------- parleyd

const char* const kMediaCounters[] = {
    "parley_media_rtp_forwarded_total",
    "parley_media_rtcp_forwarded_total",
    "parley_media_datagrams_in_total",
    "parley_media_datagrams_out_total",
    "parley_media_send_dropped_total",
    "parley_media_pool_exhausted_total",
    "parley_media_srtp_unprotect_failed_total",
    "parley_media_unknown_ssrc_total",
    "parley_media_keyframe_requests_sent_total",
    "parley_media_twcc_feedback_sent_total",
    "parley_media_dtls_failed_total",
};

Expected<Measured> run_parleyd(const Options& o, const TrackSchedule& audio,
                               const TrackSchedule& video, const fs::path& root,
                               std::vector<std::string>& problems) {
  const fs::path data_dir = root / "data";
  const std::size_t people = static_cast<std::size_t>(o.publishers + o.subscribers);
  // Info level: parleyd announces its URL there.
  // --media-max-load 1: forwarding measured up to a fully busy worker,
  // not stopped at 0.85 by the behaviour at the limit (docs/media.md).
  std::vector<std::string> args = {"--media-workers", std::to_string(o.media_workers),
                                   "--call-max-participants",
                                   std::to_string(std::max<std::size_t>(50, people)),
                                   "--media-max-load", "1"};
  auto server = ParleydProcess::start(o.parleyd, data_dir, root / "parleyd.log", args);
  if (!server) return server.error();
  std::cout << "parleyd at " << (*server)->url() << " (pid " << (*server)->pid()
            << ", --media-workers " << o.media_workers << ")\n";
  std::string admin = read_text_file(data_dir / "admin.token");
  while (!admin.empty() && (admin.back() == '\n' || admin.back() == '\r')) admin.pop_back();
  auto call = set_up_call((*server)->url(), admin, people, std::cout);
  if (!call) return call.error();

  auto dtls = parley::media::DtlsContext::create();
  if (!dtls) return dtls.error();
  Clients clients;
  std::vector<ClientSession> sessions(people);
  std::vector<std::unique_ptr<ParleySignalling>> signalling;
  for (std::size_t i = 0; i < people; ++i) {
    auto mc = MediaClient::create(*dtls);
    if (!mc) return mc.error();
    clients.media.push_back(std::move(*mc));
  }
  clients.publishers = publisher_setups(clients, o.publishers, video);
  for (std::size_t i = static_cast<std::size_t>(o.publishers); i < people; ++i)
    clients.subscribers.push_back(clients.media[i].get());

  const auto t_join = SteadyClock::now();
  for (std::size_t i = 0; i < people; ++i) {
    const auto& who = call->participants[i];
    ClientSession& s = sessions[i];
    s.transport = clients.media[i]->transport();
    if (i < static_cast<std::size_t>(o.publishers)) {
      const auto& p = clients.publishers[i];
      s.receive = false;  // publishers only publish: the call's shape is N -> M
      s.tracks.push_back({TrackKind::audio, "0", p.audio.ssrc, p.cname, who.id,
                          "audio-" + std::to_string(p.audio.ssrc)});
      s.tracks.push_back({TrackKind::video, "1", p.video.ssrc, p.cname, who.id,
                          "video-" + std::to_string(p.video.ssrc)});
    }
    auto sig = ParleySignalling::connect((*server)->url(), who.token, std::chrono::seconds(10));
    if (!sig)
      return make_error("setup",
                        "participant " + std::to_string(i + 1) + ": " + sig.error().message);
    auto transport = (*sig)->join(call->meeting, s, std::chrono::seconds(10));
    if (!transport)
      return make_error("setup",
                        "participant " + std::to_string(i + 1) + ": " + transport.error().message);
    if (auto st = clients.media[i]->connect(*transport, std::chrono::seconds(10)); !st)
      return make_error("setup",
                        "participant " + std::to_string(i + 1) + ": " + st.error().message);
    signalling.push_back(std::move(*sig));
    // Answer what is waiting, so that no offer stays unanswered for long.
    for (auto& other : signalling) other->poll(std::chrono::milliseconds(1));
  }
  std::cout << people << " participants joined and connected (ICE, DTLS "
            << clients.media.front()->srtp_profile() << ") in "
            << std::chrono::duration<double>(SteadyClock::now() - t_join).count() << " s\n"
            << std::flush;

  // Offers keep coming as subscriptions settle: a thread answers them.
  std::atomic<bool> pump_stop{false};
  std::thread pump([&] {
    while (!pump_stop.load()) {
      for (auto& s : signalling) s->poll(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  LoadRunner runner(audio, video, clients.publishers, clients.subscribers, RunnerOptions{});
  if (auto st = runner.start(); !st) return st.error();
  auto http = parley::client::HttpClient::create((*server)->url());
  if (!http) return http.error();

  Measured m;
  m.name = "parleyd";
  std::map<std::string, double> before, after;
  std::map<pid_t, ThreadCpu> threads_before;
  double cpu_before = 0, own_before = 0;
  std::string metrics_error;
  auto scrape = [&](std::map<std::string, double>& into) {
    auto res = (*http)->request("GET", "/metrics");
    if (!res || res->status != 200) {
      metrics_error = "GET /metrics failed";
      return;
    }
    for (const char* name : kMediaCounters) into[name] = metric_value(res->body, name);
  };
  auto sample = [&](bool start) {
    if (start) {
      scrape(before);
      for (auto& t : (*server)->threads()) threads_before[t.tid] = t;
      cpu_before = (*server)->cpu_seconds();
      own_before = own_cpu_seconds();
    } else {
      m.cpu_seconds = (*server)->cpu_seconds() - cpu_before;
      m.client_cpu_seconds = own_cpu_seconds() - own_before;
      // The media workers: threads named parley-media* if the server names
      // them, else the busiest thread (with one worker and an idle control
      // plane, that is the worker).
      double named = 0, busiest = 0;
      int named_count = 0;
      for (auto& t : (*server)->threads()) {
        auto b = threads_before.find(t.tid);
        double d = t.seconds - (b == threads_before.end() ? 0 : b->second.seconds);
        m.threads.push_back({t.tid, t.name, d});
        if (t.name.rfind("parley-media", 0) == 0) {
          named += d;
          ++named_count;
        }
        busiest = std::max(busiest, d);
      }
      if (named_count > 0) {
        m.worker_cpu_seconds = named;
        m.worker_threads = std::to_string(named_count) + " thread(s) named parley-media*";
      } else {
        m.worker_cpu_seconds = busiest;
        m.worker_threads = "busiest thread (worker threads are not named)";
      }
      scrape(after);
    }
  };
  Window w = measure(runner, o.seconds, o.warmup_timeout, sample);
  if (!w.warm) {
    problems.push_back("parleyd: " + std::to_string(runner.missing_pairs()) +
                       " (subscriber, stream) pairs had received nothing after " +
                       std::to_string(o.warmup_timeout) + " s");
  }
  std::cout << "parleyd: warm after " << w.warmup_seconds << " s, measured " << o.seconds << " s\n"
            << std::flush;
  pump_stop = true;
  pump.join();
  for (auto& s : signalling) {
    for (const auto& e : s->errors()) problems.push_back("signalling: " + e);
    s->leave();
  }
  if (!metrics_error.empty()) problems.push_back("parleyd: " + metrics_error);
  m.load = runner.results(w.t0, w.t1);
  m.forwarded = static_cast<std::uint64_t>(after["parley_media_rtp_forwarded_total"] -
                                           before["parley_media_rtp_forwarded_total"]);
  for (const char* name : kMediaCounters) m.counters[name] = after[name] - before[name];
  m.srtp_profile = clients.media.front()->srtp_profile();
  signalling.clear();
  (*server)->stop();
  return m;
}

// ---------------------------------------------------------------- raw loop

Expected<Measured> run_raw(const Options& o, const TrackSchedule& audio, const TrackSchedule& video,
                           parley::media::SrtpProfile profile) {
  auto fwd = RawForwarder::create("127.0.0.1");
  if (!fwd) return fwd.error();
  auto dtls = parley::media::DtlsContext::create();  // unused in raw mode, but a client holds one
  if (!dtls) return dtls.error();
  Clients clients;
  const int people = o.publishers + o.subscribers;
  for (int i = 0; i < people; ++i) {
    auto mc = MediaClient::create(*dtls);
    if (!mc) return mc.error();
    KeyPair keys = random_keys(profile);
    if (auto st = (*mc)->use_keys((*fwd)->endpoint(), keys.client); !st) return st.error();
    if (auto st = (*fwd)->add_peer((*mc)->local(), keys.forwarder, i < o.publishers); !st)
      return st.error();
    clients.media.push_back(std::move(*mc));
  }
  clients.publishers = publisher_setups(clients, o.publishers, video);
  for (int i = o.publishers; i < people; ++i)
    clients.subscribers.push_back(clients.media[static_cast<std::size_t>(i)].get());
  if (auto st = (*fwd)->start(); !st) return st.error();
  RunnerOptions ro;
  ro.consent_checks = false;
  LoadRunner runner(audio, video, clients.publishers, clients.subscribers, ro);
  if (auto st = runner.start(); !st) return st.error();

  Measured m;
  m.name = "raw loop";
  std::uint64_t fwd_before = 0;
  double cpu_before = 0, own_before = 0;
  auto sample = [&](bool start) {
    if (start) {
      fwd_before = (*fwd)->forwarded();
      cpu_before = (*fwd)->cpu_seconds();
      own_before = own_cpu_seconds();
    } else {
      m.cpu_seconds = (*fwd)->cpu_seconds() - cpu_before;
      m.forwarded = (*fwd)->forwarded() - fwd_before;
      m.client_cpu_seconds =
          own_cpu_seconds() - own_before - m.cpu_seconds;  // the loop runs in this process
    }
  };
  Window w = measure(runner, o.seconds, o.warmup_timeout, sample);
  (*fwd)->stop();
  m.worker_cpu_seconds = m.cpu_seconds;
  m.worker_threads = "the loop's thread";
  m.load = runner.results(w.t0, w.t1);
  m.srtp_profile = std::string(parley::media::srtp_profile_name(profile));
  m.counters["dropped"] = static_cast<double>((*fwd)->dropped());
  return m;
}

// ---------------------------------------------------------------- report

void print_report(const Options& o, const std::vector<Measured>& runs, std::ostream& out) {
  char line[320];
  out << "\n";
  std::snprintf(line, sizeof line, "%-9s %10s %9s %8s %11s %9s %8s %8s %8s  | %8s %11s %8s\n", "",
                "forwarded", "pkts/s", "CPU s", "pkts/CPU-s", "x raw", "p50 ms", "p99 ms", "loss %",
                "wkr CPU s", "pkts/wkr-s", "cli CPU");
  out << line;
  const Measured* raw = nullptr;
  for (const auto& r : runs)
    if (r.name == "raw loop") raw = &r;
  for (const auto& r : runs) {
    const double ratio =
        raw && raw->per_cpu_second() > 0 ? r.per_cpu_second() / raw->per_cpu_second() : 0;
    std::snprintf(
        line, sizeof line,
        "%-9s %10llu %9.0f %8.3f %11.0f %9.2f %8.2f %8.2f %8.3f  | %8.3f %11.0f %7.0f%%\n",
        r.name.c_str(), static_cast<unsigned long long>(r.forwarded),
        r.load.seconds > 0 ? static_cast<double>(r.forwarded) / r.load.seconds : 0.0, r.cpu_seconds,
        r.per_cpu_second(), raw ? ratio : 0.0, r.load.p50_ms, r.load.p99_ms, 100 * r.load.loss,
        r.worker_cpu_seconds, r.per_worker_cpu_second(),
        r.load.seconds > 0 ? 100 * r.client_cpu_seconds / r.load.seconds : 0.0);
    out << line;
  }
  if (raw) {
    for (const auto& r : runs)
      if (&r != raw && raw->per_cpu_second() > 0) {
        std::snprintf(line, sizeof line,
                      "parleyd / raw, packets per CPU-second: %.2f (whole process), %.2f (media "
                      "worker thread)\n",
                      r.per_cpu_second() / raw->per_cpu_second(),
                      r.per_worker_cpu_second() / raw->per_cpu_second());
        out << line;
      }
  }
  out << "(" << o.publishers << " publishers x " << o.subscribers
      << " subscribers; forwarded = RTP packets sent to subscribers in the window, parleyd's "
         "parley_media_rtp_forwarded_total or the raw loop's count; CPU s = parleyd's whole "
         "process (its CPU clock) or "
         "the raw loop's thread; delay = subscriber's receive time minus the publisher's send "
         "stamp in the payload, "
         "so it includes the clients' own SRTP and scheduling; loss over packets stamped in the "
         "window; right of |: "
         "the media worker thread alone, and this load tool's CPU, 100% = one core)\n";
  for (const auto& r : runs) {
    std::snprintf(line, sizeof line,
                  "%s: sent %llu, expected %llu, received %llu, duplicates %llu, worst subscriber "
                  "loss %.3f%%, "
                  "max delay %.2f ms, SRTP %s, worker CPU from %s\n",
                  r.name.c_str(), static_cast<unsigned long long>(r.load.sent),
                  static_cast<unsigned long long>(r.load.expected),
                  static_cast<unsigned long long>(r.load.received),
                  static_cast<unsigned long long>(r.load.duplicates),
                  100 * r.load.worst_subscriber_loss, r.load.max_ms, r.srtp_profile.c_str(),
                  r.worker_threads.c_str());
    out << line;
  }
}

Json counters_json(const ClientCounters& c) {
  return {{"rtp_sent", c.rtp_sent},           {"rtcp_sent", c.rtcp_sent},
          {"send_failed", c.send_failed},     {"rtp_received", c.rtp_received},
          {"rtcp_received", c.rtcp_received}, {"unprotect_failed", c.unprotect_failed},
          {"malformed", c.malformed},         {"pli_received", c.pli_received},
          {"twcc_received", c.twcc_received}, {"sr_received", c.sr_received}};
}

Json results_json(const Options& o, const TrackSchedule& audio, const TrackSchedule& video,
                  const std::vector<Measured>& runs, const std::vector<std::string>& problems,
                  double load_before, double load_after) {
  Json out;
  out["publishers"] = o.publishers;
  out["subscribers"] = o.subscribers;
  out["seconds"] = o.seconds;
  out["media_workers"] = o.media_workers;
  out["limits"] = o.limits;
  out["media"] = {{"video_bitrate_bps", video.mean_bitrate},
                  {"video_packets_per_loop", video.packets.size()},
                  {"video_loop_seconds", static_cast<double>(video.loop_us) / 1e6},
                  {"audio_bitrate_bps", audio.mean_bitrate},
                  {"audio_packets_per_loop", audio.packets.size()},
                  {"pacing", o.pacing}};
  out["load_average"] = {{"before", load_before},
                         {"after", load_after},
                         {"cores", std::thread::hardware_concurrency()}};
  const Measured* raw = nullptr;
  for (const auto& r : runs)
    if (r.name == "raw loop") raw = &r;
  Json list = Json::array();
  for (const auto& r : runs) {
    Json counters = Json::object();
    for (const auto& [k, v] : r.counters) counters[k] = v;
    Json threads = Json::array();
    for (const auto& t : r.threads)
      threads.push_back({{"tid", t.tid}, {"name", t.name}, {"cpu_seconds", t.seconds}});
    list.push_back(
        {{"name", r.name},
         {"forwarded", r.forwarded},
         {"window_seconds", r.load.seconds},
         {"cpu_seconds", r.cpu_seconds},
         {"packets_per_cpu_second", r.per_cpu_second()},
         {"worker_cpu_seconds", r.worker_cpu_seconds},
         {"packets_per_worker_cpu_second", r.per_worker_cpu_second()},
         {"worker_threads", r.worker_threads},
         {"ratio_to_raw", raw && raw->per_cpu_second() > 0
                              ? Json(r.per_cpu_second() / raw->per_cpu_second())
                              : Json(nullptr)},
         {"client_cpu_seconds", r.client_cpu_seconds},
         {"sent", r.load.sent},
         {"expected", r.load.expected},
         {"received", r.load.received},
         {"duplicates", r.load.duplicates},
         {"loss", r.load.loss},
         {"worst_subscriber_loss", r.load.worst_subscriber_loss},
         {"delay_ms", {{"p50", r.load.p50_ms}, {"p99", r.load.p99_ms}, {"max", r.load.max_ms}}},
         {"srtp_profile", r.srtp_profile},
         {"unknown_trailers", r.load.unknown_trailers},
         {"publisher_rtp_received", r.load.publisher_rtp_received},
         {"server_counters", counters},
         {"threads", threads},
         {"publishers", counters_json(r.load.publishers)},
         {"subscribers", counters_json(r.load.subscribers)}});
  }
  out["runs"] = list;
  out["problems"] = problems;
  return out;
}

int run(const Options& o) {
  parley::crypto::init();
  const double load_before = load_average();
  const std::string load_note = host_load_note();
  auto vclip = read_ivf(o.video);
  if (!vclip) {
    std::cerr << "media_bench: " << vclip.error().message << "\n";
    return 1;
  }
  auto aclip = read_ogg_opus(o.audio);
  if (!aclip) {
    std::cerr << "media_bench: " << aclip.error().message << "\n";
    return 1;
  }
  auto video = schedule_video(*vclip, o.pacing);
  auto audio = schedule_audio(*aclip);
  if (!video || !audio) {
    std::cerr << "media_bench: " << (!video ? video.error().message : audio.error().message)
              << "\n";
    return 1;
  }
  std::printf(
      "media: VP8 %ux%u, %zu frames, %.0f kbit/s, %zu packets per %.1f s loop (paced at %.1fx); "
      "Opus %.0f kbit/s, %zu packets per %.1f s loop\n",
      vclip->width, vclip->height, vclip->frames.size(), video->mean_bitrate / 1000,
      video->packets.size(), static_cast<double>(video->loop_us) / 1e6, o.pacing,
      audio->mean_bitrate / 1000, audio->packets.size(), static_cast<double>(audio->loop_us) / 1e6);
  std::cout << load_note << "\n" << std::flush;
  for (const auto& l : o.limits) std::cout << "note: " << l << "\n" << std::flush;
  auto root = TempDir::create(o.tmp_root, "parley-media-bench");
  if (!root) {
    std::cerr << "media_bench: " << root.error().message << "\n";
    return 1;
  }
  std::vector<std::string> problems;
  std::vector<Measured> runs;
  auto p = run_parleyd(o, *audio, *video, root->path(), problems);
  if (!p) {
    std::cerr << "media_bench: " << p.error().message << "\n";
    std::cerr << "parleyd log (tail):\n"
              << read_text_file(root->path() / "parleyd.log").substr(0, 4000) << "\n";
    return 1;
  }
  runs.push_back(*p);
  if (o.raw) {
    auto profile = p->srtp_profile == parley::media::srtp_profile_name(
                                          parley::media::SrtpProfile::aes128_cm_sha1_80)
                       ? parley::media::SrtpProfile::aes128_cm_sha1_80
                       : parley::media::SrtpProfile::aead_aes_128_gcm;
    std::cout << "raw loop: same clients and media, " << o.seconds << " s...\n" << std::flush;
    auto r = run_raw(o, *audio, *video, profile);
    if (!r) {
      std::cerr << "media_bench: raw loop: " << r.error().message << "\n";
      return 1;
    }
    runs.push_back(*r);
  }
  const double load_after = load_average();
  print_report(o, runs, std::cout);
  std::cout << load_note << "; after the run " << load_after << "\n";
  for (const auto& pr : problems) std::cout << "problem: " << pr << "\n";
  if (!o.json_path.empty()) {
    std::ofstream f(o.json_path);
    f << results_json(o, *audio, *video, runs, problems, load_before, load_after).dump(2) << "\n";
    if (!f) {
      std::cerr << "media_bench: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  if (o.check) {
    const Measured& pm = runs.front();
    bool ok = problems.empty() && pm.forwarded > 0 && pm.load.received > 0 &&
              pm.load.subscribers.unprotect_failed == 0;
    std::cout << "check: "
              << (ok ? "media flowed from every publisher to every subscriber through parleyd"
                     : "FAILED: media did not flow as it should (see above)")
              << "\n";
    return ok ? 0 : 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse_args(argc, argv);
  if (!o) return usage_exit("media_bench", o.error(), usage);
  return run(*o);
}
