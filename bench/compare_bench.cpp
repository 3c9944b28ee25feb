// compare_bench: parleyd's media plane and Janus 1.1.2's VideoRoom side by
// side, under the same load from the same load tool (bench/load/), with the
// raw forwarding limit of this machine measured in the same run. Issue 7;
// bench/README.md explains how to run it and docs/performance.md holds the
// figures.
//
// For each load shape and each server, the tool steps the load up (a
// ladder per shape) until the server no longer holds it — loss of 0.5% or
// more, or p99 added delay of 20 ms or more — and measures at each step:
// RTP packets forwarded to subscribers per CPU-second of the server
// process (utime + stime from /proc/PID/stat), the added delay (p50, p99)
// and the loss seen by the subscribers, and resident memory per receiving
// client. The server is pinned to one core and the tool to the other.
//
// Everything runs inside a network namespace the benchmark makes for
// itself (load/private_network.h), which Janus needs anyway: it skips
// loopback interfaces when gathering ICE candidates, so it is given a veth
// address (127.0.0.2/32) instead. The namespace disappears with the
// process.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "crypto/identity_key.h"
#include "load/call_setup.h"
#include "load/clip.h"
#include "load/janus_process.h"
#include "load/janus_signalling.h"
#include "load/load_runner.h"
#include "load/media_client.h"
#include "load/options.h"
#include "load/parley_signalling.h"
#include "load/parleyd_process.h"
#include "load/private_network.h"
#include "load/raw_forwarder.h"
#include "load/schedule.h"

namespace fs = std::filesystem;
using parley::Error;
using parley::Expected;
using parley::make_error;
using parley::ok_status;
using parley::Status;
using Json = nlohmann::json;
using namespace parley::load;
using SteadyClock = std::chrono::steady_clock;

namespace {

// ctest's SKIP_RETURN_CODE: no network namespace here (not root).
constexpr int kSkipped = 77;

// What "held" means (issue 7).
constexpr double kMaxLoss = 0.005;
constexpr double kMaxP99Ms = 20;
// The load tool counts as saturated above this share of its core: a step
// that fails then says more about the tool than about the server.
constexpr double kToolSaturated = 0.90;

// ---------------------------------------------------------------- the load

// One meeting of a step: `publishers` send Opus + VP8; when
// `publishers_receive`, each also receives every other publisher of the
// meeting (a conference); `subscribers` receive every publisher and send
// nothing (a press pool).
struct Meeting {
  int publishers = 0;
  int subscribers = 0;
  bool publishers_receive = false;
};
using Layout = std::vector<Meeting>;

struct Shape {
  std::string id;     // "a", "b", "c", or "smoke"
  std::string title;  // for people
  std::string unit;   // what one step of the ladder counts
  std::vector<int> ladder;
};

// Parley holds at most 100 members on one meeting's roster
// (negotiation/parameters.cpp): a press pool larger than 99 subscribers is
// several pools of one publisher each, filled in turn.
constexpr int kMaxPool = static_cast<int>(kMaxRoster) - 1;

Layout layout_for(const std::string& shape, int load) {
  Layout out;
  if (shape == "a") {
    out.assign(static_cast<std::size_t>(load), Meeting{8, 0, true});
  } else if (shape == "b") {
    for (int left = load; left > 0; left -= kMaxPool)
      out.push_back(Meeting{1, std::min(left, kMaxPool), false});
  } else if (shape == "c") {
    out.assign(static_cast<std::size_t>(load), Meeting{2, 0, true});
  } else {  // smoke
    out.push_back(Meeting{2, 1, false});
  }
  return out;
}

// The participants of a layout from the load tool's side: who publishes
// which streams (publisher g sends streams 2g and 2g+1), who receives which.
struct Member {
  int meeting = 0;
  bool publishes = false;
  bool receives = false;
  int publisher = -1;  // global publisher index when publishing
  std::vector<std::uint32_t> expects;
};

std::vector<Member> plan(const Layout& layout) {
  std::vector<Member> out;
  int next_publisher = 0;
  for (std::size_t m = 0; m < layout.size(); ++m) {
    const Meeting& mt = layout[m];
    const std::size_t first = out.size();
    for (int i = 0; i < mt.publishers; ++i) {
      Member x;
      x.meeting = static_cast<int>(m);
      x.publishes = true;
      x.receives = mt.publishers_receive;
      x.publisher = next_publisher++;
      out.push_back(x);
    }
    for (int i = 0; i < mt.subscribers; ++i) {
      Member x;
      x.meeting = static_cast<int>(m);
      x.receives = true;
      out.push_back(x);
    }
    for (std::size_t i = first; i < out.size(); ++i) {
      if (!out[i].receives) continue;
      for (std::size_t j = first; j < out.size(); ++j)
        if (j != i && out[j].publishes) {
          out[i].expects.push_back(static_cast<std::uint32_t>(2 * out[j].publisher));
          out[i].expects.push_back(static_cast<std::uint32_t>(2 * out[j].publisher + 1));
        }
    }
  }
  return out;
}

int receivers(const std::vector<Member>& members) {
  return static_cast<int>(
      std::count_if(members.begin(), members.end(), [](const Member& m) { return m.receives; }));
}

int publisher_count(const std::vector<Member>& members) {
  return static_cast<int>(
      std::count_if(members.begin(), members.end(), [](const Member& m) { return m.publishes; }));
}

// Stream state of publisher `g` of `count`: random SSRCs and sequence
// numbers, loops started g/count of the way in so that keyframes spread.
PublisherSetup publisher_setup(MediaClient* client, int g, int count, const TrackSchedule& video) {
  PublisherSetup p;
  p.client = client;
  p.audio.stream = static_cast<std::uint32_t>(2 * g);
  p.video.stream = static_cast<std::uint32_t>(2 * g + 1);
  p.audio.ssrc = random_u32();
  p.video.ssrc = random_u32();
  while (p.video.ssrc == p.audio.ssrc) p.video.ssrc = random_u32();
  p.audio.sequence = static_cast<std::uint16_t>(random_u32());
  p.video.sequence = static_cast<std::uint16_t>(random_u32());
  p.audio.timestamp_base = random_u32();
  p.video.timestamp_base = random_u32();
  p.audio.audio_level = static_cast<std::uint8_t>(30 + g % 60);
  p.phase_us = video.loop_us * g / std::max(1, count);
  p.cname = "load-" + std::to_string(g);
  return p;
}

// The clients of one step and what the runner needs to know about them.
struct Clients {
  std::vector<std::unique_ptr<MediaClient>> media;  // owned here
  std::vector<PublisherSetup> publishers;
  std::vector<SubscriberSetup> subscribers;

  // A new client on `address`, owned here.
  Expected<MediaClient*> add_client(const std::shared_ptr<parley::media::DtlsContext>& dtls,
                                    const std::string& address) {
    auto mc = MediaClient::create(dtls, address);
    if (!mc) return mc.error();
    media.push_back(std::move(*mc));
    return media.back().get();
  }
  // Publisher `p` sending in session `s`: its audio and video tracks, in the
  // stream `stream_id` (a browser's MediaStream id), and its media in the load.
  void add_publisher(ClientSession& s, const PublisherSetup& p, const std::string& stream_id) {
    s.tracks.push_back({TrackKind::audio, "0", p.audio.ssrc, p.cname, stream_id,
                        "audio-" + std::to_string(p.audio.ssrc)});
    s.tracks.push_back({TrackKind::video, "1", p.video.ssrc, p.cname, stream_id,
                        "video-" + std::to_string(p.video.ssrc)});
    publishers.push_back(p);
  }
};

// ICE + DTLS for many clients at once: a server that drops a ClientHello
// sent before its own ICE finished makes that client wait a second for the
// retransmission, which one at a time would add up to minutes.
struct Connection {
  MediaClient* client;
  ServerTransport server;
  parley::stun::IceRole role;
};
Status connect_all(const std::vector<Connection>& all, int threads) {
  std::atomic<std::size_t> next{0};
  std::vector<std::string> errors(all.size());
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < all.size(); i = next++) {
        auto st = all[i].client->connect(all[i].server, std::chrono::seconds(20), all[i].role);
        if (!st) errors[i] = st.error().message;
      }
    });
  for (auto& t : pool) t.join();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!errors[i].empty())
      return make_error("setup", "client " + std::to_string(i + 1) + " of " +
                                     std::to_string(all.size()) + ": " + errors[i]);
  return ok_status();
}

// How long the host kept each of the two cores from a thread that only
// sleeps: one thread per core wakes every millisecond and records how late
// it was. A window in which either was kept waiting for 20 ms or more
// (the held criterion's own bound) says more about the machine — other
// work, the hypervisor — than about the server, and is measured again.
class StallProbe {
 public:
  explicit StallProbe(std::vector<int> cpus) {
    for (int cpu : cpus)
      threads_.emplace_back([this, cpu] {
        if (cpu >= 0) (void)pin_to_cpu(cpu);
        while (!stop_.load(std::memory_order_relaxed)) {
          const std::int64_t before = monotonic_ns();
          timespec ts{0, 1'000'000};
          ::clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);
          const std::int64_t late = monotonic_ns() - before - 1'000'000;
          std::int64_t seen = worst_.load(std::memory_order_relaxed);
          while (late > seen && !worst_.compare_exchange_weak(seen, late)) {
          }
        }
      });
  }
  ~StallProbe() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }
  StallProbe(const StallProbe&) = delete;
  StallProbe& operator=(const StallProbe&) = delete;
  void reset() { worst_.store(0); }
  double worst_ms() const { return static_cast<double>(worst_.load()) / 1e6; }

 private:
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> worst_{0};
};

// ---------------------------------------------------------------- servers

// A server under test for one step: started fresh, with the meetings of
// the layout made and every member joined and connected.
class Server {
 public:
  virtual ~Server() = default;
  virtual pid_t pid() const = 0;
  virtual double cpu_seconds() const = 0;  // utime + stime, /proc/PID/stat
  std::uint64_t rss_bytes() const { return proc_rss_bytes(pid()); }
  // Meetings (or rooms) made, members enrolled: everything before media.
  virtual Status prepare(const std::vector<Member>& members, int meetings) = 0;
  // Every member joins and connects; `clients` gets the media clients.
  virtual Status join(const std::vector<Member>& members, const TrackSchedule& video,
                      Clients& clients) = 0;
  // Signalling upkeep while media flows, from the thread that measures:
  // during the warm-up, and (`in_window`) during the measurement window.
  virtual void upkeep(bool in_window) = 0;
  // The server's own counters (name -> value), if it keeps any.
  virtual std::map<std::string, double> counters() { return {}; }
  virtual std::vector<std::string> problems() = 0;
  virtual std::string log_tail() const = 0;
};

std::string tail(const std::string& text, std::size_t n) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

class ParleyServer : public Server {
 public:
  static Expected<std::unique_ptr<ParleyServer>> start(const fs::path& binary, const fs::path& dir,
                                                       int cpu, int max_participants) {
    std::unique_ptr<ParleyServer> s(new ParleyServer());
    s->dir_ = dir;
    // --media-max-load 1: the worker saturates (refuses joins, pauses
    // video) only when fully busy, so that the ladder finds where forwarding
    // itself stops holding, as it does for Janus, which sheds nothing
    // (docs/media.md §Behaviour at the limit).
    auto p = ParleydProcess::start(binary, dir / "data", dir / "parleyd.log",
                                   {"--media-workers", "1", "--call-max-participants",
                                    std::to_string(std::max(50, max_participants)),
                                    "--media-max-load", "1"},
                                   cpu);
    if (!p) return p.error();
    s->process_ = std::move(*p);
    return s;
  }
  pid_t pid() const override { return process_->pid(); }
  double cpu_seconds() const override {
    return proc_cpu_seconds("/proc/" + std::to_string(pid()) + "/stat");
  }
  Status prepare(const std::vector<Member>& members, int meetings) override {
    std::string admin = read_text_file(dir_ / "data" / "admin.token");
    while (!admin.empty() && (admin.back() == '\n' || admin.back() == '\r')) admin.pop_back();
    std::vector<std::size_t> sizes(static_cast<std::size_t>(meetings), 0);
    for (const auto& m : members) ++sizes[static_cast<std::size_t>(m.meeting)];
    std::ostringstream quiet;
    auto calls = set_up_calls(process_->url(), admin, sizes, quiet);
    if (!calls) return calls.error();
    calls_ = std::move(*calls);
    return ok_status();
  }
  Status join(const std::vector<Member>& members, const TrackSchedule& video,
              Clients& clients) override {
    auto dtls = parley::media::DtlsContext::create();
    if (!dtls) return dtls.error();
    const int publishers = publisher_count(members);
    sessions_.resize(members.size());
    std::vector<std::size_t> taken(calls_.size(), 0);
    std::vector<Connection> connections;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const Member& m = members[i];
      auto added = clients.add_client(*dtls, "127.0.0.1");
      if (!added) return added.error();
      MediaClient* client = *added;
      const CallMeeting& call = calls_[static_cast<std::size_t>(m.meeting)];
      const Participant& who = call.participants[taken[static_cast<std::size_t>(m.meeting)]++];
      ClientSession& s = sessions_[i];
      s.transport = client->transport();
      s.receive = m.receives;
      if (m.publishes)
        clients.add_publisher(s, publisher_setup(client, m.publisher, publishers, video), who.id);
      if (m.receives) clients.subscribers.push_back({client, m.expects});
      auto sig = ParleySignalling::connect(process_->url(), who.token, std::chrono::seconds(10));
      if (!sig) return sig.error();
      auto transport = (*sig)->join(call.meeting, s, std::chrono::seconds(10));
      if (!transport) return transport.error();
      connections.push_back({client, *transport, parley::stun::IceRole::kControlling});
      signalling_.push_back(std::move(*sig));
      meeting_of_.push_back(m.meeting);
      // A publisher's arrival brings offers to the others of its meeting:
      // answer them now. (Each poll waits a millisecond, busily: polling
      // everyone after every join would cost minutes at a few hundred.)
      signalling_.back()->poll(std::chrono::milliseconds(1));
      if (m.publishes)
        for (std::size_t j = 0; j + 1 < signalling_.size(); ++j)
          if (meeting_of_[j] == m.meeting) signalling_[j]->poll(std::chrono::milliseconds(1));
    }
    // Answer everything pending, until a round over every participant
    // finds nothing more; then ICE and DTLS, right before the media starts
    // (a connected client that sends no consent checks for long is dropped).
    for (int round = 0; round < 10; ++round) {
      int handled = 0;
      for (auto& sig : signalling_) handled += sig->poll(std::chrono::milliseconds(1));
      if (handled == 0) break;
    }
    last_poll_ = SteadyClock::now();
    return connect_all(connections, 8);
  }
  // Offers that still come are answered during the warm-up, every two
  // seconds; never in the window. Each poll spins for its millisecond on
  // the tool's core: at a few hundred participants, polling often would
  // take that core from the clients' media, which then fall behind and
  // drain a backlog into the window (seen as delay and extra packets).
  void upkeep(bool in_window) override {
    if (in_window || SteadyClock::now() - last_poll_ < std::chrono::seconds(2)) return;
    for (auto& s : signalling_) s->poll(std::chrono::milliseconds(1));
    last_poll_ = SteadyClock::now();
  }
  // Every parley_media_*_total series of /metrics, summed over its labels.
  std::map<std::string, double> counters() override {
    std::map<std::string, double> out;
    if (!http_) {
      auto h = parley::client::HttpClient::create(process_->url());
      if (!h) return out;
      http_ = std::move(*h);
    }
    auto res = http_->request("GET", "/metrics");
    if (!res || res->status != 200) return out;
    std::istringstream in(res->body);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("parley_media_", 0) != 0) continue;
      const auto name_end = line.find_first_of("{ ");
      const std::string name = line.substr(0, name_end);
      if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) continue;
      const auto space = line.rfind(' ');
      out[name] += std::strtod(line.c_str() + space + 1, nullptr);
    }
    return out;
  }
  std::vector<std::string> problems() override {
    std::vector<std::string> out;
    for (auto& s : signalling_)
      for (const auto& e : s->errors()) out.push_back("signalling: " + e);
    return out;
  }
  std::string log_tail() const override { return tail(process_->log(), 3000); }
  ~ParleyServer() override {
    for (auto& s : signalling_) s->leave();
    signalling_.clear();
    if (process_) process_->stop();
  }

 private:
  ParleyServer() = default;
  fs::path dir_;
  std::unique_ptr<ParleydProcess> process_;
  std::vector<CallMeeting> calls_;
  std::vector<ClientSession> sessions_;  // sized once: signalling keeps pointers into it
  std::vector<std::unique_ptr<ParleySignalling>> signalling_;
  std::vector<int> meeting_of_;  // per signalling_ entry
  SteadyClock::time_point last_poll_;
  std::unique_ptr<parley::client::HttpClient> http_;
};

class JanusServer : public Server {
 public:
  static Expected<std::unique_ptr<JanusServer>> start(const JanusOptions& options,
                                                      const fs::path& dir) {
    std::unique_ptr<JanusServer> s(new JanusServer());
    s->address_ = options.address;
    auto p = JanusProcess::start(options, dir);
    if (!p) return p.error();
    s->process_ = std::move(*p);
    return s;
  }
  pid_t pid() const override { return process_->pid(); }
  double cpu_seconds() const override { return process_->cpu_seconds(); }
  Status prepare(const std::vector<Member>& members, int meetings) override {
    auto session = JanusSession::create(process_->url());
    if (!session) return session.error();
    session_ = std::move(*session);
    room_ = std::make_unique<JanusVideoRoom>(*session_);
    auto handle = session_->attach("janus.plugin.videoroom");
    if (!handle) return handle.error();
    std::vector<int> publishers(static_cast<std::size_t>(meetings), 0);
    for (const auto& m : members) publishers[static_cast<std::size_t>(m.meeting)] += m.publishes;
    for (int r = 0; r < meetings; ++r)
      if (auto st = room_->create_room(*handle, room_id(r),
                                       std::max(1, publishers[static_cast<std::size_t>(r)]));
          !st)
        return st.error();
    last_keepalive_ = SteadyClock::now();
    return ok_status();
  }
  Status join(const std::vector<Member>& members, const TrackSchedule& video,
              Clients& clients) override {
    auto dtls = parley::media::DtlsContext::create();
    if (!dtls) return dtls.error();
    const int publishers = publisher_count(members);
    const auto timeout = std::chrono::seconds(10);
    std::vector<Connection> connections;
    // Publishers first (their PeerConnections), then one subscription
    // PeerConnection per receiving member, to every other publisher's feed.
    std::vector<std::uint64_t> feeds(members.size(), 0);
    for (std::size_t i = 0; i < members.size(); ++i) {
      const Member& m = members[i];
      if (!m.publishes) continue;
      auto added = clients.add_client(*dtls, address_);
      if (!added) return added.error();
      MediaClient* client = *added;
      const PublisherSetup p = publisher_setup(client, m.publisher, publishers, video);
      ClientSession& s = sessions_.emplace_back();
      s.transport = client->transport();
      s.receive = false;
      clients.add_publisher(s, p, "load-publisher-" + std::to_string(m.publisher));
      auto handle = session_->attach("janus.plugin.videoroom");
      if (!handle) return handle.error();
      auto joined = room_->publish(*handle, room_id(m.meeting), p.cname, s, timeout);
      if (!joined) return joined.error();
      feeds[i] = joined->feed;
      connections.push_back({client, joined->transport, parley::stun::IceRole::kControlling});
    }
    // Janus offers a feed to subscribers only once its PeerConnection is up
    // ("No such feed" before): connect the publishers first.
    if (auto st = connect_all(connections, 8); !st) return st;
    connections.clear();
    for (std::size_t i = 0; i < members.size(); ++i) {
      const Member& m = members[i];
      if (!m.receives) continue;
      std::vector<std::uint64_t> wanted;
      for (std::size_t j = 0; j < members.size(); ++j)
        if (j != i && members[j].publishes && members[j].meeting == m.meeting)
          wanted.push_back(feeds[j]);
      if (wanted.empty()) continue;
      auto added = clients.add_client(*dtls, address_);
      if (!added) return added.error();
      MediaClient* client = *added;
      ClientSession& s = sessions_.emplace_back();
      s.transport = client->transport();
      s.receive = true;
      auto handle = session_->attach("janus.plugin.videoroom");
      if (!handle) return handle.error();
      // Janus marks a publisher's feed ready when its own DTLS handshake
      // ends, a moment after the client's: retry "no such feed" briefly.
      auto joined = room_->subscribe(*handle, room_id(m.meeting), wanted, s, timeout);
      for (int retry = 0; retry < 50 && !joined && joined.error().message.rfind("428 ", 0) == 0;
           ++retry) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        joined = room_->subscribe(*handle, room_id(m.meeting), wanted, s, timeout);
      }
      if (!joined) return joined.error();
      // Janus made the offer: it is the controlling ICE agent (RFC 8445 §6.1.1).
      connections.push_back({client, joined->transport, parley::stun::IceRole::kControlled});
      clients.subscribers.push_back({client, m.expects});
      maybe_keepalive();
    }
    return connect_all(connections, 8);
  }
  void upkeep(bool) override { maybe_keepalive(); }
  std::vector<std::string> problems() override {
    std::vector<std::string> out;
    if (session_)
      for (const auto& p : session_->problems()) out.push_back("janus: " + p);
    for (const auto& p : keepalive_errors_) out.push_back("janus: " + p);
    return out;
  }
  std::string log_tail() const override { return tail(process_->log(), 3000); }
  ~JanusServer() override {
    room_.reset();
    session_.reset();
    if (process_) process_->stop();
  }

 private:
  JanusServer() = default;
  static std::uint64_t room_id(int meeting) { return 1000 + static_cast<std::uint64_t>(meeting); }
  // Janus ends a session after 60 s without a request (session_timeout).
  void maybe_keepalive() {
    if (!session_ || SteadyClock::now() - last_keepalive_ < std::chrono::seconds(15)) return;
    last_keepalive_ = SteadyClock::now();
    if (auto st = session_->keepalive(); !st) keepalive_errors_.push_back(st.error().message);
  }

  std::string address_;
  std::unique_ptr<JanusProcess> process_;
  std::unique_ptr<JanusSession> session_;
  std::unique_ptr<JanusVideoRoom> room_;
  std::deque<ClientSession> sessions_;  // stable addresses
  SteadyClock::time_point last_keepalive_;
  std::vector<std::string> keepalive_errors_;
};

// ---------------------------------------------------------------- options

struct Options {
  fs::path parleyd;
  fs::path janus = "janus";
  fs::path out_dir;  // JSON and SVG
  fs::path tmp_root = "/tmp";
  fs::path video = fs::path(PARLEY_LOAD_MEDIA_DIR) / "clip.ivf";
  fs::path audio = fs::path(PARLEY_LOAD_MEDIA_DIR) / "clip.opus";
  std::vector<std::string> servers = {"parley", "janus"};
  std::vector<std::string> shapes = {"a", "b", "c"};
  bool quick = false;
  bool check = false;  // the smoke test
  bool raw = true;
  bool netns = true;
  int seconds = 10;
  int warmup_timeout = 30;
  int server_cpu = 0, tool_cpu = 1;
  int janus_event_loops = 1;
  int send_slack_us = 500;
  // The load tool's thread busy-polls its sockets rather than sleeping on
  // them (RunnerOptions::busy_poll): on loopback, waking a sleeping
  // receiver is a cost the server would pay in its sends, and through a
  // network card it would not.
  bool tool_sleeps = false;
  int nice = 0;  // the benchmark's scheduling group against other work (-20..19)
  std::map<std::string, std::vector<int>> ladders;  // --ladder a=1,2,4
};

// The ladders: full mode steps finely up to where this 2-core machine's
// tool runs out; quick mode takes fewer, coarser steps and shorter windows
// (about two minutes for everything).
std::vector<Shape> shapes_for(const Options& o) {
  std::vector<Shape> all = {
      {"a", "8 publishers, each seen by the 7 others", "meetings of 8",
       o.quick ? std::vector<int>{2, 8} : std::vector<int>{1, 2, 4, 6, 8, 10, 12, 14, 16, 18}},
      {"b", "1 publisher seen by N subscribers (press pools of up to 99)", "subscribers",
       o.quick ? std::vector<int>{99, 297}
               : std::vector<int>{50, 99, 198, 297, 396, 495, 594, 693}},
      {"c", "many 2-publisher meetings at once", "meetings of 2",
       o.quick ? std::vector<int>{20, 80}
               : std::vector<int>{10, 20, 40, 60, 80, 100, 120, 140, 160, 180}},
  };
  std::vector<Shape> out;
  if (o.check) {
    out.push_back({"smoke", "2 publishers, 1 subscriber", "meetings", {1}});
    return out;
  }
  for (auto& s : all)
    if (std::find(o.shapes.begin(), o.shapes.end(), s.id) != o.shapes.end()) {
      if (auto it = o.ladders.find(s.id); it != o.ladders.end()) s.ladder = it->second;
      out.push_back(s);
    }
  return out;
}

void usage(std::ostream& out) {
  out << "usage: compare_bench [--quick] [--servers parley,janus] [--shapes a,b,c] [--seconds S]\n"
         "                     [--ladder a=1,2,4] [--parleyd PATH] [--janus PATH] [--out-dir DIR]\n"
         "                     [--server-cpu N] [--tool-cpu N] [--janus-event-loops N]\n"
         "                     [--warmup-timeout S] [--tmp-dir DIR] [--tool-sleeps] [--no-raw]\n"
         "                     [--no-netns] [--check]\n"
         "  --quick            fewer steps and 3 s windows: about two minutes in all\n"
         "  --servers LIST     which servers to measure (default parley,janus)\n"
         "  --shapes LIST      a: meetings of 8 publishers each seen by the 7 others;\n"
         "                     b: 1 publisher and N subscribers; c: many meetings of 2\n"
         "  --ladder S=L,...   the loads to step through for shape S (meetings for a and c,\n"
         "                     subscribers for b)\n"
         "  --seconds S        measurement window per step (default 10, quick 3)\n"
         "  --out-dir DIR      where compare_bench.json and compare_bench.svg go\n"
         "                     (default: this binary's directory, under the build tree)\n"
         "  --server-cpu N     the core the server (or the raw loop) is pinned to (default 0)\n"
         "  --tool-cpu N       the core the load tool is pinned to (default 1)\n"
         "  --janus-event-loops N  Janus's event_loops (default 1, one loop on its one core;\n"
         "                     0: Janus's own default, a thread per handle)\n"
         "  --send-slack-us N  packets due within N us leave together (default 500)\n"
         "  --tool-sleeps      the load tool's thread sleeps until a packet is due or arrives\n"
         "                     (default: it busy-polls its sockets, so that a server's sends\n"
         "                     on loopback do not pay for waking it)\n"
         "  --nice N           run the benchmark (tool and servers) as a scheduling group of\n"
         "                     its own with this nice value, e.g. -10 on a machine shared with\n"
         "                     other work (default 0: as started)\n"
         "  --no-raw           skip the raw forwarding reference\n"
         "  --no-netns         stay in the current network namespace (e.g. under `ip netns exec`,\n"
         "                     with 127.0.0.2/32 on an interface named pbench0)\n"
         "  --check            smoke test: 2 publishers and 1 subscriber for 2 s through each\n"
         "                     server given; exit 1 unless media flowed, 77 if no netns\n";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

Expected<Options> parse_args(int argc, char** argv) {
  Options o;
  const fs::path self = self_dir().value_or(fs::current_path());
  o.parleyd = built_parleyd(self);
  o.out_dir = self;
  bool seconds_given = false;
  ArgWalker args(argc, argv);
  while (args.next()) {
    const std::string& arg = args.arg();
    if (args.is_help()) return make_error("help", "");
    if (arg == "--quick") {
      o.quick = true;
      continue;
    }
    if (arg == "--check") {
      o.check = true;
      continue;
    }
    if (arg == "--tool-sleeps") {
      o.tool_sleeps = true;
      continue;
    }
    if (arg == "--no-raw") {
      o.raw = false;
      continue;
    }
    if (arg == "--no-netns") {
      o.netns = false;
      continue;
    }
    if (auto st = args.take_value(); !st) return st.error();
    const std::string& v = args.value();
    Status st = ok_status();
    if (arg == "--parleyd")
      o.parleyd = v;
    else if (arg == "--janus")
      o.janus = v;
    else if (arg == "--out-dir")
      o.out_dir = v;
    else if (arg == "--tmp-dir")
      o.tmp_root = v;
    else if (arg == "--video")
      o.video = v;
    else if (arg == "--audio")
      o.audio = v;
    else if (arg == "--servers") {
      o.servers = split(v, ',');
      for (const auto& s : o.servers)
        if (s != "parley" && s != "janus")
          return make_error("usage", "--servers takes parley and/or janus");
    } else if (arg == "--shapes") {
      o.shapes = split(v, ',');
      for (const auto& s : o.shapes)
        if (s != "a" && s != "b" && s != "c") return make_error("usage", "--shapes takes a, b, c");
    } else if (arg == "--ladder") {
      auto eq = v.find('=');
      if (eq == std::string::npos) return make_error("usage", "--ladder takes S=L1,L2,...");
      std::vector<int> steps;
      for (const auto& x : split(v.substr(eq + 1), ',')) {
        auto n = parse_int(x, 1, 10000);
        if (!n) return make_error("usage", "--ladder: bad load " + x);
        steps.push_back(*n);
      }
      o.ladders[v.substr(0, eq)] = steps;
    } else if (arg == "--seconds") {
      st = args.number(1, 600, o.seconds);
      seconds_given = true;
    } else if (arg == "--warmup-timeout")
      st = args.number(1, 600, o.warmup_timeout);
    else if (arg == "--server-cpu")
      st = args.number(0, 1023, o.server_cpu);
    else if (arg == "--tool-cpu")
      st = args.number(0, 1023, o.tool_cpu);
    else if (arg == "--janus-event-loops")
      st = args.number(0, 64, o.janus_event_loops);
    else if (arg == "--send-slack-us")
      st = args.number(0, 20000, o.send_slack_us);
    else if (arg == "--nice")
      st = args.number(-20, 19, o.nice);
    else
      return make_error("usage", "unknown option " + arg);
    if (!st) return st.error();
  }
  if (!seconds_given) o.seconds = o.check ? 2 : o.quick ? 3 : 10;
  if (o.quick && o.warmup_timeout == 30) o.warmup_timeout = 15;
  return o;
}

// ---------------------------------------------------------------- one step

double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

double load_average() {
  double load1 = 0;
  std::ifstream("/proc/loadavg") >> load1;
  return load1;
}

struct Step {
  std::string server;  // "parley", "janus", "raw"
  std::string shape;
  int attempt = 1;
  int load = 0;
  int meetings = 0, members = 0, receivers = 0, clients = 0;
  std::string error;  // setup failed
  bool warm = false;
  double warmup_seconds = 0;
  LoadResults results;
  double window = 0;
  double server_cpu = 0;  // seconds over the window
  double tool_cpu = 0;    // the tool process's CPU over the window, less idle_poll
  double tool_idle_poll = 0;        // seconds the busy-polling runner found nothing to do
  std::uint64_t forwarded = 0;      // packets sent in the window and delivered, per receiver
  std::uint64_t rtp_in_window = 0;  // every RTP the receivers decrypted during the window
  std::map<std::string, double> server_counters;  // the server's own counts over the window
  std::uint64_t rss_before = 0, rss_after = 0;
  int server_threads = 0;
  double load_average = 0;
  std::string srtp;          // the SRTP profile the clients negotiated
  double host_stall_ms = 0;  // StallProbe's worst over the window
  std::vector<std::string> problems;

  bool ran() const { return error.empty(); }
  bool held() const {
    return ran() && warm && results.loss < kMaxLoss && results.p99_ms < kMaxP99Ms;
  }
  double per_cpu_second() const {
    return server_cpu > 0 ? static_cast<double>(forwarded) / server_cpu : 0;
  }
  double rate() const { return window > 0 ? static_cast<double>(forwarded) / window : 0; }
  double server_share() const { return window > 0 ? server_cpu / window : 0; }
  double tool_share() const { return window > 0 ? tool_cpu / window : 0; }
  double kb_per_receiver() const {
    return receivers > 0 && rss_after > rss_before
               ? static_cast<double>(rss_after - rss_before) / 1024.0 / receivers
               : 0;
  }
  bool tool_saturated() const { return tool_share() > kToolSaturated; }
  bool host_stalled() const { return host_stall_ms >= kMaxP99Ms; }
};

int thread_count(pid_t pid) {
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

void sleep_until_ns(std::int64_t t) {
  for (;;) {
    std::int64_t left = t - monotonic_ns();
    if (left <= 0) return;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(left, 50'000'000)));
  }
}

// Waits for every receiver to get every stream it expects, then one
// window; `sample(true)` just before t0 and `sample(false)` just after t1.
// The runner is stopped a second after the window so that late packets
// still count.
void measure(const Options& o, LoadRunner& runner, Step& step, StallProbe& probe,
             const std::function<void(bool)>& sample, const std::function<void(bool)>& upkeep) {
  const auto start = SteadyClock::now();
  while (!runner.warm() && SteadyClock::now() - start < std::chrono::seconds(o.warmup_timeout)) {
    upkeep(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  step.warm = runner.warm();
  step.warmup_seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  // Two seconds more (one in quick mode) without signalling work: the clients drain what
  // queued in their sockets while the warm-up kept the tool's core busy
  // (parleyd's signalling polls), so that no backlog from before the
  // window is read, and delayed, inside it.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.quick ? 1000 : 2000));
  const std::uint64_t rtp_before = runner.subscriber_rtp();
  const double own_before = own_cpu_seconds();
  const std::int64_t idle_before = runner.idle_poll_ns();
  sample(true);
  probe.reset();
  const std::int64_t t0 = monotonic_ns();
  runner.open_window(t0);
  const std::int64_t end = t0 + static_cast<std::int64_t>(o.seconds) * 1'000'000'000;
  while (monotonic_ns() < end) {
    upkeep(true);
    sleep_until_ns(std::min(end, monotonic_ns() + 50'000'000));
  }
  const std::int64_t t1 = monotonic_ns();
  step.host_stall_ms = probe.worst_ms();
  sample(false);
  // A busy-polling tool uses its whole core; what its work took is that
  // less the turns that found nothing (for telling a tool-bound step).
  step.tool_idle_poll = static_cast<double>(runner.idle_poll_ns() - idle_before) / 1e9;
  step.tool_cpu = own_cpu_seconds() - own_before - step.tool_idle_poll;
  step.rtp_in_window = runner.subscriber_rtp() - rtp_before;
  step.window = static_cast<double>(t1 - t0) / 1e9;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  runner.stop();
  step.results = runner.results(t0, t1);
  // The work compared: the window's offered load as delivered (each packet
  // sent in the window, once per receiver that got it). Retransmissions,
  // replays or a backlog from before the window cost the server CPU but do
  // not count.
  step.forwarded = step.results.received;
}

struct Media {
  TrackSchedule audio, video;
};

RunnerOptions runner_options(const Options& o) {
  RunnerOptions ro;
  ro.send_slack_ns = static_cast<std::int64_t>(o.send_slack_us) * 1000;
  ro.busy_poll = !o.tool_sleeps;
  return ro;
}

// A step of `server` at `load` in `shape`, sized by its layout and members.
Step new_step(const std::string& server, const Shape& shape, int load, const Layout& layout,
              const std::vector<Member>& members) {
  Step step;
  step.server = server;
  step.shape = shape.id;
  step.load = load;
  step.load_average = load_average();
  step.meetings = static_cast<int>(layout.size());
  step.members = static_cast<int>(members.size());
  step.receivers = receivers(members);
  return step;
}

Step run_server_step(const Options& o, const Media& media, const std::string& which,
                     const PrivateNetwork& net, const Shape& shape, int load, StallProbe& probe) {
  const Layout layout = layout_for(shape.id, load);
  const std::vector<Member> members = plan(layout);
  Step step = new_step(which, shape, load, layout, members);
  auto dir = TempDir::create(o.tmp_root, "parley-compare-" + which);
  if (!dir) {
    step.error = dir.error().message;
    return step;
  }
  std::unique_ptr<Server> server;
  int largest = 0;
  for (const auto& m : layout) largest = std::max(largest, m.publishers + m.subscribers);
  if (which == "parley") {
    auto s = ParleyServer::start(o.parleyd, dir->path(), o.server_cpu, largest);
    if (!s) {
      step.error = s.error().message;
      return step;
    }
    server = std::move(*s);
  } else {
    JanusOptions jo;
    jo.binary = o.janus;
    jo.ice_interface = net.interface;
    jo.address = net.address;
    jo.event_loops = o.janus_event_loops;
    jo.cpu = o.server_cpu;
    auto s = JanusServer::start(jo, dir->path());
    if (!s) {
      step.error = s.error().message;
      return step;
    }
    server = std::move(*s);
  }
  auto fail = [&](const Error& e) {
    step.error = e.message;
    std::cerr << "  " << which << ": " << e.message << "\n  server log (tail):\n"
              << server->log_tail() << "\n";
    return step;
  };
  if (auto st = server->prepare(members, step.meetings); !st) return fail(st.error());
  step.rss_before = server->rss_bytes();
  Clients clients;
  if (auto st = server->join(members, media.video, clients); !st) return fail(st.error());
  step.clients = static_cast<int>(clients.media.size());
  if (!clients.media.empty()) step.srtp = clients.media.front()->srtp_profile();
  LoadRunner runner(media.audio, media.video, clients.publishers, clients.subscribers,
                    runner_options(o));
  if (auto st = runner.start(); !st) return fail(st.error());
  double cpu_before = 0;
  std::map<std::string, double> counters_before;
  measure(
      o, runner, step, probe,
      [&](bool start) {
        if (start) {
          counters_before = server->counters();
          cpu_before = server->cpu_seconds();
        } else {
          step.server_cpu = server->cpu_seconds() - cpu_before;
          for (const auto& [name, value] : server->counters())
            step.server_counters[name] = value - counters_before[name];
          step.rss_after = server->rss_bytes();
          step.server_threads = thread_count(server->pid());
        }
      },
      [&](bool in_window) { server->upkeep(in_window); });
  step.problems = server->problems();
  if (!step.warm)
    step.problems.push_back(std::to_string(runner.missing_pairs()) +
                            " (receiver, stream) pairs got nothing within the warm-up timeout");
  return step;
}

// The raw loop at the same layout: same clients, media and schedules, SRTP
// keyed directly, one thread pinned where the server was.
Step run_raw_step(const Options& o, const Media& media, const Shape& shape, int load,
                  parley::media::SrtpProfile profile, StallProbe& probe) {
  const Layout layout = layout_for(shape.id, load);
  const std::vector<Member> members = plan(layout);
  Step step = new_step("raw", shape, load, layout, members);
  auto fwd = RawForwarder::create("127.0.0.1");
  if (!fwd) {
    step.error = fwd.error().message;
    return step;
  }
  auto dtls = parley::media::DtlsContext::create();
  if (!dtls) {
    step.error = dtls.error().message;
    return step;
  }
  Clients clients;
  const int publishers = publisher_count(members);
  for (const auto& m : members) {
    auto mc = MediaClient::create(*dtls, "127.0.0.1");
    if (!mc) {
      step.error = mc.error().message;
      return step;
    }
    KeyPair keys = random_keys(profile);
    Status st = (*mc)->use_keys((*fwd)->endpoint(), keys.client);
    if (st)
      st = (*fwd)->add_peer((*mc)->local(), keys.forwarder,
                            RawForwarder::Role{m.publishes, m.receives, m.meeting});
    if (!st) {
      step.error = st.error().message;
      return step;
    }
    MediaClient* client = mc->get();
    clients.media.push_back(std::move(*mc));
    if (m.publishes)
      clients.publishers.push_back(publisher_setup(client, m.publisher, publishers, media.video));
    if (m.receives) clients.subscribers.push_back({client, m.expects});
  }
  step.clients = static_cast<int>(clients.media.size());
  step.srtp = std::string(parley::media::srtp_profile_name(profile));
  if (auto st = (*fwd)->start(o.server_cpu); !st) {
    step.error = st.error().message;
    return step;
  }
  RunnerOptions ro = runner_options(o);
  ro.consent_checks = false;
  LoadRunner runner(media.audio, media.video, clients.publishers, clients.subscribers, ro);
  if (auto st = runner.start(); !st) {
    step.error = st.error().message;
    return step;
  }
  double cpu_before = 0;
  measure(
      o, runner, step, probe,
      [&](bool start) {
        if (start)
          cpu_before = (*fwd)->cpu_seconds();
        else
          step.server_cpu = (*fwd)->cpu_seconds() - cpu_before;
      },
      [](bool) {});
  (*fwd)->stop();
  step.tool_cpu -= step.server_cpu;  // the loop's thread is in this process
  return step;
}

// ---------------------------------------------------------------- report

struct ShapeOutcome {
  Shape shape;
  std::map<std::string, std::vector<Step>> steps;        // per server, in ladder order
  std::map<std::string, int> largest_held;               // 0: not even the first step
  std::map<std::string, std::string> limit_note;         // why stepping stopped
  std::map<std::string, std::vector<int>> inconclusive;  // loads the host stalled every time
  int reference = 0;                                     // the load compared
  std::optional<Step> raw;
};

// The run that decided a load (the last attempt at it).
const Step* step_at(const ShapeOutcome& s, const std::string& server, int load) {
  auto it = s.steps.find(server);
  if (it == s.steps.end()) return nullptr;
  const Step* found = nullptr;
  for (const auto& st : it->second)
    if (st.load == load) found = &st;
  return found;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string server_label(const std::string& s) {
  return s == "parley" ? "parleyd" : s == "janus" ? "Janus" : "raw loop";
}

void print_step(const Step& s, std::ostream& out) {
  if (!s.ran()) {
    out << "    " << server_label(s.server) << " load " << s.load << ": setup failed: " << s.error
        << "\n";
    return;
  }
  char line[400];
  std::snprintf(
      line, sizeof line,
      "    %-8s load %4d%s: %7.0f pkts/s, server CPU %5.1f%%, %8.0f pkts/CPU-s, p50 %6.2f "
      "p99 %7.2f ms, loss %6.3f%%, %6.0f KB/receiver, tool CPU %3.0f%%, host stall %3.0f ms%s%s\n",
      server_label(s.server).c_str(), s.load, s.attempt > 1 ? " (again)" : "", s.rate(),
      100 * s.server_share(), s.per_cpu_second(), s.results.p50_ms, s.results.p99_ms,
      100 * s.results.loss, s.kb_per_receiver(), 100 * s.tool_share(), s.host_stall_ms,
      s.held() ? "  held" : "  NOT HELD",
      s.held()             ? ""
      : s.host_stalled()   ? " (host stalled)"
      : s.tool_saturated() ? " (load tool saturated)"
                           : "");
  out << line;
  for (const auto& p : s.problems) out << "      problem: " << p << "\n";
}

void print_table(const std::vector<ShapeOutcome>& outcomes, const Options& o, std::ostream& out) {
  out << "\n| shape | server | load | fwd pkts/s | pkts per CPU-s | p50 ms | p99 ms | loss % | KB "
         "per receiver | largest load held |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  char line[512];
  for (const auto& sh : outcomes) {
    for (const auto& server : o.servers) {
      const Step* s = step_at(sh, server, sh.reference);
      auto held = sh.largest_held.find(server);
      std::string limit = held == sh.largest_held.end() ? "-" : std::to_string(held->second);
      if (auto n = sh.limit_note.find(server); n != sh.limit_note.end() && !n->second.empty())
        limit += " " + n->second;
      if (!s || !s->ran()) {
        out << "| " << sh.shape.id << " | " << server_label(server) << " | " << sh.reference
            << " | - | - | - | - | - | - | " << limit << " |\n";
        continue;
      }
      std::snprintf(line, sizeof line,
                    "| %s | %s | %d | %.0f | %.0f | %.2f | %.2f | %.3f | %.0f | %s |\n",
                    sh.shape.id.c_str(), server_label(server).c_str(), s->load, s->rate(),
                    s->per_cpu_second(), s->results.p50_ms, s->results.p99_ms,
                    100 * s->results.loss, s->kb_per_receiver(), limit.c_str());
      out << line;
    }
    const Step* p = step_at(sh, "parley", sh.reference);
    const Step* j = step_at(sh, "janus", sh.reference);
    if (p && j && p->ran() && j->ran() && j->per_cpu_second() > 0) {
      const int hp = sh.largest_held.count("parley") ? sh.largest_held.at("parley") : 0;
      const int hj = sh.largest_held.count("janus") ? sh.largest_held.at("janus") : 0;
      std::snprintf(line, sizeof line,
                    "| %s | **parleyd / Janus** | | %.2f | **%.2f** | %.2f | %.2f | | %.2f | "
                    "**%s** |\n",
                    sh.shape.id.c_str(), p->rate() / std::max(1e-9, j->rate()),
                    p->per_cpu_second() / j->per_cpu_second(),
                    p->results.p50_ms / std::max(1e-9, j->results.p50_ms),
                    p->results.p99_ms / std::max(1e-9, j->results.p99_ms),
                    p->kb_per_receiver() / std::max(1e-9, j->kb_per_receiver()),
                    hj > 0 ? fmt("%.2f", static_cast<double>(hp) / hj).c_str() : "-");
      out << line;
    }
    if (sh.raw && sh.raw->ran()) {
      const Step& r = *sh.raw;
      std::snprintf(line, sizeof line,
                    "| %s | raw loop | %d | %.0f | %.0f | %.2f | %.2f | %.3f | | |\n",
                    sh.shape.id.c_str(), r.load, r.rate(), r.per_cpu_second(), r.results.p50_ms,
                    r.results.p99_ms, 100 * r.results.loss);
      out << line;
      if (p && p->ran() && r.per_cpu_second() > 0) {
        std::snprintf(line, sizeof line, "| %s | **parleyd / raw** | | | **%.2f** | | | | | |\n",
                      sh.shape.id.c_str(), p->per_cpu_second() / r.per_cpu_second());
        out << line;
      }
    }
  }
  out << "\n";
  for (const auto& sh : outcomes)
    out << "(" << sh.shape.id << ") " << sh.shape.title << "; load in " << sh.shape.unit
        << "; figures at load " << sh.reference << "\n";
  out << "load = the step compared (the largest both servers held, else the first); fwd = RTP "
         "packets the subscribers received in the window; pkts per CPU-s = fwd / the server "
         "process's utime + stime (the raw loop: its thread's CPU clock); delay = subscriber's "
         "receive time - publisher's send stamp; KB per receiver = server RSS growth from joins "
         "/ receiving clients; largest load held: loss < 0.5% and p99 < 20 ms; tool CPU (in "
         "the steps) = the load tool's, less its idle polling.\n";
}

void print_targets(const std::vector<ShapeOutcome>& outcomes, std::ostream& out) {
  for (const auto& sh : outcomes) {
    const Step* p = step_at(sh, "parley", sh.reference);
    const Step* j = step_at(sh, "janus", sh.reference);
    if (!p || !j || !p->ran() || !j->ran() || j->per_cpu_second() <= 0) continue;
    const double ratio = p->per_cpu_second() / j->per_cpu_second();
    // Issue 7: 3x on (a) and (b); shown for (c) too, without a target.
    const bool wants3 = sh.shape.id == "a" || sh.shape.id == "b";
    out << "target (" << sh.shape.id << "): pkts per CPU-s / Janus " << fmt("%.2fx", ratio)
        << (wants3 ? (ratio >= 3 ? " >= 3x MET" : " < 3x NOT MET") : " (no target)");
    const int hp = sh.largest_held.count("parley") ? sh.largest_held.at("parley") : 0;
    const int hj = sh.largest_held.count("janus") ? sh.largest_held.at("janus") : 0;
    // When parleyd's stepping ended at the top of the ladder or at the
    // tool's limit, its largest load is a lower bound.
    const auto note = sh.limit_note.find("parley");
    const bool lower_bound = note != sh.limit_note.end() && !note->second.empty();
    if (hj > 0)
      out << "; largest load held / Janus " << (lower_bound ? ">= " : "")
          << fmt("%.2fx", static_cast<double>(hp) / hj)
          << (hp >= 2 * hj  ? " >= 2x MET"
              : lower_bound ? " (undecided)"
                            : " < 2x NOT MET");
    if (sh.raw && sh.raw->ran() && sh.raw->per_cpu_second() > 0) {
      const double r = p->per_cpu_second() / sh.raw->per_cpu_second();
      out << "; pkts per CPU-s / raw " << fmt("%.2f", r)
          << (r >= 0.5 ? " (within 2x: MET)" : " (within 2x: NOT MET)");
    }
    out << "\n";
  }
}

Json step_json(const Step& s) {
  Json j = {{"server", s.server},
            {"shape", s.shape},
            {"load", s.load},
            {"attempt", s.attempt},
            {"meetings", s.meetings},
            {"members", s.members},
            {"receivers", s.receivers},
            {"clients", s.clients},
            {"error", s.error},
            {"warm", s.warm},
            {"warmup_seconds", s.warmup_seconds},
            {"held", s.held()},
            {"window_seconds", s.window},
            {"forwarded", s.forwarded},
            {"forwarded_per_second", s.rate()},
            {"rtp_received_in_window", s.rtp_in_window},
            {"server_cpu_seconds", s.server_cpu},
            {"packets_per_cpu_second", s.per_cpu_second()},
            {"tool_cpu_seconds", s.tool_cpu},
            {"tool_idle_poll_seconds", s.tool_idle_poll},
            {"tool_saturated", s.tool_saturated()},
            {"host_stall_ms", s.host_stall_ms},
            {"rss_before_bytes", s.rss_before},
            {"rss_after_bytes", s.rss_after},
            {"kb_per_receiver", s.kb_per_receiver()},
            {"server_threads", s.server_threads},
            {"srtp_profile", s.srtp},
            {"load_average", s.load_average},
            {"sent", s.results.sent},
            {"expected", s.results.expected},
            {"received", s.results.received},
            {"duplicates", s.results.duplicates},
            {"unexpected", s.results.unexpected},
            {"loss", s.results.loss},
            {"worst_receiver_loss", s.results.worst_subscriber_loss},
            {"delay_ms",
             {{"p50", s.results.p50_ms}, {"p99", s.results.p99_ms}, {"max", s.results.max_ms}}},
            {"problems", s.problems}};
  j["server_counters"] = s.server_counters;
  return j;
}

// A hand-written SVG: one panel per shape, packets per CPU-second against
// the load for each server (filled dots: held; open: not held), the raw
// loop's figure as a diamond at the compared load.
std::string svg_plot(const std::vector<ShapeOutcome>& outcomes, const Options& o) {
  const int panel_w = 360, panel_h = 260, margin = 50;
  const int width = static_cast<int>(outcomes.size()) * panel_w + 20;
  const int height = panel_h + 90;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"18\" font-size=\"14\">RTP packets forwarded per CPU-second of the "
         "server, against the load (parleyd vs Janus 1.1.2, one core each)</text>\n";
  const std::map<std::string, std::string> colour = {
      {"parley", "#1f77b4"}, {"janus", "#d62728"}, {"raw", "#555555"}};
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    const auto& sh = outcomes[k];
    const int x0 = static_cast<int>(k) * panel_w + margin, y0 = 40;
    const int w = panel_w - margin - 20, h = panel_h - 40;
    double max_y = 1, max_x = 1;
    for (const auto& [server, steps] : sh.steps)
      for (const auto& s : steps)
        if (s.ran()) {
          max_y = std::max(max_y, s.per_cpu_second());
          max_x = std::max(max_x, static_cast<double>(s.load));
        }
    if (sh.raw && sh.raw->ran()) max_y = std::max(max_y, sh.raw->per_cpu_second());
    max_y *= 1.1;
    auto px = [&](double x) { return x0 + x / max_x * w; };
    auto py = [&](double y) { return y0 + h - y / max_y * h; };
    const std::string panel = sh.shape.id == "a"   ? "meetings of 8, all publishing"
                              : sh.shape.id == "b" ? "1 publisher, N subscribers"
                              : sh.shape.id == "c" ? "meetings of 2"
                                                   : sh.shape.title;
    svg << "<g>\n<text x=\"" << x0 << "\" y=\"" << y0 - 8 << "\" font-size=\"12\">(" << sh.shape.id
        << ") " << panel << "</text>\n";
    svg << "<line x1=\"" << x0 << "\" y1=\"" << y0 + h << "\" x2=\"" << x0 + w << "\" y2=\""
        << y0 + h << "\" stroke=\"black\"/>\n";
    svg << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x0 << "\" y2=\"" << y0 + h
        << "\" stroke=\"black\"/>\n";
    for (int t = 0; t <= 4; ++t) {
      const double v = max_y * t / 4;
      svg << "<text x=\"" << x0 - 4 << "\" y=\"" << py(v) + 4 << "\" text-anchor=\"end\">"
          << fmt("%.0fk", v / 1000) << "</text>\n";
      svg << "<line x1=\"" << x0 << "\" y1=\"" << py(v) << "\" x2=\"" << x0 + w << "\" y2=\""
          << py(v) << "\" stroke=\"#eeeeee\"/>\n";
    }
    svg << "<text x=\"" << x0 + w / 2 << "\" y=\"" << y0 + h + 30
        << "\" text-anchor=\"middle\">load (" << sh.shape.unit << ")</text>\n";
    for (const auto& server : o.servers) {
      auto it = sh.steps.find(server);
      if (it == sh.steps.end()) continue;
      std::string points;
      for (const auto& s : it->second) {
        if (!s.ran() || step_at(sh, server, s.load) != &s) continue;  // the deciding runs
        points += fmt("%.1f", px(s.load)) + "," + fmt("%.1f", py(s.per_cpu_second())) + " ";
        svg << "<circle cx=\"" << px(s.load) << "\" cy=\"" << py(s.per_cpu_second())
            << "\" r=\"4\" stroke=\"" << colour.at(server) << "\" fill=\""
            << (s.held() ? colour.at(server) : "white") << "\"/>\n";
        svg << "<text x=\"" << px(s.load) << "\" y=\"" << y0 + h + 14
            << "\" text-anchor=\"middle\">" << s.load << "</text>\n";
      }
      svg << "<polyline fill=\"none\" stroke=\"" << colour.at(server) << "\" points=\"" << points
          << "\"/>\n";
    }
    if (sh.raw && sh.raw->ran()) {
      const double cx = px(sh.raw->load), cy = py(sh.raw->per_cpu_second());
      svg << "<polygon points=\"" << cx << "," << cy - 6 << " " << cx + 6 << "," << cy << " " << cx
          << "," << cy + 6 << " " << cx - 6 << "," << cy << "\" fill=\"" << colour.at("raw")
          << "\"/>\n";
    }
    svg << "</g>\n";
  }
  int lx = 10;
  for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
           {"parley", "parleyd"}, {"janus", "Janus VideoRoom"}, {"raw", "raw loop (diamond)"}}) {
    svg << "<rect x=\"" << lx << "\" y=\"" << height - 22 << "\" width=\"12\" height=\"12\" fill=\""
        << colour.at(key) << "\"/><text x=\"" << lx + 16 << "\" y=\"" << height - 12 << "\">"
        << label << "</text>\n";
    lx += 170;
  }
  svg << "<text x=\"" << lx << "\" y=\"" << height - 12
      << "\">filled: held (loss &lt; 0.5%, p99 &lt; 20 ms); open: not held</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

std::string machine_description() {
  std::string model;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  std::string kernel;
  std::ifstream("/proc/sys/kernel/osrelease") >> kernel;
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, Linux " +
         kernel;
}

// ---------------------------------------------------------------- main

int run(const Options& o) {
  // Before any thread: the namespace, then the tool's own core (threads
  // made from now on inherit it; servers are pinned in their child).
  PrivateNetwork net{"pbench0", "127.0.0.2"};
  if (o.netns) {
    auto n = enter_private_network("127.0.0.2");
    if (!n) {
      std::cerr << "compare_bench: " << n.error().message << "\n";
      if (n.error().code == "netns_unavailable") {
        std::cout << "compare_bench: SKIPPED (no network namespace: " << n.error().message << ")\n";
        return kSkipped;
      }
      return 1;
    }
    net = *n;
  }
  const bool pin = std::thread::hardware_concurrency() > 1;
  if (pin) {
    if (auto st = pin_to_cpu(o.tool_cpu); !st) {
      std::cerr << "compare_bench: " << st.error().message << "\n";
      return 1;
    }
  }
  parley::crypto::init();
  StallProbe probe(pin ? std::vector<int>{o.server_cpu, o.tool_cpu} : std::vector<int>{-1});
  auto vclip = read_ivf(o.video);
  auto aclip = read_ogg_opus(o.audio);
  if (!vclip || !aclip) {
    std::cerr << "compare_bench: " << (!vclip ? vclip.error().message : aclip.error().message)
              << "\n";
    return 1;
  }
  auto video = schedule_video(*vclip, 2.5);
  auto audio = schedule_audio(*aclip);
  if (!video || !audio) {
    std::cerr << "compare_bench: cannot schedule the clips\n";
    return 1;
  }
  const Media media{*audio, *video};
  const auto started = SteadyClock::now();
  const double load_before = load_average();
  std::cout << "compare_bench: " << machine_description() << "; load average " << load_before
            << "\n"
            << "servers pinned to CPU " << (pin ? std::to_string(o.server_cpu) : "-")
            << ", load tool to CPU " << (pin ? std::to_string(o.tool_cpu) : "-")
            << (o.tool_sleeps ? " (sleeps between packets)" : " (busy-polls its sockets)") << "; "
            << o.seconds << " s windows; network namespace "
            << (o.netns ? "of its own" : "inherited") << "; nice " << o.nice << ", Janus on "
            << net.interface << " " << net.address << "\n"
            << "media per publisher: VP8 " << static_cast<int>(video->mean_bitrate / 1000)
            << " kbit/s (" << video->packets.size() * 1'000'000 / video->loop_us
            << " pkts/s) + Opus " << static_cast<int>(audio->mean_bitrate / 1000) << " kbit/s ("
            << audio->packets.size() * 1'000'000 / audio->loop_us << " pkts/s)\n"
            << std::flush;

  std::vector<ShapeOutcome> outcomes;
  std::map<std::string, std::string> srtp;  // server -> the profiles its clients negotiated
  bool flowed = true;
  for (const Shape& shape : shapes_for(o)) {
    ShapeOutcome out;
    out.shape = shape;
    std::cout << "\nshape (" << shape.id << ") " << shape.title << "; load in " << shape.unit
              << ", ladder";
    for (int l : shape.ladder) std::cout << " " << l;
    std::cout << "\n" << std::flush;
    // The servers take turns at each load, so that other work on the
    // machine, which changes over minutes, weighs on both alike.
    std::map<std::string, bool> stepping;
    for (const auto& server : o.servers) {
      stepping[server] = true;
      out.largest_held[server] = 0;
    }
    for (int load : shape.ladder) {
      for (const auto& server : o.servers) {
        if (!stepping[server]) continue;
        // A step not held is run once more, and up to twice more when the
        // probe saw the host stall a core for 20 ms or more: on a machine
        // shared with other work such a stall fails a window's p99 whatever
        // the server. Every run is kept; the last decides.
        Step s;
        for (int attempt = 1; attempt <= 3; ++attempt) {
          if (attempt == 3 && !s.host_stalled()) break;
          s = run_server_step(o, media, server, net, shape, load, probe);
          s.attempt = attempt;
          print_step(s, std::cout);
          std::cout << std::flush;
          if (!s.srtp.empty() && srtp[server].find(s.srtp) == std::string::npos)
            srtp[server] += (srtp[server].empty() ? "" : " ") + s.srtp;
          out.steps[server].push_back(s);
          if (s.held() || !s.ran() || o.check) break;
          if (o.quick && !s.host_stalled()) break;  // quick: no second chance but the host's
        }
        if (s.held()) {
          out.largest_held[server] = load;
          continue;
        }
        // Still stalled by the host on its last run: this load says nothing
        // about the server either way; go on to the next.
        if (s.ran() && s.host_stalled()) {
          out.inconclusive[server].push_back(load);
          continue;
        }
        stepping[server] = false;
        out.limit_note[server] = s.ran() && s.tool_saturated() ? "(tool-bound)" : "";
      }
    }
    for (const auto& server : o.servers)
      if (stepping[server]) out.limit_note[server] = "(or more: top of the ladder)";
    // The load compared: the largest both held, else the first step.
    out.reference = shape.ladder.front();
    for (int load : shape.ladder) {
      bool all = true;
      for (const auto& server : o.servers) {
        const Step* s = step_at(out, server, load);
        all = all && s && s->held();
      }
      if (all) out.reference = load;
    }
    if (o.raw && !o.check) {
      Step r = run_raw_step(o, media, shape, out.reference,
                            parley::media::SrtpProfile::aead_aes_128_gcm, probe);
      print_step(r, std::cout);
      out.raw = r;
    }
    if (o.check)
      for (const auto& server : o.servers) {
        const Step* s = step_at(out, server, shape.ladder.front());
        const bool ok = s && s->ran() && s->warm && s->results.received > 0 &&
                        s->results.subscribers.unprotect_failed == 0;
        std::cout << "check " << server_label(server) << ": "
                  << (ok ? "media flowed from every publisher to every subscriber"
                         : "FAILED: media did not flow")
                  << "\n";
        flowed = flowed && ok;
      }
    outcomes.push_back(std::move(out));
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
  if (o.check) return flowed ? 0 : 1;

  print_table(outcomes, o, std::cout);
  print_targets(outcomes, std::cout);
  std::cout << "SRTP:";
  for (const auto& [server, profiles] : srtp)
    std::cout << " " << server_label(server) << " " << profiles << ";";
  std::cout << " raw loop SRTP_AEAD_AES_128_GCM; run took " << static_cast<int>(elapsed)
            << " s; load average " << load_before << " before, " << load_average() << " after\n";

  Json doc;
  doc["machine"] = machine_description();
  doc["quick"] = o.quick;
  doc["window_seconds"] = o.seconds;
  doc["server_cpu"] = o.server_cpu;
  doc["tool_cpu"] = o.tool_cpu;
  doc["janus_event_loops"] = o.janus_event_loops;
  doc["send_slack_us"] = o.send_slack_us;
  doc["tool_busy_poll"] = !o.tool_sleeps;
  doc["nice"] = o.nice;
  doc["criteria"] = {{"max_loss", kMaxLoss}, {"max_p99_ms", kMaxP99Ms}};
  doc["elapsed_seconds"] = elapsed;
  doc["load_average"] = {{"before", load_before}, {"after", load_average()}};
  Json shapes = Json::array();
  for (const auto& sh : outcomes) {
    Json js = {{"id", sh.shape.id},
               {"title", sh.shape.title},
               {"unit", sh.shape.unit},
               {"ladder", sh.shape.ladder},
               {"reference_load", sh.reference}};
    Json steps = Json::array();
    for (const auto& [server, list] : sh.steps)
      for (const auto& s : list) steps.push_back(step_json(s));
    js["steps"] = steps;
    js["largest_held"] = sh.largest_held;
    js["limit_note"] = sh.limit_note;
    js["host_stalled_loads"] = sh.inconclusive;
    js["raw"] = sh.raw ? step_json(*sh.raw) : Json(nullptr);
    shapes.push_back(js);
  }
  doc["shapes"] = shapes;
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  const fs::path json_path = o.out_dir / "compare_bench.json";
  const fs::path svg_path = o.out_dir / "compare_bench.svg";
  std::ofstream(json_path) << doc.dump(2) << "\n";
  std::ofstream(svg_path) << svg_plot(outcomes, o);
  std::cout << "wrote " << json_path.string() << " and " << svg_path.string() << "\n";
  return 0;
}

// --nice: Linux schedules each session as a group (autogroup) and shares
// the CPU between groups first, so a nice value only weighs against other
// work when set on a group of the benchmark's own. The benchmark runs in a
// child that starts a new session (and with it a new group), which gets the
// value; the parent waits and passes on the exit status. The group ends
// with the child.
Expected<std::optional<int>> run_as_own_group(int nice) {
  std::cout << std::flush;
  const pid_t child = ::fork();
  if (child < 0) return make_error("setup", "fork failed");
  if (child > 0) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return std::optional<int>(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::setsid() < 0) return make_error("setup", "setsid failed");
  std::ofstream group("/proc/self/autogroup");
  group << nice;
  group.close();
  if (!group || ::setpriority(PRIO_PROCESS, 0, nice) != 0)
    return make_error("setup", "cannot set nice " + std::to_string(nice) + " (run as root)");
  return std::optional<int>();  // in the child: go on
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse_args(argc, argv);
  if (!o) return usage_exit("compare_bench", o.error(), usage);
  if (o->nice != 0) {
    auto parent = run_as_own_group(o->nice);
    if (!parent) {
      std::cerr << "compare_bench: " << parent.error().message << "\n";
      return 1;
    }
    if (*parent) return **parent;
  }
  return run(*o);
}
